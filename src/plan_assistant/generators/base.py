"""What every answer generator promises."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

from plan_assistant.schemas import Audience, Chunk


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk handed to a generator, with its fused relevance score and dense similarity."""

    chunk: Chunk
    score: float
    similarity: float
    sentence_scores: tuple[float, ...] = ()  # cosine similarity of each chunk sentence to the question


class Generator(Protocol):
    """Composes an answer from the given passages only; the engine attaches citations and checks grounding."""

    name: str

    def generate(self, question: str, passages: Sequence[Passage], audience: Audience) -> Iterator[str]:
        """Yield the answer as text deltas (Markdown)."""
        ...
