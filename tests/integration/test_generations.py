"""Index generations with the real model and a temporary Chroma: a failed rebuild keeps the previous
generation serving, old generations are cleaned up, and a live assistant swaps between requests."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pytest
from chromadb.api.models.Collection import Collection
from fastapi.testclient import TestClient

from ingest.index import IngestError, run_ingest
from plan_assistant.api import create_app
from plan_assistant.config import Settings
from plan_assistant.embeddings import Embedder, model_path
from plan_assistant.factory import IndexMissingError, build_assistant, build_live_assistant
from plan_assistant.generations import generation_numbers, pointer_path, read_pointer
from plan_assistant.live import LiveAssistant
from plan_assistant.store import make_client
from tests.conftest import MakeSettings
from tests.integration.test_index import stored
from tests.integration.test_retrieval import open_retriever

# Fictional test fixtures, not council papers: one strategy whose winter sentence the tests change.
WINTER_BEFORE = "Fixture gritters go out at six in the evening when frost is forecast on the fixture roads."
WINTER_AFTER = (
    "Fixture gritters go out at dawn and again at midnight when snow is forecast on the fixture roads."
)
LIBRARY = "The fixture mobile library visits every fixture village once a fortnight on a Tuesday."


def write_fixture_corpus(corpus: Path, winter: str = WINTER_BEFORE, library: bool = True) -> None:
    """A two-document fictional corpus (markdown and plain text) with its manifest."""
    corpus.mkdir(parents=True, exist_ok=True)
    (corpus / "winter.md").write_text(
        "# Fixture Winter Roads Strategy\n\nThis fixture document exists only for tests.\n\n"
        f"## Gritting\n\n{winter}\n\n## Potholes\n\nFixture crews fill potholes within 28 days.\n",
        encoding="utf-8",
    )
    entries = [("fixture-winter", "winter.md", "Fixture Winter Roads Strategy")]
    if library:
        (corpus / "libraries.txt").write_text(
            f"Fixture Libraries Strategy\n\nThis fixture document exists only for tests.\n\n{LIBRARY}\n",
            encoding="utf-8",
        )
        entries.append(("fixture-libraries", "libraries.txt", "Fixture Libraries Strategy"))
    elif (corpus / "libraries.txt").exists():
        (corpus / "libraries.txt").unlink()
    (corpus / "manifest.toml").write_text(
        "\n".join(
            f'[[documents]]\nid = "{i}"\nfile = "{f}"\ntitle = "{t}"\npublisher = "Fixture Council"\n'
            'kind = "strategy"\nperiod = "2021-2023"\nsource = "provided"\ncurrent = true\n'
            for i, f, t in entries
        ),
        encoding="utf-8",
    )


def serving_fixture(settings: Settings, embedder: Embedder) -> tuple[Settings, LiveAssistant]:
    """The fixture corpus indexed once and a live assistant serving it (it checks the pointer when told)."""
    write_fixture_corpus(settings.corpus_dir)
    run_ingest(settings, lambda: embedder, progress=False)
    return settings, build_live_assistant(settings)


def generation_collections(settings: Settings) -> dict[int, list[str]]:
    names = [c.name for c in make_client(settings).list_collections()]
    return generation_numbers(settings.collection, names)


def test_a_rebuild_failing_while_writing_leaves_the_previous_generation_serving(
    make_settings: MakeSettings, tmp_path: Path, embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = make_settings(tmp_path)
    write_fixture_corpus(settings.corpus_dir)
    first = run_ingest(settings, lambda: embedder, progress=False)
    pointer, before = pointer_path(settings.data_dir).read_bytes(), stored(settings)

    add = Collection.add

    def failing_add(self: Collection, *args: Any, **kwargs: Any) -> Any:
        if self.name.endswith("_sentences"):
            raise OSError("No space left on device (injected)")
        return add(self, *args, **kwargs)

    monkeypatch.setattr(Collection, "add", failing_add)
    with pytest.raises(
        IngestError, match=r"plan_chunks_g000002: writing the new generation failed .*No space"
    ):
        run_ingest(settings, lambda: embedder, rebuild=True, progress=False)
    monkeypatch.setattr(Collection, "add", add)

    assert pointer_path(settings.data_dir).read_bytes() == pointer
    assert stored(settings) == before
    assert (
        LIBRARY
        in open_retriever(settings, embedder).search("When does the mobile library visit?")[0].chunk.text
    )
    assert set(generation_collections(settings)) == {1, 2}  # what the failed rebuild left behind

    second = run_ingest(settings, lambda: embedder, rebuild=True, progress=False)
    assert (first.generation, second.generation) == ("g000001", "g000003")
    assert set(generation_collections(settings)) == {1, 3}  # the abandoned generation 2 is gone
    assert stored(settings) == before


def test_only_the_new_and_the_previous_generation_are_kept(
    make_settings: MakeSettings, tmp_path: Path, embedder: Embedder
) -> None:
    settings = make_settings(tmp_path, retired_grace=0)
    for n, winter in enumerate([WINTER_BEFORE, WINTER_AFTER, WINTER_BEFORE + " Fixture salt is free."]):
        write_fixture_corpus(settings.corpus_dir, winter)
        assert run_ingest(settings, lambda: embedder, progress=False).generation == f"g{n + 1:06d}"
    found = generation_collections(settings)
    assert sorted(found) == [2, 3] and all(len(names) == 3 for names in found.values())
    outlines = sorted(p.name for p in (settings.data_dir / "outlines").iterdir())
    assert outlines == ["outline-g000002.json", "outline-g000003.json"]
    assert not run_ingest(settings, lambda: embedder, progress=False).changed
    assert read_pointer(settings.data_dir).number == 3  # type: ignore[union-attr]


def test_ingests_in_quick_succession_keep_a_generation_a_server_switched_away_from_moments_ago(
    make_settings: MakeSettings, tmp_path: Path, embedder: Embedder
) -> None:
    settings = make_settings(tmp_path)  # the default grace: 120 s
    for winter in [WINTER_BEFORE, WINTER_AFTER, WINTER_BEFORE + " Fixture salt is free."]:
        write_fixture_corpus(settings.corpus_dir, winter)
        run_ingest(settings, lambda: embedder, progress=False)
    # Generation 1 was replaced by generation 2 a moment ago: a server may still be answering from it.
    assert sorted(generation_collections(settings)) == [1, 2, 3]
    # Once its successor is older than the grace period, the next ingest deletes it.
    outlines = settings.data_dir / "outlines"
    long_ago = time.time() - settings.retired_grace - 1
    for name in ["outline-g000001.json", "outline-g000002.json", "outline-g000003.json"]:
        os.utime(outlines / name, (long_ago, long_ago))
    write_fixture_corpus(settings.corpus_dir, WINTER_AFTER)
    run_ingest(settings, lambda: embedder, progress=False)
    assert sorted(generation_collections(settings)) == [3, 4]
    assert sorted(p.name for p in outlines.iterdir()) == ["outline-g000003.json", "outline-g000004.json"]


def test_a_live_assistant_swaps_generation_between_requests_and_healthz_names_it(
    make_settings: MakeSettings, tmp_path: Path, embedder: Embedder
) -> None:
    settings, live = serving_fixture(make_settings(tmp_path, reload_interval=0), embedder)
    client = TestClient(create_app(settings, live))
    assert client.get("/healthz").json()["generation"] == "g000001"
    assert not live.refresh()  # nothing new

    in_flight = live.stream("When do the fixture gritters go out?")
    assert isinstance(next(in_flight), str)  # a request that has started answering

    write_fixture_corpus(settings.corpus_dir, WINTER_AFTER, library=False)
    run_ingest(settings, lambda: embedder, progress=False)
    assert live.refresh()

    health = client.get("/healthz").json()
    assert (health["status"], health["generation"]) == ("ok", "g000002")
    answer = client.post("/api/chat", json={"question": "When do the fixture gritters go out?"}).json()
    assert "dawn" in answer["answer"]
    assert [d["id"] for d in client.get("/api/outline").json()["documents"]] == ["fixture-winter"]
    # The request that started before the swap ends on the generation it started on.
    *_, final = list(in_flight)
    assert "six in the evening" in final.answer  # type: ignore[union-attr]


def test_a_damaged_pointer_fails_the_ingest_naming_it_and_the_server_keeps_its_generation(
    make_settings: MakeSettings, tmp_path: Path, embedder: Embedder
) -> None:
    settings, live = serving_fixture(make_settings(tmp_path, reload_interval=0), embedder)
    pointer_path(settings.data_dir).write_text("{half a pointer", encoding="utf-8")

    assert not live.refresh()
    assert live.health()["generation"] == "g000001"
    assert "dawn" not in live.ask("When do the fixture gritters go out?").answer
    with pytest.raises(IngestError, match=r"generation\.json: not a valid index pointer"):
        run_ingest(settings, lambda: embedder, progress=False)
    assert make_client(settings).get_collection("plan_chunks_g000001").count() > 0


def test_an_index_embedded_by_another_model_is_never_searched_with_this_one(
    make_settings: MakeSettings, tmp_path: Path, embedder: Embedder
) -> None:
    settings, live = serving_fixture(make_settings(tmp_path, reload_interval=0), embedder)

    # Another model folder (here the packaged one under its path, a different name to the index).
    other = settings.model_copy(update={"embedding_model": str(model_path(""))})
    assert run_ingest(other, lambda: embedder, progress=False).generation == "g000002"

    # The running server keeps the generation its model made; a new one refuses to start, saying why.
    assert not live.refresh()
    assert live.generation.name == "g000001"
    with pytest.raises(
        IndexMissingError, match=r"g000002 .* embedded with '.+', but .* names 'all-MiniLM-L6-v2'.*make index"
    ):
        build_assistant(settings)
    assert build_assistant(other).retriever.search("When do the fixture gritters go out?")
