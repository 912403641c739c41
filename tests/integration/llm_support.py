"""Real passages of the plan for the tests that run a language model (local or over HTTP)."""

from __future__ import annotations

from pathlib import Path

from plan_assistant.config import PROJECT_ROOT
from plan_assistant.schemas import Chunk, Passage

CORPUS = PROJECT_ROOT / "corpus" / "somerset-county-council-business-plan-2021-2023.txt"
OUTCOME_1 = (
    "A County Infrastructure that drives recovery, supports economic prosperity, productivity "
    "and sustainable public services."
)


def corpus_passage(text: str, start_marker: str, end_marker: str, priority: str, after: str) -> Passage:
    """A passage cut verbatim from the corpus between two markers, placed under Outcome 1."""
    start = text.index(start_marker, text.index(after))
    end = text.index(end_marker, start)
    chunk = Chunk(
        id=f"it-{start}",
        document_id="somerset-county-council-business-plan-2021-2023",
        document_title="Somerset County Council Business Plan 2021-2023",
        document_version="test",
        text=text[start:end].strip(),
        outcome=1,
        outcome_title=OUTCOME_1,
        priority=priority,
        section=f"Outcome 1 › {priority}",
        position=0,
        start=start,
        end=end,
        content_hash="test",
    )
    return Passage(chunk=chunk, score=0.5, similarity=0.6)


def plan_passages() -> list[Passage]:
    """The recovery-fund and transport priorities of Outcome 1, cut verbatim from the corpus."""
    text = Path(CORPUS).read_text(encoding="utf-8")
    # The detailed Outcome 1 section, not the summary list of priorities near the top.
    after = "Beneath each outcome are the Key Priorities"
    return [
        corpus_passage(
            text,
            "- Drive economic recovery through inclusive growth",
            "- Improve transport, infrastructure",
            "Drive economic recovery through inclusive growth",
            after,
        ),
        corpus_passage(
            text,
            "- Improve transport, infrastructure",
            "Improving Lives",
            "Improve transport, infrastructure and digital connectivity",
            after,
        ),
    ]
