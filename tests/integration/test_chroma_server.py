"""The Chroma server path (``chroma run``, HttpClient) ingests the plan and passes the same retrieval test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ingest.index import IngestReport, run_ingest
from plan_assistant.config import Settings
from plan_assistant.embeddings import Embedder
from plan_assistant.retrieval import HybridRetriever
from tests.conftest import CORPUS_DIR, settings_for
from tests.integration.test_index import served

# The very test the embedded store passes, collected here against the server's `retriever` fixture.
from tests.integration.test_retrieval import (
    open_retriever,
    test_the_chunk_of_the_right_key_priority_is_in_the_top_four,  # noqa: F401
)
from tests.servers import free_port, start_chroma, stop

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def chroma_port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """A ``chroma run`` server on a free localhost port, with its data in a temporary folder."""
    folder = tmp_path_factory.mktemp("chroma-server")
    port = free_port()
    log_path = folder / "server.log"
    with log_path.open("wb") as log:
        try:
            server = start_chroma(folder / "data", port, log)
        except Exception:
            print(log_path.read_text(errors="replace")[-3000:])
            raise
        try:
            yield port
        finally:
            stop(server)


@pytest.fixture(scope="module")
def server_settings(tmp_path_factory: pytest.TempPathFactory, chroma_port: int) -> Settings:
    return settings_for(
        tmp_path_factory.mktemp("server-index"),
        corpus_dir=CORPUS_DIR,
        chroma_host="127.0.0.1",
        chroma_port=chroma_port,
    )


@pytest.fixture(scope="module")
def server_ingest(server_settings: Settings, memo_embedder: Embedder) -> tuple[IngestReport, IngestReport]:
    """The real corpus ingested into the server, then ingested again."""
    first = run_ingest(server_settings, lambda: memo_embedder, progress=False)
    second = run_ingest(server_settings, lambda: memo_embedder, progress=False)
    return first, second


@pytest.fixture(scope="module")
def retriever(
    server_settings: Settings, server_ingest: tuple[IngestReport, IngestReport], embedder: Embedder
) -> HybridRetriever:
    return open_retriever(server_settings, embedder)


def test_the_server_holds_the_same_chunks_as_the_embedded_store(
    server_settings: Settings,
    server_ingest: tuple[IngestReport, IngestReport],
    built_index: Settings,
) -> None:
    first, _ = server_ingest
    assert (first.documents, first.outcomes, first.priorities) == (1, 5, 21)
    assert first.added == first.chunks
    server_ids = set(served(server_settings).get()["ids"])
    local_ids = set(served(built_index).get()["ids"])
    assert server_ids == local_ids
    assert len(server_ids) == first.chunks


def test_reingesting_into_the_server_changes_nothing(
    server_ingest: tuple[IngestReport, IngestReport],
) -> None:
    _, second = server_ingest
    assert not second.changed
    assert "nothing changed" in second.summary()


def test_the_ingest_writes_no_local_chroma_folder_when_a_server_is_configured(
    server_settings: Settings,
    server_ingest: tuple[IngestReport, IngestReport],
) -> None:
    assert not server_settings.chroma_dir.exists()
    assert server_settings.outline_path.is_file()
