"""The question log on SQLite and on PostgreSQL alike: redacted rows written and read, old rows deleted,
no personal detail from the privacy test's corpus stored anywhere the database writes, insights built from it.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from evals import load_dataset
from plan_assistant.api import create_app
from plan_assistant.config import Settings
from plan_assistant.embeddings import Embedder
from plan_assistant.factory import build_assistant
from plan_assistant.feedback import FeedbackStore
from plan_assistant.insights import build_insights, cached_embed, question_embedder
from plan_assistant.question_log import QuestionLog, entry_for
from tests.conftest import MakeSettings
from tests.fakes import ANSWERED, CITATION
from tests.integration.api_support import FakeAssistant
from tests.integration.conftest import LogDatabase
from tests.servers import free_port

# The privacy test's corpus (tests/integration/test_privacy.py): adversarial items and any carrying details.
ITEMS = [i for i in load_dataset() if i.kind == "adversarial" or i.personal_details]


def asked(question: str, request_id: str, now: datetime | None = None) -> object:
    return entry_for(
        question, ANSWERED, request_id=request_id, audience="staff", channel="api", latency_ms=1, now=now
    )


def test_a_question_is_stored_redacted_with_its_first_citation(log_database: LogDatabase) -> None:
    log = QuestionLog(log_database.url)
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
    stored = log_database.stored_text()
    assert "what about flooding" in stored  # the scan reaches what was written, so an absence means something
    assert "Jenkins" not in stored


def test_rows_older_than_the_retention_period_go_with_their_kept_vectors(log_database: LogDatabase) -> None:
    import numpy as np

    log = QuestionLog(log_database.url, retention_days=30)
    now = datetime(2026, 6, 1, tzinfo=UTC)
    for age in (0, 29, 31, 400):
        log.add(asked(f"question {age} days old", str(age), now - timedelta(days=age)))  # type: ignore[arg-type]
    texts = [row.question for row in log.rows()]
    log.keep_vectors({text: np.full(3, n, dtype=np.float32) for n, text in enumerate(texts)}, "m")
    log.keep_vectors({texts[0]: np.zeros(3, dtype=np.float32)}, "m")  # kept already: left as it was
    assert log.purge(now=now) == 2
    assert [row.request_id for row in log.rows()] == ["0", "29"]
    kept = log.vectors(texts, "m")
    assert set(kept) == {"question 0 days old", "question 29 days old"}
    assert kept["question 0 days old"].tolist() == [0.0, 0.0, 0.0]
    assert kept["question 29 days old"].tolist() == [1.0, 1.0, 1.0]


def test_old_rows_are_deleted_when_the_log_opens(log_database: LogDatabase) -> None:
    old = datetime.now(UTC) - timedelta(days=10)
    QuestionLog(log_database.url, retention_days=90).add(asked("old question", "old", old))  # type: ignore[arg-type]
    assert [row.request_id for row in QuestionLog(log_database.url, retention_days=90).rows()] == ["old"]
    assert QuestionLog(log_database.url, retention_days=5).rows() == []


def test_a_retention_of_zero_days_keeps_nothing(log_database: LogDatabase) -> None:
    log = QuestionLog(log_database.url, retention_days=0)
    log.add(asked("anything", "r"))  # type: ignore[arg-type]
    assert log.rows() == []


def test_rows_since_a_moment_leave_out_earlier_ones(log_database: LogDatabase) -> None:
    log = QuestionLog(log_database.url)
    now = datetime.now(UTC)
    log.add_many([asked("q", str(days), now - timedelta(days=days)) for days in (5, 1)])  # type: ignore[misc]
    assert [row.request_id for row in log.rows(since=now - timedelta(days=3))] == ["1"]
    assert [row.request_id for row in log.rows()] == ["5", "1"]


def test_the_question_log_holds_every_answer_and_no_personal_detail_and_feeds_the_insights(
    built_index: Settings, log_database: LogDatabase, embedder: Embedder
) -> None:
    settings = Settings(
        corpus_dir=built_index.corpus_dir,
        data_dir=built_index.data_dir,
        rate_limit="10000/minute",
        question_log_url=log_database.url,
    )
    log = QuestionLog(settings.question_log_database)
    app = create_app(settings, build_assistant(settings), questions=log)
    request_ids = []
    with TestClient(app) as client:
        for item in ITEMS:
            body = {
                "question": item.question,
                "history": [t.model_dump() for t in item.history],
                "audience": item.audience,
            }
            chat = client.post("/api/chat", json=body)
            assert chat.status_code == 200, (item.id, chat.text)
            request_ids.append(chat.json()["request_id"])
            assert client.post("/api/chat/stream", json=body).status_code == 200
    rows = log.rows()
    assert len(rows) == 2 * len(ITEMS)
    assert [r.request_id for r in rows if r.channel == "api"] == request_ids
    assert {r.channel for r in rows} == {"api", "api:stream"}

    # Insights from the log, embedding through the vectors it keeps; a second run embeds nothing new.
    embed = question_embedder(embedder)
    insights = build_insights(rows, [], cached_embed(log, embed, embedder.name))
    assert insights.questions == len(rows) and insights.topics
    assert sum(topic.questions for topic in insights.topics) <= len(rows)
    fresh: list[str] = []
    build_insights(
        rows, [], cached_embed(log, lambda texts: fresh.extend(texts) or embed(texts), embedder.name)
    )
    assert fresh == []

    # The database's files (tables, write-ahead log, anything beside them), the rows and the insights.
    stored = log_database.stored_text() + "\n".join(r.question for r in rows) + insights.model_dump_json()
    leaks = [
        (item.id, detail)
        for item in ITEMS
        for detail in item.personal_details
        if detail.casefold() in stored.casefold()
    ]
    assert leaks == []
    assert sum(len(i.personal_details) for i in ITEMS) >= 10


def test_a_database_that_does_not_answer_costs_a_log_line_not_the_answer(
    make_settings: MakeSettings, tmp_path: Path, caplog: pytest.LogCaptureFixture, embedder: Embedder
) -> None:
    question = "what is the council doing about flooding near Sarah Jenkins"
    down = f"postgresql://plan:secret-password@127.0.0.1:{free_port()}/questions"
    settings = make_settings(tmp_path, question_log_url=down, rate_limit="1000/minute", feedback_token="t")
    assistant = FakeAssistant()
    assistant.embedder = embedder  # type: ignore[attr-defined]
    with caplog.at_level(logging.WARNING):
        log = QuestionLog(settings.question_log_database)  # nothing listens: logged, not fatal
        app = create_app(settings, assistant, FeedbackStore(tmp_path / "f.sqlite3"), questions=log)
        with TestClient(app) as client:
            chat = client.post("/api/chat", json={"question": question})
            stream = client.post("/api/chat/stream", json={"question": question})
            insights = client.get("/api/insights", headers={"Authorization": "Bearer t"})
    assert insights.status_code == 503 and "not answering" in insights.json()["detail"]
    assert chat.status_code == 200 and chat.json()["answer"]
    assert stream.status_code == 200 and "event: answer" in stream.text and "event: error" not in stream.text
    failed = [r for r in caplog.records if r.getMessage() == "could not write the question log"]
    assert [r.exc_info is not None for r in failed] == [True, True]  # the cause is there to read
    # The failed writes' lines, traceback and all, and the start-up warning: no question, no password.
    warned = [r for r in caplog.records if r.name == "plan_assistant.question_log"]
    assert len(warned) == 1 and "does not answer" in warned[0].getMessage()
    written = "\n".join(logging.Formatter().format(r) for r in failed + warned)
    assert "OperationalError" in written and "questions" in written
    assert "flooding" not in written and "Jenkins" not in written and "secret-password" not in written
