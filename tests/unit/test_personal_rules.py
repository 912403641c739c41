"""The project's own personal-data rules: the cue lists' file, addresses with their postcode, bank details."""

from __future__ import annotations

import tomllib
from importlib import resources

import pytest

from plan_assistant.guardrails import redact
from plan_assistant.guardrails.personal_rules import CUES_FILE, packaged_cues, parse_cues


def _packaged() -> dict[str, object]:
    text = resources.files("plan_assistant").joinpath("data", CUES_FILE).read_text(encoding="utf-8")
    return tomllib.loads(text)


def test_the_packaged_cues_parse_and_match_across_case_and_spacing():
    cues = packaged_cues()
    assert cues.roles.search("My  Social\tWorker said")
    assert cues.introducers.search("hello, MY NAME IS")
    assert not cues.roles.search("a sonnet about grandsons")  # whole words only
    assert {"my", "our"} <= cues.possessives


@pytest.mark.parametrize("key", ["roles", "introducers", "joiners", "possessives"])
@pytest.mark.parametrize("bad", [[], "carer", ["carer", ""], ["carer", 3]])
def test_a_cue_list_that_is_missing_empty_or_not_phrases_is_refused_with_its_name(key, bad):
    data = {**_packaged(), key: bad}
    with pytest.raises(ValueError, match=key):
        parse_cues(data)


def test_a_postcode_after_a_street_address_goes_with_it_but_alone_it_stays():
    result = redact("I live at 7 Orchard Close, Frome BA11 2XY and use the library")
    assert result.text == "I live at [address removed] and use the library"
    assert redact("is there a library near BA11 2XY?").kinds == ()


@pytest.mark.parametrize(
    ("text", "secret"),
    [("sort code 20-00-00 please", "20-00-00"), ("my account no. 31926819 for the refund", "31926819")],
)
def test_uk_bank_details_are_found_by_their_shape_or_the_words_before_them(text, secret):
    result = redact(text)
    assert result.kinds == ("bank_details",)
    assert secret not in result.text
