"""Text that remembers where each character came from in the source file."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

INSERTED = -1  # offset of a character the cleaner added (a hyphen in a re-split word, a joining space)


@dataclass(frozen=True)
class MappedText:
    """A string plus, for each character, its offset in the source (or INSERTED)."""

    text: str
    offsets: tuple[int, ...]

    def __post_init__(self) -> None:
        if len(self.text) != len(self.offsets):
            raise ValueError("text and offsets differ in length")

    @classmethod
    def from_source(cls, source: str, start: int = 0, end: int | None = None) -> MappedText:
        """Map a slice of the source onto itself."""
        end = len(source) if end is None else end
        return cls(source[start:end], tuple(range(start, end)))

    @classmethod
    def inserted(cls, text: str) -> MappedText:
        """Text the cleaner adds, with no place in the source."""
        return cls(text, (INSERTED,) * len(text))

    def __len__(self) -> int:
        return len(self.text)

    def __add__(self, other: MappedText) -> MappedText:
        return MappedText(self.text + other.text, self.offsets + other.offsets)

    def slice(self, start: int, end: int) -> MappedText:
        """The characters in [start, end)."""
        return MappedText(self.text[start:end], self.offsets[start:end])

    def strip(self) -> MappedText:
        """Drop leading and trailing whitespace."""
        stripped = self.text.strip()
        if not stripped:
            return MappedText("", ())
        start = len(self.text) - len(self.text.lstrip())
        return self.slice(start, start + len(stripped))

    def sub(self, pattern: re.Pattern[str], repl: str | Callable[[re.Match[str]], str]) -> MappedText:
        """Regex substitution; replacement characters map to the start of what they replace if it is kept."""
        pieces: list[MappedText] = []
        last = 0
        for match in pattern.finditer(self.text):
            pieces.append(self.slice(last, match.start()))
            new = repl(match) if callable(repl) else match.expand(repl)
            pieces.append(_replacement(self.slice(match.start(), match.end()), new))
            last = match.end()
        pieces.append(self.slice(last, len(self.text)))
        return join(pieces)

    def span(self) -> tuple[int, int]:
        """Smallest source range covering every mapped character."""
        real = [o for o in self.offsets if o != INSERTED]
        if not real:
            return (0, 0)
        return (min(real), max(real) + 1)


def _replacement(matched: MappedText, new: str) -> MappedText:
    # Keep source offsets for replacement text that copies the match character for character (e.g. a
    # single space replacing a run of whitespace keeps the first offset); mark the rest inserted.
    if new == matched.text:
        return matched
    if matched.text.startswith(new):
        return matched.slice(0, len(new))
    if matched.text.endswith(new):
        return matched.slice(len(matched) - len(new), len(matched))
    # Align the replacement with the match in order: "strength-based" for "strengthbased" keeps every
    # letter's offset and marks only the hyphen as inserted.
    offsets = []
    pos = 0
    for ch in new:
        if pos < len(matched) and matched.text[pos].lower() == ch.lower():
            offsets.append(matched.offsets[pos])
            pos += 1
        else:
            offsets.append(INSERTED)
    return MappedText(new, tuple(offsets))


def join(pieces: list[MappedText], sep: MappedText | None = None) -> MappedText:
    """Concatenate pieces, optionally with a separator between them."""
    text: list[str] = []
    offsets: list[int] = []
    for i, piece in enumerate(pieces):
        if sep is not None and i:
            text.append(sep.text)
            offsets.extend(sep.offsets)
        text.append(piece.text)
        offsets.extend(piece.offsets)
    return MappedText("".join(text), tuple(offsets))


_WS = re.compile(r"\s+")


def quote_of(mapped: MappedText, source: str) -> str:
    """The document's own words behind ``mapped``: verbatim source runs, joined by ' … ' across removed debris.

    Runs separated in the source only by whitespace are merged; whitespace is collapsed to single spaces.
    """
    runs: list[list[int]] = []
    for offset in mapped.offsets:
        if offset == INSERTED:
            continue
        if (runs and offset == runs[-1][1]) or (
            runs and offset > runs[-1][1] and not source[runs[-1][1] : offset].strip()
        ):
            runs[-1][1] = offset + 1
        else:
            runs.append([offset, offset + 1])
    pieces = [_WS.sub(" ", source[a:b]).strip() for a, b in runs]
    return " … ".join(p for p in pieces if p)
