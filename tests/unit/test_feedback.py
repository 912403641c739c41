"""The feedback store: what is kept, what is removed, and how it is exported."""

from __future__ import annotations

import csv
import io
import sqlite3
from pathlib import Path

import pytest

from plan_assistant.feedback import CSV_COLUMNS, FeedbackRow, FeedbackStore, to_csv


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
