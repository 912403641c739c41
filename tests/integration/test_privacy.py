"""Personal details in questions never reach the logs, the responses or the feedback store."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from evals import load_dataset
from plan_assistant.api import create_app
from plan_assistant.config import Settings
from plan_assistant.factory import build_assistant
from plan_assistant.feedback import FeedbackStore

ITEMS = [i for i in load_dataset() if i.kind == "adversarial" or i.personal_details]


def test_the_eval_set_has_personal_details_to_check() -> None:
    assert sum(len(i.personal_details) for i in ITEMS) >= 10


def test_personal_details_reach_neither_logs_nor_responses_nor_feedback(
    built_index: Settings, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = Settings(
        corpus_dir=built_index.corpus_dir,
        data_dir=built_index.data_dir,
        rate_limit="10000/minute",
        feedback_token="t",
    )
    store = FeedbackStore(tmp_path / "feedback.sqlite3")
    app = create_app(settings, build_assistant(settings), store)
    caplog.set_level(logging.DEBUG)
    bodies: list[str] = []
    with TestClient(app) as client:
        for item in ITEMS:
            request = {
                "question": item.question,
                "history": [t.model_dump() for t in item.history],
                "audience": item.audience,
            }
            chat = client.post("/api/chat", json=request)
            assert chat.status_code == 200, (item.id, chat.text)
            stream = client.post("/api/chat/stream", json=request)
            assert stream.status_code == 200, item.id
            bodies += [chat.text, stream.text]
            # A resident who pastes the same message into the feedback box.
            feedback = client.post(
                "/api/feedback",
                json={"request_id": chat.json()["request_id"], "rating": "down", "comment": item.question},
            )
            assert feedback.status_code in (200, 201), feedback.text
        export = client.get("/api/feedback/export", headers={"Authorization": "Bearer t"})
        assert export.status_code == 200
    stored = (tmp_path / "feedback.sqlite3").read_bytes().decode("utf-8", "replace") + export.text
    logs = caplog.text + "\n".join(str(r.__dict__) for r in caplog.records)
    leaks = [
        (item.id, detail, where)
        for item in ITEMS
        for detail in item.personal_details
        for where, text in (("logs", logs), ("responses", "\n".join(bodies)), ("feedback", stored))
        if detail.casefold() in text.casefold()
    ]
    assert leaks == [], leaks
