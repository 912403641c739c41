"""python -m evals.load (``make load``): the app under sustained load, deployed as for several workers.

Starts a Chroma server and ingests the corpus into it, Debian's redis-server for the shared rate limit
(without it the limit is counted per worker, and the report says so), and the app with 2 uvicorn workers,
all on free ports with a temporary data directory. Then locust runs headless (``evals/locustfile.py``):
50 users for 60 s asking the eval sets' questions (own and blind, with their history and audience), of
which 2 act as one client asking as fast as it can, so that the limit refuses it: those 429s are intended
and counted apart. Any other error fails the run (exit 1). The figures go into ``evals/reports/bench.json``
under "load" (the other keys are kept) and a summary is printed.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from evals import DATASETS, load_dataset
from evals.bench import BENCH_PATH, free_port, load_average, machine

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
LOCUSTFILE = Path(__file__).with_name("locustfile.py")
# The independent set as the project's sessions share it, beside the repository (the same file is
# vendored in evals/datasets today; a newer shared copy is picked up without a copy step).
SHARED_BLIND = ROOT.parent / "shared" / "evalsets" / "blind-dev.jsonl"
INTENDED_429 = ": 429 over the limit"  # as in evals/locustfile.py
# An asker waits 1-3 s between requests (at most 60 a minute); twice that keeps every asker well inside
# the limit while the over-limit client, asking every 0.2 s from two users, is far past it.
RATE_LIMIT = "120/minute"
START_TIMEOUT_SECONDS = 240.0


# ---------------------------------------------------------------- pure helpers


def dataset_paths(shared_blind: Path = SHARED_BLIND) -> list[Path]:
    """The eval sets the load draws its questions from: the project's, and the shared blind one if present."""
    return [*DATASETS.values(), *([shared_blind] if shared_blind.is_file() else [])]


def question_mix(paths: Iterable[Path]) -> list[dict[str, Any]]:
    """Every distinct (question, history, audience) of the eval sets, as /api/chat request bodies."""
    bodies: dict[str, dict[str, Any]] = {}
    for path in paths:
        for item in load_dataset(path):
            body = {
                "question": item.question,
                "history": [turn.model_dump() for turn in item.history],
                "audience": item.audience,
            }
            bodies.setdefault(json.dumps(body, sort_keys=True), body)
    return list(bodies.values())


def histogram_percentile(histogram: Mapping[Any, int], q: float) -> float:
    """The q-th percentile (0-100, nearest rank) of response times kept as {milliseconds: count}."""
    counts = sorted((float(ms), n) for ms, n in histogram.items() if n)
    total = sum(n for _, n in counts)
    if total == 0:
        raise ValueError("percentile of no response times")
    rank = max(1, math.ceil(total * q / 100))
    seen = 0
    for ms, n in counts:
        seen += n
        if seen >= rank:
            return ms
    return counts[-1][0]


def _merged(entries: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    histogram: dict[str, int] = {}
    for entry in entries:
        for ms, n in entry["response_times"].items():
            histogram[str(ms)] = histogram.get(str(ms), 0) + int(n)
    return histogram


def _latency(entries: Sequence[Mapping[str, Any]]) -> dict[str, float | int]:
    histogram = _merged(entries)
    return {
        "requests": sum(int(e["num_requests"]) for e in entries),
        "p50_ms": round(histogram_percentile(histogram, 50), 1),
        "p95_ms": round(histogram_percentile(histogram, 95), 1),
        "max_ms": round(max(float(e["max_response_time"]) for e in entries), 1),
    }


def summarise(entries: Sequence[Mapping[str, Any]], failures: Sequence[Mapping[str, str]]) -> dict[str, Any]:
    """The run's figures from locust's statistics (``--json-file``) and failures (``--csv``).

    Latency is over every request except the intended 429s (cheap refusals would flatter it); the
    over-limit client's answered requests count, since they were served.
    """
    refused = [e for e in entries if str(e["name"]).endswith(INTENDED_429)]
    served = [e for e in entries if e not in refused]
    if not served:
        raise ValueError("locust made no requests")
    requests = sum(int(e["num_requests"]) for e in entries)
    started = min(float(e["start_time"]) for e in entries)
    ended = max(float(e["last_request_timestamp"] or started) for e in entries)
    errors = [
        {"request": f"{f['Method']} {f['Name']}", "error": f["Error"], "occurrences": int(f["Occurrences"])}
        for f in failures
    ]
    over_limit = [e for e in served if "(client over the limit)" in str(e["name"])]
    return {
        "requests": requests,
        "requests_per_s": round(requests / max(ended - started, 1e-9), 1),
        **{k: v for k, v in _latency(served).items() if k != "requests"},
        "served": sum(int(e["num_requests"]) for e in served),
        "intended_429": sum(int(e["num_requests"]) for e in refused),
        "unexpected_errors": sum(e["occurrences"] for e in errors),
        "errors": errors,
        "by_request": {
            f"{e['method']} {e['name']}": _latency([e]) | {"failures": int(e["num_failures"])} for e in served
        },
        "over_limit_client_answered": sum(
            int(e["num_requests"]) - int(e["num_failures"]) for e in over_limit
        ),
    }


def merge_into_bench(path: Path, load: Mapping[str, Any]) -> None:
    """Write the load figures under "load" in bench.json, keeping every other key as it was."""
    report = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    report["load"] = dict(load)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def render(load: Mapping[str, Any]) -> str:
    """A short summary for the terminal."""
    lines = [
        f"make load: {load['users']} users for {load['seconds']} s, {load['workers']} uvicorn workers on a "
        f"Chroma server, rate limit {load['rate_limit']} counted in {load['rate_limit_storage']}",
        f"  requests            {load['requests']} ({load['requests_per_s']}/s)",
        f"  served p50 / p95    {load['p50_ms']} ms / {load['p95_ms']} ms (max {load['max_ms']} ms)",
        f"  intended 429s       {load['intended_429']} (the over-limit client; it was answered "
        f"{load['over_limit_client_answered']} times)",
        f"  unexpected errors   {load['unexpected_errors']}",
    ]
    for name, figures in load["by_request"].items():
        lines.append(
            f"    {name:<45} {figures['requests']:>6}  p50 {figures['p50_ms']:>7} ms  p95 {figures['p95_ms']:>7} ms"
        )
    lines += [f"  ERROR {e['occurrences']}x {e['request']}: {e['error']}" for e in load["errors"]]
    return "\n".join(lines)


# ---------------------------------------------------------------- the processes


def _wait(url: str, process: subprocess.Popen[bytes], what: str, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = log.read_text(errors="replace")[-3000:]
            raise RuntimeError(f"{what} exited with code {process.returncode}:\n{tail}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url, timeout=2).status_code == 200:
                return
        time.sleep(0.25)
    raise RuntimeError(f"{what}: {url} was not 200 within {START_TIMEOUT_SECONDS:.0f} s")


@contextlib.contextmanager
def _process(command: Sequence[str], log: Path, env: Mapping[str, str]) -> Iterator[subprocess.Popen[bytes]]:
    """A subprocess writing to log, terminated (then killed) on the way out."""
    with log.open("ab") as out:
        process = subprocess.Popen(
            list(command), cwd=ROOT, env=dict(env), stdout=out, stderr=subprocess.STDOUT
        )
        try:
            yield process
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _chroma_with_index(stack: contextlib.ExitStack, work: Path, env: dict[str, str]) -> None:
    """A ``chroma run`` server with the corpus ingested into it; env points at it."""
    port = free_port()
    env |= {"PLAN_ASSISTANT_CHROMA_HOST": "127.0.0.1", "PLAN_ASSISTANT_CHROMA_PORT": str(port)}
    log = work / "logs" / "chroma.log"
    command = [str(BIN / "chroma"), "run", "--path", str(work / "chroma"), "--port", str(port)]
    chroma = stack.enter_context(_process(command, log, env))
    _wait(f"http://127.0.0.1:{port}/api/v2/heartbeat", chroma, "chroma run", log)
    with (work / "logs" / "ingest.log").open("wb") as out:
        subprocess.run(
            [sys.executable, "-m", "ingest", "--quiet"], cwd=ROOT, env=env, stdout=out, stderr=out, check=True
        )


def _redis(stack: contextlib.ExitStack, work: Path, env: dict[str, str]) -> bool:
    """Debian's redis-server for the shared limit, if installed; env points at it. False without it."""
    import redis

    binary = shutil.which("redis-server") or shutil.which("redis-server", path="/usr/bin:/usr/sbin")
    if binary is None:
        env["PLAN_ASSISTANT_RATE_LIMIT_STORAGE"] = "memory://"
        return False
    port = free_port()
    command = [binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(work), "--save", ""]
    server = stack.enter_context(_process(command, work / "logs" / "redis.log", env))
    client = redis.Redis(port=port, socket_timeout=1, socket_connect_timeout=1)
    deadline = time.monotonic() + 20
    while True:
        with contextlib.suppress(redis.ConnectionError):
            if client.ping():
                break
        if server.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"redis-server did not start: see {work / 'logs' / 'redis.log'}")
        time.sleep(0.1)
    client.close()
    env["PLAN_ASSISTANT_RATE_LIMIT_STORAGE"] = f"redis://127.0.0.1:{port}/0"
    return True


def _workers(stack: contextlib.ExitStack, work: Path, env: dict[str, str], workers: int) -> tuple[str, Any]:
    """``uvicorn --factory app:create --workers N``, returned once every worker has answered /healthz."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [
        str(BIN / "uvicorn"),
        "--factory",
        "app:create",
        "--workers",
        str(workers),
        "--port",
        str(port),
    ]
    log = work / "logs" / "uvicorn.log"
    app = stack.enter_context(_process([*command, "--log-level", "warning"], log, env))
    _wait(f"{url}/healthz", app, "uvicorn", log)
    # One answer proves one worker ready; each loads its model before it takes a connection.
    pids: set[str] = set()
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while len(pids) < workers:
        if time.monotonic() > deadline:
            raise RuntimeError(f"only worker(s) {sorted(pids)} answered /healthz")
        with httpx.Client(timeout=30) as client:  # a fresh connection, so either worker may take it
            response = client.get(f"{url}/healthz")
        if response.status_code == 200:
            pids.add(response.headers["X-Worker-Pid"])
        time.sleep(0.1)
    return url, app


def _locust(args: argparse.Namespace, work: Path, url: str, questions: Path) -> tuple[list[Any], list[Any]]:
    """Run locust headless; its statistics entries, and its failures and exceptions as rows."""
    command = [
        *(str(BIN / "locust"), "-f", str(LOCUSTFILE), "--headless", "--host", url, "--only-summary"),
        *("--users", str(args.users), "--spawn-rate", str(args.spawn_rate), "--run-time", f"{args.seconds}s"),
        *("--stop-timeout", "10", "--loglevel", "WARNING"),
        *("--json-file", str(work / "stats"), "--csv", str(work / "locust")),  # locust adds .json
        *("--questions", str(questions), "--over-limit-users", str(args.over_limit_users)),
    ]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    (work / "logs" / "locust.log").write_text(done.stdout + done.stderr, encoding="utf-8")
    if not (work / "stats.json").is_file():
        raise RuntimeError(f"locust wrote no statistics (exit {done.returncode}):\n{done.stderr[-3000:]}")
    entries = json.loads((work / "stats.json").read_text(encoding="utf-8"))
    with (work / "locust_failures.csv").open(encoding="utf-8") as file:
        failures = list(csv.DictReader(file))
    with (work / "locust_exceptions.csv").open(encoding="utf-8") as file:
        # An exception in a user's code: the request it was making went unchecked, so it counts as an error.
        failures += [
            {"Method": "", "Name": "locustfile", "Error": row["Message"], "Occurrences": row["Count"]}
            for row in csv.DictReader(file)
        ]
    return entries, failures


def run(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    """Start everything, run locust, stop everything; the figures as written to bench.json."""
    questions = question_mix(dataset_paths())
    questions_path = work / "questions.json"
    questions_path.write_text(json.dumps(questions, ensure_ascii=False), encoding="utf-8")
    (work / "logs").mkdir()
    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "PLAN_ASSISTANT_DATA_DIR": str(work / "data"),
        "PLAN_ASSISTANT_GENERATOR": "extractive",
        "PLAN_ASSISTANT_RATE_LIMIT": args.rate_limit,
        "PLAN_ASSISTANT_LOG_LEVEL": "WARNING",
    }
    with contextlib.ExitStack() as stack:
        print(f"starting a Chroma server and ingesting the corpus into it ({work})", flush=True)
        _chroma_with_index(stack, work, env)
        shared = _redis(stack, work, env)
        if not shared:
            print(
                "redis-server is not installed (make redis-deps): the limit is counted per worker", flush=True
            )
        print(f"starting {args.workers} uvicorn workers", flush=True)
        url, app = _workers(stack, work, env, args.workers)
        load_start = load_average()
        print(f"locust: {args.users} users for {args.seconds} s against {url}", flush=True)
        entries, failures = _locust(args, work, url, questions_path)
        if app.poll() is not None:
            raise RuntimeError(f"the app exited during the run: see {work / 'logs' / 'uvicorn.log'}")
    return {
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": "python -m evals.load",
        "users": args.users,
        "over_limit_users": args.over_limit_users,
        "seconds": args.seconds,
        "workers": args.workers,
        "chroma": "server (chroma run)",
        "rate_limit": args.rate_limit,
        "rate_limit_storage": "redis" if shared else "memory (per worker)",
        "questions": len(questions),
        "question_sets": [os.path.relpath(path, ROOT) for path in dataset_paths()],
        "machine": machine(),
        "load_average_start": load_start,
        "load_average_end": load_average(),
        **summarise(entries, failures),
    }


def main(argv: list[str] | None = None) -> int:
    """Run the load test, print the summary, write bench.json; exit 1 on any error but the intended 429s."""
    parser = argparse.ArgumentParser(prog="python -m evals.load", description=__doc__)
    parser.add_argument("--users", type=int, default=50, help="locust users (default 50)")
    parser.add_argument("--seconds", type=int, default=60, help="run time (default 60)")
    parser.add_argument("--spawn-rate", type=float, default=10, help="users started per second (default 10)")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn workers (default 2)")
    parser.add_argument(
        "--over-limit-users",
        type=int,
        default=2,
        help="users acting as one client past the limit (default 2)",
    )
    parser.add_argument("--rate-limit", default=RATE_LIMIT, help=f"per-client limit (default {RATE_LIMIT})")
    parser.add_argument("--output", type=Path, default=BENCH_PATH, help="bench.json to add the figures to")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (logs, locust output)")
    args = parser.parse_args(argv)
    if not 0 <= args.over_limit_users < args.users:
        parser.error("--over-limit-users must leave at least one asker")
    work = Path(tempfile.mkdtemp(prefix="plan-assistant-load-"))
    try:
        load = run(args, work)
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    merge_into_bench(args.output, load)
    print()
    print(render(load))
    print(f'\nwritten {args.output} ("load")')
    if load["unexpected_errors"] or not load["served"]:
        print("FAILED: errors other than the intended 429s", file=sys.stderr)
        return 1
    if args.over_limit_users and not load["intended_429"]:
        print("FAILED: the client over the limit was never refused", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
