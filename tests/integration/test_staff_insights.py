"""The insights routes: the staff token guards JSON and page alike; the sign-in form never puts it in a URL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from plan_assistant.api import create_app
from plan_assistant.embeddings import Embedder
from plan_assistant.feedback import FeedbackStore
from plan_assistant.question_log import QuestionLog
from tests.conftest import MakeSettings
from tests.integration.api_support import FakeAssistant

TOKEN = "staff-token"
QUESTIONS = ["what is the council doing about flooding", "will the council stop my road flooding"]


@pytest.fixture
def client(make_settings: MakeSettings, tmp_path: Path, embedder: Embedder) -> Iterator[TestClient]:
    """The app around a scripted assistant that carries the real model, with two questions asked."""
    settings = make_settings(tmp_path, feedback_token=TOKEN, rate_limit="1000/minute")
    assistant = FakeAssistant()
    assistant.embedder = embedder  # type: ignore[attr-defined]
    app = create_app(
        settings,
        assistant,
        FeedbackStore(tmp_path / "f.sqlite3"),
        questions=QuestionLog(tmp_path / "q.sqlite3"),
    )
    with TestClient(app) as test_client:
        for question in QUESTIONS:
            request_id = test_client.post("/api/chat", json={"question": question}).json()["request_id"]
        test_client.post(
            "/api/feedback", json={"request_id": request_id, "rating": "down", "comment": "vague"}
        )
        yield test_client


def test_insights_json_needs_the_token(client: TestClient) -> None:
    assert client.get("/api/insights").status_code == 401
    assert client.get("/api/insights", headers={"Authorization": "Bearer wrong"}).status_code == 403
    response = client.get("/api/insights", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    body = response.json()
    assert body["questions"] == 2
    assert body["topics"][0]["placement"].startswith("Outcome 2 › ")
    assert body["down_by_topic"][0]["comments"] == ["vague"]


def test_a_period_that_is_not_one_is_a_422_not_a_500(client: TestClient) -> None:
    headers = {"Authorization": f"Bearer {TOKEN}"}
    for since in ("yesterday", "30x", "", "9" * 30 + "d"):
        assert client.get("/api/insights", params={"since": since}, headers=headers).status_code == 422, since


def test_the_page_asks_for_the_token_and_takes_it_by_header_or_form(client: TestClient) -> None:
    signed_out = client.get("/staff/insights")
    assert signed_out.status_code == 401 and 'name="token"' in signed_out.text
    assert client.get("/staff/insights", headers={"Authorization": "Bearer wrong"}).status_code == 403
    wrong = client.post("/staff/insights", data={"token": "wrong"})
    assert wrong.status_code == 403 and "not right" in wrong.text
    for page in (
        client.get("/staff/insights", headers={"Authorization": f"Bearer {TOKEN}"}),
        client.post("/staff/insights", data={"token": TOKEN}),
    ):
        assert page.status_code == 200
        assert "<h1>What people ask: staff insights</h1>" in page.text and "flooding" in page.text


def test_without_a_configured_token_staff_routes_are_switched_off(
    make_settings: MakeSettings, tmp_path: Path
) -> None:
    app = create_app(make_settings(tmp_path, feedback_token=""), FakeAssistant())
    with TestClient(app) as client:
        assert client.get("/api/insights", headers={"Authorization": "Bearer x"}).status_code == 403
        assert client.post("/staff/insights", data={"token": ""}).status_code == 403
