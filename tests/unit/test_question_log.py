"""The question log keeps redacted questions with where their answers came from, and forgets old ones."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import ValidationError

from plan_assistant.config import Settings
from plan_assistant.question_log import (
    WITHHELD,
    QuestionLog,
    QuestionLogError,
    database_url,
    entry_for,
    open_engine,
)
from plan_assistant.schemas import Answer
from tests.fakes import ANSWERED


def test_messages_about_a_persons_own_situation_are_counted_but_not_kept() -> None:
    crisis = Answer(answer="Please call...", status="out_of_scope", route="crisis")
    entry = entry_for(
        "I feel unsafe at home", crisis, request_id="r", audience="resident", channel="ui", latency_ms=1
    )
    assert entry.question == WITHHELD
    assert entry.route == "crisis"


@pytest.mark.parametrize(
    ("url", "database"),
    [
        ("sqlite:///relative/q.db", "sqlite:///relative/q.db"),
        ("sqlite:////srv/q.db", "sqlite:////srv/q.db"),
        ("postgresql://u:pw@db:5432/plan", "postgresql+psycopg://u:pw@db:5432/plan"),
        ("postgresql+psycopg://u@db/plan", "postgresql+psycopg://u@db/plan"),
        ("postgres://u@db/plan", "postgresql+psycopg://u@db/plan"),
    ],
)
def test_urls_name_databases_as_sqlalchemy_reads_them_with_psycopg_for_postgresql(
    url: str, database: str
) -> None:
    assert database_url(url).render_as_string(hide_password=False) == database


def test_a_path_is_a_sqlite_file() -> None:
    assert database_url(Path("/srv/q.db")).database == "/srv/q.db"
    assert database_url(Path("/srv/q.db")).get_backend_name() == "sqlite"


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("sqlite:///", "names no file"),
        ("sqlite://host/q.db", "names no file"),
        ("q.db", "is not a database URL"),
        ("mysql://u:pw@h/db", "runs on SQLite or PostgreSQL"),
        ("postgresql://u:pw@h:port/db", "is not a database URL"),
        ("postgresql+asyncpg://u:pw@h/db", "through psycopg 3"),
    ],
)
def test_other_urls_are_refused_with_a_reason_naming_the_setting_and_never_the_password(
    url: str, reason: str
) -> None:
    with pytest.raises(QuestionLogError, match=reason) as refused:
        open_engine(url)
    assert "PLAN_ASSISTANT_QUESTION_LOG_URL" in str(refused.value)
    assert "pw" not in str(refused.value)


def test_settings_refuse_a_question_log_url_that_cannot_be_used_without_repeating_it() -> None:
    with pytest.raises(
        ValidationError, match=r"PLAN_ASSISTANT_QUESTION_LOG_URL .* runs on SQLite or PostgreSQL"
    ) as refused:
        Settings(question_log_url="mysql://u:secret-password@h/db")
    assert "secret-password" not in str(refused.value)


def test_a_missing_driver_is_refused_with_its_name(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "psycopg", None)  # as if psycopg were not installed
    with pytest.raises(QuestionLogError, match=r"needs a driver that is not installed \(psycopg\)"):
        open_engine("postgresql://u@h/db")


def test_settings_accept_a_postgresql_url_without_connecting(tmp_path: Path) -> None:
    url = "postgresql://plan@127.0.0.1:1/questions"  # nothing listens on port 1
    assert Settings(data_dir=tmp_path, question_log_url=url).question_log_database == url
    assert Settings(data_dir=tmp_path).question_log_database == tmp_path.resolve() / "questions.sqlite3"


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
