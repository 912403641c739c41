"""The ingest into a temporary Chroma with the real model: idempotent, incremental, atomic, and its CLI."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from ingest.derived import DerivedEntry, DerivedFile, ModelInfo, derived_path, save_derived, sentence_key
from ingest.index import IngestError, prepare, run_ingest
from plan_assistant.config import PROJECT_ROOT, Settings
from plan_assistant.embeddings import Embedder
from plan_assistant.factory import serving_generation
from plan_assistant.outline import Outline
from plan_assistant.store import chunk_from_record, make_client
from tests.conftest import CountingEmbedder, MakeSettings
from tests.fixtures.make_fixtures import (
    write_corrupt_pdf,
    write_sample_docx,
    write_sample_html,
    write_sample_markdown,
    write_sample_pdf,
)
from tests.integration.test_retrieval import open_retriever

SUMMARY = re.compile(
    r"^(\d+) documents, (\d+) outcomes, (\d+) priorities, (\d+) chunks; .+; (\d+\.\d) s$", re.MULTILINE
)

FIXTURES: dict[str, tuple[str, Callable[[Path], Path]]] = {
    "fixture-roads": ("roads.md", write_sample_markdown),
    "fixture-parks": ("parks.html", write_sample_html),
    "fixture-travel": ("travel.pdf", write_sample_pdf),
    "fixture-libraries": ("libraries.docx", write_sample_docx),
}


def write_manifest(corpus: Path, entries: dict[str, str]) -> None:
    """Describe each file (id -> file name) as a made-up strategy."""
    tables = [
        f'[[documents]]\nid = "{doc_id}"\nfile = "{name}"\ntitle = "Fixture {doc_id}"\n'
        'publisher = "Fixture Council"\nkind = "strategy"\nperiod = "2021-2023"\nsource = "provided"\n'
        "current = true\n"
        for doc_id, name in entries.items()
    ]
    (corpus / "manifest.toml").write_text("\n".join(tables), encoding="utf-8")


def fixture_corpus(settings: Settings, *doc_ids: str) -> dict[str, str]:
    """Write the named fixture documents and their manifest into the settings' corpus folder."""
    settings.corpus_dir.mkdir(parents=True, exist_ok=True)
    entries = {}
    for doc_id in doc_ids:
        name, write = FIXTURES[doc_id]
        write(settings.corpus_dir / name)
        entries[doc_id] = name
    write_manifest(settings.corpus_dir, entries)
    return entries


def served(settings: Settings, part: str = "chunks") -> Any:
    """One collection (chunks, sentences or questions) of the index generation in service."""
    client = make_client(settings)
    return client.get_collection(getattr(serving_generation(settings, client), f"{part}_collection"))


def stored(settings: Settings) -> dict[str, dict]:
    """Chunk id -> metadata, as the store holds it."""
    got = served(settings).get(include=["metadatas"])
    return dict(zip(got["ids"], got["metadatas"], strict=True))


def stored_text(settings: Settings, chunk_id: str) -> str:
    """The text the store holds for one chunk."""
    got = served(settings).get(ids=[chunk_id])
    return str(got["documents"][0])


def stored_sentence_owners(settings: Settings) -> set[str]:
    got = served(settings, "sentences").get(include=["metadatas"])
    return {str(m["chunk_id"]) for m in got["metadatas"]}


def cli(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    """Run ``python -m ingest`` as a person would, pointed at the settings' folders."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLAN_ASSISTANT_")}
    env.update(
        PLAN_ASSISTANT_CORPUS_DIR=str(settings.corpus_dir),
        PLAN_ASSISTANT_DATA_DIR=str(settings.data_dir),
        HF_HUB_OFFLINE="1",
    )
    return subprocess.run(
        [sys.executable, "-m", "ingest", *args],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def never_load() -> Embedder:
    raise AssertionError("the model was loaded although nothing needed embedding")


# ---------------------------------------------------------------- the real corpus


def test_the_real_corpus_is_indexed_with_its_outline(built_index: Settings) -> None:
    metadata = stored(built_index)
    assert len(metadata) > 100
    assert {m["document_id"] for m in metadata.values()} == {"scc-business-plan-2021-2023"}
    assert {m["outcome"] for m in metadata.values() if "outcome" in m} == {1, 2, 3, 4, 5}
    assert len({m["priority"] for m in metadata.values() if "priority" in m}) == 21
    assert stored_sentence_owners(built_index) == set(metadata)
    outline = Outline.load(built_index.outline_path)
    (plan,) = outline.documents
    assert [len(o.priorities) for o in plan.outcomes] == [4, 4, 4, 4, 5]
    listed = {c for o in plan.outcomes for c in o.chunk_ids} | {
        c for o in plan.outcomes for p in o.priorities for c in p.chunk_ids
    }
    listed |= {c for s in plan.sections for c in s.chunk_ids}
    assert listed == set(metadata)


def test_reingest_of_unchanged_corpus_changes_nothing(built_index: Settings) -> None:
    before = stored(built_index)
    outline_before = built_index.outline_path.read_bytes()
    report = run_ingest(built_index, never_load, progress=False)
    assert not report.changed
    assert (report.added, report.deleted, report.updated) == (0, 0, 0)
    assert "nothing changed" in report.summary()
    assert stored(built_index) == before
    assert built_index.outline_path.read_bytes() == outline_before
    assert (report.documents, report.outcomes, report.priorities, report.chunks) == (1, 5, 21, len(before))


# ---------------------------------------------------------------- incremental, on fixture corpora


def test_editing_a_document_re_embeds_only_its_changed_chunks(
    make_settings: MakeSettings, tmp_path: Path, embedder: Embedder
) -> None:
    settings = make_settings(tmp_path)
    fixture_corpus(settings, "fixture-roads", "fixture-parks")
    first = run_ingest(settings, lambda: embedder, progress=False)
    before = stored(settings)
    assert first.added == first.chunks == len(before)

    roads = settings.corpus_dir / "roads.md"
    roads.write_text(
        roads.read_text().replace("Closing words. ##", "Closing words: fixture gritters go out at dawn."),
        encoding="utf-8",
    )
    counting = CountingEmbedder(embedder)
    second = run_ingest(settings, lambda: counting, progress=False)
    after = stored(settings)

    new_ids = set(after) - set(before)
    assert second.changed and second.changed_documents == ["fixture-roads"]
    assert second.added == len(new_ids) == 1
    assert second.deleted == len(set(before) - set(after)) == 1
    (new_id,) = new_ids
    assert "gritters go out at dawn" in stored_text(settings, new_id)
    # Only the new chunk and its sentences went through the model; nothing of the parks page did.
    assert any("gritters go out at dawn" in t for t in counting.texts)
    assert not any("Plant more trees" in t or "parks" in t for t in counting.texts)
    assert len(counting.texts) == 1 + len(
        served(settings, "sentences").get(where={"chunk_id": new_id})["ids"]
    )
    # The roads chunks that did not change keep their vectors and are re-labelled with the new version.
    unchanged_roads = [i for i in after if i in before and after[i]["document_id"] == "fixture-roads"]
    assert unchanged_roads and second.updated == len(unchanged_roads)
    assert all(after[i]["document_version"] != before[i]["document_version"] for i in unchanged_roads)
    parks = [i for i in before if before[i]["document_id"] == "fixture-parks"]
    assert all(after[i] == before[i] for i in parks)


def test_removing_a_document_deletes_its_chunks_and_sentences(
    make_settings: MakeSettings, tmp_path: Path, embedder: Embedder
) -> None:
    settings = make_settings(tmp_path)
    fixture_corpus(settings, "fixture-roads", "fixture-parks")
    run_ingest(settings, lambda: embedder, progress=False)
    before = stored(settings)
    parks = {i for i, m in before.items() if m["document_id"] == "fixture-parks"}
    assert parks

    (settings.corpus_dir / "parks.html").unlink()
    write_manifest(settings.corpus_dir, {"fixture-roads": "roads.md"})
    report = run_ingest(settings, never_load, progress=False)

    after = stored(settings)
    assert report.deleted == len(parks) and report.added == 0
    assert report.changed_documents == ["fixture-parks"]
    assert set(after) == set(before) - parks
    assert not stored_sentence_owners(settings) & parks
    assert [d.id for d in Outline.load(settings.outline_path).documents] == ["fixture-roads"]


def test_rebuild_starts_from_scratch(make_settings: MakeSettings, tmp_path: Path, embedder: Embedder) -> None:
    settings = make_settings(tmp_path)
    fixture_corpus(settings, "fixture-roads")
    first = run_ingest(settings, lambda: embedder, progress=False)
    before = stored(settings)
    counting = CountingEmbedder(embedder)
    report = run_ingest(settings, lambda: counting, rebuild=True, progress=False)
    assert report.rebuilt and report.changed
    assert report.added == report.chunks == first.chunks
    assert len(counting.texts) > report.chunks  # every chunk and every sentence embedded again
    assert stored(settings) == before


# ---------------------------------------------------------------- atomic: a failed ingest keeps the old index


@pytest.mark.parametrize(
    ("name", "write", "cause"),
    [
        ("broken.pdf", write_corrupt_pdf, "not a readable PDF"),
        ("empty.txt", lambda p: p.write_bytes(b"") or p, "empty file"),
        ("latin1.txt", lambda p: p.write_bytes(b"caf\xe9 society\n") or p, "UTF-8"),
    ],
)
def test_an_unreadable_document_fails_the_ingest_naming_it_and_leaves_the_index_alone(
    make_settings: MakeSettings,
    tmp_path: Path,
    embedder: Embedder,
    name: str,
    write: Callable[[Path], Path],
    cause: str,
) -> None:
    settings = make_settings(tmp_path)
    entries = fixture_corpus(settings, "fixture-roads")
    run_ingest(settings, lambda: embedder, progress=False)
    before, outline = stored(settings), settings.outline_path.read_bytes()

    write(settings.corpus_dir / name)
    write_manifest(settings.corpus_dir, {**entries, "fixture-bad": name})
    with pytest.raises(IngestError, match=re.escape(name) + ".*" + re.escape(cause)):
        run_ingest(settings, never_load, progress=False)
    assert stored(settings) == before
    assert settings.outline_path.read_bytes() == outline


def test_a_bad_manifest_fails_the_ingest_and_leaves_the_index_alone(
    make_settings: MakeSettings, tmp_path: Path, embedder: Embedder
) -> None:
    settings = make_settings(tmp_path)
    fixture_corpus(settings, "fixture-roads")
    run_ingest(settings, lambda: embedder, progress=False)
    before = stored(settings)
    (settings.corpus_dir / "notes.txt").write_text("Nobody described this fixture file.\n")
    with pytest.raises(IngestError, match=r"notes\.txt: not described"):
        run_ingest(settings, never_load, progress=False)
    assert stored(settings) == before


def test_the_cli_fails_on_a_corrupt_pdf_naming_it_while_the_old_index_still_answers(
    make_settings: MakeSettings, tmp_path: Path, embedder: Embedder
) -> None:
    settings = make_settings(tmp_path)
    entries = fixture_corpus(settings, "fixture-roads", "fixture-parks")
    run_ingest(settings, lambda: embedder, progress=False)
    before = stored(settings)

    write_corrupt_pdf(settings.corpus_dir / "broken.pdf")
    write_manifest(settings.corpus_dir, {**entries, "fixture-broken": "broken.pdf"})
    result = cli(settings, "--quiet")

    assert result.returncode != 0
    assert "broken.pdf" in result.stderr
    assert "not a readable PDF" in result.stderr
    assert "previous index" in result.stderr
    assert result.stdout == ""
    assert stored(settings) == before
    passages = open_retriever(settings, embedder).search("When will potholes be fixed?")
    assert passages
    assert passages[0].chunk.document_id == "fixture-roads"
    assert "potholes" in passages[0].chunk.text.lower()


# ---------------------------------------------------------------- the CLI


def test_the_cli_rebuild_re_embeds_everything_with_a_progress_bar_and_a_summary(
    make_settings: MakeSettings, tmp_path: Path, embedder: Embedder
) -> None:
    settings = make_settings(tmp_path)
    fixture_corpus(settings, "fixture-roads", "fixture-travel")
    run_ingest(settings, lambda: embedder, progress=False)
    collection = served(settings)
    target = collection.get(limit=1, include=["embeddings"])
    chunk_id, good = target["ids"][0], np.asarray(target["embeddings"][0])
    # Spoil one stored vector: an incremental ingest trusts the store and leaves it; only a rebuild mends it.
    collection.update(ids=[chunk_id], embeddings=[(-good).tolist()])
    assert not run_ingest(settings, never_load, progress=False).changed

    result = cli(settings, "--rebuild")

    assert result.returncode == 0, result.stderr
    match = SUMMARY.search(result.stdout)
    assert match, result.stdout
    documents, outcomes, priorities, chunks = (int(g) for g in match.groups()[:4])
    assert (documents, outcomes, priorities) == (2, 0, 0)
    assert chunks == len(stored(settings))
    assert f"embedded {chunks}" in result.stdout
    assert "Embedding chunks" in result.stderr and "100%" in result.stderr  # tqdm's bar
    mended = served(settings).get(ids=[chunk_id], include=["embeddings"])
    assert float(np.dot(mended["embeddings"][0], good)) > 0.99


def test_the_cli_status_reports_corpus_and_index(
    make_settings: MakeSettings, tmp_path: Path, embedder: Embedder
) -> None:
    settings = make_settings(tmp_path)
    fixture_corpus(settings, "fixture-roads")
    report = run_ingest(settings, lambda: embedder, progress=False)
    result = cli(settings, "status")
    assert result.returncode == 0, result.stderr
    assert f"corpus: 1 documents, {report.chunks} chunks; index: {report.chunks} chunks" in result.stdout


# ---------------------------------------------------------------- other formats, same pipeline


def test_pdf_and_docx_strategies_get_generic_headings_and_the_pdf_keeps_page_numbers(
    make_settings: MakeSettings, tmp_path: Path, embedder: Embedder
) -> None:
    settings = make_settings(tmp_path)
    fixture_corpus(settings, "fixture-travel", "fixture-libraries")
    report = run_ingest(settings, lambda: embedder, progress=False)
    assert (report.documents, report.outcomes, report.priorities) == (2, 0, 0)

    metadata = stored(settings)
    travel = {m["section"]: m for m in metadata.values() if m["document_id"] == "fixture-travel"}
    assert travel["Fixture Strategy for Greener Travel"]["page"] == 1
    assert travel["Delivery and Funding"]["page"] == 2
    libraries = {m["section"]: m for m in metadata.values() if m["document_id"] == "fixture-libraries"}
    assert {"Our aims", "Our aims › Opening hours", "Targets"} <= set(libraries)
    assert all("page" not in m for m in libraries.values())
    assert all(m["kind"] == "section" and "outcome" not in m for m in metadata.values())

    outline = Outline.load(settings.outline_path)
    assert [d.id for d in outline.documents] == ["fixture-travel", "fixture-libraries"]
    assert all(d.outcomes == [] and d.sections for d in outline.documents)

    passages = open_retriever(settings, embedder).search("safer crossings near primary schools")
    assert passages[0].chunk.document_id == "fixture-travel" and passages[0].chunk.page == 1


def test_prepare_reads_every_fixture_format(make_settings: MakeSettings, tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    fixture_corpus(settings, *FIXTURES)
    prepared = prepare(settings)
    assert [d.entry.id for d in prepared] == list(FIXTURES)
    assert all(d.drafts for d in prepared)


# ---------------------------------------------------------------- derived data (corpus/derived/)

GRIT = "Fixture Council will spend £2m on gritting routes across Somerset by April 2022."
BUS = "Every village will keep a weekly bus service."
ENRICHED_DOC = f"# Fixture Strategy for Winter Roads\n\n{GRIT} {BUS}\n\nClosing fixture words for the end.\n"
GRIT_QUESTIONS = ["Will roads be gritted this winter?", "How much is going on gritting?"]


def enriched_corpus(settings: Settings, grit_questions: list[str] = GRIT_QUESTIONS) -> Path:
    """A one-document corpus whose first two sentences have derived data; returns the derived file."""
    settings.corpus_dir.mkdir(parents=True, exist_ok=True)
    (settings.corpus_dir / "winter.md").write_text(ENRICHED_DOC, encoding="utf-8")
    write_manifest(settings.corpus_dir, {"fixture-winter": "winter.md"})
    entries = {
        sentence_key(GRIT): DerivedEntry(
            text=GRIT,
            kind="sentence",
            questions=grit_questions,
            keywords=["gritting", "icy roads"],
            plain="The council will spend £2m on gritting roads in Somerset by April 2022.",
        ),
        sentence_key(BUS): DerivedEntry(
            text=BUS, kind="sentence", questions=["Will my village lose its bus?"], plain=None
        ),
    }
    derived = DerivedFile(
        document_id="fixture-winter",
        model=ModelInfo(file="fixture.gguf", sha256="0123456789abcdef"),
        prompt_version="test",
        entries=entries,
    )
    path = derived_path(settings.corpus_dir, "fixture-winter")
    save_derived(derived, path)
    return path


def stored_chunks(settings: Settings) -> list:  # type: ignore[type-arg]
    got = served(settings).get(include=["documents", "metadatas"])
    return [
        chunk_from_record(i, str(d), m)
        for i, d, m in zip(got["ids"], got["documents"], got["metadatas"], strict=True)
    ]


def stored_questions(settings: Settings) -> dict[str, tuple[str, dict]]:
    got = served(settings, "questions").get(include=["documents", "metadatas"])
    return {
        i: (str(d), dict(m)) for i, d, m in zip(got["ids"], got["documents"], got["metadatas"], strict=True)
    }


def test_derived_data_fills_the_sentences_and_its_questions_are_indexed(
    make_settings: MakeSettings, tmp_path: Path, embedder: Embedder
) -> None:
    settings = make_settings(tmp_path)
    enriched_corpus(settings)
    report = run_ingest(settings, lambda: embedder, progress=False)
    assert report.enriched == 2 and report.sentences >= 3
    assert f"2 of {report.sentences} sentences with derived data" in report.summary()

    sentences = {
        s.text: (chunk, n, s) for chunk in stored_chunks(settings) for n, s in enumerate(chunk.sentences)
    }
    chunk, n, grit = sentences[GRIT]
    assert grit.plain == "The council will spend £2m on gritting roads in Somerset by April 2022."
    assert grit.questions == GRIT_QUESTIONS and grit.keywords == ["gritting", "icy roads"]
    assert {"MONEY", "DATE", "GPE"} <= set(grit.entities)
    assert sentences[BUS][2].plain is None and sentences[BUS][2].questions
    closing = sentences["Closing fixture words for the end."][2]
    assert (closing.plain, closing.questions, closing.keywords) == (None, [], [])

    questions = stored_questions(settings)
    assert sorted(q for q, _ in questions.values()) == sorted(
        [*GRIT_QUESTIONS, "Will my village lose its bus?"]
    )
    for question, meta in questions.values():
        assert meta["document_id"] == "fixture-winter"
        owner = next(c for c in stored_chunks(settings) if c.id == meta["chunk_id"])
        assert question in owner.sentences[int(meta["n"])].questions
    # A question finds its own vector first.
    collection = served(settings, "questions")
    hit = collection.query(query_embeddings=[embedder.embed_query(GRIT_QUESTIONS[1]).tolist()], n_results=1)
    assert hit["documents"][0][0] == GRIT_QUESTIONS[1]
    assert hit["metadatas"][0][0]["chunk_id"] == chunk.id and hit["metadatas"][0][0]["n"] == n

    assert not run_ingest(settings, never_load, progress=False).changed


def test_a_changed_derived_entry_relabels_its_chunk_and_embeds_only_the_new_question(
    make_settings: MakeSettings, tmp_path: Path, embedder: Embedder
) -> None:
    settings = make_settings(tmp_path)
    enriched_corpus(settings)
    run_ingest(settings, lambda: embedder, progress=False)
    chunks_before = stored(settings)

    enriched_corpus(settings, [GRIT_QUESTIONS[0], "Which roads get gritted?"])
    counting = CountingEmbedder(embedder)
    report = run_ingest(settings, lambda: counting, progress=False)

    assert counting.texts == ["Which roads get gritted?"]
    assert (report.added, report.deleted, report.updated) == (0, 0, 1)
    assert (report.questions_embedded, report.questions_deleted) == (1, 0)
    assert set(stored(settings)) == set(chunks_before)
    assert "Which roads get gritted?" in {q for q, _ in stored_questions(settings).values()}
    grit = next(s for c in stored_chunks(settings) for s in c.sentences if s.text == GRIT)
    assert grit.questions == [GRIT_QUESTIONS[0], "Which roads get gritted?"]


def test_a_document_without_derived_data_works_on_its_own_words_and_loses_its_questions(
    make_settings: MakeSettings, tmp_path: Path, embedder: Embedder
) -> None:
    settings = make_settings(tmp_path)
    path = enriched_corpus(settings)
    run_ingest(settings, lambda: embedder, progress=False)
    path.unlink()

    report = run_ingest(settings, never_load, progress=False)
    assert report.enriched == 0 and report.updated >= 1 and report.questions_deleted == 3
    assert stored_questions(settings) == {}
    assert all(not s.questions and s.plain is None for c in stored_chunks(settings) for s in c.sentences)
    assert all(s.entities is not None for c in stored_chunks(settings) for s in c.sentences)


def test_a_malformed_derived_file_fails_the_ingest_naming_it(
    make_settings: MakeSettings, tmp_path: Path
) -> None:
    settings = make_settings(tmp_path)
    path = enriched_corpus(settings)
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(IngestError, match=r"fixture-winter\.json: not a valid derived-data file"):
        run_ingest(settings, never_load, progress=False)
