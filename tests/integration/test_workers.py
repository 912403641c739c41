"""Two uvicorn workers against one Chroma server both answer: the API keeps no per-user state."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.servers import BIN, free_port, start_chroma, stop, wait_until

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def chroma_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    """A ``chroma run`` server holding a freshly ingested index, and the environment that points at it."""
    port = free_port()
    server = start_chroma(tmp_path / "chroma-server", port)
    try:
        env = {
            **os.environ,
            "HF_HUB_OFFLINE": "1",
            "PLAN_ASSISTANT_DATA_DIR": str(tmp_path / "data"),
            "PLAN_ASSISTANT_CHROMA_HOST": "127.0.0.1",
            "PLAN_ASSISTANT_CHROMA_PORT": str(port),
            "PLAN_ASSISTANT_RATE_LIMIT": "1000/minute",
        }
        subprocess.run(
            [sys.executable, "-m", "ingest"], cwd=ROOT, env=env, check=True, capture_output=True, timeout=600
        )
        assert not (tmp_path / "data" / "chroma").exists(), (
            "ingest wrote an embedded store, not to the server"
        )
        yield env
    finally:
        stop(server)


def test_two_uvicorn_workers_behind_one_port_both_answer_from_one_chroma_server(
    chroma_env: dict[str, str], tmp_path: Path
) -> None:
    port = free_port()
    command = [str(BIN / "uvicorn"), "--factory", "app:create", "--workers", "2", "--port", str(port)]
    log_path = tmp_path / "uvicorn.log"
    with log_path.open("wb") as log:
        app = subprocess.Popen(command, cwd=ROOT, env=chroma_env, stdout=log, stderr=log)
        url = f"http://127.0.0.1:{port}"
        try:
            wait_until(f"{url}/healthz", app, timeout=120, what="uvicorn")
            # /healthz answering proves only one worker ready; keep asking until both have answered.
            pids: set[str] = set()
            statuses: list[int] = []

            def ask(number: int) -> None:
                with httpx.Client(timeout=60) as client:  # a new connection each time, as separate clients
                    response = client.post(
                        f"{url}/api/chat",
                        json={"question": f"What does the plan say about roads? ({number})"},
                    )
                statuses.append(response.status_code)
                if response.status_code == 200:
                    pids.add(response.headers["X-Worker-Pid"])

            deadline = time.monotonic() + 90
            batch = 0
            while len(pids) < 2 and time.monotonic() < deadline:
                with ThreadPoolExecutor(max_workers=4) as pool:
                    list(pool.map(ask, range(batch, batch + 8)))
                batch += 8
            assert set(statuses) == {200}
            assert len(pids) == 2, f"answers came from worker(s) {pids} only"
        except Exception:
            print(log_path.read_text(errors="replace")[-4000:])
            raise
        finally:
            stop(app)
