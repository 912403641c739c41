"""The words around an answer: lead lines per audience, the not-found reply and premise notes."""

from __future__ import annotations

import pytest

from plan_assistant.compose import (
    CLAIM_NOTE,
    NOT_FOUND_LEAD,
    PREMISE_NOTE,
    abbreviations,
    claim_note,
    lead,
    not_found_text,
    premise_note,
)
from plan_assistant.config import Settings
from tests.fakes import make_chunk, make_passage

TOP = make_chunk("a", ["x."], outcome=2, priority="Work with people to build a climate resilient Somerset")


def test_staff_are_told_the_outcome_and_key_priority_in_the_plans_words() -> None:
    assert "**Outcome 2 › Work with people to build a climate resilient Somerset**" in lead("staff", TOP)


def test_residents_get_the_plain_name_of_the_priority_when_one_was_prepared() -> None:
    text = lead("resident", TOP, plain_place="Helping Somerset cope with climate change")
    assert "**Helping Somerset cope with climate change** (Outcome 2)" in text


def test_advisers_get_a_call_ready_opening() -> None:
    assert lead("adviser", TOP).strip() == "**Tell the caller:**"


def test_the_not_found_reply_says_so_and_signposts(tmp_path: object) -> None:
    settings = Settings(contact_text="the help desk", contact_url="https://example.gov.uk/help")
    text = not_found_text(settings, [])
    assert text.startswith(NOT_FOUND_LEAD)
    assert "[the help desk](https://example.gov.uk/help)" in text
    assert not_found_text(settings, [], signpost="Report it online.").endswith("Report it online.")


def test_a_figure_in_the_question_that_the_passages_lack_gets_a_premise_note() -> None:
    passage = make_passage(make_chunk("a", ["An initial £6m investment."], outcome=1, priority="P"))
    assert premise_note("Is it true the £6m fund became £4m last year?", [passage]) == [PREMISE_NOTE]
    assert premise_note("How big is the £6m fund?", [passage]) == []


@pytest.mark.parametrize(
    "question",
    [
        "caller asking about apprenticeships for her 17 year old",
        "help for my 87-year-old dad",
        "support for carers aged 80 and over",
        "my mum is 87 and can't cope at home",
        "I have 3 kids, is there help with food",
        "she's 16 months old, what about childcare",
        "we have lived in taunton 30 years, what is planned for the town centre",
        "im 80 and dont have a computer",
        "apprenticeships for adults over 25?",
        "is there anything for the over-65s",
        "I'm 72, is there help getting online",
        "I've worked in care for 20 years, what is the plan for carers",
    ],
)
def test_an_age_a_number_of_children_or_how_long_someone_has_lived_there_is_no_premise(question: str) -> None:
    passage = make_passage(make_chunk("a", ["An initial £6m investment."], outcome=1, priority="P"))
    assert premise_note(question, [passage]) == []


@pytest.mark.parametrize(
    "question",
    [
        "will the council build 300 homes for my 2 kids",
        "is it true the fund is 4 million",
        "is the target 50% by 2030",
        "I have been waiting 6 weeks, is the fund 4 million",
    ],
)
def test_a_figure_about_the_plan_beside_a_person_still_gets_the_note(question: str) -> None:
    passage = make_passage(make_chunk("a", ["An initial £6m investment."], outcome=1, priority="P"))
    assert premise_note(question, [passage]) == [PREMISE_NOTE]


@pytest.mark.parametrize(
    ("question", "noted"),
    [
        ("why is the council closing every school?", True),
        ("I heard they want to sell off the parks", True),
        ("caller says the plan stops funding for buses", True),
        ("so the council has given up on the climate then", True),
        ("is it true they are reducing the fund?", False),  # the passage speaks of reducing
        ("is it true the council is being scrapped?", False),  # ... and of disbanding councils
        ("will the council close the gap in school results", False),  # no claim passed on
    ],
)
def test_a_claimed_cut_closure_or_sell_off_the_passages_never_mention_gets_a_note(
    question: str, noted: bool
) -> None:
    passage = make_passage(
        make_chunk(
            "a",
            ["An initial £6m fund, reducing costs.", "Councils will be disbanded."],
            outcome=1,
            priority="P",
        )
    )
    assert claim_note(question, [passage]) == ([CLAIM_NOTE] if noted else [])


def test_closing_a_gap_is_what_a_document_calls_narrowing_it() -> None:
    passage = make_passage(make_chunk("a", ["Narrow the gap in school results."], outcome=3, priority="P"))
    assert claim_note("is it true they are closing the gap in school results?", [passage]) == []


STRATEGY_TOP = TOP.model_copy(
    update={
        "document_id": "fixture-lanterns",
        "document_title": "Fixture Street Lighting Strategy",
        "outcome": None,
        "priority": None,
        "section": "Switching to LED",
    }
)


def test_an_answer_from_another_document_names_it_for_every_audience() -> None:
    assert "Here's what the Fixture Street Lighting Strategy says (**Switching to LED**)" in lead(
        "resident", STRATEGY_TOP, from_plan=False
    )
    assert "covered in the Fixture Street Lighting Strategy under **Switching to LED**" in lead(
        "staff", STRATEGY_TOP, from_plan=False
    )
    assert lead("adviser", STRATEGY_TOP, from_plan=False).strip() == (
        "**Tell the caller** (from the Fixture Street Lighting Strategy):"
    )


def test_an_answer_drawn_from_the_plan_and_a_strategy_names_both_plan_first() -> None:
    also = ["Fixture Street Lighting Strategy"]
    assert "council's plan (**Outcome 2 ›" in lead("resident", TOP, also=also)
    assert lead("resident", TOP, also=also).strip().endswith("and the Fixture Street Lighting Strategy say:")
    assert "Test Business Plan 2021-2023 and the Fixture Street Lighting Strategy" in lead(
        "adviser", TOP, also=also
    )


ACRONYMS = {
    "SEND": "special educational needs and disabilities",
    "VCSE": "voluntary, community and social enterprise",
}


def test_an_answers_abbreviations_are_spelled_out_once_each_in_the_order_used() -> None:
    answer = "- Support children with SEND. [1]\n- Work with the VCSE sector on SEND. [2]"
    assert abbreviations(answer, ACRONYMS) == (
        "SEND means special educational needs and disabilities. "
        "VCSE means voluntary, community and social enterprise."
    )


def test_an_abbreviation_spelled_out_in_the_answer_or_unknown_is_left_alone() -> None:
    assert (
        abbreviations("Invest in the voluntary, community and social enterprise (VCSE) sector.", ACRONYMS)
        == ""
    )
    assert abbreviations("The NHS and the council will work together.", ACRONYMS) == ""
    assert abbreviations("They send letters.", ACRONYMS) == ""  # a word in lower case is not the acronym
