"""What the model derives must keep the source's figures and names, read more simply, and say the same."""

from __future__ import annotations

import pytest

from ingest.checks import (
    asks_what_source_lacks,
    check_plain,
    clean_keywords,
    clean_questions,
    figures,
    grade,
    misspelt,
    names,
    overlap,
)

SOURCE = (
    "Create the conditions for businesses to recover, safeguard employment and enable new jobs to be "
    "created via an initial £6m investment in an economic recovery fund in Somerset."
)
GOOD = "The council will put £6m into a fund to help businesses in Somerset recover. It will protect jobs."


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("an initial £6m fund", {"6000000"}),
        ("6 million pounds", {"6000000"}),
        ("£6,000,000", {"6000000"}),
        ("£2.4bn and 15%", {"2400000000", "15%"}),
        ("15 per cent of 1,200 homes", {"15%", "1200"}),
        ("from 2021-2023", {"2021", "2023"}),
        ("four Areas of Outstanding Natural Beauty", {"4"}),
        ("no one is left behind", set()),
        ("services open 24/7", {"24", "7"}),
    ],
)
def test_figures_have_one_canonical_form(text: str, expected: set[str]) -> None:
    assert figures(text) == expected


def test_names_are_capitalised_words_not_opening_a_sentence_and_every_acronym() -> None:
    text = "Support families with SEND. Somerset has Exmoor National Park."
    assert names(text) == {"send", "exmoor", "national", "park"}
    # A sentence may open with a name the document writes mid-sentence elsewhere.
    assert "somerset" in names(text, known={"somerset"})


def test_a_faithful_simpler_rendering_passes_every_check() -> None:
    checks = check_plain(GOOD, SOURCE)
    assert checks.passed
    assert checks.plain_grade <= 8 < checks.source_grade


def test_a_changed_or_dropped_figure_fails_the_figure_check() -> None:
    assert not check_plain(GOOD.replace("£6m", "£7m"), SOURCE).figures
    assert not check_plain(GOOD.replace("£6m ", ""), SOURCE).figures
    assert not check_plain(GOOD + " It starts in 2022.", SOURCE).figures


def test_an_invented_name_or_a_dropped_one_fails_the_name_check() -> None:
    assert not check_plain(GOOD.replace("in Somerset", "in Taunton"), SOURCE).names
    assert not check_plain(GOOD.replace(" in Somerset", ""), SOURCE).names
    # A common word opening a sentence is not a name; a word of the source is allowed in any case.
    assert check_plain("Jobs matter. " + GOOD, SOURCE).names


def test_a_rendering_that_reads_as_hard_as_its_source_fails_the_grade_check() -> None:
    checks = check_plain(SOURCE, SOURCE)
    assert not checks.grade and not checks.passed_but_grade


def test_a_rendering_in_other_words_fails_the_overlap_check() -> None:
    other = "The council will put £6m into Somerset firms so that staff keep their posts and wages."
    assert overlap(other, SOURCE) < 0.5
    assert not check_plain(other, SOURCE).overlap


def test_an_invented_sentence_fails_the_overlap_check_even_beside_faithful_ones() -> None:
    added = GOOD + " This will make Somerset a happier place."
    assert overlap(added, SOURCE) >= 0.5
    assert not check_plain(added, SOURCE).overlap


def test_grade_is_flesch_kincaid() -> None:
    assert grade("The cat sat on the mat.") < 3
    assert grade(SOURCE) > 12


def test_questions_lose_numbering_quotes_duplicates_and_figures_the_source_lacks() -> None:
    raw = [
        '1. "What will the council do for businesses"',
        "Q2: How much is in the £7m fund?",
        "- what will the council do for businesses?",
        "How much is the £6m recovery fund for?",
        "Why " + "really " * 30 + "?",
    ]
    assert clean_questions(raw, SOURCE) == [
        "What will the council do for businesses?",
        "How much is the £6m recovery fund for?",
    ]


def test_keywords_are_short_lower_case_and_deduplicated_but_acronyms_and_names_stay() -> None:
    raw = [
        "1. Jobs",
        "jobs",
        "Economic Recovery Fund",
        "SEND support",
        "£9m",
        "a very long phrase of many words",
        "Somerset businesses",
    ]
    assert clean_keywords(raw, SOURCE) == [
        "jobs",
        "economic recovery fund",
        "SEND support",
        "Somerset businesses",
    ]


def test_a_near_miss_of_a_source_word_or_a_document_name_is_a_misspelling() -> None:
    assert misspelt("What is the plan for Sommerset?", SOURCE)
    assert misspelt("sommerset", "Climate change must be addressed.", known_names={"somerset"})
    assert not misspelt("recovering businesses in Somerset", SOURCE)  # same stems, other forms
    assert not misspelt("climate change", "Climate change must be addressed.", known_names={"somerset"})
    assert clean_keywords(["sommerset", "jobs"], SOURCE) == ["jobs"]


def test_a_question_for_an_amount_or_a_time_needs_a_figure_or_a_date_in_the_source() -> None:
    no_figures = "Support high-productivity growth sectors, including aerospace and agri-tech."
    assert asks_what_source_lacks("How much money is being invested in these sectors?", no_figures)
    assert asks_what_source_lacks("When will this happen?", no_figures)
    assert not asks_what_source_lacks("Which sectors will the council support?", no_figures)
    assert not asks_what_source_lacks("How much is the recovery fund?", SOURCE)
    assert not asks_what_source_lacks("When will the repairs be done?", "Repairs finish in March.")
    assert clean_questions(["How many jobs?", "What sectors get help?"], no_figures) == [
        "What sectors get help?"
    ]
