"""Language detection on py3langid: another language is recognised; English, however short, is not mistaken."""

from __future__ import annotations

import pytest

from plan_assistant.config import Settings
from plan_assistant.guardrails import replies
from plan_assistant.guardrails.language import answers_in_english, detect_language, names


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Pryd fydd y cyngor yn trwsio'r ffyrdd yn y sir?", "cy"),
        ("Diolch yn fawr", "cy"),
        ("Kiedy rada naprawi drogi w naszym hrabstwie?", "pl"),
        ("Dziękuję bardzo", "pl"),
        ("Bună ziua, ce face consiliul pentru transport?", "ro"),
        ("Olá, o conselho pode ajudar?", "pt"),
        ("Labas, ką daro taryba?", "lt"),
        ("Quelles sont les priorités du conseil pour les routes ?", "fr"),
        ("Was plant der Rat für die Schulen?", "de"),
    ],
)
def test_a_message_in_another_language_is_recognised(text: str, language: str) -> None:
    assert detect_language(text) == language


@pytest.mark.parametrize(
    "text",
    [
        "bins?",
        "hello",
        "thanks!",
        "ok",
        "help",
        "potholes",
        "carbon neutral",
        "fuel poverty",
        "bus pass",
        "net zero",
        "SEND transport",
        "Shepton Mallet",
        "Yeovil Taunton Bridgwater",
        "What does the plan say about Llanelli?",
        "Is there help for Polish families, or do I say dzień dobry first?",
        "What is meant by joie de vivre in the plan?",
        "wat is the councle doin for peple",
        "12345",
    ],
)
def test_english_however_short_and_with_foreign_names_stays_english(text: str) -> None:
    assert detect_language(text) is None


def test_a_message_in_another_writing_system_is_not_english() -> None:
    assert detect_language("Благодаря много") is not None
    assert detect_language("مرحبا، ماذا تفعل البلدية؟") == "ar"


def test_every_default_reply_language_has_a_reviewed_line_and_a_name() -> None:
    for code in Settings().reply_languages:
        assert answers_in_english(code) and code in names()


def test_the_line_in_the_language_itself_follows_the_setting() -> None:
    welsh_too = replies.language_notice("cy", Settings(reply_languages=["cy"]))
    english_only = replies.language_notice("cy", Settings(reply_languages=[]))
    assert len(welsh_too) == 2 and "Saesneg" in welsh_too[1]
    assert english_only == welsh_too[:1] and "Welsh" in english_only[0]


def test_a_reply_language_without_a_reviewed_line_stops_start_up_naming_it() -> None:
    with pytest.raises(ValueError, match="xx"):
        Settings(reply_languages=["cy", "xx"])
