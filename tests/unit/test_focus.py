"""What the search embeds: the question's topic, without scaffolding or a place relative to the asker."""

from __future__ import annotations

import pytest

from plan_assistant.retrieval import focus, has_topic, topic_stems
from plan_assistant.text import stems


@pytest.mark.parametrize(
    ("question", "topic"),
    [
        ("does the plan say anything about bus services near me", "bus services"),
        ("any help for carers round here", "any help for carers"),
        ("are there plans for libraries where we live", "are there plans for libraries"),
        ("what is being done about pothole repairs in my area", "pothole repairs"),
        # the same scaffolding in reported speech, as an adviser passes a question on
        ("caller asks what the council is doing about youth clubs", "caller asks youth clubs"),
        ("she wants to know what they are planning for bus stops", "she wants to know bus stops"),
        ("caller asks if the council is doing anything for young carers", "caller asks young carers"),
        ("can the council help me get broadband", "help me get broadband"),
        # one topic word is searched alone; with nothing left the question stays as it is
        ("is the council doing anything about litter near us", "litter"),
        ("what is the council doing about it", "what is the council doing about it"),
    ],
)
def test_a_place_relative_to_the_asker_and_the_scaffolding_are_dropped(question: str, topic: str) -> None:
    assert focus(question) == topic


def test_a_message_that_is_only_a_place_is_kept() -> None:
    assert focus("near me") == "near me"


def test_a_named_place_is_kept() -> None:
    assert focus("what is planned for roads in Taunton") == "what is planned for roads in Taunton"


@pytest.mark.parametrize(
    ("message", "topic"),
    [
        ("Caller wants to know about help with energy bills", "help with energy bills"),
        ("a lady asking about apprenticeships for her son", "apprenticeships for her son"),
        (
            "The caller's asking whether there is support for young carers",
            "there is support for young carers",
        ),
        ("Resident would like to know if the buses will improve", "the buses will improve"),
        # where the person is, a second verb, a relative "who": still the frame
        ("lady on the phone asking about help with energy bills", "help with energy bills"),
        ("gentleman from Yeovil asking whether roads will improve", "roads will improve"),
        ("caller says her son is struggling at school", "her son is struggling at school"),
        ("Caller says she wants to know about libraries", "libraries"),
        ("I have a gentleman who is asking about libraries", "I have libraries"),
    ],
)
def test_an_advisers_reporting_frame_is_not_part_of_the_topic(message: str, topic: str) -> None:
    assert topic_stems(message) == tuple(stems(topic))


def test_the_same_words_as_a_topic_are_kept() -> None:
    assert topic_stems("support for residents asking for help") == tuple(
        stems("support for residents asking for help")
    )
    assert topic_stems("what will residents who said they want buses get") == tuple(
        stems("what will residents who said they want buses get")
    )


@pytest.mark.parametrize(
    ("message", "topic"),
    [
        ("List the challenges in the plan", "the challenges"),
        ("Name the principles", "the principles"),
        ("can you summarise the climate commitments", "the climate commitments"),
        ("what are the challenges the plan lists", "what are the challenges"),
    ],
)
def test_a_requests_verb_is_scaffolding_not_topic(message: str, topic: str) -> None:
    assert focus(message) == topic
    assert topic_stems(focus(message)) == tuple(stems(topic))


def test_the_same_verb_inside_a_topic_is_kept() -> None:
    assert topic_stems("how long is the waiting list for care") == tuple(
        stems("how long is the waiting list for care")
    )
    assert topic_stems("list challenges") == tuple(stems("challenges"))


def test_a_frame_after_the_callers_situation_starts_the_question() -> None:
    message = "her dad has just come out of hospital and she wants to know about help with meals"
    assert topic_stems(message) == tuple(stems("help with meals"))
    assert topic_stems("he is asking about school transport") == tuple(stems("school transport"))


@pytest.mark.parametrize(
    ("question", "topic"),
    [
        # the document named as what reports a thing: "listed in the plan", "does the plan identify"
        ("what are the challenges listed in the plan", "what are the challenges"),
        ("which risks does the plan identify", "which risks"),
        # all scaffolding: the question is about the plan itself
        ("what is the plan", "what is the plan"),
    ],
)
def test_the_document_reporting_a_topic_is_scaffolding(question: str, topic: str) -> None:
    assert topic_stems(question) == tuple(stems(topic))


@pytest.mark.parametrize(
    ("question", "topic"),
    [
        ("What does the plan say about ?", False),
        ("Does the plan mention ?", False),
        ("Caller wants to know about", False),
        ("who is", False),
        ("my carer is late, what about carers?", True),
        ("what about buses near me", True),
    ],
)
def test_a_question_has_a_topic_only_with_words_beyond_its_scaffolding(question: str, topic: bool) -> None:
    assert has_topic(question) is topic


@pytest.mark.parametrize(
    ("message", "topic"),
    [
        ("whats happening with schools", "schools"),
        ("hi there, what is going on with flooding? thanks", "flooding"),
        ("Hello, I was wondering if there is help for carers", "is help for carers"),
        ("any news on the new council", "the new council"),
        ("what's the latest on apprenticeships, thank you very much", "apprenticeships"),
        ("is the council going to fix the roads", "fix the roads"),
        ("im worried about my kids education", "my kids education"),
        ("we're really concerned about flooding in the village", "flooding in the village"),
    ],
)
def test_everyday_talk_around_a_question_is_not_its_topic(message: str, topic: str) -> None:
    # Words no document uses ("happening", "wondering", "thanks") would otherwise count as topics the
    # documents lack and turn an answerable question into a refusal.
    assert topic_stems(message) == tuple(stems(topic))


@pytest.mark.parametrize("message", ["hello there", "thanks very much", "what is happening"])
def test_talk_without_a_subject_has_no_topic(message: str) -> None:
    assert not has_topic(message)


def test_the_same_words_inside_a_topic_are_kept() -> None:
    assert topic_stems("support for people going into care") == tuple(
        stems("support for people going into care")
    )
    assert topic_stems("what has happened to the library") == tuple(stems("what has happened to the library"))
