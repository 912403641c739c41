"""The feedback store: what is kept, what is removed, and how it is exported."""

from __future__ import annotations

import csv
import io
import multiprocessing
import queue
import sqlite3
from multiprocessing.synchronize import Event
from pathlib import Path

import pytest

from plan_assistant.feedback import BUSY_TIMEOUT_SECONDS, CSV_COLUMNS, FeedbackRow, FeedbackStore, to_csv


def test_ratings_are_kept_in_order_with_their_request_ids(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / "feedback.sqlite3")
    store.add("r1", "up")
    store.add("r2", "down", "Missed the part about buses.", source="ui")
    rows = store.rows()
    assert [(r.request_id, r.rating, r.comment, r.source) for r in rows] == [
        ("r1", "up", "", "api"),
        ("r2", "down", "Missed the part about buses.", "ui"),
    ]
    assert rows[0].created_at.endswith("+00:00")


def test_personal_details_in_a_comment_never_reach_the_database(tmp_path: Path) -> None:
    path = tmp_path / "feedback.sqlite3"
    FeedbackStore(path).add("r1", "down", "Call me on 07700 900123 or write to jo.bloggs@example.com")
    raw = sqlite3.connect(path).execute("SELECT comment FROM feedback").fetchone()[0]
    assert "07700" not in raw and "jo.bloggs@example.com" not in raw
    assert raw.startswith("Call me on")


def test_a_rating_other_than_up_or_down_is_refused_by_the_database(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / "feedback.sqlite3")
    with pytest.raises(sqlite3.IntegrityError):
        store.add("r1", "sideways")  # type: ignore[arg-type]


def test_two_stores_on_one_file_see_each_others_ratings(tmp_path: Path) -> None:
    path = tmp_path / "shared.sqlite3"
    FeedbackStore(path).add("r1", "up")
    FeedbackStore(path).add("r2", "up")
    assert [r.request_id for r in FeedbackStore(path).rows()] == ["r1", "r2"]


def test_the_database_is_in_write_ahead_log_mode(tmp_path: Path) -> None:
    path = tmp_path / "feedback.sqlite3"
    FeedbackStore(path)
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def _write_ratings(
    path: str, worker: str, count: int, busy_timeout: float, start: Event, results: multiprocessing.Queue
) -> None:
    """One worker process: open the store, wait for the start, then store ``count`` ratings back to back."""
    failures: list[str] = []
    try:
        store = FeedbackStore(Path(path), busy_timeout)
        start.wait(120)
        for n in range(count):
            try:
                store.add(f"{worker}-{n}", "up" if n % 2 else "down", f"comment {n}", source=worker)
            except sqlite3.Error as exc:
                failures.append(f"{worker}-{n}: {exc}")
    except Exception as exc:  # reported to the test, which fails naming it
        failures.append(f"{worker}: {exc!r}")
    results.put((worker, failures))


def write_at_once(path: Path, workers: int, count: int, busy_timeout: float) -> tuple[list[str], int]:
    """Start ``workers`` processes writing ``count`` ratings each at the same moment; read while they write.

    Returns every failure they reported and how many reads the test made meanwhile.
    """
    context = multiprocessing.get_context("spawn")  # fresh processes, as uvicorn's workers are
    start, results = context.Event(), context.Queue()
    names = [f"w{n}" for n in range(workers)]
    processes = [
        context.Process(target=_write_ratings, args=(str(path), name, count, busy_timeout, start, results))
        for name in names
    ]
    for process in processes:
        process.start()
    failures: list[str] = []
    reported: set[str] = set()
    reads = 0
    try:
        reader = FeedbackStore(path, busy_timeout)
        start.set()
        while len(reported) < workers:
            reader.rows()  # the export reading while the workers write
            reads += 1
            try:
                worker, found = results.get(timeout=0.05)
            except queue.Empty:
                if not any(p.is_alive() for p in processes) and results.empty():
                    failures.append(f"workers {sorted(set(names) - reported)} ended without reporting")
                    break
                continue
            reported.add(worker)
            failures.extend(found)
    finally:
        for process in processes:
            process.join(timeout=60)
            if process.is_alive():
                process.kill()
    return failures, reads


@pytest.mark.slow
def test_two_processes_writing_200_ratings_each_at_once_lose_none(tmp_path: Path) -> None:
    path = tmp_path / "feedback.sqlite3"
    failures, reads = write_at_once(path, workers=2, count=200, busy_timeout=BUSY_TIMEOUT_SECONDS)
    assert failures == []
    rows = FeedbackStore(path).rows()
    assert len(rows) == 400
    for worker in ("w0", "w1"):
        assert sorted(r.request_id for r in rows if r.source == worker) == sorted(
            f"{worker}-{n}" for n in range(200)
        )
    assert reads > 0


def test_the_csv_export_has_a_header_and_one_line_per_rating() -> None:
    rows = [FeedbackRow(1, "2024-01-01T00:00:00+00:00", "r1", "up", 'Said "thanks", then left', "api")]
    parsed = list(csv.reader(io.StringIO(to_csv(rows))))
    assert tuple(parsed[0]) == CSV_COLUMNS
    assert parsed[1] == ["1", "2024-01-01T00:00:00+00:00", "r1", "up", 'Said "thanks", then left', "api"]


def test_cells_a_spreadsheet_would_run_as_formulas_are_made_inert() -> None:
    rows = [
        FeedbackRow(1, "t", "=cmd()", "down", "+SUM(A1:A9)", "api"),
        FeedbackRow(2, "t", "r", "up", "-ok", "api"),
    ]
    parsed = list(csv.DictReader(io.StringIO(to_csv(rows))))
    assert parsed[0]["request_id"] == "'=cmd()"
    assert parsed[0]["comment"] == "'+SUM(A1:A9)"
    assert parsed[1]["comment"] == "'-ok"
