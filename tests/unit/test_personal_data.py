"""Finding and redacting UK personal data, and leaving near misses alone."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from plan_assistant.guardrails import redact
from plan_assistant.guardrails.personal_data import MARKERS


@pytest.mark.parametrize(
    ("text", "kind", "secret"),
    [
        ("My name is Sarah Jones and I need help", "name", "Sarah Jones"),
        ("my name is john smith, what about schools?", "name", "john smith"),
        ("The caller is Peter Brown.", "name", "Peter Brown"),
        ("Hi, I'm Leontyne. What are the priorities?", "name", "Leontyne"),
        ("This is Bartholomew from Community Connect.", "name", "Bartholomew"),
        ("Mrs Okafor rang about her care package", "name", "Okafor"),
        ("my son Jack needs help with his reading", "name", "Jack"),
        (
            "What is the plan for schools?\n\nKind regards,\nWinifred Oakhampton",
            "name",
            "Winifred Oakhampton",
        ),
        ("email me at jo.bloggs+council@example.co.uk please", "email", "jo.bloggs+council@example.co.uk"),
        ("ring me on 07700 900123", "phone", "07700 900123"),
        ("my mobile is 07700900123", "phone", "07700900123"),
        ("landline 01823 355455", "phone", "01823 355455"),
        ("call (01823) 355455 after six", "phone", "(01823) 355455"),
        ("from abroad try +44 7700 900123", "phone", "+44 7700 900123"),
        ("or +44 (0)1823 355455", "phone", "+44 (0)1823 355455"),
        ("the helpline 0300 123 4567", "phone", "0300 123 4567"),
        ("NHS number 943 476 5919", "nhs_number", "943 476 5919"),
        ("his number is 9434765919 on the letter", "nhs_number", "9434765919"),
        ("NI number CE 12 34 56 A", "ni_number", "CE 12 34 56 A"),
        ("national insurance ab123456c", "ni_number", "ab123456c"),
        ("DOB: 12/03/1985", "date_of_birth", "12/03/1985"),
        ("she was born on 3rd March 2015", "date_of_birth", "3rd March 2015"),
        ("date of birth 1985-03-12", "date_of_birth", "1985-03-12"),
        ("the letter was dated 14/02/2022", "date", "14/02/2022"),
        ("card 4111 1111 1111 1111 expires soon", "card_number", "4111 1111 1111 1111"),
        ("card number 4111111111111111", "card_number", "4111111111111111"),
        ("sort code 12-34-56", "bank_details", "12-34-56"),
        ("account number 12345678 please refund", "bank_details", "12345678"),
        ("I live at 12 High Street, Taunton", "address", "12 High Street"),
        ("she is at Flat 3, 27 Mill Bridge Road", "address", "Flat 3, 27 Mill Bridge Road"),
        ("we live at 4 station road near the school", "address", "4 station road"),
    ],
)
def test_each_kind_of_personal_data_is_found_and_replaced(text, kind, secret):
    result = redact(text)
    assert kind in result.kinds
    assert secret not in result.text
    assert MARKERS[kind] in result.text


@pytest.mark.parametrize(
    "text",
    [
        "I live in TA1 2AB, what is happening locally?",
        "BS1 4DJ",
        "What will the council do by 2030?",
        "The plan covers 2021-2023 and the 2020 report.",
        "The council will invest £6m in broadband and £12.5 million in roads.",
        "What does Outcome 4 say about health?",
        "Tell me about Key Priority 3 under Outcome 2",
        "1. Economy 2. Climate 3. Fairness 4. Health 5. Innovation",
        "Progress was reviewed in April 2023.",
        "How is Year 11 attainment being improved?",
        "I'm worried about the roads. I'm a carer and I'm disabled.",
        "I am writing to ask about the climate plan",
        "The caller is worried about her mum.",
        "There are 15 National Nature Reserves and Exmoor National Park.",
        "Outcome 1 Drive economic recovery through inclusive growth",
        "Somerset has 4 Areas of Outstanding Natural Beauty.",
        "Over 100,000 people use the service, up 12% since 2019.",
        "Is 40 miles of new cycle path planned?",
        "care@home and remote monitoring",
        "Between 2021 2022 2023 2024 the council will review progress.",
        "Call 999 in an emergency, NHS 111 or Samaritans on 116 123.",
        "What about the A303 and the M5?",
    ],
)
def test_near_misses_pass_untouched(text):
    result = redact(text)
    assert result.text == text
    assert result.kinds == ()


def test_kinds_are_reported_once_each_without_values():
    result = redact("Call 07700 900123 or 07700 900456, I'm Tom")
    assert result.kinds == ("phone", "name")
    assert "07700" not in " ".join(result.kinds)


def test_the_question_around_the_personal_data_is_kept():
    result = redact("My name is Ann Lee, email ann@example.com. What is the plan for buses?")
    assert result.text == "My name is [name removed], email [email removed]. What is the plan for buses?"


def test_a_ten_digit_number_with_a_wrong_check_digit_is_not_an_nhs_number():
    assert "nhs_number" in redact("NHS number 943 476 5919").kinds
    assert "nhs_number" not in redact("NHS number 943 476 5918").kinds


def test_luhn_checksum_separates_cards_from_other_long_numbers():
    assert "card_number" in redact("order 4111 1111 1111 1111").kinds
    assert "card_number" not in redact("order 4111 1111 1111 1112").kinds


_PIECES = st.sampled_from(
    [
        "my name is ",
        "Sarah Jones",
        "I'm ",
        "07700 900123",
        "+44 ",
        "a@b.co.uk",
        "943 476 5919",
        "CE 12 34 56 A",
        "DOB ",
        "12/03/1985",
        "4111 1111 1111 1111",
        "12-34-56",
        "12 High Street",
        "TA1 2AB",
        "2030",
        "£6m",
        " ",
        "\n",
        ", ",
        ". ",
        "[",
        "]",
        "removed",
        "Mr ",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), st.lists(_PIECES | st.text(max_size=5), max_size=12).map("".join)))
def test_redaction_is_idempotent_and_only_grows_by_its_markers(text):
    result = redact(text)
    assert redact(result.text).text == result.text
    marker_chars = sum(len(marker) * result.text.count(marker) for marker in MARKERS.values())
    assert len(result.text) - marker_chars <= len(text)
    assert set(result.kinds) <= set(MARKERS)
