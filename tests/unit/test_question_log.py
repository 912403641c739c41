"""The question log keeps redacted questions with where their answers came from, and forgets old ones."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError

from plan_assistant.config import Settings
from plan_assistant.question_log import (
    WITHHELD,
    QuestionLog,
    QuestionLogError,
    entry_for,
    sqlite_path,
)
from plan_assistant.schemas import Answer, Citation

CITATION = Citation(
    document="Business Plan 2021-2023",
    document_id="plan",
    outcome=2,
    outcome_title="A greener Somerset",
    priority="Work with people to build a climate resilient Somerset",
    section="Outcome 2 › Work with people to build a climate resilient Somerset",
    quote="Ensure flood prevention remains a focus.",
    chunk_id="c1",
)
ANSWERED = Answer(answer="The plan...", status="answered", citations=[CITATION], route="plan")


def test_a_question_is_stored_redacted_with_its_first_citation(tmp_path: Path) -> None:
    log = QuestionLog(tmp_path / "q.sqlite3")
    question = "I'm Sarah Jenkins at sarah.jenkins@example.com, what about flooding?"
    log.add(
        entry_for(question, ANSWERED, request_id="r1", audience="resident", channel="api", latency_ms=12.34)
    )
    [row] = log.rows()
    assert "Sarah" not in row.question and "example.com" not in row.question
    assert "flooding" in row.question
    assert (row.request_id, row.status, row.route, row.audience, row.channel) == (
        "r1",
        "answered",
        "plan",
        "resident",
        "api",
    )
    assert (row.outcome, row.priority, row.document, row.citations, row.latency_ms) == (
        2,
        CITATION.priority,
        "Business Plan 2021-2023",
        1,
        12.3,
    )
    raw = b"".join(p.read_bytes() for p in tmp_path.iterdir())
    assert b"Jenkins" not in raw


def test_messages_about_a_persons_own_situation_are_counted_but_not_kept() -> None:
    crisis = Answer(answer="Please call...", status="out_of_scope", route="crisis")
    entry = entry_for(
        "I feel unsafe at home", crisis, request_id="r", audience="resident", channel="ui", latency_ms=1
    )
    assert entry.question == WITHHELD
    assert entry.route == "crisis"


def test_rows_older_than_the_retention_period_are_deleted(tmp_path: Path) -> None:
    log = QuestionLog(tmp_path / "q.sqlite3", retention_days=30)
    now = datetime(2026, 6, 1, tzinfo=UTC)
    for age in (0, 29, 31, 400):
        log.add(
            entry_for(
                f"question {age} days old",
                ANSWERED,
                request_id=str(age),
                audience="staff",
                channel="api",
                latency_ms=1,
                now=now - timedelta(days=age),
            )
        )
    assert log.purge(now=now) == 2
    assert [row.request_id for row in log.rows()] == ["0", "29"]


def test_old_rows_are_deleted_when_the_log_opens(tmp_path: Path) -> None:
    path = tmp_path / "q.sqlite3"
    old = datetime.now(UTC) - timedelta(days=10)
    QuestionLog(path, retention_days=90).add(
        entry_for(
            "old question", ANSWERED, request_id="old", audience="staff", channel="api", latency_ms=1, now=old
        )
    )
    assert [row.request_id for row in QuestionLog(path, retention_days=5).rows()] == []


def test_a_retention_of_zero_days_keeps_nothing(tmp_path: Path) -> None:
    log = QuestionLog(tmp_path / "q.sqlite3", retention_days=0)
    log.add(entry_for("anything", ANSWERED, request_id="r", audience="staff", channel="api", latency_ms=1))
    assert log.rows() == []


def test_rows_since_a_moment_leave_out_earlier_ones(tmp_path: Path) -> None:
    log = QuestionLog(tmp_path / "q.sqlite3")
    now = datetime.now(UTC)
    for days in (1, 5):
        log.add(
            entry_for(
                "q",
                ANSWERED,
                request_id=str(days),
                audience="staff",
                channel="api",
                latency_ms=1,
                now=now - timedelta(days=days),
            )
        )
    assert [row.request_id for row in log.rows(since=now - timedelta(days=3))] == ["1"]


@pytest.mark.parametrize(
    ("url", "path"),
    [("sqlite:///relative/q.db", Path("relative/q.db")), ("sqlite:////srv/q.db", Path("/srv/q.db"))],
)
def test_sqlite_urls_name_files_as_sqlalchemy_reads_them(url: str, path: Path) -> None:
    assert sqlite_path(url) == path


@pytest.mark.parametrize("url", ["postgresql://u@h/db", "sqlite:///", "q.db", "sqlite://host/q.db"])
def test_other_urls_are_refused_with_a_reason(url: str) -> None:
    with pytest.raises(QuestionLogError):
        sqlite_path(url)


def test_settings_refuse_a_question_log_url_that_cannot_be_used() -> None:
    with pytest.raises(ValidationError, match="only sqlite"):
        Settings(question_log_url="postgresql://u@h/db")


def test_a_question_asked_in_the_chat_page_is_logged_redacted_with_its_request_id(tmp_path: Path) -> None:
    from types import SimpleNamespace

    from plan_assistant.feedback import FeedbackStore
    from plan_assistant.outline import DocumentOutline, Outline
    from plan_assistant.ui import build_ui

    def stream(*args: object) -> Iterator[str | Answer]:
        yield "The plan..."
        yield ANSWERED

    outline = Outline(documents=[DocumentOutline(id="fixture-plan", title="Fixture Plan 2020", kind="plan")])
    served = SimpleNamespace(outline=outline, generator=None, stream=stream)
    log = QuestionLog(tmp_path / "q.sqlite3")
    settings = Settings(data_dir=tmp_path)
    ui = build_ui(served, FeedbackStore(tmp_path / "f.sqlite3"), settings, log)  # type: ignore[arg-type]
    respond = next(f.fn for f in ui.fns.values() if f.name == "respond")
    *_, (_, _, request_ids, _) = respond("I'm Sarah Jenkins, what about flooding?", [], "Staff", {})
    [row] = log.rows()
    assert (row.channel, row.audience, row.status, row.outcome) == ("ui", "staff", "answered", 2)
    assert "Jenkins" not in row.question and "flooding" in row.question
    assert row.request_id in request_ids.values()


def test_the_literal_statements_name_every_column_in_order() -> None:
    import re

    from plan_assistant.question_log import COLUMNS, INSERT_ROW, SELECT_ROWS

    inserted = re.search(r"\((.*?)\) VALUES \((.*?)\)", INSERT_ROW)
    assert inserted is not None
    assert tuple(c.strip() for c in inserted.group(1).split(",")) == COLUMNS
    assert inserted.group(2).count("?") == len(COLUMNS)
    selected = re.search(r"SELECT (.*?) FROM", SELECT_ROWS)
    assert selected is not None
    assert tuple(c.strip() for c in selected.group(1).split(",")) == COLUMNS
