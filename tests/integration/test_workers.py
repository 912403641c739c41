"""Two uvicorn workers against one Chroma server both answer: the API keeps no per-user state."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.servers import uvicorn_workers

pytestmark = pytest.mark.slow


def test_two_uvicorn_workers_behind_one_port_both_answer_from_one_chroma_server(
    chroma_env: dict[str, str], tmp_path: Path
) -> None:
    with uvicorn_workers(chroma_env, tmp_path / "uvicorn.log") as url:
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
