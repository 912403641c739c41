"""The rate limit holds across uvicorn workers that share a Redis; with the memory default each counts alone."""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from plan_assistant.ratelimit import RateLimit
from tests.servers import NO_REDIS, free_port, redis_server, start_redis, stop, uvicorn_workers

pytestmark = pytest.mark.slow

LIMIT = 10  # per hour, so the window cannot roll over while the test runs
MAX_REQUESTS = 400


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    """A real redis-server on a free port, gone after the test."""
    port = free_port()
    server = start_redis(tmp_path / "redis", port)
    try:
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        stop(server)


def wait_for_workers(url: str, workers: int = 2, timeout: float = 180) -> None:
    """Ask /healthz (never limited) on fresh connections until every worker has answered 200."""
    pids: set[str] = set()
    deadline = time.monotonic() + timeout
    while len(pids) < workers:
        assert time.monotonic() < deadline, f"only worker(s) {pids} answered /healthz"
        for _ in range(4):
            with httpx.Client(timeout=30) as client:
                response = client.get(f"{url}/healthz")
            if response.status_code == 200:
                pids.add(response.headers["X-Worker-Pid"])
        time.sleep(0.2)


def statuses_by_worker(url: str) -> dict[str, Counter[int]]:
    """GET /api/outline from one client on fresh connections until every worker has refused at least once.

    A worker that counts alone refuses only after it has let the whole limit through itself, so once both
    have refused, the total let through tells shared counting (the limit) from per-worker (twice the limit).
    """
    tally: dict[str, Counter[int]] = {}

    def ask(_: int) -> None:
        with httpx.Client(timeout=60) as client:  # a new connection each time, so either worker may take it
            response = client.get(f"{url}/api/outline")
        tally.setdefault(response.headers["X-Worker-Pid"], Counter())[response.status_code] += 1

    sent = 0
    while sent < MAX_REQUESTS and not (len(tally) >= 2 and all(c[429] for c in tally.values())):
        with ThreadPoolExecutor(max_workers=6) as pool:
            list(pool.map(ask, range(12)))
        sent += 12
    return tally


def worker_env(chroma_env: dict[str, str], storage: str) -> dict[str, str]:
    """The Chroma server's environment with this test's limit and store."""
    return {
        **chroma_env,
        "PLAN_ASSISTANT_RATE_LIMIT": f"{LIMIT}/hour",
        "PLAN_ASSISTANT_RATE_LIMIT_STORAGE": storage,
    }


@pytest.mark.skipif(redis_server() is None, reason=NO_REDIS)  # before the Chroma server is started for it
def test_two_workers_sharing_redis_let_one_client_through_exactly_the_limit_in_total(
    chroma_env: dict[str, str], redis_url: str, tmp_path: Path
) -> None:
    with uvicorn_workers(worker_env(chroma_env, redis_url), tmp_path / "uvicorn.log") as url:
        wait_for_workers(url)
        tally = statuses_by_worker(url)
    assert len(tally) == 2, f"only worker(s) {list(tally)} answered"
    assert all(set(counts) <= {200, 429} for counts in tally.values()), tally
    assert all(counts[429] for counts in tally.values()), f"a worker never refused: {tally}"
    assert sum(counts[200] for counts in tally.values()) == LIMIT, tally


def test_with_the_memory_default_each_of_two_workers_lets_the_limit_through_on_its_own(
    chroma_env: dict[str, str], tmp_path: Path
) -> None:
    with uvicorn_workers(worker_env(chroma_env, "memory://"), tmp_path / "uvicorn.log") as url:
        wait_for_workers(url)
        tally = statuses_by_worker(url)
    assert len(tally) == 2, f"only worker(s) {list(tally)} answered"
    assert [counts[200] for counts in tally.values()] == [LIMIT, LIMIT], tally


def test_a_redis_outage_makes_each_worker_count_alone_and_sharing_resumes_when_it_returns(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="plan_assistant.ratelimit")
    port = free_port()
    url = f"redis://127.0.0.1:{port}/0"
    server = start_redis(tmp_path / "redis", port)
    try:
        # Two limiters over one Redis stand for two workers: they share nothing else.
        first, second = (RateLimit("4/hour", url, retry_store_seconds=0.2) for _ in range(2))
        assert [first.hit("a"), first.hit("a"), second.hit("a"), second.hit("a")] == [None] * 4
        assert first.hit("a") is not None and second.hit("a") is not None

        stop(server)
        outage = [first.hit("b") for _ in range(5)]  # no exception: counted in this worker's memory
        assert outage[:4] == [None] * 4 and outage[4] is not None
        assert first.store_down

        server = start_redis(tmp_path / "redis", port)  # back, empty (nothing was saved)
        time.sleep(0.3)  # past the retry interval
        assert [first.hit("c"), first.hit("c"), second.hit("c"), second.hit("c")] == [None] * 4
        assert second.hit("c") is not None  # the count is shared again
        assert not first.store_down
    finally:
        stop(server)
    messages = [r.getMessage() for r in caplog.records if r.name == "plan_assistant.ratelimit"]
    assert any("counts alone in memory" in m for m in messages)
    assert any("answers again" in m for m in messages)
