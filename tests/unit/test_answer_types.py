"""What a question asks for, and whether a sentence holds it."""

from __future__ import annotations

import pytest

from plan_assistant.answer_types import asked_types, asks_for_list, asks_open, holds, states_asked_figure
from plan_assistant.schemas import Sentence


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("Who chairs the health scrutiny committee?", "person"),
        ("who's the director of children's services", "person"),
        ("What is the name of the cabinet member for transport?", "person"),
        ("how much will the new library cost", "money"),
        ("What's the annual budget for highways?", "money"),
        ("what funding has been set aside for youth clubs", "money"),
        ("How many care homes are there?", "quantity"),
        ("what's the total number of apprentices", "quantity"),
        ("What percentage of roads are in poor condition?", "percentage"),
        ("When will the bridge reopen?", "date"),
        ("what's the timescale for the new school", "date"),
        ("what is the opening date of the new library", "date"),
        ("caller wants the date of the next consultation", "date"),
        ("she's asking who the head of planning is", "person"),
        ("give me the names and phone numbers of the senior management team", "person"),
        ("Which company got the contract for the new leisure centre?", "name"),
        ("what is the new bus service going to be called", "name"),
        ("has the new bridge actually opened yet", "progress"),
        ("how many of the new homes have been built so far?", "progress"),
        ("Did they really finish the cycle path?", "progress"),
        ("which officer is in charge of the youth service", "person"),
        ("how long is the wait for a care needs assessment?", "date"),
        ("caller asks about the waiting times for a school transport appeal", "date"),
        ("whats the name of the new leisure trust", "name"),
        ("what pay rise are care workers getting", "money"),
        ("who is responsible for school transport?", "person"),
        ("caller needs the phone number for adult social care", "contact"),
        ("what's the email address for the highways team", "contact"),
        ("when is the tip open over the bank holiday, opening hours please", "contact"),
    ],
)
def test_a_question_asks_for_a_kind_of_thing(question: str, kind: str) -> None:
    assert kind in asked_types(question)


@pytest.mark.parametrize(
    "question",
    [
        "What is the council doing about flooding?",
        "is there support for carers",
        "what are the priorities",
    ],
)
def test_most_questions_ask_for_no_particular_kind(question: str) -> None:
    assert asked_types(question) == []


def test_entity_labels_decide_what_a_sentence_holds() -> None:
    labelled = Sentence(text="An initial £6m fund.", quote="x", entities=["MONEY"])
    assert holds(labelled, "money")
    assert holds(labelled, "quantity")
    assert not holds(labelled, "person")


def test_without_labels_a_pattern_finds_sums_and_dates_but_never_people() -> None:
    assert holds(Sentence(text="An initial £6m fund.", quote="x"), "money")
    assert holds(Sentence(text="Carbon neutral by 2030.", quote="x"), "date")
    assert not holds(Sentence(text="Led by Jane Smith.", quote="x"), "person")


def test_progress_is_read_from_the_words_even_when_a_sentence_has_entity_labels() -> None:
    assert holds(Sentence(text="The fund has now launched.", quote="x", entities=["MONEY"]), "progress")
    assert not holds(Sentence(text="We will launch a fund.", quote="x", entities=["MONEY"]), "progress")


def test_contact_details_are_held_only_by_a_number_an_address_or_a_link() -> None:
    assert holds(Sentence(text="Call 0300 123 2224 for help.", quote="x", entities=["CARDINAL"]), "contact")
    assert holds(Sentence(text="Write to care@example.org.", quote="x"), "contact")
    assert not holds(Sentence(text="Contact us to find out more.", quote="x", entities=["ORG"]), "contact")


def test_a_name_is_held_by_a_sentence_naming_an_organisation() -> None:
    assert holds(Sentence(text="In partnership with Mencap.", quote="x", entities=["ORG"]), "name")
    assert not holds(Sentence(text="With a strategic partner.", quote="x", entities=["GPE"]), "name")


@pytest.mark.parametrize(
    ("question", "is_open"),
    [
        ("is the council doing anything about loneliness", True),
        ("What does the plan say about bus lanes?", True),
        ("Does the plan mention rural broadband?", True),
        ("A caller asks what the plan says about bus lanes.", True),
        ("How many bus lanes will there be?", False),
        ("who leads the council", False),
    ],
)
def test_an_open_question_asks_what_is_said_about_a_subject(question: str, is_open: bool) -> None:
    assert asks_open(question) is is_open


def test_an_answer_must_state_the_figure_asked_for() -> None:
    assert not states_asked_figure("How much is the fund?", "The council will support businesses.")
    assert states_asked_figure("How much is the fund?", "An initial £6m investment [1].")
    assert states_asked_figure("What is the council doing about roads?", "Anything at all.")


@pytest.mark.parametrize(
    "question",
    [
        "list the principles",
        "What are the council's values?",
        "what challenges for the county does the plan identify",
        "Which strategies are linked to the plan?",
        "what will the partnership consist of",
    ],
)
def test_list_questions_are_recognised(question: str) -> None:
    assert asks_for_list(question)


@pytest.mark.parametrize(
    "question", ["what are they doing about roads", "is the council helping with flooding?", "when is it"]
)
def test_ordinary_questions_are_not_list_questions(question: str) -> None:
    assert not asks_for_list(question)
