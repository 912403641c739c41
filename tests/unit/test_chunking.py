"""Chunks follow the plan's structure, fit the embedding window and carry their place in the plan."""

from __future__ import annotations

import re
from itertools import pairwise

import pytest

from ingest.chunking import ChunkDraft, DocumentInfo, chunk_document, split_sentences
from ingest.index import prepare
from ingest.mapped import MappedText
from ingest.structure import Block, ParsedDocument, Part
from plan_assistant.config import Settings
from plan_assistant.embeddings import Embedder
from tests.conftest import CORPUS_DIR, PLAN_TITLE, settings_for

WINDOW = 256  # all-MiniLM-L6-v2 truncates beyond this many word-piece tokens


@pytest.fixture(scope="module")
def plan_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return settings_for(tmp_path_factory.mktemp("chunking"), corpus_dir=CORPUS_DIR)


@pytest.fixture(scope="module")
def prepared(plan_settings: Settings):  # type: ignore[no-untyped-def]
    """The corpus loaded, parsed and chunked exactly as the ingest does it."""
    documents = prepare(plan_settings)
    assert len(documents) == 1
    return documents[0]


@pytest.fixture(scope="module")
def drafts(prepared) -> list[ChunkDraft]:  # type: ignore[no-untyped-def]
    return prepared.drafts


def test_a_chunk_never_straddles_two_key_priorities(prepared, drafts: list[ChunkDraft]) -> None:  # type: ignore[no-untyped-def]
    heads = sorted(
        (p.heading.start, p.priority) for o in prepared.parsed.outcomes for p in o.priorities if p.heading
    )
    assert len(heads) == 21
    for draft in drafts:
        chunk = draft.chunk
        inside = [title for start, title in heads if chunk.start < start < chunk.end]
        assert not inside, (chunk.section, inside)
        if chunk.priority is not None:
            # The chunk lies after its own priority's title and before the next priority's.
            mine = [n for n, (_, title) in enumerate(heads) if title == chunk.priority]
            assert len(mine) == 1
            n = mine[0]
            assert heads[n][0] <= chunk.start
            if n + 1 < len(heads):
                assert chunk.end <= heads[n + 1][0]


def test_every_commitment_chunk_holds_text_of_its_own_priority_only(prepared) -> None:  # type: ignore[no-untyped-def]
    for outcome in prepared.parsed.outcomes:
        for part in outcome.priorities:
            own = " ".join(b.text for b in part.blocks)
            chunks = [d.chunk for d in prepared.drafts if d.chunk.priority == part.priority]
            assert chunks
            for chunk in chunks:
                if chunk.kind == "commitment":
                    assert chunk.text in own


def test_every_embed_text_fits_the_model_window_with_the_real_tokenizer(
    drafts: list[ChunkDraft], embedder: Embedder
) -> None:
    counts = [embedder.count_tokens(d.embed_text) for d in drafts]
    assert max(counts) <= WINDOW, max(counts)


def test_every_chunk_carries_its_metadata(
    corpus_text: str, drafts: list[ChunkDraft], plan_settings: Settings
) -> None:
    outcome_titles = {
        1: "A County Infrastructure that drives recovery",
        2: "Safe vibrant and well-balanced communities",
        3: "Fairer life chances",
        4: "Improved health and wellbeing",
        5: "Meeting the challenges",
    }
    for draft in drafts:
        chunk = draft.chunk
        assert chunk.document_id == "scc-business-plan-2021-2023"
        assert chunk.document_title == PLAN_TITLE
        assert re.fullmatch(r"[0-9a-f]{12}", chunk.document_version)
        assert chunk.section
        assert 0 <= chunk.start < chunk.end <= len(corpus_text)
        assert re.fullmatch(r"[0-9a-f]{64}", chunk.content_hash)
        assert chunk.text and chunk.sentences
        if chunk.kind in ("commitment", "priority"):
            assert chunk.outcome in outcome_titles and chunk.priority
            assert chunk.outcome_title is not None
            assert chunk.outcome_title.startswith(outcome_titles[chunk.outcome])
            assert chunk.section == f"Outcome {chunk.outcome} › {chunk.priority}"
        if chunk.kind == "outcome":
            assert chunk.outcome in outcome_titles and chunk.priority is None
            assert chunk.section == f"Outcome {chunk.outcome}"
        if chunk.kind == "section":
            assert chunk.priority is None
    assert [d.chunk.position for d in drafts] == list(range(len(drafts)))
    assert len({d.chunk.id for d in drafts}) == len(drafts)
    assert len({d.chunk.content_hash for d in drafts}) == len(drafts)


def test_chunks_include_a_title_chunk_for_each_outcome_and_priority(drafts: list[ChunkDraft]) -> None:
    kinds = [d.chunk.kind for d in drafts]
    assert kinds.count("outcome") == 5
    assert kinds.count("priority") == 21
    titles = [d.chunk.text.rstrip(".") for d in drafts if d.chunk.kind == "priority"]
    assert titles == [d.chunk.priority for d in drafts if d.chunk.kind == "priority"]


def test_the_embed_text_leads_with_the_priority_or_section(drafts: list[ChunkDraft]) -> None:
    for draft in drafts:
        chunk = draft.chunk
        if chunk.kind == "commitment":
            assert draft.embed_text.startswith(f"{chunk.priority}. ")
        assert draft.embed_text.endswith(chunk.text)


def test_chunking_is_deterministic(plan_settings: Settings, drafts: list[ChunkDraft]) -> None:
    again = prepare(plan_settings)[0].drafts
    assert [d.chunk for d in again] == [d.chunk for d in drafts]


def test_sentences_split_at_full_stops_but_not_after_abbreviations() -> None:
    text = "We will act, e.g. Planting trees. Then we report. £6m goes to recovery! Done?"
    pieces = [p.text for p in split_sentences(MappedText.from_source(text))]
    assert pieces == [
        "We will act, e.g. Planting trees.",
        "Then we report.",
        "£6m goes to recovery!",
        "Done?",
    ]


def test_a_closing_quote_or_bracket_stays_with_its_sentence_and_offsets_still_map() -> None:
    text = 'The council said "we will act." Then (as promised.) Roads were mended.'
    pieces = split_sentences(MappedText.from_source(text))
    assert [p.text for p in pieces] == [
        'The council said "we will act."',
        "Then (as promised.)",
        "Roads were mended.",
    ]
    assert all(text[slice(*p.span())] == p.text for p in pieces)


def long_section(sentences: int) -> tuple[str, ParsedDocument]:
    source = " ".join(
        f"Fixture sentence number {n} describes a made-up commitment to mend roads, plant trees and "
        f"keep libraries open in fixture town {n}."
        for n in range(sentences)
    )
    block = Block(MappedText.from_source(source), bullet=False, indent=0, start=0, end=len(source))
    part = Part("section", ("Fixture section",), [block])
    return source, ParsedDocument([part], [])


def test_a_long_section_is_split_at_sentence_boundaries_with_one_sentence_of_overlap(
    embedder: Embedder,
) -> None:
    source, parsed = long_section(40)
    assert embedder.count_tokens(source) > 3 * WINDOW
    drafts = chunk_document(
        DocumentInfo("fixture", "Fixture", "v1"), parsed, source, count_tokens=embedder.count_tokens
    )
    assert len(drafts) >= 4
    windows = [[s.text for s in d.chunk.sentences] for d in drafts]
    for chunk_sentences, draft in zip(windows, drafts, strict=True):
        assert embedder.count_tokens(draft.embed_text) <= WINDOW
        assert all(re.fullmatch(r"Fixture sentence number \d+ .*\.", s) for s in chunk_sentences)
        assert source[draft.chunk.start : draft.chunk.end] == draft.chunk.text
    for before, after in pairwise(windows):
        assert before[-1] == after[0]
    # Every sentence is in some chunk, in order.
    seen = [s for n, w in enumerate(windows) for s in (w if n == 0 else w[1:])]
    assert seen == [p.text for p in split_sentences(MappedText.from_source(source))]


def test_short_paragraphs_of_a_section_are_packed_together_but_commitments_stand_alone() -> None:
    source = "First short paragraph.\n\nSecond short paragraph.\n\nThird short paragraph."
    starts = [source.index(w) for w in ("First", "Second", "Third")]
    blocks = [
        Block(
            MappedText.from_source(source, s, source.index(".", s) + 1), False, 0, s, source.index(".", s) + 1
        )
        for s in starts
    ]
    section = ParsedDocument([Part("section", ("Fixture",), blocks)], [])
    priority = ParsedDocument(
        [
            Part(
                "priority",
                ("Outcome 1", "Fixture priority"),
                blocks,
                1,
                "Fixture outcome",
                "Fixture priority",
            )
        ],
        [],
    )
    info = DocumentInfo("fixture", "Fixture", "v1")
    assert [d.chunk.text for d in chunk_document(info, section, source)] == [
        "First short paragraph. Second short paragraph. Third short paragraph."
    ]
    assert [d.chunk.text for d in chunk_document(info, priority, source)] == [
        "First short paragraph.",
        "Second short paragraph.",
        "Third short paragraph.",
    ]
