"""Every answered chat request lands in the question log, redacted: no personal detail reaches the file."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from evals import load_dataset
from plan_assistant.api import create_app
from plan_assistant.config import Settings
from plan_assistant.factory import build_assistant
from plan_assistant.question_log import QuestionLog

# The privacy test's corpus (tests/integration/test_privacy.py): adversarial items and any carrying details.
ITEMS = [i for i in load_dataset() if i.kind == "adversarial" or i.personal_details]


def test_the_question_log_holds_every_answer_and_no_personal_detail(
    built_index: Settings, tmp_path: Path
) -> None:
    settings = Settings(
        corpus_dir=built_index.corpus_dir, data_dir=built_index.data_dir, rate_limit="10000/minute"
    )
    log = QuestionLog(tmp_path / "questions.sqlite3")
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
    # The database, its write-ahead log and anything else SQLite left beside it.
    stored = "".join(p.read_bytes().decode("utf-8", "replace") for p in tmp_path.iterdir() if p.is_file())
    stored += "\n".join(r.question for r in rows)
    leaks = [
        (item.id, detail)
        for item in ITEMS
        for detail in item.personal_details
        if detail.casefold() in stored.casefold()
    ]
    assert leaks == []
    assert sum(len(i.personal_details) for i in ITEMS) >= 10
