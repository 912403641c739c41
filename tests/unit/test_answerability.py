"""Which names a question asks about that the documents never mention (an answerability signal)."""

from __future__ import annotations

from plan_assistant.answerability import unknown_names


def test_a_name_in_the_askers_situation_is_context_not_the_subject() -> None:
    vocabulary = frozenset({"help", "carers", "council"})
    situation = "My mother has Huntington's and I look after her. Is there help for carers?"
    assert unknown_names(situation, vocabulary) == []
    assert unknown_names("Is there help for carers of people with Huntington's?", vocabulary) == [
        "Huntington"
    ]
