"""Verify a generator's output line by line: keep only sentences a passage supports, and remember which."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from plan_assistant.grounding import Embed, find_support, split_line, strip_markers
from plan_assistant.schemas import Passage

_SCAFFOLD_CHARS = 60  # a short line ending in ":" is a model's own "Here is what the plan says:"


@dataclass
class Verifier:
    """Checks answer lines against the passages, recording the supporting sentences in first-use order."""

    passages: Sequence[Passage]
    embed: Embed | None = None
    used: dict[str, list[int]] = field(default_factory=dict)  # chunk id -> supporting sentence indices
    order: list[str] = field(default_factory=list)  # chunk ids in the order the answer first cites them
    removed: list[str] = field(default_factory=list)  # sentences no passage supports

    def reset(self) -> None:
        """Forget what was verified so far (before verifying another generator's output)."""
        self.used.clear()
        self.order.clear()

    def line(self, line: str) -> str:
        """The line's supported sentences, each with its citation marker ('' when none is supported)."""
        marker, sentences = split_line(strip_markers(line))
        kept = [out for sentence in sentences if (out := self.sentence(sentence))]
        return f"{marker}{' '.join(kept)}" if kept else ""

    def sentence(self, sentence: str) -> str:
        """The sentence with its citation marker when a passage supports it, else '' (and it is recorded
        as removed; a short "Here is what the plan says:" is dropped silently)."""
        if sentence.strip().rstrip(":") == "" or (sentence.endswith(":") and len(sentence) < _SCAFFOLD_CHARS):
            return ""
        support = find_support(sentence, self.passages, self.embed)
        if support is None:
            self.removed.append(sentence)
            return ""
        chunk_id = self.passages[support.passage].chunk.id
        if chunk_id not in self.used:
            self.used[chunk_id] = []
            self.order.append(chunk_id)
        self.used[chunk_id].append(support.sentence)
        return f"{sentence} [{self.order.index(chunk_id) + 1}]"

    def pieces(self, deltas: Iterator[str]) -> Iterator[str]:
        """Verify streamed output a sentence at a time: each supported sentence is yielded once the next has
        begun (so a reader sees it while the model writes on), and "\n" once a line with any ends.

        The pieces join to exactly what ``lines`` yields: the splitter decides each sentence end from the
        text up to the next sentence's first character, so a sentence released early is the one the whole
        line would give.
        """
        buffer, done, shown = "", 0, False  # the line so far; its sentences verified; any of them kept

        def verify(text: str, final: bool) -> Iterator[str]:
            nonlocal done, shown
            marker, sentences = split_line(strip_markers(text))
            ready = sentences if final else sentences[:-1]  # the last may still be being written
            for sentence in ready[done:]:
                if out := self.sentence(sentence):
                    yield f" {out}" if shown else f"{marker}{out}"
                    shown = True
            done = max(done, len(ready))

        for delta in deltas:
            buffer += delta
            while "\n" in buffer:
                text, buffer = buffer.split("\n", 1)
                yield from verify(text, final=True)
                if shown:
                    yield "\n"
                done, shown = 0, False
            if buffer.strip():
                yield from verify(buffer, final=False)
        if buffer.strip():
            yield from verify(buffer, final=True)
            if shown:
                yield "\n"

    def lines(self, deltas: Iterator[str]) -> Iterator[str]:
        """Verify each line of streamed output as it completes; yield only supported lines."""
        line = ""
        for piece in self.pieces(deltas):
            line += piece
            if piece == "\n":
                yield line
                line = ""
