"""The load test's pure parts: its question mix, its figures from locust's statistics, and bench.json."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from evals import DATASETS
from evals.bench import keep_load_figures
from evals.load import (
    INTENDED_429,
    LOCUSTFILE,
    dataset_paths,
    histogram_percentile,
    merge_into_bench,
    question_mix,
    summarise,
)


def entry(name: str, times: dict[int, int], failures: int = 0, method: str = "POST") -> dict[str, Any]:
    """One statistics entry as locust's --json-file writes it."""
    return {
        "name": name,
        "method": method,
        "num_requests": sum(times.values()),
        "num_failures": failures,
        "response_times": {str(ms): n for ms, n in times.items()},
        "max_response_time": max(times),
        "start_time": 1000.0,
        "last_request_timestamp": 1010.0,
    }


def test_the_mix_holds_every_distinct_question_of_both_sets_with_its_history_and_audience() -> None:
    mix = question_mix(DATASETS.values())
    assert len(mix) > 200
    assert {body["audience"] for body in mix} == {"resident", "staff", "adviser"}
    assert any(body["history"] for body in mix), "the multi-turn questions keep their history"
    assert all(set(body) == {"question", "history", "audience"} for body in mix)
    assert question_mix([*DATASETS.values(), *DATASETS.values()]) == mix


def test_the_shared_blind_set_joins_the_mix_only_when_it_is_there(tmp_path: Path) -> None:
    shared = tmp_path / "blind-dev.jsonl"
    assert dataset_paths(shared) == list(DATASETS.values())
    shared.write_text("")
    assert dataset_paths(shared) == [*DATASETS.values(), shared]


def test_percentiles_of_a_histogram_take_the_nearest_rank() -> None:
    histogram = {"10": 50, "20": 45, "300": 5}
    assert histogram_percentile(histogram, 50) == 10
    assert histogram_percentile(histogram, 95) == 20
    assert histogram_percentile(histogram, 96) == 300
    assert histogram_percentile(histogram, 100) == 300
    with pytest.raises(ValueError):
        histogram_percentile({}, 50)


def test_intended_429s_are_counted_apart_and_left_out_of_the_latency() -> None:
    entries = [
        entry("/api/chat", {40: 90, 200: 10}),
        entry("/api/chat (client over the limit)", {50: 20}),
        entry("/api/chat (client over the limit)" + INTENDED_429, {2: 400}),
    ]
    figures = summarise(entries, [])
    assert figures["intended_429"] == 400
    assert figures["served"] == 120
    assert figures["requests"] == 520 and figures["requests_per_s"] == 52.0
    assert (figures["p50_ms"], figures["p95_ms"]) == (40, 200)
    assert figures["over_limit_client_answered"] == 20
    assert figures["unexpected_errors"] == 0


def test_every_other_failure_is_an_unexpected_error_named_by_its_request() -> None:
    failures = [
        {"Method": "POST", "Name": "/api/chat", "Error": "503: unavailable", "Occurrences": "3"},
        {"Method": "", "Name": "locustfile", "Error": "KeyError('request_id')", "Occurrences": "1"},
    ]
    figures = summarise([entry("/api/chat", {40: 10}, failures=3)], failures)
    assert figures["unexpected_errors"] == 4
    assert figures["errors"][0] == {
        "request": "POST /api/chat",
        "error": "503: unavailable",
        "occurrences": 3,
    }
    assert figures["by_request"]["POST /api/chat"]["failures"] == 3


def test_the_load_figures_join_bench_json_without_touching_its_other_keys(tmp_path: Path) -> None:
    path = tmp_path / "bench.json"
    merge_into_bench(path, {"p95_ms": 1})
    assert json.loads(path.read_text()) == {"load": {"p95_ms": 1}}
    path.write_text(json.dumps({"ingest_s": {"median": 18}, "load": {"p95_ms": 1}}))
    merge_into_bench(path, {"p95_ms": 2})
    assert json.loads(path.read_text()) == {"ingest_s": {"median": 18}, "load": {"p95_ms": 2}}


def test_make_bench_keeps_the_load_figures_it_does_not_measure(tmp_path: Path) -> None:
    path = tmp_path / "bench.json"
    assert keep_load_figures({"ingest_s": 1}, path) == {"ingest_s": 1}
    path.write_text(json.dumps({"ingest_s": 0, "load": {"p95_ms": 2}}))
    assert keep_load_figures({"ingest_s": 1}, path) == {"ingest_s": 1, "load": {"p95_ms": 2}}
    path.write_text(json.dumps({"load": {"p95_ms": 2}, "llm_answers": {"first_ms": 9}}))
    kept = keep_load_figures({"ingest_s": 1, "llm_answers": {"first_ms": 5}}, path)
    assert kept == {"ingest_s": 1, "llm_answers": {"first_ms": 5}, "load": {"p95_ms": 2}}  # a new one wins
    assert keep_load_figures({}, path)["llm_answers"] == {"first_ms": 9}


def test_the_locustfile_names_intended_429s_as_the_driver_counts_them() -> None:
    # The locustfile is only ever loaded by locust (importing locust patches the standard library).
    assert f'INTENDED_429 = "{INTENDED_429}"' in LOCUSTFILE.read_text(encoding="utf-8")
