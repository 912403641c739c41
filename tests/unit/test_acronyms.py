"""Acronyms a question may use: spelled out by the documents, or the initials of a name they use."""

from __future__ import annotations

from plan_assistant.retrieval import document_names, expand_acronyms, find_acronyms, name_initials

TEXTS = [
    "We will design and develop the Local Community Networks with parish councils.",
    "Improve outcomes through the Written Statement of Action.\nBuild on the West Somerset Opportunity Area plan.",
    "Work with the Voluntary, Community and Social Enterprise (VCSE) sector.",
]


def test_the_initials_of_a_name_the_documents_use_stand_for_it() -> None:
    initials = name_initials(TEXTS)
    assert initials["LCN"] == "Local Community Networks"
    assert (
        expand_acronyms("LCNs - what are they?", initials)
        == "LCNs - what are they? (Local Community Networks)"
    )


def test_initials_two_names_share_are_not_used() -> None:
    # "Written Statement of Action" (WSoA) and "West Somerset Opportunity Area" (WSOA): no guess between them
    initials = name_initials(TEXTS)
    assert "WSOA" not in initials and initials["WSA"] == "Written Statement of Action"


def test_a_name_of_two_words_gives_no_initials() -> None:
    assert name_initials(["Somerset Works helps young people.", "Talk to Community Connect."]) == {}


def test_an_acronym_the_documents_spell_out_is_found() -> None:
    assert find_acronyms(TEXTS)["VCSE"] == "Voluntary Community and Social Enterprise"


def test_an_english_word_used_as_one_is_no_acronym() -> None:
    acronyms = {
        "SEND": "special educational needs and disabilities",
        "EHCP": "Education, Health and Care Plan",
    }
    assert (
        expand_acronyms("can you send me a copy of the plan", acronyms)
        == "can you send me a copy of the plan"
    )
    assert expand_acronyms("where can i send a complaint", acronyms) == "where can i send a complaint"
    # typed in lower case but used as the acronym, or no English word at all: expanded
    assert expand_acronyms("send support for my son", acronyms).endswith(
        "(special educational needs and disabilities)"
    )
    assert expand_acronyms("caller re ehcp", acronyms).endswith("(Education, Health and Care Plan)")


def test_the_documents_names_and_their_shorter_runs_are_known_in_lower_case() -> None:
    names = document_names(["Build on the work of the Rural Hubs Pilot Area plan.", "Work with partners."])
    assert {"rural hubs pilot area", "rural hubs", "pilot area", "hubs pilot"} <= names
    # a capitalised word opening a sentence alone is no name
    assert not any(n.startswith(("build", "work")) for n in names)
