"""The speller corrects only what it can correct unambiguously, to the documents' own words."""

from __future__ import annotations

import pytest

from plan_assistant.spelling import Speller, english_words

# A made-up document vocabulary, with how often each word is used.
VOCABULARY = {
    "council": 15, "councils": 5, "people": 25, "road": 3, "roads": 2, "money": 2, "many": 1, "flood": 1,
    "food": 3, "environment": 2, "duals": 1, "residents": 4, "broadband": 2, "doing": 1, "join": 2,
}  # fmt: skip


@pytest.fixture(scope="module")
def speller() -> Speller:
    return Speller(VOCABULARY, VOCABULARY)


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        (
            "what is the councle doing",
            "what is the council doing",
        ),  # both forms of "council" lie 2 edits away
        ("help for peple on my raod", "help for people on my road"),
        ("what about the enviroment", "what about the environment"),
        ("is there brodband", "is there broadband"),
    ],
)
def test_a_misspelt_word_becomes_the_document_word_it_means(speller: Speller, typed: str, meant: str) -> None:
    assert speller.correct(typed) == meant


@pytest.mark.parametrize(
    "typed",
    [
        "what is the council doing about the foad",  # "food" or "road": ambiguous, left as typed
        "is there mony for flod defences",  # money/many, food/flood: ambiguous
        "when will the dualling be finished",  # a form of a document word ("duals")
        "what about potholes",  # an English word the documents lack: a topic, not a typo
        "help with my bill in Mynehead",  # capitalised: a name or a place
        "what does SCC say",  # an acronym
    ],
)
def test_known_ambiguous_and_capitalised_words_are_left_as_typed(speller: Speller, typed: str) -> None:
    assert speller.correct(typed) == typed


def test_a_message_in_another_language_is_left_alone(speller: Speller) -> None:
    welsh = "Pryd fydd y cyngor yn trwsio'r ffyrdd yn y sir?"  # when will the council mend the roads?
    polish = "Kiedy rada naprawi drogi w naszym hrabstwie?"
    assert speller.correct(welsh) == welsh
    assert speller.correct(polish) == polish


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("wat r u doin about flooding", "what are you doing about flooding"),
        ("is ur plan gonna help ppl", "is your plan going to help people"),
        ("any info abt roads b4 winter", "any information about roads before winter"),
    ],
)
def test_chat_shorthand_is_written_out(speller: Speller, typed: str, meant: str) -> None:
    assert speller.correct(typed) == meant


@pytest.mark.parametrize(
    "typed",
    [
        "R&D in the U-turn",  # capitalised, or part of a longer word
        "Kiedy rada naprawi drogi u nas?",  # Polish: "u" is a word of its own
        "what is the council doin'",  # an apostrophe makes it a word of its own kind
    ],
)
def test_shorthand_inside_words_or_other_languages_is_left_alone(speller: Speller, typed: str) -> None:
    assert speller.correct(typed) == typed


def test_contractions_typed_without_apostrophes_are_not_corrected(speller: Speller) -> None:
    assert (
        speller.correct("they havent said and theyre not doing it")
        == "they havent said and theyre not doing it"
    )


def test_the_english_word_list_ships_with_the_package() -> None:
    assert len(english_words()) > 80_000 and "council" in english_words()
