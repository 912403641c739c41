"""documents.py: which document a question names, and exact answers about a document from the outline."""

from __future__ import annotations

from datetime import date

import pytest

from plan_assistant.documents import (
    answer_about_document,
    currency,
    currency_note,
    end_year,
    named_document,
    short_title,
)
from plan_assistant.outline import DocumentOutline, LinkedDocument, Outcome, Outline, Section

TODAY = date(2026, 12, 1)
PLAN = DocumentOutline(
    id="fixture-plan",
    title="Fixture County Council Corporate Plan 2020-2022",
    kind="plan",
    period="2020-2022",
    publisher="Fixture County Council",
    outcomes=[Outcome(number=1, title="A greener fixture county")],
    links=[
        LinkedDocument(title="Lantern Strategy", document_id="fixture-lanterns", chunk_ids=["p-9"]),
        LinkedDocument(title="Fixture Ferry Plan", chunk_ids=["p-9"]),
    ],
)
LANTERNS = DocumentOutline(
    id="fixture-lanterns",
    title="Fixture Street Lighting Strategy 2024-2030",
    kind="strategy",
    period="2024-2030",
    publisher="Fixture County Council",
    sections=[
        Section(title="Switching to LED", path="Switching to LED"),
        Section(title="Costs", path="Costs"),
    ],
)
OLD = DocumentOutline(
    id="fixture-old", title="Fixture Parks Strategy", kind="strategy", period="2025-2035", current=False
)
OUTLINE = Outline(documents=[PLAN, LANTERNS, OLD])


def ask(question: str, replaced_by: dict[str, str] | None = None) -> str | None:
    found = answer_about_document(question, OUTLINE, TODAY, replaced_by or {})
    return found.text if found else None


def test_a_period_ends_with_its_last_year() -> None:
    assert end_year("2021-2023") == 2023
    assert end_year("2021/22") == 2022
    assert end_year("") is None


def test_currency_comes_from_the_manifest_flag_then_the_period() -> None:
    assert currency(PLAN, TODAY) == "ended"
    assert currency(LANTERNS, TODAY) == "current"
    assert currency(OLD, TODAY) == "withdrawn"


def test_a_note_names_the_document_and_a_configured_replacement() -> None:
    assert currency_note(LANTERNS, TODAY, {}) is None
    note = currency_note(OLD, TODAY, {"fixture-old": "[the Fixture Green Spaces Plan](https://example.org)"})
    assert note is not None
    assert "Fixture Parks Strategy, which is no longer current" in note
    assert "Fixture Green Spaces Plan" in note
    ended = currency_note(PLAN, TODAY, {})
    assert ended is not None and "period has ended" in ended and "(2020-2022)" not in ended


def test_a_short_title_drops_the_publisher_and_the_years() -> None:
    assert short_title(PLAN) == "Corporate Plan"
    assert short_title(LANTERNS) == "Fixture Street Lighting Strategy"


def test_a_document_is_named_by_title_short_title_or_the_name_its_lister_uses() -> None:
    named = named_document("what does the lantern strategy say about costs?", OUTLINE)
    assert named is not None and named.document is LANTERNS
    named = named_document("does the corporate plan mention parks?", OUTLINE)
    assert named is not None and named.document is PLAN
    assert named_document("what does the plan say about parks?", OUTLINE) is None


def test_a_listed_document_whose_text_is_missing_is_answered_as_not_available() -> None:
    found = answer_about_document(
        "what does the Fixture Ferry Plan say about timetables?", OUTLINE, TODAY, {}
    )
    assert found is not None and not found.found and found.signpost
    assert found.chunk_ids == []
    assert "Corporate Plan lists the Fixture Ferry Plan" in found.text
    assert "isn't available here" in found.text


@pytest.mark.parametrize(
    "question", ["which strategies sit under the corporate plan?", "list the strategic and partnership plans"]
)
def test_the_linked_strategies_are_listed_with_whether_their_text_is_here(question: str) -> None:
    found = answer_about_document(question, OUTLINE, TODAY, {})
    assert found is not None and found.chunk_ids == ["p-9"]
    assert "- Lantern Strategy\n" in found.text
    assert "- Fixture Ferry Plan (its text isn't available here)" in found.text


def test_period_currency_and_publisher_come_from_the_manifest() -> None:
    assert "2020-2022, and that period has ended" in (ask("what years does this plan cover?") or "")
    assert "Yes: the Fixture Street Lighting Strategy 2024-2030 is current" in (
        ask("is the lantern strategy still current?") or ""
    )
    assert "no longer current. It has been replaced by X" in (
        ask("is the fixture parks strategy up to date?", {"fixture-old": "X"}) or ""
    )
    assert "published by Fixture County Council" in (ask("who publishes the corporate plan?") or "")


def test_what_a_named_document_contains_is_its_outcomes_or_its_sections() -> None:
    text = ask("what does the lantern strategy contain?") or ""
    assert "- Switching to LED" in text and "- Costs" in text
    assert "1. A greener fixture county" in (ask("what is in the corporate plan?") or "")


def test_a_question_about_a_topic_within_a_document_is_left_to_retrieval() -> None:
    assert ask("what period of the year will lanterns be switched off?") is None
    assert ask("is the council's work on parks current with its spending?") is None


def test_a_question_that_refers_to_no_document_is_not_about_one() -> None:
    assert ask("when does the new council begin?") is None
