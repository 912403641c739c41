"""Faults under load, on real processes: two uvicorn workers on a ``chroma run`` server, and SQLite feedback.

The Chroma server is stopped, or frozen, while questions stream in: every question asked meanwhile gets a
503 with Retry-After within 2 s (no hang, never a 500), /healthz says "degraded", feedback is still stored,
and when Chroma is back the same workers answer again without a restart.
"""

from __future__ import annotations

import json
import os
import signal
import statistics
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import httpx
import pytest

from ingest.index import run_ingest
from plan_assistant.config import PROJECT_ROOT, Settings
from plan_assistant.embeddings import Embedder
from plan_assistant.feedback import FeedbackStore
from plan_assistant.store import RETRY_INTERVAL
from tests.conftest import CORPUS_DIR, settings_for
from tests.servers import BIN, Clients, free_port, start_chroma, stop, wait_until

pytestmark = pytest.mark.slow

WITHIN = 2.0  # seconds: the most a question may take to get its 503 while Chroma is down
RECOVERED_WITHIN = 10.0  # seconds from Chroma answering again to the app answering again
# Questions answered by retrieval (so they need Chroma), not from the outline.
QUESTIONS = [
    "What does the plan say about roads?",
    "What is the council doing about climate change?",
    "How will the council help young people find work?",
    "What does the plan say about flooding?",
    "How will the council support carers?",
    "What is the council doing about broadband?",
]


class ChromaServer:
    """``chroma run`` on a fixed port and data folder, which the test can stop, freeze and bring back."""

    def __init__(self, path: Path, log: IO[bytes]) -> None:
        self.path, self.log, self.port = path, log, free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.frozen = False

    def start(self) -> None:
        self.process = start_chroma(self.path, self.port, self.log)

    def stop(self) -> None:
        if self.process is not None:
            self.thaw()
            stop(self.process)
            self.process = None

    def freeze(self) -> None:
        """Stop the process where it stands (SIGSTOP): connections are accepted, nothing is answered."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)
        self.frozen = True

    def thaw(self) -> None:
        if self.process is not None and self.frozen:
            self.process.send_signal(signal.SIGCONT)
            self.frozen = False

    def ensure_running(self) -> None:
        self.thaw()
        if self.process is None or self.process.poll() is not None:
            self.start()


@dataclass
class Rig:
    """Two uvicorn workers serving the plan from a Chroma server."""

    url: str
    chroma: ChromaServer
    settings: Settings
    log_path: Path


@pytest.fixture(scope="module")
def rig(tmp_path_factory: pytest.TempPathFactory, memo_embedder: Embedder) -> Iterator[Rig]:
    folder = tmp_path_factory.mktemp("faults")
    with (folder / "chroma.log").open("wb") as chroma_log, (folder / "app.log").open("wb") as app_log:
        chroma = ChromaServer(folder / "chroma-data", chroma_log)
        chroma.start()
        try:
            settings = settings_for(
                folder, corpus_dir=CORPUS_DIR, chroma_host="127.0.0.1", chroma_port=chroma.port
            )
            run_ingest(settings, lambda: memo_embedder, progress=False)
            env = {k: v for k, v in os.environ.items() if not k.startswith("PLAN_ASSISTANT_")}
            env.update(
                HF_HUB_OFFLINE="1",
                # The workers run this checkout's code, whatever the environment's install points at.
                PYTHONPATH=os.pathsep.join(
                    [str(PROJECT_ROOT / "src"), str(PROJECT_ROOT), env.get("PYTHONPATH", "")]
                ),
                PLAN_ASSISTANT_DATA_DIR=str(settings.data_dir),
                PLAN_ASSISTANT_CHROMA_HOST="127.0.0.1",
                PLAN_ASSISTANT_CHROMA_PORT=str(chroma.port),
                PLAN_ASSISTANT_RATE_LIMIT="100000/minute",
            )
            port = free_port()
            command = [str(BIN / "uvicorn"), "--factory", "app:create", "--workers", "2", "--port", str(port)]
            app = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=app_log, stderr=app_log)
            url = f"http://127.0.0.1:{port}"
            try:
                wait_until(f"{url}/healthz", app, timeout=300, what="uvicorn")
                workers_answering(url, 2)
                yield Rig(url, chroma, settings, folder / "app.log")
            except BaseException:
                print((folder / "app.log").read_text(errors="replace")[-4000:])
                raise
            finally:
                stop(app)
        finally:
            chroma.stop()


@pytest.fixture
def served(rig: Rig) -> Iterator[Rig]:
    """The rig with Chroma running at the start and again at the end of each test, whatever it did."""
    rig.chroma.ensure_running()
    try:
        yield rig
    finally:
        rig.chroma.ensure_running()


def workers_answering(url: str, workers: int, timeout: float = 180) -> set[str]:
    """Ask /healthz until ``workers`` distinct processes have answered 200 (each has loaded); their pids."""
    pids: set[str] = set()
    deadline = time.monotonic() + timeout
    while len(pids) < workers and time.monotonic() < deadline:
        with httpx.Client(timeout=30) as client:  # a new connection each time, so either worker may answer
            response = client.get(f"{url}/healthz")
        if response.status_code == 200:
            pids.add(response.headers["X-Worker-Pid"])
    assert len(pids) == workers, f"only worker(s) {pids} answered"
    return pids


@dataclass(frozen=True)
class Asked:
    """One question sent under load and what came back."""

    started: float
    elapsed: float
    status: int
    retry_after: str | None
    body: dict[str, Any]


@dataclass
class Load(Clients):
    """Clients asking questions without pause, each request timed; a hang shows as a client timeout."""

    asked: list[Asked] = field(default_factory=list)

    def _run(self, offset: int) -> None:
        n = offset
        with httpx.Client(timeout=10) as client:
            while not self._stop.is_set():
                question = QUESTIONS[n % len(QUESTIONS)]
                n += 1
                started = time.monotonic()
                try:
                    response = client.post(f"{self.url}/api/chat", json={"question": question})
                    status, retry_after = response.status_code, response.headers.get("Retry-After")
                    body = response.json()
                except httpx.HTTPError as exc:  # a hang past the client's 10 s, or a dropped connection
                    status, retry_after, body = 0, None, {"detail": repr(exc)}
                self.asked.append(Asked(started, time.monotonic() - started, status, retry_after, body))

    def between(self, start: float, end: float) -> list[Asked]:
        """The requests sent after ``start`` that finished before ``end``."""
        return [a for a in self.asked if a.started >= start and a.started + a.elapsed <= end]


def health(url: str) -> tuple[int, dict[str, Any], float]:
    started = time.monotonic()
    with httpx.Client(timeout=10) as client:
        response = client.get(f"{url}/healthz")
    return response.status_code, response.json(), time.monotonic() - started


def answers_again(url: str, since: float, limit: float) -> float:
    """Seconds from ``since`` to the first question answered with citations (fails past ``limit``)."""
    with httpx.Client(timeout=10) as client:
        while time.monotonic() - since < limit:
            response = client.post(f"{url}/api/chat", json={"question": QUESTIONS[0]})
            if response.status_code == 200 and response.json()["citations"]:
                return time.monotonic() - since
            assert response.status_code == 503, response.text
            time.sleep(0.1)
    raise AssertionError(f"no answer with citations within {limit} s of Chroma answering again")


def check_outage(during: list[Asked]) -> str:
    """Every question asked during the outage got a clear 503 with Retry-After within 2 s; a summary."""
    assert len(during) >= 10, f"only {len(during)} questions were asked during the outage"
    for asked in during:
        assert asked.status == 503, asked
        assert asked.retry_after is not None and int(asked.retry_after) > 0, asked
        assert asked.elapsed < WITHIN, asked
        assert "temporarily unavailable" in asked.body["detail"], asked
        assert "https://www.somerset.gov.uk/contact-us/" in asked.body["detail"], asked
    times = [a.elapsed for a in during]
    return f"{len(times)} questions: 503 in median {statistics.median(times):.3f} s, max {max(times):.3f} s"


def log_lines(path: Path) -> list[dict[str, Any]]:
    lines = []
    for line in path.read_text(errors="replace").splitlines():
        if line.startswith("{"):
            try:
                lines.append(json.loads(line))
            except json.JSONDecodeError:
                continue
    return lines


def test_while_chroma_is_stopped_questions_get_503_within_2_s_feedback_is_kept_and_answers_return(
    served: Rig,
) -> None:
    url, chroma = served.url, served.chroma
    load = Load(url)
    load.start(clients=3)
    try:
        time.sleep(2)
        stopping = time.monotonic()
        chroma.stop()
        stopped = time.monotonic()
        time.sleep(0.5)
        degraded = [health(url) for _ in range(4)]
        sent = []
        with httpx.Client(timeout=10) as client:
            for n in range(20):
                response = client.post(
                    f"{url}/api/feedback", json={"request_id": f"outage-{n}", "rating": "down"}
                )
                sent.append(response.status_code)
        time.sleep(4)
        restarting = time.monotonic()
        chroma.start()  # the same port and data folder; returns once it answers its heartbeat
        back = time.monotonic()
        recovery = answers_again(url, back, RECOVERED_WITHIN)
        time.sleep(RETRY_INTERVAL + 3)
    finally:
        load.stop()

    before = [a for a in load.asked if a.started + a.elapsed < stopping]
    assert before, "no question was answered before the stop"
    assert {a.status for a in before} == {200}
    assert {a.status for a in load.asked} <= {200, 503}, "a question got something other than 200 or 503"
    summary = check_outage(load.between(stopped, restarting))
    for status, body, elapsed in degraded:
        assert (status, body["status"], body["store"]) == (503, "degraded", "unreachable")
        assert body["chunks"] > 0
        assert elapsed < WITHIN
    assert sent == [201] * 20
    stored = {r.request_id for r in FeedbackStore(served.settings.feedback_path).rows()}
    assert {f"outage-{n}" for n in range(20)} <= stored
    # One worker answering again proves recovery; the other retries Chroma within RETRY_INTERVAL.
    after = [a for a in load.asked if a.started > back + recovery + RETRY_INTERVAL + 0.5]
    assert after and all(a.status == 200 for a in after)
    assert workers_answering(url, 2, timeout=30)  # both workers healthy again, neither restarted
    lines = log_lines(served.log_path)
    assert any("unreachable (ConnectError" in str(line.get("message", "")) for line in lines)
    refused = [line for line in lines if line.get("route") == "/api/chat" and line.get("status") == 503]
    assert refused and all("unreachable" in line["error"] for line in refused)
    print(f"stopped Chroma: {summary}; answering again {recovery:.2f} s after Chroma was back")


def test_while_chroma_is_frozen_questions_get_503_within_2_s_and_answers_return_when_it_resumes(
    served: Rig,
) -> None:
    url, chroma = served.url, served.chroma
    load = Load(url)
    load.start(clients=3)
    try:
        time.sleep(2)
        freezing = time.monotonic()
        chroma.freeze()
        time.sleep(1)
        degraded = [health(url) for _ in range(3)]
        time.sleep(4)
        thawing = time.monotonic()
        chroma.thaw()
        recovery = answers_again(url, thawing, RECOVERED_WITHIN)
        time.sleep(RETRY_INTERVAL + 3)
    finally:
        load.stop()

    assert {a.status for a in load.asked} <= {200, 503}, "a question got something other than 200 or 503"
    # Requests in flight at the freeze wait out the timeout too: every one sent after it counts.
    summary = check_outage(load.between(freezing, thawing))
    for status, body, elapsed in degraded:
        assert (status, body["status"]) == (503, "degraded")
        assert elapsed < WITHIN
    after = [a for a in load.asked if a.started > thawing + recovery + RETRY_INTERVAL + 0.5]
    assert after and all(a.status == 200 for a in after)
    print(f"frozen Chroma: {summary}; answering again {recovery:.2f} s after it resumed")


def test_two_workers_store_400_ratings_sent_at_once_without_losing_one(served: Rig) -> None:
    url = served.url
    statuses: list[int] = []
    pids: set[str] = set()

    def rate(batch: int) -> None:
        for n in range(50):
            response = httpx.post(  # a new connection each time, so both workers write
                f"{url}/api/feedback",
                json={"request_id": f"burst-{batch}-{n}", "rating": "up", "comment": f"note {n}"},
                timeout=30,
            )
            statuses.append(response.status_code)
            pids.add(response.headers.get("X-Worker-Pid", ""))

    threads = [threading.Thread(target=rate, args=(batch,)) for batch in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert statuses == [201] * 400
    assert len(pids) == 2, f"ratings reached worker(s) {pids} only"
    stored = [r.request_id for r in FeedbackStore(served.settings.feedback_path).rows()]
    expected = {f"burst-{batch}-{n}" for batch in range(8) for n in range(50)}
    assert expected <= set(stored)
    assert len([r for r in stored if r.startswith("burst-")]) == 400
