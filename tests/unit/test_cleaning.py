"""The cleaner removes PDF-extraction artefacts (footers, bullets, LaTeX debris, glued words), keeping offsets."""

from __future__ import annotations

import pytest

from ingest.cleaning import Line, clean_lines, clean_text, page_furniture, split_joined_words
from ingest.mapped import INSERTED


@pytest.fixture(scope="module")
def plan_lines(corpus_text: str) -> list[Line]:
    return clean_lines(corpus_text)


def line_with(lines: list[Line], needle: str) -> Line:
    return next(line for line in lines if needle in line.text)


def test_the_running_footer_is_found_as_page_furniture(corpus_text: str) -> None:
    assert page_furniture(corpus_text) == {"Improving Lives"}


def test_footer_lines_are_removed_but_the_same_words_inside_a_sentence_stay(plan_lines: list[Line]) -> None:
    assert not [line for line in plan_lines if line.text == "Improving Lives"]
    assert any("Improving Lives Strategy" in line.text for line in plan_lines)


def test_a_short_line_repeated_away_from_page_breaks_is_not_furniture() -> None:
    page = "Para one.\nRepeated line\nPara two.\n\nFixture Footer\n\n\n\n"
    assert page_furniture(page * 3) == {"Fixture Footer"}


def test_a_commitment_cut_by_a_page_footer_loses_the_footer(plan_lines: list[Line]) -> None:
    before = line_with(plan_lines, "enabling our businesses and")
    after = line_with(plan_lines, "communities to thrive whilst reducing")
    between = [line.text for line in plan_lines if before.start < line.start < after.start]
    assert between == []


@pytest.mark.parametrize(
    ("raw_start", "clean_start"),
    [
        (" - $_{\\odot}$ $\\,$ Connect people", "Connect people"),
        (" - \\circ $\\;$ Utilise technology", "Utilise technology"),
        ("- o Support our staff", "Support our staff"),
        (" - o Level of Reserves", "Level of Reserves"),
        ("- · Introduce, embed", "Introduce, embed"),
        ("• Improve outcomes for our Children", "Improve outcomes for our Children"),
    ],
)
def test_bullets_and_latex_debris_are_removed_from_the_start_of_items(
    corpus_text: str, plan_lines: list[Line], raw_start: str, clean_start: str
) -> None:
    line = next(line for line in plan_lines if corpus_text[line.start : line.end].startswith(raw_start))
    assert line.text.startswith(clean_start)
    assert line.bullet


def test_no_cleaned_line_keeps_latex_debris_or_a_bullet_glyph(plan_lines: list[Line]) -> None:
    for line in plan_lines:
        assert "$" not in line.text and "\\" not in line.text, line.text
        assert line.text[:1] not in "-•·◦", line.text
        assert not line.text.startswith("o "), line.text


def test_debris_in_the_middle_of_a_line_is_removed() -> None:
    assert clean_text("Keep this $\\,$ and \\circ this") == "Keep this and this"


def test_glued_words_are_re_split_while_wellbeing_stays(corpus_text: str, plan_lines: list[Line]) -> None:
    fixes = split_joined_words(corpus_text.splitlines())
    assert fixes["wellbalanced"] == "well-balanced"
    assert fixes["strengthbased"] == "strength-based"
    assert fixes["selfimprovement"] == "self-improvement"
    assert "wellbeing" not in fixes
    text = " ".join(line.text for line in plan_lines)
    assert "wellbalanced" not in text and "strengthbased" not in text and "selfimprovement" not in text
    assert "Safe, vibrant and well-balanced communities" in text
    assert "wellbeing" in text and "well-being" not in text


def test_a_glued_word_is_split_only_when_the_document_writes_its_halves_apart() -> None:
    text = "The team is wellorganised.\nAnother team is well organised.\nThe wellbeing of staff matters."
    assert clean_text(text) == (
        "The team is well-organised. Another team is well organised. The wellbeing of staff matters."
    )


def test_a_capitalised_glued_word_keeps_its_capital() -> None:
    text = "Selfimprovement comes first.\nWe value self improvement."
    assert clean_text(text).startswith("Self-improvement comes first.")


def test_every_kept_character_maps_back_to_the_same_character_in_the_source(
    corpus_text: str, plan_lines: list[Line]
) -> None:
    for line in plan_lines:
        for char, offset in zip(line.text, line.mapped.offsets, strict=True):
            if offset == INSERTED:
                assert char == "-", line.text
            elif char.isspace():
                assert corpus_text[offset].isspace()
            else:
                assert corpus_text[offset] == char, (line.text, offset)
