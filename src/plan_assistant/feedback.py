"""Thumbs up/down on answers, kept in a small SQLite file in the data directory."""

from __future__ import annotations

import csv
import io
import logging
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from plan_assistant.logging_setup import redact_text

Rating = Literal["up", "down"]
BUSY_TIMEOUT_SECONDS = 10.0  # how long a write waits for another worker's write to finish
logger = logging.getLogger(__name__)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at TEXT NOT NULL,
    request_id TEXT NOT NULL,
    rating TEXT NOT NULL CHECK (rating IN ('up', 'down')),
    comment TEXT NOT NULL DEFAULT '',
    source TEXT NOT NULL DEFAULT 'api'
)
"""
CSV_COLUMNS = ("id", "created_at", "request_id", "rating", "comment", "source")
_SELECT_ALL = "SELECT id, created_at, request_id, rating, comment, source FROM feedback ORDER BY id"
# Cells starting with these are run as formulas by spreadsheet programs; staff open the export in one.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class FeedbackRow:
    """One stored rating."""

    id: int
    created_at: str
    request_id: str
    rating: Rating
    comment: str
    source: str


class FeedbackStore:
    """Append-only feedback in SQLite; a short connection per call lets several workers share the file.

    The file is in write-ahead-log mode, so reading (the export) never blocks a write, and a write that finds
    another worker writing waits for it (up to BUSY_TIMEOUT_SECONDS) rather than failing.
    """

    def __init__(self, path: Path, busy_timeout: float = BUSY_TIMEOUT_SECONDS) -> None:
        self.path = path
        self.busy_timeout = busy_timeout
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as conn:
            # The mode is kept in the file: set once, every later connection from any process uses it.
            mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
            if str(mode).lower() != "wal":  # e.g. a network file system, where WAL cannot work
                logger.warning("feedback database %s cannot use WAL mode (it stays %s)", path, mode)
            conn.execute(_SCHEMA)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        conn = sqlite3.connect(self.path, timeout=self.busy_timeout)
        try:
            with conn:
                yield conn
        finally:
            conn.close()

    def add(self, request_id: str, rating: Rating, comment: str = "", source: str = "api") -> int:
        """Store one rating; the comment is redacted of personal data before it touches the disk."""
        created_at = datetime.now(UTC).isoformat(timespec="seconds")
        with self._connect() as conn:
            cursor = conn.execute(
                "INSERT INTO feedback (created_at, request_id, rating, comment, source)"
                " VALUES (?, ?, ?, ?, ?)",
                (created_at, request_id, rating, redact_text(comment.strip()), source),
            )
            return int(cursor.lastrowid or 0)

    def rows(self) -> list[FeedbackRow]:
        """Every stored rating, oldest first."""
        with self._connect() as conn:
            cursor = conn.execute(_SELECT_ALL)
            return [FeedbackRow(*row) for row in cursor.fetchall()]


def _safe_cell(value: object) -> str:
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def to_csv(rows: Iterable[FeedbackRow]) -> str:
    """Render feedback as CSV, with cells that a spreadsheet would run as formulas made inert."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        writer.writerow(
            [
                row.id,
                row.created_at,
                _safe_cell(row.request_id),
                row.rating,
                _safe_cell(row.comment),
                row.source,
            ]
        )
    return buffer.getvalue()
