"""MappedText keeps every character's source offset, so a chunk's quote is the document's own words."""

from __future__ import annotations

import re

import pytest

from ingest.chunking import DocumentInfo, chunk_document
from ingest.mapped import INSERTED, MappedText, join, quote_of
from ingest.structure import parse_plan
from tests.conftest import PLAN_TITLE


def collapse(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def plan_chunks(corpus_text: str) -> list:
    parsed = parse_plan(corpus_text, PLAN_TITLE)
    assert parsed is not None
    drafts = chunk_document(DocumentInfo("plan", PLAN_TITLE, "v1"), parsed, corpus_text)
    return [d.chunk for d in drafts]


def test_a_source_slice_maps_each_character_to_its_offset() -> None:
    source = "abc def ghi"
    mapped = MappedText.from_source(source, 4, 7)
    assert mapped.text == "def"
    assert mapped.offsets == (4, 5, 6)
    assert mapped.span() == (4, 7)


def test_text_and_offsets_must_have_the_same_length() -> None:
    with pytest.raises(ValueError):
        MappedText("abc", (0, 1))


def test_strip_and_slice_keep_the_offsets_of_the_characters_they_keep() -> None:
    source = "   padded words  "
    stripped = MappedText.from_source(source).strip()
    assert stripped.text == "padded words"
    assert [source[o] for o in stripped.offsets] == list("padded words")
    assert stripped.slice(7, 12).offsets == tuple(range(10, 15))


def test_inserted_text_has_no_place_in_the_source() -> None:
    joined = join(
        [MappedText.from_source("ab"), MappedText.from_source("ab", 0, 1)], MappedText.inserted(" ")
    )
    assert joined.text == "ab a"
    assert joined.offsets == (0, 1, INSERTED, 0)


def test_a_hyphenating_substitution_keeps_every_letter_offset_and_marks_only_the_hyphen() -> None:
    source = "a strengthbased approach"
    mapped = MappedText.from_source(source).sub(re.compile("strengthbased"), "strength-based")
    assert mapped.text == "a strength-based approach"
    hyphen = mapped.text.index("-")
    assert mapped.offsets[hyphen] == INSERTED
    for char, offset in zip(mapped.text, mapped.offsets, strict=True):
        if offset != INSERTED:
            assert source[offset] == char


def test_a_substitution_that_collapses_spaces_keeps_the_first_space() -> None:
    source = "two    spaces"
    mapped = MappedText.from_source(source).sub(re.compile(r" {2,}"), " ")
    assert mapped.text == "two spaces"
    assert mapped.offsets[3] == 3


def test_the_quote_joins_runs_separated_only_by_whitespace() -> None:
    source = "first line\n\n   second line"
    mapped = join(
        [MappedText.from_source(source, 0, 10), MappedText.from_source(source, 15, 26)],
        MappedText.inserted(" "),
    )
    assert quote_of(mapped, source) == "first line second line"


def test_the_quote_marks_removed_debris_with_an_ellipsis() -> None:
    source = "kept words FOOTER more words"
    mapped = join([MappedText.from_source(source, 0, 10), MappedText.from_source(source, 18, 28)])
    assert quote_of(mapped, source) == "kept words … more words"


def test_the_quote_leaves_out_inserted_characters() -> None:
    source = "a strengthbased approach"
    mapped = MappedText.from_source(source).sub(re.compile("strengthbased"), "strength-based")
    # The source letters run on unbroken, so the quote is the document's own spelling.
    assert quote_of(mapped, source) == source


def test_every_chunk_quote_of_the_plan_is_verbatim_in_the_corpus(corpus_text: str, plan_chunks: list) -> None:
    corpus = collapse(corpus_text)
    pieces = [
        piece
        for chunk in plan_chunks
        for sentence in chunk.sentences
        for piece in sentence.quote.split(" … ")
    ]
    assert len(pieces) >= len(plan_chunks) > 100
    missing = [p for p in pieces if p not in corpus]
    assert not missing, missing[:3]


def test_every_chunk_quote_lies_inside_the_chunk_span(corpus_text: str, plan_chunks: list) -> None:
    for chunk in plan_chunks:
        window = collapse(corpus_text[chunk.start : chunk.end])
        for sentence in chunk.sentences:
            for piece in sentence.quote.split(" … "):
                assert piece in window, (chunk.id, piece)


def test_a_quote_keeps_the_document_spelling_where_the_cleaned_text_repairs_it(plan_chunks: list) -> None:
    chunk = next(c for c in plan_chunks if "Community Connect approach" in c.text)
    assert "strength-based practice" in chunk.text
    assert "strengthbased practice" in chunk.quote
