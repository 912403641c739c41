"""Fixtures of the integration tests that start real servers."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

import pytest

from tests.servers import ROOT, free_port, start_chroma, stop


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
