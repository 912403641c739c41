"""Citations and the reference line: where in the plan an answer comes from, in the plan's own words."""

from __future__ import annotations

from plan_assistant.cite import cite_sentences, reference_line, where
from tests.fakes import make_chunk

PRIORITY = "Work with people to build a climate resilient Somerset"


def test_where_names_outcome_and_priority_or_the_section() -> None:
    assert where(make_chunk("a", ["x."], outcome=2, priority=PRIORITY)) == f"Outcome 2 › {PRIORITY}"
    assert where(make_chunk("b", ["x."], section="How we will deliver the plan › Principles")) == (
        "How we will deliver the plan › Principles"
    )


def test_each_cited_chunk_quotes_only_the_sentences_used_in_document_order() -> None:
    chunk = make_chunk("a", ["One.", "Two.", "Three."], outcome=2, priority=PRIORITY, quotes=["1", "2", "3"])
    citations = cite_sentences({"a": chunk}, ["a"], {"a": [2, 0, 2]})
    assert [c.quote for c in citations] == ["1 … 3"]
    assert citations[0].outcome == 2 and citations[0].priority == PRIORITY


def test_the_reference_line_numbers_every_citation() -> None:
    chunks = {c.id: c for c in [make_chunk("a", ["x."], outcome=1, priority="P1"), make_chunk("b", ["y."])]}
    line = reference_line(cite_sentences(chunks, ["a", "b"], {"a": [0], "b": [0]}))
    assert line.strip() == "**Reference:** [1] Outcome 1 › P1; [2] Introduction"
