"""Citations: where in the plan an answer's statements come from, in the document's own words."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from plan_assistant.schemas import Chunk, Citation
from plan_assistant.structural import StructuralAnswer


def where(place: Chunk | Citation) -> str:
    """'Outcome N › Key Priority' (or the section path) of a chunk or citation."""
    if place.outcome is not None:
        return f"Outcome {place.outcome} › {place.priority}" if place.priority else f"Outcome {place.outcome}"
    return place.section


def citation(chunk: Chunk, quote: str) -> Citation:
    """A citation of a chunk with the given quote (the document's own words)."""
    return Citation(
        document=chunk.document_title,
        document_id=chunk.document_id,
        outcome=chunk.outcome,
        outcome_title=chunk.outcome_title,
        priority=chunk.priority,
        section=chunk.section,
        quote=quote,
        chunk_id=chunk.id,
        page=chunk.page,
    )


def cite_sentences(
    chunks: Mapping[str, Chunk], order: Sequence[str], used: Mapping[str, Sequence[int]]
) -> list[Citation]:
    """One citation per chunk in first-use order, quoting the sentences used (joined by ' … ')."""
    citations = []
    for chunk_id in order:
        chunk = chunks[chunk_id]
        quote = " … ".join(chunk.sentences[i].quote for i in sorted(set(used[chunk_id])))
        citations.append(citation(chunk, quote))
    return citations


def reference_line(citations: Sequence[Citation], plan_id: str | None = None) -> str:
    """'**Reference:** [1] Outcome 2 › ...; [2] ...' for advisers and staff to read out or paste; a citation
    from another document than the plan (``plan_id``) is prefixed with that document's title."""
    refs = [
        f"[{n}] {where(c) if plan_id in (None, c.document_id) else f'{c.document} › {where(c)}'}"
        for n, c in enumerate(citations, start=1)
    ]
    return "\n**Reference:** " + "; ".join(refs) + "\n"


def title_chunks(found: StructuralAnswer) -> list[str]:
    """The title chunks an outline answer rests on: its outcome's, then each priority's (or every outcome's)."""
    if found.chunk_ids is not None:
        return list(found.chunk_ids)
    # A question about an outcome's priorities (or about one priority) ranks the priorities first; one about
    # the outcome, the outcome.
    outcome_last = bool(found.priorities) and (
        "priorit" in found.question.lower() or len(found.priorities) == 1
    )
    outcomes = (
        [found.outcome]
        if found.outcome
        else ([] if found.priorities else found.document.outcomes if found.document else [])
    )
    outcome_ids = [c for outcome in outcomes for c in outcome.chunk_ids[:1]]
    priority_ids = [c for priority in found.priorities for c in priority.chunk_ids[:1]]
    return priority_ids + outcome_ids if outcome_last else outcome_ids + priority_ids
