"""What every answer generator promises."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Protocol

from plan_assistant.schemas import Audience, Passage


class Generator(Protocol):
    """Composes an answer from the given passages only; the engine attaches citations and checks grounding."""

    name: str

    def generate(self, question: str, passages: Sequence[Passage], audience: Audience) -> Iterator[str]:
        """Yield the answer as text deltas (Markdown)."""
        ...


class GeneratorBusyError(RuntimeError):
    """Too many questions are already waiting for the model: try again shortly (HTTP 503)."""
