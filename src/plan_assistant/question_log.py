"""What people asked, kept for the staff insights: redacted questions with where their answers came from.

Plain ``sqlite3`` (SQLAlchemy is not installed), portable SQL only, so the schema moves to PostgreSQL with
the connection. A question is redacted before it touches the disk; rows older than the retention period
are deleted when the log opens and, at most hourly, as rows are written.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from time import monotonic
from urllib.parse import unquote, urlsplit

import numpy as np

from plan_assistant.feedback import BUSY_TIMEOUT_SECONDS
from plan_assistant.logging_setup import redact_text
from plan_assistant.schemas import Answer

_SCHEMA = """
CREATE TABLE IF NOT EXISTS questions (
    id INTEGER PRIMARY KEY,
    created_at TEXT NOT NULL,
    request_id TEXT NOT NULL,
    channel TEXT NOT NULL,
    route TEXT NOT NULL,
    status TEXT NOT NULL,
    audience TEXT NOT NULL,
    question TEXT NOT NULL,
    outcome INTEGER,
    priority TEXT,
    document TEXT,
    citations INTEGER NOT NULL DEFAULT 0,
    latency_ms REAL NOT NULL DEFAULT 0
)
"""
_INDEX = "CREATE INDEX IF NOT EXISTS questions_created_at ON questions (created_at)"
# Embeddings of logged questions, made by the insights (never on the request path) and kept so that the
# next run embeds only new questions; deleted with the last row holding their question.
_VECTORS = """
CREATE TABLE IF NOT EXISTS question_vectors (
    question TEXT NOT NULL,
    model TEXT NOT NULL,
    vector BLOB NOT NULL,
    PRIMARY KEY (question, model)
)
"""
COLUMNS = (
    "created_at",
    "request_id",
    "channel",
    "route",
    "status",
    "audience",
    "question",
    "outcome",
    "priority",
    "document",
    "citations",
    "latency_ms",
)
# The statements as literals (no SQL is built from strings at run time); a unit test ties them to COLUMNS.
INSERT_ROW = (
    "INSERT INTO questions (created_at, request_id, channel, route, status, audience, question, outcome, "
    "priority, document, citations, latency_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
SELECT_ROWS = (
    "SELECT created_at, request_id, channel, route, status, audience, question, outcome, priority, document, "
    "citations, latency_ms FROM questions WHERE created_at >= ? ORDER BY id"
)
# Messages about one person's own situation or safety are counted by route but their words are not kept,
# even redacted: they are not what the plan should learn from, and they are the likeliest to identify.
WITHHELD_ROUTES = frozenset({"crisis", "personal_case"})
WITHHELD = "[not kept: about a person's own situation]"
PURGE_EVERY_SECONDS = 3600.0


class QuestionLogError(ValueError):
    """The question log's URL cannot be used."""


def sqlite_path(url: str) -> Path:
    """The file a ``sqlite:///path`` URL names; any other database is refused with a reason."""
    parts = urlsplit(url)
    if parts.scheme != "sqlite":
        raise QuestionLogError(
            f"question_log_url {url!r}: only sqlite:///PATH is supported here (a PostgreSQL URL needs "
            "SQLAlchemy and a driver, which are not installed)"
        )
    # sqlite:///relative.db and sqlite:////absolute.db, as SQLAlchemy reads them.
    path = unquote(parts.path)[1:]
    if parts.netloc or not path:
        raise QuestionLogError(f"question_log_url {url!r} names no file: use sqlite:////absolute/path.db")
    return Path(path)


@dataclass(frozen=True)
class LoggedQuestion:
    """One answered request as the insights see it (the question already redacted)."""

    created_at: str
    request_id: str
    channel: str
    route: str
    status: str
    audience: str
    question: str
    outcome: int | None = None
    priority: str | None = None
    document: str | None = None
    citations: int = 0
    latency_ms: float = 0.0


def entry_for(
    question: str,
    answer: Answer,
    *,
    request_id: str,
    audience: str,
    channel: str,
    latency_ms: float,
    now: datetime | None = None,
) -> LoggedQuestion:
    """The row for one answer: the question redacted (or withheld), the first citation's place in the plan."""
    first = answer.citations[0] if answer.citations else None
    text = WITHHELD if answer.route in WITHHELD_ROUTES else " ".join(redact_text(question).split())
    return LoggedQuestion(
        created_at=(now or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="seconds"),
        request_id=request_id,
        channel=channel,
        route=answer.route,
        status=answer.status,
        audience=audience,
        question=text,
        outcome=first.outcome if first else None,
        priority=first.priority if first else None,
        document=first.document if first else None,
        citations=len(answer.citations),
        latency_ms=round(latency_ms, 1),
    )


class QuestionLog:
    """Redacted questions in SQLite (WAL, a short connection per call, so workers share the file)."""

    def __init__(self, path: Path, retention_days: int = 90) -> None:
        self.path = path
        self.retention_days = retention_days
        self._last_purge = 0.0
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as conn:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute(_SCHEMA)
            conn.execute(_INDEX)
            conn.execute(_VECTORS)
        self.purge()

    @classmethod
    def from_url(cls, url: str, retention_days: int) -> QuestionLog:
        """The log a ``sqlite:///`` URL names."""
        return cls(sqlite_path(url), retention_days)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_SECONDS)
        try:
            with conn:
                yield conn
        finally:
            conn.close()

    @property
    def enabled(self) -> bool:
        """False when the retention is 0 days: nothing is kept."""
        return self.retention_days > 0

    def add(self, entry: LoggedQuestion) -> None:
        """Store one row (the caller built it with ``entry_for``, which redacts); purge old rows hourly."""
        if not self.enabled:
            return
        with self._connect() as conn:
            conn.execute(
                INSERT_ROW,
                tuple(getattr(entry, column) for column in COLUMNS),
            )
        if monotonic() - self._last_purge > PURGE_EVERY_SECONDS:
            self.purge()

    def add_many(self, entries: list[LoggedQuestion]) -> None:
        """Store many rows in one transaction (benchmarks and imports)."""
        with self._connect() as conn:
            conn.executemany(
                INSERT_ROW,
                [tuple(getattr(entry, column) for column in COLUMNS) for entry in entries],
            )

    def purge(self, now: datetime | None = None) -> int:
        """Delete rows older than the retention period (every row when it is 0 days); how many went."""
        cutoff = (now or datetime.now(UTC)) - timedelta(days=self.retention_days)
        with self._connect() as conn:
            deleted = conn.execute(
                "DELETE FROM questions WHERE created_at < ?", (cutoff.isoformat(timespec="seconds"),)
            ).rowcount
            if deleted:
                conn.execute(
                    "DELETE FROM question_vectors WHERE question NOT IN (SELECT question FROM questions)"
                )
        self._last_purge = monotonic()
        return int(deleted or 0)

    def rows(self, since: datetime | None = None) -> list[LoggedQuestion]:
        """Every kept row, oldest first; only those from ``since`` on when given."""
        # ISO timestamps sort as text, so the empty string is before every row.
        start = since.astimezone(UTC).isoformat(timespec="seconds") if since is not None else ""
        with self._connect() as conn:
            cursor = conn.execute(SELECT_ROWS, (start,))
            return [LoggedQuestion(*row) for row in cursor.fetchall()]

    def vectors(self, questions: Sequence[str], model: str) -> dict[str, np.ndarray]:
        """The kept embeddings of these questions by this model (those not kept are left out)."""
        wanted = set(questions)
        with self._connect() as conn:
            cursor = conn.execute("SELECT question, vector FROM question_vectors WHERE model = ?", (model,))
            return {
                question: np.frombuffer(blob, dtype=np.float32)
                for question, blob in cursor.fetchall()
                if question in wanted
            }

    def keep_vectors(self, vectors: Mapping[str, np.ndarray], model: str) -> None:
        """Keep embeddings of logged questions for the next insights run."""
        with self._connect() as conn:
            conn.executemany(
                "INSERT OR REPLACE INTO question_vectors (question, model, vector) VALUES (?, ?, ?)",
                [(q, model, np.asarray(v, dtype=np.float32).tobytes()) for q, v in vectors.items()],
            )
