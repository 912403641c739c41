"""The public-sector glossary: jargon and acronyms with their everyday wordings."""

from __future__ import annotations

import pytest

from plan_assistant.glossary import packaged_glossary, parse

SAMPLE = """
[[terms]]
term = "SEND"
means = "special educational needs and disabilities"
everyday = ["special needs"]

[[terms]]
term = "active travel"
everyday = ["cycling", "walking"]
"""


def test_an_acronym_matches_only_in_capitals() -> None:
    glossary = parse(SAMPLE)
    assert [t.term for t in glossary.found_in("children with SEND")] == ["SEND"]
    assert glossary.found_in("please send me the plan") == []


def test_a_phrase_matches_in_any_case_spacing_or_hyphenation() -> None:
    glossary = parse(SAMPLE)
    assert glossary.wordings("Promote Active-Travel schemes") == ["cycling", "walking"]


def test_wordings_include_what_an_acronym_stands_for() -> None:
    assert parse(SAMPLE).wordings("SEND") == ["special educational needs and disabilities", "special needs"]
    assert parse(SAMPLE).acronyms() == {"SEND": "special educational needs and disabilities"}


def test_an_entry_without_a_term_is_refused() -> None:
    with pytest.raises(ValueError, match="entry 1 has no term"):
        parse('[[terms]]\neveryday = ["x"]\n')


def test_the_packaged_glossary_loads_and_every_term_is_unique() -> None:
    glossary = packaged_glossary()
    terms = [t.term for t in glossary.terms]
    assert len(terms) > 50
    assert len(terms) == len(set(terms))
    assert all(t.everyday for t in glossary.terms)
