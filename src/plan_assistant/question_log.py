"""What people asked, kept for the staff insights: redacted questions with where their answers came from.

SQLAlchemy Core: one set of tables serves SQLite (the default, a file beside the feedback) and PostgreSQL
(``postgresql://``, through psycopg 3), chosen by ``PLAN_ASSISTANT_QUESTION_LOG_URL``. A question is
redacted before it touches the database; rows older than the retention period are deleted when the log
opens and, at most hourly, as rows are written. A database that does not answer costs a log line, never a
chat: the callers catch and log the failed write, and the tables are made on the first call that gets through.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from time import monotonic

import numpy as np
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from plan_assistant.feedback import BUSY_TIMEOUT_SECONDS
from plan_assistant.logging_setup import redact_text
from plan_assistant.schemas import Answer

logger = logging.getLogger(__name__)

SETTING = "PLAN_ASSISTANT_QUESTION_LOG_URL"
URL_FORMS = "sqlite:////absolute/path.db or postgresql://user:password@host:5432/dbname"
# A PostgreSQL server that does not answer should cost a chat a few seconds at most, not a hung request.
CONNECT_TIMEOUT_SECONDS = 3

metadata = sa.MetaData()
# Timestamps are ISO-8601 text in UTC, as the SQLite files already hold them, compared as text; PostgreSQL
# compares them by code point (collation "C") so that text order is time order whatever the server's locale.
_ISO_TIME = sa.Text().with_variant(sa.Text(collation="C"), "postgresql")
QUESTIONS = sa.Table(
    "questions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("created_at", _ISO_TIME, nullable=False),
    sa.Column("request_id", sa.Text, nullable=False),
    sa.Column("channel", sa.Text, nullable=False),
    sa.Column("route", sa.Text, nullable=False),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("audience", sa.Text, nullable=False),
    sa.Column("question", sa.Text, nullable=False),
    sa.Column("outcome", sa.Integer),
    sa.Column("priority", sa.Text),
    sa.Column("document", sa.Text),
    sa.Column("citations", sa.Integer, nullable=False, default=0),
    sa.Column("latency_ms", sa.Float, nullable=False, default=0.0),
    sa.Index("questions_created_at", "created_at"),
)
# Embeddings of logged questions, made by the insights (never on the request path) and kept so that the
# next run embeds only new questions; deleted with the last row holding their question. Keyed by a digest
# of the question: PostgreSQL cannot index a text longer than about 2,700 bytes, and a question may be 16,000.
EMBEDDINGS = sa.Table(
    "question_embeddings",
    metadata,
    sa.Column("digest", sa.String(64), primary_key=True),
    sa.Column("model", sa.Text, primary_key=True),
    sa.Column("question", sa.Text, nullable=False),
    sa.Column("vector", sa.LargeBinary, nullable=False),
)
# The embeddings' first table, keyed by the question itself; dropped so its texts do not outlive retention.
_FORMER_VECTORS = sa.Table("question_vectors", sa.MetaData())
COLUMNS = tuple(column.name for column in QUESTIONS.columns if column.name != "id")
_SELECT_ROWS = sa.select(*(QUESTIONS.c[name] for name in COLUMNS)).order_by(QUESTIONS.c.id)
# Messages about one person's own situation or safety are counted by route but their words are not kept,
# even redacted: they are not what the plan should learn from, and they are the likeliest to identify.
WITHHELD_ROUTES = frozenset({"crisis", "personal_case"})
WITHHELD = "[not kept: about a person's own situation]"
PURGE_EVERY_SECONDS = 3600.0


class QuestionLogError(ValueError):
    """The question log's URL cannot be used."""


def database_url(url: str | Path) -> sa.URL:
    """The database a question log URL names (a path is a SQLite file); anything else is refused with a reason.

    ``postgresql://`` (or ``postgres://``) means psycopg 3 (SQLAlchemy's default for it, psycopg2, is not
    installed).
    The refusal never repeats a password.
    """
    if isinstance(url, Path):
        return sa.URL.create("sqlite", database=str(url))
    try:
        parsed = sa.make_url(url)
    except (ArgumentError, ValueError):  # ValueError: a port that is not a number
        raise QuestionLogError(f"{SETTING} is not a database URL: use {URL_FORMS}") from None
    shown = parsed.render_as_string(hide_password=True)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        # sqlite:///relative.db and sqlite:////absolute.db, as SQLAlchemy reads them.
        if parsed.host or not parsed.database or parsed.database == ":memory:":
            raise QuestionLogError(f"{SETTING} {shown!r} names no file: use sqlite:////absolute/path.db")
        return parsed
    if parsed.drivername in ("postgresql", "postgres", "postgresql+psycopg"):
        return parsed.set(drivername="postgresql+psycopg")
    if backend == "postgresql":
        raise QuestionLogError(
            f"{SETTING} {shown!r}: PostgreSQL is reached through psycopg 3; write postgresql://"
        )
    raise QuestionLogError(
        f"{SETTING} {shown!r}: the question log runs on SQLite or PostgreSQL; use {URL_FORMS}"
    )


def open_engine(url: str | Path) -> sa.Engine:
    """An engine for the log's database; no connection is made yet, but a missing driver is refused now."""
    parsed = database_url(url)
    if parsed.get_backend_name() == "sqlite":
        options: dict[str, object] = {"connect_args": {"timeout": BUSY_TIMEOUT_SECONDS}}
    else:
        options = {"connect_args": {"connect_timeout": CONNECT_TIMEOUT_SECONDS}, "pool_pre_ping": True}
    try:
        # hide_parameters: a failed write's error message must not carry the question it was writing.
        return sa.create_engine(parsed, hide_parameters=True, **options)
    except ImportError as exc:
        raise QuestionLogError(
            f"{SETTING} {parsed.render_as_string(hide_password=True)!r} needs a driver that is not installed "
            f"({exc.name}); postgresql:// uses psycopg 3"
        ) from None


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


def _digest(question: str) -> str:
    return hashlib.sha256(question.encode("utf-8")).hexdigest()


class QuestionLog:
    """Redacted questions in SQLite (WAL, so workers share the file) or PostgreSQL, by URL or SQLite path."""

    def __init__(self, database: str | Path, retention_days: int = 90) -> None:
        self.engine = open_engine(database)
        self.retention_days = retention_days
        self._last_purge = 0.0
        self._ready = False
        try:
            self._prepare()
        except SQLAlchemyError as exc:
            # Like a Redis that is down at start-up: logged, not fatal; the next call tries again.
            logger.warning(
                "the question log database %s does not answer (%s); questions are not logged until it does",
                self.engine.url.render_as_string(hide_password=True),
                type(exc).__name__,
            )

    def _prepare(self) -> None:
        """Make the tables (and the SQLite file's folder) if missing, then delete rows past retention."""
        if self._ready:
            return
        if self.engine.dialect.name == "sqlite" and self.engine.url.database:
            Path(self.engine.url.database).parent.mkdir(parents=True, exist_ok=True)
        with self.engine.begin() as conn:
            if conn.dialect.name == "sqlite":
                conn.exec_driver_sql("PRAGMA journal_mode=WAL")
            metadata.create_all(conn)
            _FORMER_VECTORS.drop(conn, checkfirst=True)
        self._ready = True
        self.purge()

    @property
    def enabled(self) -> bool:
        """False when the retention is 0 days: nothing is kept."""
        return self.retention_days > 0

    def add(self, entry: LoggedQuestion) -> None:
        """Store one row (the caller built it with ``entry_for``, which redacts); purge old rows hourly."""
        if not self.enabled:
            return
        self._prepare()
        with self.engine.begin() as conn:
            conn.execute(QUESTIONS.insert(), asdict(entry))
        if monotonic() - self._last_purge > PURGE_EVERY_SECONDS:
            self.purge()

    def add_many(self, entries: list[LoggedQuestion]) -> None:
        """Store many rows in one transaction (benchmarks and imports)."""
        self._prepare()
        with self.engine.begin() as conn:
            conn.execute(QUESTIONS.insert(), [asdict(entry) for entry in entries])

    def purge(self, now: datetime | None = None) -> int:
        """Delete rows older than the retention period (every row when it is 0 days); how many went."""
        self._prepare()
        cutoff = ((now or datetime.now(UTC)) - timedelta(days=self.retention_days)).astimezone(UTC)
        with self.engine.begin() as conn:
            deleted = conn.execute(
                QUESTIONS.delete().where(QUESTIONS.c.created_at < cutoff.isoformat(timespec="seconds"))
            ).rowcount
            if deleted:
                conn.execute(
                    EMBEDDINGS.delete().where(EMBEDDINGS.c.question.not_in(sa.select(QUESTIONS.c.question)))
                )
        self._last_purge = monotonic()
        return int(deleted or 0)

    def rows(self, since: datetime | None = None) -> list[LoggedQuestion]:
        """Every kept row, oldest first; only those from ``since`` on when given."""
        self._prepare()
        query = _SELECT_ROWS
        if since is not None:
            query = query.where(QUESTIONS.c.created_at >= since.astimezone(UTC).isoformat(timespec="seconds"))
        with self.engine.connect() as conn:
            return [LoggedQuestion(*row) for row in conn.execute(query)]

    def vectors(self, questions: Sequence[str], model: str) -> dict[str, np.ndarray]:
        """The kept embeddings of these questions by this model (those not kept are left out)."""
        self._prepare()
        wanted = set(questions)
        query = sa.select(EMBEDDINGS.c.question, EMBEDDINGS.c.vector).where(EMBEDDINGS.c.model == model)
        with self.engine.connect() as conn:
            return {
                question: np.frombuffer(blob, dtype=np.float32)
                for question, blob in conn.execute(query)
                if question in wanted
            }

    def keep_vectors(self, vectors: Mapping[str, np.ndarray], model: str) -> None:
        """Keep embeddings of logged questions for the next insights run (one already kept is left as it is)."""
        if not vectors:
            return
        self._prepare()
        dialect = postgresql if self.engine.dialect.name == "postgresql" else sqlite
        insert = dialect.insert(EMBEDDINGS).on_conflict_do_nothing()
        rows = [
            {
                "digest": _digest(q),
                "model": model,
                "question": q,
                "vector": np.asarray(v, np.float32).tobytes(),
            }
            for q, v in vectors.items()
        ]
        with self.engine.begin() as conn:
            conn.execute(insert, rows)
