"""Remove the artefacts of PDF-to-text extraction while keeping every character's source offset."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from ingest.mapped import MappedText

# Bullet glyphs and the LaTeX-like debris PDF extraction leaves at the start of list items.
_LEAD = re.compile(r"^(?:\s|[-–•·◦▪●∙*]|o(?=\s)|\$[^$\n]{0,30}\$|\\[a-zA-Z]+|\\[,;:!])+")
_DEBRIS = re.compile(r"\$[^$\n]{0,30}\$|\\(?:circ|odot|bullet|cdot)\b|\\[,;:!]")
_SPACES = re.compile(r"[ \t\u00a0]{2,}|[\t\u00a0]")
_WORD = re.compile(r"[A-Za-z]+")
_BULLET_GLYPH = re.compile(r"^\s*(?:[-–•·◦▪●∙*]|o(?=\s)|\$[^$\n]{0,30}\$|\\[a-zA-Z]+)")

# Prefixes that English writes with a hyphen; PDF extraction drops the hyphen at a line break
# ("wellbalanced", "strengthbased", "selfimprovement").
HYPHEN_PREFIXES = ("well", "self", "strength", "cross", "multi", "non", "long", "short", "user", "place")


@dataclass
class Line:
    """Cleaned text with source offsets, whether it began as a bullet, and its indent: a line or a block."""

    mapped: MappedText
    bullet: bool
    indent: int
    start: int
    end: int

    @property
    def text(self) -> str:
        """The cleaned text."""
        return self.mapped.text


def page_furniture(source: str, min_repeats: int = 3, max_len: int = 40) -> frozenset[str]:
    """Short lines repeated through a document at page breaks (a run of blank lines): running footers."""
    lines = source.splitlines()
    at_break: Counter[str] = Counter()
    for i, line in enumerate(lines):
        text = line.strip()
        if not 0 < len(text) <= max_len:
            continue
        after = lines[i + 1 : i + 3]
        if len(after) < 2 or not any(s.strip() for s in after):
            at_break[text] += 1
    return frozenset(text for text, n in at_break.items() if n >= min_repeats)


def split_joined_words(lines: Iterable[str]) -> dict[str, str]:
    """Words glued across a line break, mapped to their hyphenated form, judged against the document itself."""
    texts = list(lines)
    words = Counter(w.lower() for t in texts for w in _WORD.findall(t))
    joined_text = " ".join(texts).lower()
    fixes: dict[str, str] = {}
    for word, count in words.items():
        for prefix in HYPHEN_PREFIXES:
            rest = word[len(prefix) :]
            if not word.startswith(prefix) or len(rest) < 4:
                continue
            hyphenated = f"{prefix}-{rest}"
            # Rewrite only a rare glued form whose halves the document uses elsewhere: "wellbeing", used
            # throughout, stays as written.
            seen_split = hyphenated in joined_text or f"{prefix} {rest}" in joined_text
            if seen_split or (count == 1 and words.get(rest, 0) + _stem_count(words, rest) > 0):
                fixes[word] = hyphenated
    return fixes


def _stem_count(words: Counter[str], rest: str) -> int:
    return sum(
        n for w, n in words.items() if w != rest and w.startswith(rest[:-1]) and len(w) <= len(rest) + 2
    )


def clean_lines(source: str) -> list[Line]:
    """Source text -> cleaned non-empty lines, footers and debris removed, offsets kept."""
    furniture = page_furniture(source)
    fixes = split_joined_words(source.splitlines())
    fix_pattern = (
        re.compile(r"\b(" + "|".join(sorted(map(re.escape, fixes), key=len, reverse=True)) + r")\b", re.I)
        if fixes
        else None
    )
    lines: list[Line] = []
    offset = 0
    for raw in source.splitlines(keepends=True):
        start, end = offset, offset + len(raw.rstrip("\r\n"))
        offset += len(raw)
        body = source[start:end]
        if not body.strip() or body.strip() in furniture:
            continue
        mapped = MappedText.from_source(source, start, end)
        bullet = bool(_BULLET_GLYPH.match(body))
        indent = len(body) - len(body.lstrip(" "))
        mapped = mapped.sub(_LEAD, "").sub(_DEBRIS, " ").sub(_SPACES, " ")
        if fix_pattern is not None:
            mapped = mapped.sub(fix_pattern, lambda m: _keep_case(m.group(0), fixes[m.group(0).lower()]))
        mapped = mapped.strip()
        if mapped.text:
            lines.append(Line(mapped, bullet, indent, start, end))
    return lines


def _keep_case(original: str, fixed: str) -> str:
    return fixed[0].upper() + fixed[1:] if original[:1].isupper() else fixed


def clean_text(text: str) -> str:
    """Clean a free string the same way (for display of text that has no source offsets)."""
    return " ".join(line.text for line in clean_lines(text))
