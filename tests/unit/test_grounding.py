"""Grounding: figures, line splitting and the support thresholds, as pure functions."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pytest

from plan_assistant.grounding import (
    LEXICAL_SUPPORT,
    SEMANTIC_SUPPORT,
    content_words,
    figures,
    figures_supported,
    find_support,
    split_line,
    split_sentences,
    strip_markers,
)
from tests.fakes import make_chunk, make_passage

CARBON = "Work with our partners towards making Somerset a Carbon Neutral County by 2030."
FUND = (
    "Create the conditions for businesses to recover via an initial £6m investment in an economic "
    "recovery fund."
)


def _passages() -> list:
    climate = make_chunk(
        "climate",
        [CARBON, "Ensure flood prevention remains a focus for the protection of communities."],
        outcome=2,
        priority="Work with people to build a climate resilient Somerset",
    )
    economy = make_chunk(
        "economy", [FUND], outcome=1, priority="Drive economic recovery through inclusive growth"
    )
    return [make_passage(climate), make_passage(economy)]


def _embed_with_cosine(cosine: float):  # type: ignore[no-untyped-def]
    """An embed function under which the question and every candidate sentence have this cosine."""

    def embed(texts: Sequence[str]) -> np.ndarray:
        first = np.array([1.0, 0.0], dtype=np.float32)
        other = np.array([cosine, math.sqrt(1 - cosine**2)], dtype=np.float32)
        return np.stack([first, *[other for _ in texts[1:]]])

    return embed


# ------------------------------------------------------------------ figures


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("£6 million", "£6m"),
        ("an initial £6m investment", "an initial £6 million investment"),
        ("£1.5 billion", "£1.5bn"),
        ("by 2030.", "by 2030"),
        ("10 %", "10%"),
    ],
)
def test_figures_normalise_equivalent_spellings_to_the_same_value(left: str, right: str) -> None:
    assert figures(left) == figures(right)
    assert figures(left)


def test_figures_finds_money_percentages_years_and_plain_numbers() -> None:
    found = figures("An initial £6m fund, 15 reserves, 20% more and carbon neutral by 2030.")
    assert found == {"£6m", "15", "20%", "2030"}


def test_figures_ignores_text_without_digits() -> None:
    assert figures("Work with people to build a climate resilient Somerset.") == set()


def test_a_figure_written_as_million_is_supported_by_the_same_figure_written_as_m() -> None:
    assert figures_supported("The fund is £6 million.", FUND)


def test_an_invented_figure_is_not_supported() -> None:
    assert not figures_supported("The fund is £9m.", FUND)
    assert not figures_supported("Carbon neutral by 2040.", CARBON)


def test_a_sentence_without_figures_is_supported_by_any_source() -> None:
    assert figures_supported("Flood prevention remains a focus.", CARBON)


# ------------------------------------------------------------------ splitting


def test_split_line_keeps_a_dash_bullet_marker_and_splits_its_sentences() -> None:
    marker, sentences = split_line("- Flood prevention remains a focus. Carbon neutral by 2030.")
    assert marker == "- "
    assert sentences == ["Flood prevention remains a focus.", "Carbon neutral by 2030."]


@pytest.mark.parametrize(
    ("line", "marker"),
    [("* Item one.", "* "), ("• Item one.", "• "), ("1. Item one.", "1. "), ("2) Item one.", "2) ")],
)
def test_split_line_recognises_star_dot_and_numbered_markers(line: str, marker: str) -> None:
    assert split_line(line) == (marker, ["Item one."])


def test_split_line_without_a_marker_returns_an_empty_marker_and_drops_bold() -> None:
    assert split_line("**Tell the caller:** the plan covers this.") == (
        "",
        ["Tell the caller: the plan covers this."],
    )


def test_split_sentences_does_not_split_inside_a_figure_or_before_a_lower_case_word() -> None:
    assert split_sentences("An initial £6.5m fund. e.g. this stays. Next one.") == [
        "An initial £6.5m fund. e.g. this stays.",
        "Next one.",
    ]


def test_content_words_drop_stop_words_and_single_letters() -> None:
    assert content_words("We will work with our partners on a plan for Somerset") == {
        "work",
        "partners",
        "plan",
        "somerset",
    }


# ------------------------------------------------------------------ find_support


def test_a_passage_sentence_quoted_exactly_is_its_own_support() -> None:
    support = find_support(CARBON, _passages())
    assert support is not None
    assert (support.passage, support.sentence) == (0, 0)
    assert support.lexical == 1.0


def test_support_is_found_in_the_right_passage_and_sentence() -> None:
    support = find_support("Flood prevention remains a focus for communities.", _passages())
    assert support is not None
    assert (support.passage, support.sentence) == (0, 1)


def test_lexical_overlap_at_the_threshold_supports_without_embeddings() -> None:
    # five content words, three of them in the source: exactly the lexical threshold
    sentence = "Partners making Somerset neutral elephants giraffes."
    words = content_words(sentence)
    overlap = len(words & content_words(CARBON)) / len(words)
    assert overlap >= LEXICAL_SUPPORT
    assert find_support(sentence, _passages()) is not None


def test_lexical_overlap_below_the_threshold_without_embeddings_is_no_support() -> None:
    sentence = "Partners making elephants giraffes zebras."  # two of five content words
    assert find_support(sentence, _passages()) is None


def test_semantic_similarity_above_the_threshold_supports_a_paraphrase() -> None:
    sentence = "Elephants giraffes zebras."  # no shared words at all
    assert find_support(sentence, _passages(), _embed_with_cosine(SEMANTIC_SUPPORT + 0.02)) is not None


def test_semantic_similarity_below_the_threshold_without_shared_words_is_no_support() -> None:
    sentence = "Elephants giraffes zebras."
    assert find_support(sentence, _passages(), _embed_with_cosine(SEMANTIC_SUPPORT - 0.02)) is None


def test_moderate_similarity_with_half_the_words_supports() -> None:
    sentence = "Partners making Somerset elephants giraffes zebras."  # three of six content words
    assert find_support(sentence, _passages()) is None
    assert find_support(sentence, _passages(), _embed_with_cosine(0.52)) is not None
    assert find_support(sentence, _passages(), _embed_with_cosine(0.48)) is None


def test_a_sentence_with_an_invented_figure_is_not_supported_even_with_every_word_shared() -> None:
    invented = CARBON.replace("2030", "2040")
    assert find_support(invented, _passages(), _embed_with_cosine(0.99)) is None


def test_a_money_figure_in_other_words_is_supported() -> None:
    support = find_support(
        "An initial £6 million investment in an economic recovery fund helps businesses recover.", _passages()
    )
    assert support is not None
    assert support.passage == 1


def test_a_sentence_of_only_stop_words_has_no_support() -> None:
    assert find_support("It is as it is, and so on.", _passages(), _embed_with_cosine(0.99)) is None


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            "The approach is described in Passage P1, which sets out the commitment.",
            "The approach is described in the plan, which sets out the commitment.",
        ),
        ("Passages P2 and P3 list the principles.", "the plan list the principles."),
        (
            'It is described in <passage id="P1">, which sets out the commitment.</passage>',
            "It is described in the plan, which sets out the commitment.",
        ),
        ("The council will grit the roads [P2].", "The council will grit the roads."),
        ("The council will grit the roads (P1, P3) [2].", "The council will grit the roads."),
        ("Form P60 and 2 passages of text stay.", "Form P60 and 2 passages of text stay."),
    ],
)
def test_the_prompts_passage_labels_never_reach_the_answer(line: str, expected: str) -> None:
    assert strip_markers(line) == expected
