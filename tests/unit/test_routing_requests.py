"""Requests to act, told apart from plan topics: service, personal case and contact, and the signpost."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from plan_assistant.config import Settings
from plan_assistant.guardrails import Guard, replies
from plan_assistant.guardrails.requests import (
    is_case_request,
    is_contact_request,
    is_service_request,
    request_kind,
)
from plan_assistant.guardrails.routing import Router, has_plan_cue


def same_vector(texts: Sequence[str]) -> np.ndarray:
    """Every text embeds the same: similarity never decides, so only the patterns route."""
    return np.full((len(texts), 8), 1 / np.sqrt(8), dtype=np.float32)


SETTINGS = Settings(
    services_url="https://services.example.gov.uk/",
    safeguarding_url="https://safe.example.gov.uk/",
    contact_url="https://contact.example.gov.uk/",
    complaints_url="https://complaints.example.gov.uk/",
)


@pytest.fixture(scope="module")
def guard() -> Guard:
    return Guard(SETTINGS, same_vector)


@pytest.fixture(scope="module")
def router() -> Router:
    return Router(same_vector)


SERVICE_REQUESTS = [
    "report a pothole on my road",
    "Can I pay my council tax by card over the phone?",
    "Where can I renew my library books online?",
    "please can someone collect the mattress dumped by my gate",
    "The bins on our close weren't emptied yesterday",
    "Who do I contact about a fallen tree blocking the footpath?",
    "What time does the records office shut on Fridays?",
    "I need to renew my disabled parking badge",
    "Can you send someone to grit the hill by the school?",
    "There's a broken paving slab outside my house",
    "when will my new recycling box arrive?",
    "How do I object to the building work next door?",
    "Which day is my garden waste picked up?",
    "how to book a ceremony at the register office",
    "I'd like to make a complaint about the state of the verge",
]

CASE_REQUESTS = [
    "Can you log this on his record?",
    "Could you ask my keyworker to ring me?",
    "What's happening with my dad's care assessment?",
    "the client's support worker isn't returning calls",
    "My social worker hasn't called me back",
    "Please make a referral to the early help team",
    "I need to chase my son's EHCP application",
    "Note this on the family's file please",
]

CONTACT_REQUESTS = [
    "can I speak to a human?",
    "is there someone I can call",
    "I want to talk to a real person",
    "what's your phone number",
    "How do I get in touch with the council?",
    "Could somebody ring me back please?",
    "Connect me with someone in customer services",
    "who can I talk to about this",
]

# Plan topics asked about in general: a service or care word alone is never a request.
PLAN_TOPICS = [
    "help with care at home?",
    "what's the council doing about roads?",
    "is there support for carers?",
    "Are potholes a priority?",
    "What is the council doing about school places?",
    "How will the council recruit more social workers?",
    "Tell me about bins and recycling in the plan",
    "Where does council tax money go in the plan?",
    "Can I get help looking after my dad at home?",
    "Does the plan mention blue badges or parking?",
    "what is the number of schools in the county",
    "Could you clear this up for me: what does outcome 2 cover?",
    "What are our commitments on recruitment and retention?",
    "How are we measuring our progress on the economy?",
    "when will my village get fibre broadband",
    "My social worker was brilliant; how is the council supporting social work?",
]


@pytest.mark.parametrize("text", SERVICE_REQUESTS)
def test_a_request_to_do_something_or_use_a_service_is_a_service_request(text):
    assert is_service_request(text)
    assert request_kind(text) == "service"


@pytest.mark.parametrize("text", CASE_REQUESTS)
def test_acting_on_someones_own_case_is_a_case_request(text):
    assert is_case_request(text)
    assert request_kind(text) == "personal_case"


@pytest.mark.parametrize("text", CONTACT_REQUESTS)
def test_asking_for_a_person_to_talk_to_is_a_contact_request(text):
    assert is_contact_request(text)
    assert request_kind(text) == "contact"


@pytest.mark.parametrize("text", PLAN_TOPICS)
def test_a_plan_topic_asked_in_general_is_no_request(text):
    assert request_kind(text) is None


@pytest.mark.parametrize("text", SERVICE_REQUESTS)
def test_a_service_request_alone_takes_the_service_route(router, text):
    decision = router.decide(text)
    assert (decision.route, decision.signpost) == ("service", None)


@pytest.mark.parametrize("text", PLAN_TOPICS)
def test_a_plan_topic_reaches_retrieval_without_a_signpost(guard, text):
    screening = guard.screen(text)
    assert (screening.route, screening.status, screening.signpost) == ("plan", None, None)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("How do I report a pothole, and what does the plan say about highways?", "service"),
        ("Can I talk to someone about the climate strategy?", "contact"),
        ("Please chase my referral; is early help a priority in the plan?", "personal_case"),
    ],
)
def test_a_request_inside_a_plan_question_goes_to_the_plan_with_a_signpost(guard, text, kind):
    assert has_plan_cue(text)
    screening = guard.screen(text)
    assert (screening.route, screening.status, screening.signpost) == ("plan", None, kind)
    assert screening.question == text


@pytest.mark.parametrize(
    ("text", "question", "kind"),
    [
        (
            "My green bin was missed again. What is the council doing about recycling?",
            "What is the council doing about recycling?",
            "service",
        ),
        (
            "Can you put this on her file? What help is there for young carers?",
            "What help is there for young carers?",
            "personal_case",
        ),
        (
            "I'd rather talk to a real person. Does the plan say anything about libraries?",
            "Does the plan say anything about libraries?",
            "contact",
        ),
    ],
)
def test_a_request_beside_a_plan_question_is_set_aside_and_signposted(guard, text, question, kind):
    screening = guard.screen(text)
    assert (screening.route, screening.status, screening.signpost) == ("plan", None, kind)
    assert screening.question == question
    assert not any("can't record" in notice for notice in screening.notices)


def test_context_beside_a_request_does_not_make_it_a_plan_question(guard):
    screening = guard.screen("I live in a village and I'm a pensioner. How do I renew my bus pass?")
    assert (screening.route, screening.status) == ("service", "out_of_scope")


def test_two_kinds_of_request_are_signposted_for_the_stronger(guard):
    text = "Please log this on my file. Also how do I pay the parking fine? What is the plan for transport?"
    assert guard.screen(text).signpost == "personal_case"


@pytest.mark.parametrize("text", CONTACT_REQUESTS)
def test_a_request_for_a_person_gets_the_contact_signpost_not_the_scope_reply(guard, text):
    screening = guard.screen(text)
    assert (screening.route, screening.status) == ("contact", "out_of_scope")
    assert screening.reply is not None
    assert SETTINGS.contact_url in screening.reply
    assert replies.signpost("contact", SETTINGS) in screening.reply
    assert screening.reply != replies.chitchat(SETTINGS)


def test_asking_whether_the_assistant_is_a_person_is_still_small_talk(guard):
    assert guard.screen("Are you a real person?").route == "chitchat"


def test_a_service_request_gets_the_service_reply_with_its_link(guard):
    screening = guard.screen("report a pothole on my road")
    assert (screening.route, screening.status, screening.signpost) == ("service", "out_of_scope", None)
    assert screening.reply is not None and replies.signpost("service", SETTINGS) in screening.reply


def test_a_case_request_alone_gets_the_cannot_record_reply(guard):
    screening = guard.screen("my care coordinator still hasn't rung me back")
    assert (screening.route, screening.status) == ("personal_case", "out_of_scope")
    assert screening.reply is not None and "can't record" in screening.reply


@pytest.mark.parametrize(
    ("kind", "url"),
    [
        ("service", SETTINGS.services_url),
        ("personal_case", SETTINGS.safeguarding_url),
        ("contact", SETTINGS.contact_url),
    ],
)
def test_each_signpost_is_one_paragraph_with_its_link(kind, url):
    text = replies.signpost(kind, SETTINGS)
    assert url in text
    assert "\n" not in text


def test_the_personal_case_signpost_also_gives_the_contact_link():
    assert SETTINGS.contact_url in replies.signpost("personal_case", SETTINGS)


def test_an_unknown_signpost_fails_with_the_kinds_it_knows():
    with pytest.raises(ValueError, match="service, personal_case, contact"):
        replies.signpost("bins", SETTINGS)


def test_a_signpost_without_a_url_names_the_place_in_words():
    settings = Settings(contact_url="", contact_text="the council's contact centre")
    assert replies.signpost("contact", settings).endswith("see the council's contact centre.")


def test_screening_a_question_embeds_it_once(monkeypatch):
    calls: list[str] = []

    def counting(texts: Sequence[str]) -> np.ndarray:
        calls.extend(texts)
        return same_vector(texts)

    guard = Guard(SETTINGS, counting)
    calls.clear()
    guard.screen("What is the council doing for young carers?")
    assert calls == ["What is the council doing for young carers?"]


def test_search_texts_are_embedded_with_the_question_in_one_call():
    batches: list[list[str]] = []

    def counting(texts: Sequence[str]) -> np.ndarray:
        batches.append(list(texts))
        return same_vector(texts)

    guard = Guard(SETTINGS, counting)
    batches.clear()
    screening = guard.screen("What is the council doing for young carers?", lambda q: [f"search: {q}"])
    assert screening.route == "plan"
    assert batches == [
        ["What is the council doing for young carers?", "search: What is the council doing for young carers?"]
    ]
