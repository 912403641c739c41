"""The plan's structure is recovered: outcomes, key priorities, commitments and the sections around them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingest.headings import Heading
from ingest.structure import ParsedDocument, parse_generic, parse_plan
from tests.conftest import PLAN_TITLE

EXPECTED = json.loads((Path(__file__).parents[1] / "data" / "expected_outline.json").read_text())

# Commitments under each key priority, counted by hand in the corpus file (detailed section).
COMMITMENTS_PER_PRIORITY = {
    1: [4, 3, 2, 4],
    2: [5, 3, 7, 2],
    3: [6, 2, 5, 5],
    4: [1, 2, 2, 3],
    5: [4, 4, 2, 5, 7],
}


@pytest.fixture(scope="module")
def plan(corpus_text: str) -> ParsedDocument:
    parsed = parse_plan(corpus_text, PLAN_TITLE)
    assert parsed is not None
    return parsed


def priority(plan: ParsedDocument, title_start: str):  # type: ignore[no-untyped-def]
    return next(p for o in plan.outcomes for p in o.priorities if (p.priority or "").startswith(title_start))


def test_the_outline_has_the_five_outcomes_and_21_priorities_of_the_detailed_section(
    plan: ParsedDocument,
) -> None:
    got = [
        {"number": o.number, "title": o.title, "priorities": [p.priority for p in o.priorities]}
        for o in plan.outcomes
    ]
    assert got == EXPECTED["outcomes"]
    assert sum(len(o.priorities) for o in plan.outcomes) == 21


def test_each_priority_sits_under_its_outcome(plan: ParsedDocument) -> None:
    for outcome in plan.outcomes:
        for part in outcome.priorities:
            assert part.kind == "priority"
            assert part.outcome == outcome.number
            assert part.outcome_title == outcome.title
            assert part.path == (f"Outcome {outcome.number}", part.priority)


def test_the_detailed_wording_wins_over_the_summary_listing(plan: ParsedDocument) -> None:
    titles = [p.priority or "" for o in plan.outcomes for p in o.priorities]
    assert not [t for t in titles if t.startswith("Ensure access")]
    assert any(t.startswith("Improve access and opportunities") for t in titles)
    assert any("so that they are safe, healthy, and" in t for t in titles)
    assert not any("so that they are healthy, safe" in t for t in titles)
    assert plan.outcomes[3].title.endswith("more people living healthy lives for longer")


def test_the_summary_listing_is_not_indexed_as_text(plan: ParsedDocument) -> None:
    text = " ".join(b.text for part in plan.parts for b in part.blocks)
    assert "Ensure access" not in text
    assert "healthy, safe, and" not in text


@pytest.mark.parametrize("number", [1, 2, 3, 4, 5])
def test_commitments_are_counted_per_priority(plan: ParsedDocument, number: int) -> None:
    outcome = plan.outcomes[number - 1]
    assert [len(p.blocks) for p in outcome.priorities] == COMMITMENTS_PER_PRIORITY[number]


def test_a_commitment_continued_across_a_page_break_is_one_commitment(plan: ParsedDocument) -> None:
    transport = priority(plan, "Improve transport, infrastructure")
    assert len(transport.blocks) == 3
    last = transport.blocks[-1].text
    assert last.startswith("Connect people to the information")
    assert "enabling our businesses and communities to thrive whilst reducing the carbon emissions" in last
    assert "Improving Lives" not in last

    ways = priority(plan, "Introduce, embed and maximise")
    assert any("develop the leaders of the future. Continuously improve" in b.text for b in ways.blocks)


def test_a_commitment_wrapped_over_several_lines_is_one_commitment(plan: ParsedDocument) -> None:
    access = priority(plan, "Improve access and opportunities")
    first = access.blocks[0].text
    assert first.startswith("Improve education through better teaching, leadership and curriculum through")
    assert first.endswith("getting to grips with curriculum reform.")


def test_the_sections_outside_the_outcomes_are_found(plan: ParsedDocument) -> None:
    sections = {part.path for part in plan.parts if part.kind == "section"}
    assert {
        ("The Plan for Somerset",),
        ("Our Outcomes",),
        ("How we will deliver the plan", "Principles"),
        ("How we will deliver the plan", "Workforce"),
        ("How we will deliver the plan", "Partners"),
        ("How we will deliver the plan", "Finances"),
        ("How we will deliver the plan", "Strategic Context"),
        ("How we will evidence delivery of the plan",),
    } <= sections
    for part in plan.parts:
        if part.kind == "section":
            assert part.outcome is None and part.priority is None


def test_the_sections_hold_their_own_text(plan: ParsedDocument) -> None:
    def text_of(path: tuple[str, ...]) -> str:
        return " ".join(b.text for p in plan.parts if p.path == path for b in p.blocks)

    assert "Somerset deserves the best services" in text_of(("The Plan for Somerset",))
    assert "finite resources" in text_of(("How we will deliver the plan", "Finances"))
    assert "quarterly performance report" in text_of(("How we will evidence delivery of the plan",))
    assert "Our Principles: The council will work to a set of principles" in text_of(
        ("How we will deliver the plan", "Principles")
    )


def test_parts_come_in_document_order(plan: ParsedDocument) -> None:
    starts = [part.blocks[0].start for part in plan.parts if part.blocks]
    assert starts == sorted(starts)


def test_each_priority_remembers_its_title_line(corpus_text: str, plan: ParsedDocument) -> None:
    for outcome in plan.outcomes:
        assert outcome.heading is not None and outcome.heading.text.rstrip(".") == outcome.title
        for part in outcome.priorities:
            assert part.heading is not None
            assert part.heading.text.rstrip(".") == part.priority
            assert " ".join(corpus_text[part.heading.start : part.heading.end].split()).endswith(
                part.heading.text
            )


SYNTHETIC_PLAN = """Fixture Plan 2030

Welcome

This fixture plan exists only for tests. It is not a council document.

Outcome 1

Cleaner rivers for every fixture town

Key Priorities

- Reduce sewage spills
 - Inspect every outfall twice a year.
 - Publish spill data each month.
- Restore wetlands
 - Plant reed beds along two rivers.

Better buses after dark

Key Priorities

- Run buses later
 - Extend evening timetables to eleven at night.
 - Light every rural bus stop.

How we will report

We publish a yearly fixture report.
"""


def test_a_plan_without_a_summary_listing_finds_priorities_from_indented_bullets() -> None:
    parsed = parse_plan(SYNTHETIC_PLAN, "Fixture Plan 2030")
    assert parsed is not None
    assert [(o.number, o.title) for o in parsed.outcomes] == [
        (1, "Cleaner rivers for every fixture town"),
        (2, "Better buses after dark"),  # no "Outcome 2" label: the number counts on
    ]
    assert [[p.priority for p in o.priorities] for o in parsed.outcomes] == [
        ["Reduce sewage spills", "Restore wetlands"],
        ["Run buses later"],
    ]
    assert [len(p.blocks) for o in parsed.outcomes for p in o.priorities] == [2, 1, 2]
    sections = {p.path: " ".join(b.text for b in p.blocks) for p in parsed.parts if p.kind == "section"}
    assert sections[("Welcome",)].startswith("This fixture plan exists only for tests.")
    assert sections[("How we will report",)] == "We publish a yearly fixture report."


def test_a_document_without_key_priorities_is_not_a_plan() -> None:
    assert parse_plan("Fixture notes\n\nJust some paragraphs of text.\n", "Fixture notes") is None


def heading(text: str, title: str, level: int) -> Heading:
    start = text.index(title)
    return Heading(start=start, end=start + len(title), level=level, title=title)


def test_parse_generic_follows_headings_as_a_stack_by_level() -> None:
    text = (
        "Opening words before any heading.\n\n"
        "Fixture Strategy\n\nIntro paragraph.\n\n"
        "Aims\n\nFirst aim paragraph.\n\n"
        "Detail\n\nDetail paragraph.\n\n"
        "Targets\n\nTarget paragraph.\n"
    )
    headings = [
        heading(text, "Fixture Strategy", 1),
        heading(text, "Aims", 2),
        heading(text, "Detail", 3),
        heading(text, "Targets", 2),
    ]
    parsed = parse_generic(text, headings)
    assert parsed.outcomes == []
    got = [(p.path, " ".join(b.text for b in p.blocks)) for p in parsed.parts]
    assert got == [
        (("Introduction",), "Opening words before any heading."),
        (("Fixture Strategy",), "Intro paragraph."),
        (("Fixture Strategy", "Aims"), "First aim paragraph."),
        (("Fixture Strategy", "Aims", "Detail"), "Detail paragraph."),
        (("Fixture Strategy", "Targets"), "Target paragraph."),
    ]


def test_parse_generic_skips_a_heading_with_no_text_under_it() -> None:
    text = "Empty heading\n\nFull heading\n\nSome text.\n"
    parsed = parse_generic(text, [heading(text, "Empty heading", 1), heading(text, "Full heading", 1)])
    assert [p.path for p in parsed.parts] == [("Full heading",)]
