"""`python -m ingest` while a real server answers a continuous stream of questions: no failed request, the
new text answers within 5 s of the ingest finishing, and a rebuild killed half-way changes nothing served.

Run against ``python app.py`` on the embedded store, and against two uvicorn workers on a Chroma server.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from ingest.index import run_ingest
from plan_assistant.config import PROJECT_ROOT, Settings
from plan_assistant.embeddings import Embedder
from plan_assistant.generations import pointer_path, read_pointer
from tests.conftest import CORPUS_DIR, settings_for
from tests.integration.test_generations import LIBRARY, WINTER_AFTER, WINTER_BEFORE
from tests.servers import BIN, Clients, free_port, start_chroma, stop, wait_until

pytestmark = pytest.mark.slow

FRESH_WITHIN = 5.0  # seconds from the ingest's exit to every worker answering from the new text

# Fictional test fixtures beside a copy of the real corpus, each clearly marked as such.
PARKS_HTML = """<!DOCTYPE html><html><head><title>Fixture Parks Strategy</title></head><body><main>
<h1>Fixture Parks Strategy</h1><p>This fixture page exists only for tests.</p>
<h2>Cafes</h2><p>The fixture park cafe opens at eight every morning, all year round.</p>
</main></body></html>
"""
QUESTIONS = {
    "winter": "What does the fixture winter roads strategy say about gritting?",
    "library": "What does the fixture libraries strategy say about the mobile library?",
    "parks": "What does the fixture parks strategy say about the park cafe?",
    "plan": "What is the council doing about climate change?",
}


def write_corpus(corpus: Path, *, updated: bool) -> None:
    """The plan (copied) with fixture strategies; ``updated`` changes one, removes one and adds one."""
    if not corpus.exists():
        shutil.copytree(CORPUS_DIR, corpus)
    winter = WINTER_AFTER if updated else WINTER_BEFORE
    (corpus / "winter.md").write_text(
        f"# Fixture Winter Roads Strategy\n\nThis fixture document exists only for tests.\n\n## Gritting\n\n{winter}\n",
        encoding="utf-8",
    )
    entries = [("fixture-winter", "winter.md", "Fixture Winter Roads Strategy")]
    if updated:
        (corpus / "libraries.txt").unlink(missing_ok=True)
        (corpus / "parks.html").write_text(PARKS_HTML, encoding="utf-8")
        entries.append(("fixture-parks", "parks.html", "Fixture Parks Strategy"))
    else:
        (corpus / "libraries.txt").write_text(
            f"Fixture Libraries Strategy\n\nThis fixture document exists only for tests.\n\n{LIBRARY}\n",
            encoding="utf-8",
        )
        entries.append(("fixture-libraries", "libraries.txt", "Fixture Libraries Strategy"))
    fixtures = "\n".join(
        f'[[documents]]\nid = "{i}"\nfile = "{f}"\ntitle = "{t}"\npublisher = "Fixture Council"\n'
        'kind = "strategy"\nperiod = "2021-2023"\nsource = "provided"\ncurrent = true\n'
        for i, f, t in entries
    )
    plan = (CORPUS_DIR / "manifest.toml").read_text(encoding="utf-8")
    (corpus / "manifest.toml").write_text(f"{plan}\n{fixtures}", encoding="utf-8")


def fresh(kind: str, body: dict[str, Any]) -> bool:
    """Whether an answer reflects the updated corpus."""
    documents = {c["document_id"] for c in body.get("citations", [])}
    if kind == "winter":
        return "dawn" in body["answer"]
    if kind == "library":
        return "fixture-libraries" not in documents
    if kind == "parks":
        return "fixture-parks" in documents and "eight" in body["answer"]
    return True


@dataclass
class Traffic(Clients):
    """Clients asking questions without pause, remembering every response."""

    responses: list[tuple[float, str, int, str, dict[str, Any]]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def _run(self, offset: int) -> None:
        kinds = list(QUESTIONS)
        n = offset
        while not self._stop.is_set():
            kind = kinds[n % len(kinds)]
            n += 1
            try:
                with httpx.Client(timeout=60) as client:  # a new connection each time: every worker is asked
                    response = client.post(f"{self.url}/api/chat", json={"question": QUESTIONS[kind]})
                body = response.json() if response.status_code == 200 else {"detail": response.text}
                pid = response.headers.get("X-Worker-Pid", "")
                self.responses.append((time.monotonic(), kind, response.status_code, pid, body))
            except httpx.HTTPError as exc:
                self.errors.append(f"{kind}: {exc!r}")

    def failures(self) -> list[str]:
        return self.errors + [f"{k}: {s} {b}" for _, k, s, _, b in self.responses if s != 200]


@dataclass
class Served:
    """A running server over a temporary corpus copy and its index."""

    url: str
    settings: Settings
    env: dict[str, str]
    workers: int


def ingest_cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ingest", *args],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.fixture(params=["embedded", "chroma-server-2-workers"])
def served(
    request: pytest.FixtureRequest, tmp_path: Path, memo_embedder: Embedder, built_index: Settings
) -> Iterator[Served]:
    """The app serving a temporary corpus copy: ``python app.py`` on the embedded store, or two uvicorn
    workers on a ``chroma run`` server. (``built_index`` first: the plan's vectors are then memoised.)"""
    chroma = None
    overrides: dict[str, Any] = {}
    if request.param != "embedded":
        chroma_port = free_port()
        chroma = start_chroma(tmp_path / "chroma-server", chroma_port)
        overrides = {"chroma_host": "127.0.0.1", "chroma_port": chroma_port}
    try:
        settings = settings_for(tmp_path, **overrides)
        write_corpus(settings.corpus_dir, updated=False)
        run_ingest(settings, lambda: memo_embedder, progress=False)
        env = {k: v for k, v in os.environ.items() if not k.startswith("PLAN_ASSISTANT_")}
        env.update(
            HF_HUB_OFFLINE="1",
            PLAN_ASSISTANT_CORPUS_DIR=str(settings.corpus_dir),
            PLAN_ASSISTANT_DATA_DIR=str(settings.data_dir),
            PLAN_ASSISTANT_RATE_LIMIT="100000/minute",
        )
        if chroma is not None:
            env.update(
                PLAN_ASSISTANT_CHROMA_HOST="127.0.0.1",
                PLAN_ASSISTANT_CHROMA_PORT=str(overrides["chroma_port"]),
            )
        port = free_port()
        workers = 1 if chroma is None else 2
        command = (
            [sys.executable, "app.py", "--port", str(port)]
            if workers == 1
            else [str(BIN / "uvicorn"), "--factory", "app:create", "--workers", "2", "--port", str(port)]
        )
        log_path = tmp_path / "server.log"
        with log_path.open("wb") as log:
            app = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=log, stderr=log)
            url = f"http://127.0.0.1:{port}"
            try:
                wait_until(f"{url}/healthz", app, timeout=180, what="the app")
                yield Served(url, settings, env, workers)
            except BaseException:
                print(log_path.read_text(errors="replace")[-4000:])
                raise
            finally:
                stop(app)
    finally:
        if chroma is not None:
            stop(chroma)


def workers_answering(url: str, workers: int, timeout: float = 120) -> set[str]:
    """Ask until ``workers`` distinct processes have answered (each has loaded); their pids."""
    pids: set[str] = set()
    deadline = time.monotonic() + timeout
    while len(pids) < workers and time.monotonic() < deadline:
        with httpx.Client(timeout=60) as client:
            response = client.get(f"{url}/healthz")
        if response.status_code == 200:
            pids.add(response.headers["X-Worker-Pid"])
    assert len(pids) == workers, f"only worker(s) {pids} answered"
    return pids


def test_an_ingest_while_questions_stream_in_fails_none_and_answers_from_the_new_text_within_5_s(
    served: Served,
) -> None:
    pids = workers_answering(served.url, served.workers)
    before = httpx.get(f"{served.url}/healthz").json()["generation"]
    traffic = Traffic(served.url)
    traffic.start()
    try:
        time.sleep(2)
        write_corpus(served.settings.corpus_dir, updated=True)
        result = ingest_cli(served.env, "--quiet")
        finished = time.monotonic()
        assert result.returncode == 0, result.stderr
        generation = re.search(r"serving generation (g\d+)", result.stdout)
        assert generation, result.stdout

        # Every worker answers every probe from the new text: how long after the ingest finished?
        fresh_pids: set[str] = set()
        caught_up = None
        while time.monotonic() - finished < 60 and fresh_pids != pids:
            for pid in pids - fresh_pids:
                recent = [
                    (k, b)
                    for t, k, s, p, b in list(traffic.responses)
                    if p == pid and s == 200 and t > finished
                ]
                latest = {k: b for k, b in recent}
                if len(latest) == len(QUESTIONS) and all(fresh(k, b) for k, b in latest.items()):
                    fresh_pids.add(pid)
            if fresh_pids == pids:
                caught_up = time.monotonic() - finished
            time.sleep(0.1)
        time.sleep(1)
    finally:
        traffic.stop()

    failures = traffic.failures()
    during = [r for r in traffic.responses if r[0] <= finished]
    print(
        f"{served.workers} worker(s): {len(traffic.responses)} requests ({len(during)} during the ingest), "
        f"{len(failures)} failed; new text served by every worker {caught_up} s after the ingest finished"
    )
    assert failures == []
    assert len(during) >= 4
    assert caught_up is not None and caught_up <= FRESH_WITHIN, f"not fresh within {FRESH_WITHIN} s"
    # Once fresh, a worker never answers from the old text again.
    last = max(t for t, *_ in traffic.responses) - 0.5
    assert all(fresh(k, b) for t, k, _, _, b in traffic.responses if t > finished + FRESH_WITHIN and t < last)
    health = [httpx.get(f"{served.url}/healthz").json() for _ in range(4 * served.workers)]
    assert {h["generation"] for h in health} == {generation.group(1)} != {before}


# The embedded store shows it: the pointer is the same file with a Chroma server, and the kill lands before
# anything is written to either store.
@pytest.mark.parametrize("served", ["embedded"], indirect=True)
def test_a_rebuild_killed_half_way_leaves_the_previous_index_answering(served: Served) -> None:
    pointer = pointer_path(served.settings.data_dir).read_bytes()
    generation = read_pointer(served.settings.data_dir)
    assert generation is not None
    rebuild = subprocess.Popen(
        [sys.executable, "-m", "ingest", "rebuild"],
        cwd=PROJECT_ROOT,
        env=served.env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        seen = b""
        deadline = time.monotonic() + 180
        assert rebuild.stderr is not None
        while b"Embedding sentences" not in seen and time.monotonic() < deadline and rebuild.poll() is None:
            seen += os.read(rebuild.stderr.fileno(), 4096)
        assert b"Embedding sentences" in seen, seen[-2000:]
        rebuild.send_signal(signal.SIGKILL)  # half-way: chunks embedded, sentences being embedded
        rebuild.wait(timeout=30)
    finally:
        if rebuild.poll() is None:
            rebuild.kill()
            rebuild.wait()

    time.sleep(2)  # longer than the server's pointer check interval
    assert pointer_path(served.settings.data_dir).read_bytes() == pointer
    health = httpx.get(f"{served.url}/healthz").json()
    assert (health["status"], health["generation"]) == ("ok", generation.name)
    for kind in ("winter", "library", "plan"):
        response = httpx.post(f"{served.url}/api/chat", json={"question": QUESTIONS[kind]}, timeout=60)
        assert response.status_code == 200
    assert (
        "six in the evening"
        in httpx.post(f"{served.url}/api/chat", json={"question": QUESTIONS["winter"]}, timeout=60).json()[
            "answer"
        ]
    )
