"""Fixtures of the integration tests that start real servers."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.servers import (
    LOCAL_LLM_ALIAS,
    ROOT,
    PostgresCluster,
    free_port,
    local_llm_missing,
    postgres_cluster,
    start_chroma,
    start_local_llm,
    stop,
)


@pytest.fixture(scope="session")
def chroma_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A ``chroma run`` server holding a freshly ingested index, and the environment that points at it.

    Shared by the tests that only read it (several uvicorn workers); a test that stops or changes a
    Chroma server starts its own.
    """
    folder = tmp_path_factory.mktemp("chroma-env")
    port = free_port()
    server = start_chroma(folder / "chroma-server", port)
    try:
        env = {
            **os.environ,
            "HF_HUB_OFFLINE": "1",
            "PLAN_ASSISTANT_DATA_DIR": str(folder / "data"),
            "PLAN_ASSISTANT_CHROMA_HOST": "127.0.0.1",
            "PLAN_ASSISTANT_CHROMA_PORT": str(port),
            "PLAN_ASSISTANT_RATE_LIMIT": "1000/minute",
            "PLAN_ASSISTANT_RATE_LIMIT_STORAGE": "memory://",
        }
        subprocess.run(
            [sys.executable, "-m", "ingest"], cwd=ROOT, env=env, check=True, capture_output=True, timeout=600
        )
        assert not (folder / "data" / "chroma").exists(), "ingest wrote an embedded store, not to the server"
        yield env
    finally:
        stop(server)


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresCluster]:
    """A throwaway PostgreSQL cluster for the session; skips the test when PostgreSQL is not installed."""
    with postgres_cluster() as cluster:
        yield cluster


@dataclass(frozen=True)
class LogDatabase:
    """Where a test's question log lives: its URL and every file the database keeps on disk."""

    url: str
    folder: Path

    def stored_text(self) -> str:
        """Every byte the database wrote (tables, write-ahead log, anything beside them), as text."""
        files = (p for p in self.folder.rglob("*") if p.is_file())
        return "".join(p.read_bytes().decode("utf-8", "replace") for p in files)


@pytest.fixture(params=["sqlite", "postgresql"])
def log_database(request: pytest.FixtureRequest, tmp_path: Path) -> LogDatabase:
    """An empty question log database: a SQLite file in tmp_path, or a new database in the PostgreSQL cluster."""
    if request.param == "sqlite":
        folder = tmp_path / "question-log"
        return LogDatabase(f"sqlite:///{folder / 'questions.sqlite3'}", folder)
    cluster: PostgresCluster = request.getfixturevalue("postgres")
    return LogDatabase(cluster.new_database(), cluster.data)


@dataclass(frozen=True)
class LocalLLMServer:
    """The local model behind llama_cpp.server: where it listens and the key it wants."""

    url: str
    api_key: str
    model: str


@pytest.fixture(scope="session")
def local_llm_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalLLMServer]:
    """llama_cpp.server on a free port with the packaged GGUF (2 threads, a 2048-token context), once per
    session; skips cleanly when the local-llm extra is absent."""
    if missing := local_llm_missing():
        pytest.skip(missing)
    port = free_port()
    key = "test-key-" + secrets.token_hex(8)
    log_path = tmp_path_factory.mktemp("local-llm") / "server.log"
    with log_path.open("wb") as log:
        try:
            server = start_local_llm(port, key, log)
        except BaseException:
            log.flush()
            print(log_path.read_text(errors="replace")[-3000:], file=sys.stderr)
            raise
    try:
        yield LocalLLMServer(f"http://127.0.0.1:{port}", key, LOCAL_LLM_ALIAS)
    finally:
        stop(server)
