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
        kept: list[str] = []
        for sentence in sentences:
            if sentence.strip().rstrip(":") == "" or (
                sentence.endswith(":") and len(sentence) < _SCAFFOLD_CHARS
            ):
                continue
            support = find_support(sentence, self.passages, self.embed)
            if support is None:
                self.removed.append(sentence)
                continue
            chunk_id = self.passages[support.passage].chunk.id
            if chunk_id not in self.used:
                self.used[chunk_id] = []
                self.order.append(chunk_id)
            self.used[chunk_id].append(support.sentence)
            kept.append(f"{sentence} [{self.order.index(chunk_id) + 1}]")
        return f"{marker}{' '.join(kept)}" if kept else ""

    def lines(self, deltas: Iterator[str]) -> Iterator[str]:
        """Verify each line of streamed output as it completes; yield only supported lines."""
        buffer = ""
        for delta in deltas:
            buffer += delta
            while "\n" in buffer:
                text, buffer = buffer.split("\n", 1)
                if out := self.line(text):
                    yield out + "\n"
        if buffer.strip() and (out := self.line(buffer)):
            yield out + "\n"
