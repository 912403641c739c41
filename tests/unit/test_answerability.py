"""Which names a question asks about that the documents never mention (an answerability signal)."""

from __future__ import annotations

from plan_assistant.answerability import VETO, AnswerabilityModel, names_something_unknown, unknown_names


def test_a_name_in_the_askers_situation_is_context_not_the_subject() -> None:
    vocabulary = frozenset({"help", "carers", "council"})
    situation = "My mother has Huntington's and I look after her. Is there help for carers?"
    assert unknown_names(situation, vocabulary) == []
    assert unknown_names("Is there help for carers of people with Huntington's?", vocabulary) == [
        "Huntington"
    ]


VOCABULARY = frozenset(
    {"the", "plan", "fund", "up", "what", "does", "say", "about", "somerset", "works", "council"}
)


def test_a_name_of_two_words_or_more_the_documents_never_use_is_something_unknown() -> None:
    assert names_something_unknown("What does the plan say about the Levelling Up Fund?", VOCABULARY)
    assert not names_something_unknown("What does the plan say about Somerset Works?", VOCABULARY)
    # one unknown capitalised word is left to the fitted model ("Taunton", "A303")
    assert not names_something_unknown("what does the plan say about Taunton", VOCABULARY)
    # a question written in title case names nothing by its capitals
    assert not names_something_unknown("What Does The Plan Say About Potholes Everywhere", VOCABULARY)


def test_the_veto_refuses_whatever_the_probability() -> None:
    model = AnswerabilityModel(
        features=("dense",), mean=(0.0,), scale=(1.0,), weights=(5.0,), bias=0.0, threshold=0.5, chosen_by={}
    )
    assert model.answerable({"dense": 1.0})
    assert not model.answerable({"dense": 1.0, VETO: 1.0})
