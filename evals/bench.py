"""python -m evals.bench [--[no-]llm] [--llm-only] [--profile]: ingest, cold start, latency, throughput, memory.

Everything runs against a temporary data directory (the developer's index is never touched) with the
default generator; when the local-llm extra is installed (or with ``--llm``) the local model is timed too:
its first token and tokens per second, and first words and full answer through ``Assistant.stream``.
Results go to ``evals/reports/bench.json`` and a table on the terminal, each goal marked met or missed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from evals import REPORTS_DIR

T = TypeVar("T")
_DAY = timedelta(days=1)
ROOT = Path(__file__).resolve().parents[1]
BENCH_PATH = REPORTS_DIR / "bench.json"
RATE_LIMIT = "100000/minute"  # the benchmark measures the engine, not the per-client limit
POLL_SECONDS = 0.05
RSS_SAMPLE_SECONDS = 0.1
START_TIMEOUT_SECONDS = 180.0

# Realistic traffic, written for the benchmark (not the eval set): mostly plan questions in the three
# voices, a few outline lookups and a few messages the plan does not cover, each with its audience.
QUESTIONS: tuple[tuple[str, str], ...] = (
    ("what is the council doing to stop my village flooding", "resident"),
    ("are there plans to get better broadband in rural areas", "resident"),
    ("how will the council help local businesses recover after covid", "resident"),
    ("is anything being done about climate change in somerset", "resident"),
    ("what help is there for young people leaving care", "resident"),
    ("will there be more support for carers", "resident"),
    ("what are they doing about potholes and the roads", "resident"),
    ("my kid has special needs, what does the plan say about that", "resident"),
    ("are they going to plant more trees", "resident"),
    ("what about buses in the countryside", "resident"),
    ("does the council care about people being lonley", "resident"),
    ("how is the council saving money", "resident"),
    ("what is happening with the new unitary council", "resident"),
    ("is there anything for people who want to get fit", "resident"),
    ("Which key priority addresses inclusive economic growth?", "staff"),
    ("List the key priorities under outcome 2.", "staff"),
    ("What does the plan commit to on digital connectivity?", "staff"),
    ("Which outcome covers financial sustainability of the council?", "staff"),
    ("What are the commitments on commissioning services collaboratively?", "staff"),
    ("How does the plan describe the response to Coronavirus?", "staff"),
    ("What does the plan say about new ways of working for staff?", "staff"),
    ("Which priority covers vulnerable children?", "staff"),
    ("What is the plan's approach to evidence-based care and support?", "staff"),
    ("What are the key priorities for outcome 5?", "staff"),
    ("How will the council work with towns and parishes?", "staff"),
    ("What does the plan say about social mobility and inequality?", "staff"),
    ("What is said about skills and employment opportunities?", "staff"),
    ("How does the plan support healthy lifestyles?", "staff"),
    ("caller asking about help for elderly people living at home", "adviser"),
    ("caller wants to know about school places", "adviser"),
    ("caller worried about flooding, what's the council doing", "adviser"),
    ("caller asks about apprenticeships for young people", "adviser"),
    ("caller asks whether the council supports community groups", "adviser"),
    ("caller asking about mental health support", "adviser"),
    ("caller asks about electric vehicle charging", "adviser"),
    ("caller asks about waste and recycling plans", "adviser"),
    ("can you book me a bin collection", "resident"),
    ("how many libraries will close next year", "resident"),
    ("thanks, that's really helpful", "resident"),
    ("what is the council's policy on fracking", "staff"),
)
# Lead-ins that make 200 distinct strings of realistic length for the embedding floor and retrieval.
LEAD_INS = ("", "Quick question: ", "I'd like to know ", "Please could you tell me ", "Hello, ")
WARM_UP = (
    "what does the plan say about libraries",
    "Which outcome covers the natural environment?",
    "caller asks about adult social care",
)


# ---------------------------------------------------------------- pure helpers


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) of the values, interpolating linearly between ranks (numpy's default)."""
    if not values:
        raise ValueError("percentile of no values")
    if not 0 <= q <= 100:
        raise ValueError(f"percentile {q} is not between 0 and 100")
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def summary(values: Sequence[float], digits: int = 2) -> dict[str, float | int]:
    """Count, median, p95, mean, min and max of a sample, rounded."""
    if not values:
        raise ValueError("summary of no values")
    return {
        "n": len(values),
        "median": round(statistics.median(values), digits),
        "p95": round(percentile(values, 95), digits),
        "mean": round(statistics.fmean(values), digits),
        "min": round(min(values), digits),
        "max": round(max(values), digits),
    }


def distinct_queries(questions: Iterable[str], lead_ins: Sequence[str] = LEAD_INS) -> list[str]:
    """Every question under every lead-in, each string once, in a stable order."""
    return list(dict.fromkeys(f"{lead}{q}" for lead in lead_ins for q in questions))


@dataclass(frozen=True)
class GoalResult:
    """One goal: the figure measured, the limit, and whether the figure meets it."""

    name: str
    figure: float | None
    limit: float | None
    unit: str
    kind: str  # "max": at most the limit; "min": at least the limit
    met: bool | None  # None when the figure could not be measured


def check_goal(name: str, figure: float | None, limit: float | None, unit: str, kind: str) -> GoalResult:
    """Whether one measured figure meets its limit (None when either is unknown)."""
    if kind not in ("max", "min"):
        raise ValueError(f"goal kind {kind!r} is neither 'max' nor 'min'")
    met = None
    if figure is not None and limit is not None:
        met = figure <= limit if kind == "max" else figure >= limit
    return GoalResult(name, figure, limit, unit, kind, met)


def goals(figures: Mapping[str, float | None]) -> list[GoalResult]:
    """The issue's goals for this 2-core machine, checked against the figures of one run."""
    floor = figures.get("embed_floor_p50_ms")
    return [
        check_goal(
            "/api/chat p50 <= 3x query-embedding floor",
            figures.get("chat_p50_ms"),
            None if floor is None else round(3 * floor, 2),
            "ms",
            "max",
        ),
        check_goal("/api/chat p95 <= 150 ms", figures.get("chat_p95_ms"), 150.0, "ms", "max"),
        check_goal(
            "throughput at concurrency 8 >= 40 req/s", figures.get("throughput_rps"), 40.0, "req/s", "min"
        ),
        check_goal("ingest <= 20 s", figures.get("ingest_s"), 20.0, "s", "max"),
        check_goal("cold start to /healthz <= 10 s", figures.get("cold_start_s"), 10.0, "s", "max"),
        check_goal("server peak RSS <= 1.2 GB", figures.get("server_peak_rss_mb"), 1200.0, "MB", "max"),
        check_goal(
            "insights over 100,000 questions <= 30 s", figures.get("insights_100k_s"), 30.0, "s", "max"
        ),
        check_goal(
            "llama-cpp first words, median <= 1.5 s", figures.get("llm_first_words_ms"), 1500.0, "ms", "max"
        ),
        check_goal(
            "llama-cpp full answer, median <= 6 s", figures.get("llm_full_answer_ms"), 6000.0, "ms", "max"
        ),
    ]


def llm_goal_figures(report: Mapping[str, Any]) -> dict[str, float | None]:
    """The llama-cpp answer-time medians of a report (None when the local model was not measured)."""
    answers = report.get("llm_answers") or {}
    first, full = answers.get("first_words_ms"), answers.get("full_answer_ms")
    return {
        "llm_first_words_ms": first["median"] if first else None,
        "llm_full_answer_ms": full["median"] if full else None,
    }


def llm_wanted(flag: bool | None) -> bool:
    """Whether to time the local model: when asked, or by default whenever the local-llm extra is installed."""
    import importlib.util

    return flag if flag is not None else importlib.util.find_spec("llama_cpp") is not None


def render_table(rows: Sequence[tuple[str, str]], goal_results: Sequence[GoalResult]) -> str:
    """The figures and the goals as aligned plain-text tables."""
    width = max(len(name) for name, _ in rows) if rows else 10
    lines = [
        "Figures",
        "-------",
        *(f"{name:<{width}}  {value}" for name, value in rows),
        "",
        "Goals",
        "-----",
    ]
    gwidth = max(len(g.name) for g in goal_results) if goal_results else 10
    for g in goal_results:
        verdict = "n/a" if g.met is None else ("met" if g.met else "MISSED")
        figure = "—" if g.figure is None else f"{g.figure:g} {g.unit}"
        limit = "—" if g.limit is None else f"{'≤' if g.kind == 'max' else '≥'} {g.limit:g} {g.unit}"
        lines.append(f"{g.name:<{gwidth}}  {figure:>14}  {limit:>14}  {verdict}")
    return "\n".join(lines)


def top_hot_spots(
    frames: Iterable[tuple[str, str, int, float]], total: float, count: int = 12
) -> list[dict[str, Any]]:
    """Aggregate (file, function, line, seconds) samples by file:function, largest first, with shares."""
    totals: dict[tuple[str, str], float] = {}
    for file, function, _line, seconds in frames:
        totals[(file, function)] = totals.get((file, function), 0.0) + seconds
    ranked = sorted(totals.items(), key=lambda item: item[1], reverse=True)[:count]
    return [
        {
            "where": f"{file}:{function}",
            "seconds": round(seconds, 3),
            "share": round(seconds / total, 3) if total else 0.0,
        }
        for (file, function), seconds in ranked
    ]


# ---------------------------------------------------------------- measuring (the shell)


def _ms(seconds: float) -> float:
    return seconds * 1000.0


def load_average() -> list[float]:
    """The 1, 5 and 15 minute load averages."""
    return [round(x, 2) for x in os.getloadavg()]


def free_port() -> int:
    """A TCP port nobody is listening on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def subprocess_env(data_dir: Path) -> dict[str, str]:
    """The environment of the benchmark's subprocesses: the temporary data dir, offline, a high rate limit."""
    env = dict(os.environ)
    env.update(
        {
            "PLAN_ASSISTANT_DATA_DIR": str(data_dir),
            "PLAN_ASSISTANT_RATE_LIMIT": RATE_LIMIT,
            "PLAN_ASSISTANT_GENERATOR": "extractive",
            "HF_HUB_OFFLINE": "1",
            "TRANSFORMERS_OFFLINE": "1",
        }
    )
    return env


def measure_ingest(data_dir: Path, runs: int) -> list[float]:
    """Wall seconds of `python -m ingest --rebuild --quiet` into data_dir, model load included."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "ingest", "--rebuild", "--quiet"],
            cwd=ROOT,
            env=subprocess_env(data_dir),
            capture_output=True,
            text=True,
        )
        times.append(time.perf_counter() - started)
        if done.returncode != 0:
            raise RuntimeError(f"ingest failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return times


class Server:
    """`python app.py` on a free port against the temporary data dir, with its start-up time."""

    def __init__(self, data_dir: Path, log_path: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._log = log_path.open("ab")
        started = time.perf_counter()
        self.process = subprocess.Popen(
            [sys.executable, "app.py", "--host", "127.0.0.1", "--port", str(self.port)],
            cwd=ROOT,
            env=subprocess_env(data_dir),
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        self.start_seconds = self._wait_ready(started, log_path)

    def _wait_ready(self, started: float, log_path: Path) -> float:
        import httpx

        with httpx.Client(timeout=2.0) as client:
            while time.perf_counter() - started < START_TIMEOUT_SECONDS:
                if self.process.poll() is not None:
                    tail = log_path.read_text(errors="replace")[-2000:]
                    raise RuntimeError(f"the server exited with {self.process.returncode}:\n{tail}")
                try:
                    if client.get(f"{self.url}/healthz").status_code == 200:
                        return time.perf_counter() - started
                except httpx.TransportError:
                    pass
                time.sleep(POLL_SECONDS)
        self.stop()
        raise RuntimeError(f"the server was not ready within {START_TIMEOUT_SECONDS:.0f} s")

    def stop(self) -> None:
        """Stop the server (politely, then firmly)."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()


class RssSampler:
    """Samples the resident memory of a process and its children every 100 ms; keeps the peak."""

    def __init__(self, pid: int) -> None:
        import psutil

        self._process = psutil.Process(pid)
        self.peak_bytes = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def sample(self) -> int:
        """Resident bytes of the process and every child right now."""
        import psutil

        total = 0
        for proc in [self._process, *self._process.children(recursive=True)]:
            with contextlib.suppress(psutil.Error):  # a child that ended between listing and reading
                total += proc.memory_info().rss
        return total

    def _run(self) -> None:
        while not self._stop.is_set():
            with contextlib.suppress(Exception):  # the server is stopping
                self.peak_bytes = max(self.peak_bytes, self.sample())
            self._stop.wait(RSS_SAMPLE_SECONDS)


def chat_body(question: str, audience: str) -> dict[str, Any]:
    """The JSON body of one /api/chat request."""
    return {"question": question, "history": [], "audience": audience}


def http_sequential(url: str, questions: Sequence[tuple[str, str]], passes: int = 1) -> list[float]:
    """Milliseconds of each POST /api/chat, one after another."""
    import httpx

    times = []
    with httpx.Client(base_url=url, timeout=30.0) as client:
        for _ in range(passes):
            for question, audience in questions:
                started = time.perf_counter()
                response = client.post("/api/chat", json=chat_body(question, audience))
                elapsed = time.perf_counter() - started
                if response.status_code != 200:
                    raise RuntimeError(f"/api/chat answered {response.status_code}: {response.text[:300]}")
                times.append(_ms(elapsed))
    return times


async def _throughput(
    url: str, questions: Sequence[tuple[str, str]], concurrency: int, seconds: float, max_requests: int
) -> dict[str, Any]:
    import httpx

    issued = 0
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)

    async with httpx.AsyncClient(base_url=url, timeout=60.0, limits=limits) as client:

        async def worker() -> None:
            nonlocal issued, errors
            while time.perf_counter() < deadline and issued < max_requests:
                question, audience = questions[issued % len(questions)]
                issued += 1
                started = time.perf_counter()
                response = await client.post("/api/chat", json=chat_body(question, audience))
                latencies.append(_ms(time.perf_counter() - started))
                if response.status_code != 200:
                    errors += 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return {
        "concurrency": concurrency,
        "requests": len(latencies),
        "errors": errors,
        "seconds": round(elapsed, 2),
        "requests_per_second": round(len(latencies) / elapsed, 1),
        "latency_ms": summary(latencies),
    }


def throughput(
    url: str, questions: Sequence[tuple[str, str]], concurrency: int, seconds: float, max_requests: int
) -> dict[str, Any]:
    """Requests per second with `concurrency` clients for about `seconds` (at most `max_requests`)."""
    return asyncio.run(_throughput(url, questions, concurrency, seconds, max_requests))


def time_each(fn: Callable[[T], object], items: Iterable[T]) -> list[float]:
    """Milliseconds of fn(item) for each item, one after another."""
    times = []
    for item in items:
        started = time.perf_counter()
        fn(item)
        times.append(_ms(time.perf_counter() - started))
    return times


def in_process(data_dir: Path, embed_runs: int) -> tuple[dict[str, Any], Any]:
    """Embedding floor, retrieval alone and Assistant.ask, measured in this process; returns the assistant."""
    from plan_assistant.config import Settings
    from plan_assistant.embeddings import Embedder
    from plan_assistant.factory import build_assistant

    settings = Settings(data_dir=data_dir, generator="extractive")
    started = time.perf_counter()
    assistant = build_assistant(settings)
    build_seconds = time.perf_counter() - started
    embedder = assistant.embedder
    texts = [q for q, _ in QUESTIONS]
    queries = distinct_queries(texts)

    for text in WARM_UP * 3:
        embedder.embed([text])
    # embed() never consults the query cache: this is one model call per string.
    floor_queries = (queries * math.ceil(embed_runs / len(queries)))[:embed_runs]
    floor = time_each(lambda q: embedder.embed([q]), floor_queries)
    # The same with one torch thread: on 2 shared cores, two threads can stall each other (reported beside).
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        floor_one_thread = time_each(lambda q: embedder.embed([q]), floor_queries)
    finally:
        torch.set_num_threads(threads)

    uncached = assistant.retriever.model_copy(
        update={"embedder": Embedder(embedder.model, embedder.name, cache_size=0)}
    )
    for text in WARM_UP:
        uncached.search(text)
    retrieval = time_each(uncached.search, queries)
    # The same searches through a cached embedder of their own (the assistant's caches stay cold for ask):
    # retrieval's own cost, the embedding excluded.
    cached = assistant.retriever.model_copy(update={"embedder": Embedder(embedder.model, embedder.name)})
    for q in queries:
        cached.search(q)
    retrieval_cached = time_each(cached.search, queries)

    for text in WARM_UP:
        assistant.ask(text)
    cold: list[float] = []
    steps: dict[str, list[float]] = {}
    for question, audience in QUESTIONS:
        started = time.perf_counter()
        answer = assistant.ask(question, audience=audience)  # type: ignore[arg-type]
        cold.append(_ms(time.perf_counter() - started))
        for step, ms in answer.timings.items():
            steps.setdefault(step, []).append(ms)
    warm = time_each(lambda qa: assistant.ask(qa[0], audience=qa[1]), list(QUESTIONS) * 4)
    figures = {
        "build_assistant_s": round(build_seconds, 2),
        "torch_threads": threads,
        "embed_query_ms": summary(floor),
        "embed_query_one_thread_ms": summary(floor_one_thread),
        "retrieval_uncached_ms": summary(retrieval),
        "retrieval_cached_embedding_ms": summary(retrieval_cached),
        "ask_cold_cache_ms": summary(cold),
        "ask_warm_ms": summary(warm),
        "ask_cold_steps_median_ms": {step: round(statistics.median(v), 2) for step, v in steps.items()},
    }
    return figures, assistant


def _is_ours(path: str) -> bool:
    return "plan_assistant" in path or path.endswith(("/app.py", "/ingest/__main__.py"))


def session_hot_spots(root: Any, count: int = 12) -> dict[str, Any]:
    """A pyinstrument tree as three rankings: self time, our functions inclusive, library calls from ours."""
    self_frames: list[tuple[str, str, int, float]] = []
    ours: list[tuple[str, str, int, float]] = []
    calls_out: list[tuple[str, str, int, float]] = []

    def walk(frame: Any, seen: frozenset[tuple[str, str]], parent_ours: bool) -> None:
        key = (frame.file_path_short or "", frame.function or "")
        if (frame.file_path or "").startswith("<frozen importlib"):
            # The import machinery is transparent: the module being imported is what costs.
            for child in frame.children:
                walk(child, seen, parent_ours)
            return
        mine = _is_ours(frame.file_path or "")
        if not frame.is_synthetic:  # "[self]" leaves are already inside their frame's total_self_time
            self_frames.append((*key, frame.line_no or 0, frame.total_self_time))
        if key not in seen:  # inclusive time, each recursion counted once
            if mine:
                ours.append((*key, frame.line_no or 0, frame.time))
            elif parent_ours and not frame.is_synthetic:
                calls_out.append((*key, frame.line_no or 0, frame.time))
            seen = seen | {key}
        for child in frame.children:
            walk(child, seen, mine)

    walk(root, frozenset(), False)
    return {
        "seconds": round(root.time, 3),
        "by_self_time": top_hot_spots(self_frames, root.time, count),
        "ours_inclusive": top_hot_spots(ours, root.time, count),
        "library_calls_from_ours": top_hot_spots(calls_out, root.time, count),
    }


def profile_ask(data_dir: Path) -> dict[str, Any]:
    """Profile Assistant.ask on the benchmark questions with fresh caches (pyinstrument); the hot spots."""
    try:
        from pyinstrument import Profiler
    except ImportError:
        return {"skipped": "pyinstrument is not installed (pip install pyinstrument)"}
    from plan_assistant.config import Settings
    from plan_assistant.factory import build_assistant

    assistant = build_assistant(Settings(data_dir=data_dir, generator="extractive"))
    for text in WARM_UP:
        assistant.ask(text)
    profiler = Profiler(interval=0.0005)
    profiler.start()
    for question, audience in QUESTIONS:
        assistant.ask(question, audience=audience)  # type: ignore[arg-type]
    root = profiler.stop().root_frame()
    if root is None:
        return {"skipped": "no samples"}
    return {"what": f"Assistant.ask on {len(QUESTIONS)} questions, caches cold", **session_hot_spots(root)}


_START_CHILD = """
import json, sys
from pyinstrument import Profiler
profiler = Profiler(interval=0.001)
profiler.start()
import app
from plan_assistant.config import Settings
app.create(Settings())
root = profiler.stop().root_frame()
from evals.bench import session_hot_spots
print(json.dumps(session_hot_spots(root)))
"""


def profile_start(data_dir: Path) -> dict[str, Any]:
    """Profile app.create() (imports, model, index, guard, UI) in a fresh interpreter; the hot spots."""
    done = subprocess.run(
        [sys.executable, "-c", _START_CHILD],
        cwd=ROOT,
        env=subprocess_env(data_dir),
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        return {"skipped": f"profiling start-up failed: {done.stderr[-500:]}"}
    return {"what": "app.create() in a fresh interpreter", **json.loads(done.stdout.strip().splitlines()[-1])}


def llm_figures(data_dir: Path, assistant: Any) -> dict[str, Any]:
    """Time to first token and tokens per second of the local model on three plan questions."""
    import importlib.util

    if importlib.util.find_spec("llama_cpp") is None:
        return {"skipped": "llama-cpp-python is not installed (make install-llm)"}
    from plan_assistant.config import Settings
    from plan_assistant.generators import get_generator
    from plan_assistant.generators.model_files import DEFAULT_MODEL_FILE

    # Reuse the model file already joined in the default data dir rather than joining 1 GB again.
    existing = Settings().data_dir / "models" / DEFAULT_MODEL_FILE
    overrides: dict[str, Any] = {"data_dir": data_dir, "generator": "llama-cpp"}
    if existing.is_file():
        overrides["llm_model_path"] = str(existing)
    try:
        generator = get_generator("llama-cpp", Settings(**overrides))
        started = time.perf_counter()
        generator.load()  # type: ignore[attr-defined]
        load_seconds = time.perf_counter() - started
    except Exception as exc:
        return {"skipped": f"the local model is not available: {exc}"}
    runs: list[dict[str, Any]] = []
    for question, audience in QUESTIONS[:2] + QUESTIONS[14:15]:
        passages = assistant.retriever.search(question)
        started = time.perf_counter()
        first = None
        deltas = 0
        for _ in generator.generate(question, passages, audience):  # type: ignore[arg-type]
            deltas += 1
            if first is None:
                first = time.perf_counter()
        ended = time.perf_counter()
        if first is None:
            continue
        decode = ended - first
        runs.append(
            {
                "question": question,
                "ttft_ms": round(_ms(first - started), 1),
                "tokens": deltas,
                "tokens_per_second": round((deltas - 1) / decode, 2) if decode > 0 and deltas > 1 else None,
                "total_s": round(ended - started, 2),
            }
        )
    rates = [r["tokens_per_second"] for r in runs if r["tokens_per_second"]]
    return {
        "model": Path(str(generator.model_path)).name,  # type: ignore[attr-defined]
        "threads": generator.threads,  # type: ignore[attr-defined]
        "load_s": round(load_seconds, 2),
        "ttft_median_ms": round(statistics.median(r["ttft_ms"] for r in runs), 1) if runs else None,
        "tokens_per_second_median": round(statistics.median(rates), 2) if rates else None,
        "runs": runs,
        "note": "tokens counted as streamed deltas (llama-cpp streams one token per delta); "
        "tokens/s is the decode rate after the first token",
    }


LLM_QUESTIONS = QUESTIONS[:8] + QUESTIONS[14:17] + QUESTIONS[28:31]
"""Plan questions in the three voices for the llama-cpp answer times (each reaches the model)."""


def llm_answer_times(
    data_dir: Path, questions: Sequence[tuple[str, str]] = LLM_QUESTIONS, **overrides: Any
) -> dict[str, Any]:
    """First words shown and full answer through ``Assistant.stream`` with the llama-cpp generator.

    "First words" is when the reader sees text: the lead, sent once the model's first sentence has been
    checked against the plan; the model's own first token is earlier (``llm_figures``). Only questions the
    model answered count; the rest (refused before the model, outline lookups) are listed apart.
    """
    import importlib.util

    if importlib.util.find_spec("llama_cpp") is None:
        return {"skipped": "llama-cpp-python is not installed (make install-llm)"}
    from plan_assistant.config import Settings
    from plan_assistant.factory import build_assistant
    from plan_assistant.generators.model_files import DEFAULT_MODEL_FILE
    from plan_assistant.schemas import Answer

    existing = Settings().data_dir / "models" / DEFAULT_MODEL_FILE
    values: dict[str, Any] = {"data_dir": data_dir, "generator": "llama-cpp", **overrides}
    if existing.is_file() and "llm_model_path" not in values:
        values["llm_model_path"] = str(existing)
    try:
        settings = Settings(**values)
        assistant = build_assistant(settings)
        assistant.generator.load()  # type: ignore[attr-defined]
    except Exception as exc:
        return {"skipped": f"the local model is not available: {exc}"}
    for question in WARM_UP[:1]:
        assistant.ask(question)
    runs: list[dict[str, Any]] = []
    for question, audience in questions:
        started = time.perf_counter()
        first: float | None = None
        final: Answer | None = None
        for item in assistant.stream(question, (), audience):  # type: ignore[arg-type]
            if isinstance(item, Answer):
                final = item
            elif first is None and item.strip():
                first = time.perf_counter()
        ended = time.perf_counter()
        assert final is not None
        runs.append(
            {
                "question": question,
                "audience": audience,
                "status": final.status,
                "route": final.route,
                "model": "compose" in final.timings and final.route == "plan",
                "first_words_ms": round(_ms((first or ended) - started), 1),
                "full_answer_ms": round(_ms(ended - started), 1),
            }
        )
    answered = [r for r in runs if r["model"] and r["status"] == "answered"]
    return {
        "settings": {k: v for k, v in overrides.items()},
        "answered_by_the_model": len(answered),
        "first_words_ms": summary([r["first_words_ms"] for r in answered], 1) if answered else None,
        "full_answer_ms": summary([r["full_answer_ms"] for r in answered], 1) if answered else None,
        "runs": runs,
    }


def synthetic_log(count: int, days: int = 90, seed: int = 13) -> tuple[list[Any], list[Any]]:
    """``count`` logged questions made by repeating the eval sets' questions under the lead-ins, and feedback.

    Synthetic: each row takes an eval question (perhaps with a lead-in), the status and citation its eval
    item expects (answerable: answered, citing its first outcome and priority; unanswerable: not_found;
    the rest out_of_scope), an audience and a time in the last ``days`` days; 2% of rows are rated.
    """
    import random

    from evals import DATASETS, load_dataset
    from plan_assistant.feedback import FeedbackRow
    from plan_assistant.question_log import LoggedQuestion

    rng = random.Random(seed)
    items = [item for path in DATASETS.values() for item in load_dataset(path)]
    now = datetime.now(UTC)
    rows, feedback = [], []
    for n in range(count):
        item = rng.choice(items)
        answered = item.kind == "answerable" and bool(item.outcomes)
        status = "answered" if answered else "not_found" if item.kind == "unanswerable" else "out_of_scope"
        rows.append(
            LoggedQuestion(
                created_at=(now - rng.random() * days * _DAY).isoformat(timespec="seconds"),
                request_id=f"bench-{n}",
                channel="api",
                route="plan" if status != "out_of_scope" else "service",
                status=status,
                audience=item.audience,
                question=rng.choice(LEAD_INS) + item.question,
                outcome=item.outcomes[0] if answered else None,
                priority=item.priorities[0] if answered and item.priorities else None,
                document="Business Plan 2021-2023" if answered else None,
                citations=1 if answered else 0,
                latency_ms=30.0,
            )
        )
        if rng.random() < 0.02:
            rating = "down" if rng.random() < 0.3 else "up"
            feedback.append(
                FeedbackRow(
                    n, "", f"bench-{n}", rating, "not what I asked" if rating == "down" else "", "api"
                )
            )
    return rows, feedback


def measure_insights(count: int = 100_000) -> dict[str, Any]:
    """Seconds to build the staff insights over ``count`` logged questions: first run, and with kept vectors."""
    from plan_assistant.config import Settings
    from plan_assistant.embeddings import load_embedder
    from plan_assistant.insights import build_insights, cached_embed, question_embedder
    from plan_assistant.question_log import QuestionLog

    rows, feedback = synthetic_log(count)
    embedder = load_embedder(Settings())
    tmp = Path(tempfile.mkdtemp(prefix="plan-bench-insights-"))
    try:
        log = QuestionLog(tmp / "questions.sqlite3")
        log.add_many(rows)
        runs: dict[str, Any] = {}
        for name in ("first_run", "vectors_kept"):
            started = time.perf_counter()
            logged = log.rows()
            read = time.perf_counter() - started
            insights = build_insights(
                logged, feedback, cached_embed(log, question_embedder(embedder), embedder.name)
            )
            runs[name] = {
                "seconds": round(time.perf_counter() - started, 2),
                "read_log_s": round(read, 2),
                "steps_s": insights.seconds,
            }
        return {
            "rows": len(rows),
            "distinct_questions": insights.distinct_questions,
            "topics": len(insights.topics),
            "not_in_plan_topics": len(insights.not_in_plan),
            **runs,
            "note": "synthetic rows repeating the eval sets' questions under the benchmark's lead-ins; "
            "first_run embeds every distinct question, vectors_kept reuses the vectors the first run kept",
        }
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpus": os.cpu_count(),
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Measure everything once and return the report."""
    report: dict[str, Any] = {
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "omp_num_threads": os.environ.get("OMP_NUM_THREADS"),
        "command": "python -m evals.bench"
        + ({True: " --llm", False: " --no-llm", None: ""}[args.llm])
        + (" --profile" if args.profile else "")
        + (f" --torch-threads {args.torch_threads}" if args.torch_threads else ""),
        "generator": "extractive",
        "machine": machine(),
        "load_average_start": load_average(),
    }
    tmp = Path(tempfile.mkdtemp(prefix="plan-bench-"))
    data_dir = tmp / "data"
    try:
        print(f"ingest x{args.runs} into {data_dir} ...", flush=True)
        ingest = measure_ingest(data_dir, args.runs)
        report["ingest_s"] = {
            "runs": [round(x, 2) for x in ingest],
            "median": round(statistics.median(ingest), 2),
        }

        print("in-process: embedding floor, retrieval, Assistant.ask ...", flush=True)
        report["in_process"], assistant = in_process(data_dir, args.embed_runs)

        print(f"cold starts x{args.runs}, each followed by one cold-cache pass of /api/chat ...", flush=True)
        starts: list[float] = []
        cold: list[float] = []
        peak = 0
        server: Server | None = None
        for n in range(args.runs):
            server = Server(data_dir, tmp / "server.log")
            starts.append(server.start_seconds)
            with RssSampler(server.process.pid) as sampler:
                cold += http_sequential(server.url, QUESTIONS)
            peak = max(peak, sampler.peak_bytes)
            if n < args.runs - 1:
                server.stop()
        assert server is not None
        report["cold_start_s"] = {
            "runs": [round(x, 2) for x in starts],
            "median": round(statistics.median(starts), 2),
        }
        try:
            print(
                f"warm /api/chat x{args.warm_passes * len(QUESTIONS)}, then concurrency {args.concurrency} ...",
                flush=True,
            )
            with RssSampler(server.process.pid) as sampler:
                warm = http_sequential(server.url, QUESTIONS, passes=args.warm_passes)
                report["throughput"] = throughput(
                    server.url, QUESTIONS, args.concurrency, args.seconds, args.max_requests
                )
            peak = max(peak, sampler.peak_bytes)
        finally:
            server.stop()
        report["chat_http_ms"] = {
            "cold_cache": summary(cold),
            "warm": summary(warm),
            "note": f"{len(QUESTIONS)} distinct questions; cold_cache is the first pass after each of the "
            f"{args.runs} cold starts, warm the {args.warm_passes} passes after on the last server",
        }
        report["server_peak_rss_mb"] = round(peak / 1e6, 1)
        if llm_wanted(args.llm):
            print("llama-cpp: time to first token, tokens/s ...", flush=True)
            report["llm"] = llm_figures(data_dir, assistant)
            print(f"llama-cpp: first words and full answer, {len(LLM_QUESTIONS)} questions ...", flush=True)
            report["llm_answers"] = llm_answer_times(data_dir)
        if args.profile:
            print("profiling Assistant.ask (pyinstrument) ...", flush=True)
            report["profile"] = {"start": profile_start(data_dir), "ask": profile_ask(data_dir)}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("insights over 100,000 logged questions ...", flush=True)
    report["insights_100k"] = measure_insights()
    report["load_average_end"] = load_average()
    # The floor is the cheapest a query embedding was measured to be in this run: with torch's own thread
    # count or with one thread, whichever was faster (contention can inflate the first and flatter the goal).
    ip = report["in_process"]
    floors = {
        f"{ip['torch_threads']} torch threads": ip["embed_query_ms"]["median"],
        "1 torch thread": ip["embed_query_one_thread_ms"]["median"],
    }
    floor_from = min(floors, key=lambda name: floors[name])
    report["embed_floor"] = {"p50_ms": floors[floor_from], "from": floor_from}
    figures = {
        "embed_floor_p50_ms": floors[floor_from],
        "chat_p50_ms": report["chat_http_ms"]["cold_cache"]["median"],
        "chat_p95_ms": report["chat_http_ms"]["cold_cache"]["p95"],
        "throughput_rps": report["throughput"]["requests_per_second"],
        "ingest_s": report["ingest_s"]["median"],
        "cold_start_s": report["cold_start_s"]["median"],
        "server_peak_rss_mb": report["server_peak_rss_mb"],
        **llm_goal_figures(report),
        "insights_100k_s": report["insights_100k"]["first_run"]["seconds"],
    }
    report["goals"] = [asdict(g) for g in goals(figures)]
    return report


def table_rows(report: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The report's figures as (name, value) rows for the terminal."""

    def ms(s: Mapping[str, Any]) -> str:
        return f"p50 {s['median']:.1f} ms   p95 {s['p95']:.1f} ms   (n={s['n']})"

    ip = report["in_process"]
    http = report["chat_http_ms"]
    tp = report["throughput"]
    rows = [
        ("load average (start → end)", f"{report['load_average_start']} → {report.get('load_average_end')}"),
        (
            "ingest (model load incl.)",
            f"median {report['ingest_s']['median']} s  runs {report['ingest_s']['runs']}",
        ),
        (
            "cold start to /healthz 200",
            f"median {report['cold_start_s']['median']} s  runs {report['cold_start_s']['runs']}",
        ),
        (f"query embedding, {ip['torch_threads']} torch threads", ms(ip["embed_query_ms"])),
        ("query embedding, 1 torch thread", ms(ip["embed_query_one_thread_ms"])),
        (
            "query-embedding floor (p50)",
            f"{report['embed_floor']['p50_ms']} ms ({report['embed_floor']['from']})",
        ),
        ("retrieval (embedding incl.)", ms(ip["retrieval_uncached_ms"])),
        ("retrieval (embedding cached)", ms(ip["retrieval_cached_embedding_ms"])),
        ("Assistant.ask cold cache", ms(ip["ask_cold_cache_ms"])),
        ("Assistant.ask warm", ms(ip["ask_warm_ms"])),
        (
            "ask steps, cold (median ms)",
            ", ".join(f"{k} {v}" for k, v in ip["ask_cold_steps_median_ms"].items()),
        ),
        ("POST /api/chat cold cache", ms(http["cold_cache"])),
        ("POST /api/chat warm", ms(http["warm"])),
        (
            f"throughput, concurrency {tp['concurrency']}",
            f"{tp['requests_per_second']} req/s  ({tp['requests']} in {tp['seconds']} s, {tp['errors']} errors, "
            f"p50 {tp['latency_ms']['median']} ms)",
        ),
        ("server peak RSS (incl. children)", f"{report['server_peak_rss_mb']} MB"),
    ]
    if "insights_100k" in report:
        rows.append(("insights over 100,000 questions", insights_row(report["insights_100k"])))
    llm = report.get("llm")
    if llm:
        if "skipped" in llm:
            rows.append(("llama-cpp", f"skipped: {llm['skipped']}"))
        else:
            rows.append(
                (
                    "llama-cpp (median of 3)",
                    f"first token {llm['ttft_median_ms']} ms, {llm['tokens_per_second_median']} tokens/s, "
                    f"load {llm['load_s']} s",
                )
            )
    if answers := report.get("llm_answers"):
        rows.append(("llama-cpp answers (Assistant.stream)", llm_answers_row(answers)))
    return rows


def llm_answers_row(answers: Mapping[str, Any]) -> str:
    """The llama-cpp answer times in one line."""
    if "skipped" in answers:
        return f"skipped: {answers['skipped']}"
    first, full = answers.get("first_words_ms"), answers.get("full_answer_ms")
    if not first or not full:
        return "no question was answered by the model"
    return (
        f"first words {first['median']:.0f} ms (p95 {first['p95']:.0f}), full answer {full['median']:.0f} ms "
        f"(p95 {full['p95']:.0f}), {answers['answered_by_the_model']} questions"
    )


def llm_only(output: Path) -> int:
    """Time only the local model over the project's own index, updating those figures in an existing report."""
    from plan_assistant.config import Settings

    report = json.loads(output.read_text()) if output.is_file() else {}
    data_dir = Settings().data_dir
    report["llm_answers"] = llm_answer_times(data_dir)
    report["llm_answers"]["created"] = datetime.now(UTC).isoformat(timespec="seconds")
    report["llm_answers"]["load_average"] = load_average()
    figures = llm_goal_figures(report)
    fresh = [g for g in goals(figures) if g.name.startswith("llama-cpp")]
    report["goals"] = [g for g in report.get("goals", []) if not g["name"].startswith("llama-cpp")] + [
        asdict(g) for g in fresh
    ]
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print(render_table([("llama-cpp answers", llm_answers_row(report["llm_answers"]))], fresh))
    print(f"\nwritten {output}")
    return 0


def insights_row(figures: Mapping[str, Any]) -> str:
    """The insights benchmark in one line."""
    return (
        f"first run {figures['first_run']['seconds']} s, vectors kept {figures['vectors_kept']['seconds']} s "
        f"({figures['rows']:,} rows, {figures['distinct_questions']:,} distinct, {figures['topics']} topics)"
    )


def insights_only(output: Path) -> int:
    """Measure only the insights and put the figure into an existing report (the rest left as measured)."""
    report = json.loads(output.read_text()) if output.is_file() else {}
    report["insights_100k"] = measure_insights()
    report["insights_100k"]["created"] = datetime.now(UTC).isoformat(timespec="seconds")
    report["insights_100k"]["load_average"] = load_average()
    figure = report["insights_100k"]["first_run"]["seconds"]
    goal = check_goal("insights over 100,000 questions <= 30 s", figure, 30.0, "s", "max")
    report["goals"] = [g for g in report.get("goals", []) if not g["name"].startswith("insights")] + [
        asdict(goal)
    ]
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print(f"insights over 100,000 questions: {insights_row(report['insights_100k'])}")
    print(f"goal <= 30 s: {'met' if goal.met else 'missed'}\nwritten {output}")
    return 0


KEPT_FIGURES = ("load", "llm_answers")
"""Figures other commands measure (`make load`; the local model, skipped with --no-llm): kept from the last
report when this run did not measure them."""


def keep_load_figures(report: dict[str, Any], path: Path) -> dict[str, Any]:
    """The report with the figures of KEPT_FIGURES it lacks taken from the report in path before."""
    if path.is_file():
        previous = json.loads(path.read_text(encoding="utf-8"))
        kept = {key: previous[key] for key in KEPT_FIGURES if key in previous and key not in report}
        return {**report, **kept}
    return report


def render_profile(profiles: Mapping[str, Any]) -> str:
    """The profiles' hot spots as text."""
    lines = []
    for profile in profiles.values():
        if "skipped" in profile:
            lines.append(f"profile skipped: {profile['skipped']}")
            continue
        lines.append(f"Hot spots: {profile['what']}, {profile['seconds']} s sampled")
        for title, key in (
            ("self time", "by_self_time"),
            ("our code, inclusive", "ours_inclusive"),
            ("library calls from our code, inclusive", "library_calls_from_ours"),
        ):
            lines.append(f"  {title}:")
            lines += [
                f"    {h['share'] * 100:5.1f}%  {h['seconds']:7.3f} s  {h['where']}" for h in profile[key][:8]
            ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark, print the table and write bench.json; exit 0 whether or not goals are met."""
    parser = argparse.ArgumentParser(prog="python -m evals.bench", description=__doc__)
    parser.add_argument(
        "--llm",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="time the local llama-cpp model (default: whenever the local-llm extra is installed)",
    )
    parser.add_argument(
        "--llm-only",
        action="store_true",
        help="only time llama-cpp answers over the project's index, updating those figures in the report",
    )
    parser.add_argument("--profile", action="store_true", help="profile Assistant.ask with pyinstrument")
    parser.add_argument("--runs", type=int, default=3, help="ingest and cold-start repetitions (default 3)")
    parser.add_argument("--embed-runs", type=int, default=200, help="query embeddings timed (default 200)")
    parser.add_argument(
        "--warm-passes", type=int, default=4, help="warm passes over the questions (default 4)"
    )
    parser.add_argument("--concurrency", type=int, default=8, help="concurrent clients (default 8)")
    parser.add_argument("--seconds", type=float, default=12.0, help="throughput duration (default 12)")
    parser.add_argument(
        "--max-requests", type=int, default=2000, help="throughput request cap (default 2000)"
    )
    parser.add_argument("--output", type=Path, default=BENCH_PATH, help="where to write the JSON report")
    parser.add_argument(
        "--torch-threads",
        type=int,
        default=None,
        help="set OMP_NUM_THREADS for this process and the server (default: leave torch's own choice)",
    )
    parser.add_argument(
        "--insights-only",
        action="store_true",
        help="only time the staff insights over 100,000 logged questions, updating that figure in the report",
    )
    args = parser.parse_args(argv)
    if args.insights_only:
        return insights_only(args.output)
    if args.llm_only:
        return llm_only(args.output)
    if args.torch_threads:
        # Before torch is imported here or in any subprocess: torch reads it once, at import.
        os.environ["OMP_NUM_THREADS"] = str(args.torch_threads)
    report = keep_load_figures(run(args), args.output)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print()
    print(render_table(table_rows(report), [GoalResult(**g) for g in report["goals"]]))
    if "profile" in report:
        print()
        print(render_profile(report["profile"]))
    print(f"\nwritten {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
