"""Checks on generated answers: no contact details or personal data that the sources do not hold."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from plan_assistant.config import Settings
from plan_assistant.guardrails import Guard, check_output

CORPUS = (
    "We will improve digital connectivity. See https://www.somerset.gov.uk/business-plan for details. "
    "Contact the team at plans@somerset.gov.uk or on 0300 123 2224."
)


def constant_embed(texts: Sequence[str]) -> np.ndarray:
    """Every text gets the same unit vector: the output check does not depend on embeddings."""
    rows = np.zeros((len(texts), 8), dtype=np.float32)
    rows[:, 0] = 1.0
    return rows


def test_an_answer_with_only_allowed_contact_details_is_unchanged():
    answer = "See https://www.somerset.gov.uk/business-plan or email plans@somerset.gov.uk (0300 123 2224)."
    assert check_output(answer, CORPUS) == (answer, [])


def test_an_invented_url_is_removed():
    text, removed = check_output("More at https://evil.example.com/phish today.", CORPUS)
    assert text == "More at [link removed] today."
    assert removed == ["url"]


def test_an_invented_markdown_link_keeps_its_label_only():
    text, removed = check_output("Read [the plan](https://evil.example.com/x) now.", CORPUS)
    assert text == "Read the plan now."
    assert removed == ["url"]


def test_an_allowed_markdown_link_is_kept():
    answer = "Read [the plan](https://www.somerset.gov.uk/business-plan)."
    assert check_output(answer, CORPUS) == (answer, [])


def test_an_invented_email_address_is_removed():
    text, removed = check_output("Write to boss@example.org for help.", CORPUS)
    assert text == "Write to [email removed] for help."
    assert removed == ["email"]


def test_an_invented_phone_number_is_removed_but_a_corpus_number_in_another_format_stays():
    text, removed = check_output("Call 07700 900123 or 03001232224.", CORPUS)
    assert text == "Call [phone removed] or 03001232224."
    assert removed == ["phone"]


def test_personal_data_in_an_answer_is_removed_and_only_the_kind_reported():
    text, removed = check_output("Sarah's NHS number is 943 476 5919.", CORPUS)
    assert "943 476 5919" not in text
    assert removed == ["nhs_number"]


def test_figures_and_years_from_the_plan_are_not_touched():
    answer = "The council will invest £6m by 2030 under Outcome 4, Key Priority 2."
    assert check_output(answer, CORPUS) == (answer, [])


def test_the_guard_always_allows_its_own_signposts():
    settings = Settings()
    guard = Guard(settings, constant_embed)
    answer = f"Contact the council at {settings.contact_url} or call Samaritans on 116 123."
    assert guard.check_output(answer, "") == (answer, [])


def test_the_guard_still_removes_unknown_links():
    guard = Guard(Settings(), constant_embed)
    text, removed = guard.check_output("Go to www.example.net now", "")
    assert text == "Go to [link removed] now"
    assert removed == ["url"]
