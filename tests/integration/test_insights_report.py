"""python -m plan_assistant.insights writes the report and the topics CSV from the configured question log."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from plan_assistant.config import get_settings
from plan_assistant.insights.__main__ import main
from plan_assistant.question_log import QuestionLog, entry_for
from plan_assistant.schemas import Answer
from tests.integration.conftest import LogDatabase


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """PLAN_ASSISTANT_DATA_DIR pointing at an empty temporary folder for the CLI's settings."""
    monkeypatch.setenv("PLAN_ASSISTANT_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    try:
        yield tmp_path / "data"
    finally:
        get_settings.cache_clear()


def test_the_report_and_its_topics_csv_cover_the_period_asked_for(
    data_dir: Path, tmp_path: Path, log_database: LogDatabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PLAN_ASSISTANT_QUESTION_LOG_URL", log_database.url)  # SQLite, then PostgreSQL
    log = QuestionLog(log_database.url)
    refused = Answer(answer="The plan doesn't cover that.", status="not_found")
    now = datetime.now(UTC)
    asked = [
        ("how much is council tax going up", 1),
        ("what is band D council tax this year", 2),
        ("when will the swimming pool reopen", 60),  # before the period
    ]
    for n, (question, days) in enumerate(asked):
        log.add(
            entry_for(
                question,
                refused,
                request_id=str(n),
                audience="resident",
                channel="api",
                latency_ms=5,
                now=now - timedelta(days=days),
            )
        )
    out = tmp_path / "reports" / "report.html"
    assert main(["--since", "30d", "--out", str(out)]) == 0
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!doctype html>") and "council tax" in page and "swimming" not in page
    rows = list(csv.DictReader(io.StringIO((tmp_path / "reports" / "report-topics.csv").read_text())))
    assert [(r["questions"], r["placement"], r["not_in_plan"]) for r in rows] == [
        ("2", "not in the plan", "yes")
    ]


def test_a_period_that_is_not_one_stops_with_a_message(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["--since", "last month"])
    assert stopped.value.code == 2
    assert "30d" in capsys.readouterr().err


def test_a_question_log_database_that_is_down_stops_with_a_message(
    data_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.servers import free_port

    # Nothing listens on the port: the database is down.
    url = f"postgresql://staff:s3cret-word@127.0.0.1:{free_port()}/questions"
    monkeypatch.setenv("PLAN_ASSISTANT_QUESTION_LOG_URL", url)
    assert main(["--since", "30d", "--out", str(data_dir / "report.html")]) == 2
    err = capsys.readouterr().err
    assert "Could not read the question log at postgresql+psycopg://staff:***@127.0.0.1" in err
    assert "s3cret-word" not in err and "Traceback" not in err
    assert not (data_dir / "report.html").exists()
