"""A model server that is down or hangs: the real chain still answers, from the plan's own sentences.

No model is needed: a closed port is a server that is down, and a socket that accepts and never
answers is one that hangs. Both remote generators (openai, ollama) go through their real clients.
"""

from __future__ import annotations

import copy
import logging
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from plan_assistant.api import create_app
from plan_assistant.assistant import Assistant
from plan_assistant.config import Settings
from plan_assistant.factory import build_assistant
from plan_assistant.feedback import FeedbackStore
from plan_assistant.generators import get_generator
from plan_assistant.guardrails.replies import generator_unavailable_notice
from tests.integration.api_support import parse_sse
from tests.servers import free_port, silent_server

QUESTION = "When will Somerset be carbon neutral?"
NOTICE = generator_unavailable_notice()


@pytest.fixture(scope="module")
def assistant(built_index: Settings) -> Assistant:
    return build_assistant(built_index)


def remote_settings(base: Settings, name: str, url: str, timeout: float) -> Settings:
    """The index's settings with a remote generator at ``url``."""
    server = {"openai_base_url": f"{url}/v1", "openai_model": "any"} if name == "openai" else {}
    if name == "ollama":
        server = {"ollama_base_url": url, "ollama_model": "any"}
    return base.model_copy(update={"generator": name, "llm_timeout": timeout, **server})


@pytest.fixture
def client_for(
    assistant: Assistant, built_index: Settings, tmp_path: Path
) -> Iterator[Callable[[str, str, float], TestClient]]:
    """A TestClient over the real chain whose generator is ``name`` at ``url``, waiting ``timeout`` s."""
    clients: list[TestClient] = []

    def make(name: str, url: str, timeout: float) -> TestClient:
        settings = remote_settings(built_index, name, url, timeout)
        chain = copy.copy(assistant)  # the same index and guard; only the generator differs
        chain.generator = get_generator(name, settings)
        client = TestClient(create_app(settings, chain, FeedbackStore(tmp_path / f"f{len(clients)}.sqlite3")))
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


def failure_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.getMessage().startswith("502 bad gateway")]


@pytest.mark.parametrize("name", ["openai", "ollama"])
def test_a_server_that_is_down_gives_the_plans_own_answer_with_a_notice_and_a_log_line(
    client_for: Callable[[str, str, float], TestClient], caplog: pytest.LogCaptureFixture, name: str
) -> None:
    client = client_for(name, f"http://127.0.0.1:{free_port()}", 20.0)
    with caplog.at_level(logging.WARNING):
        response = client.post("/api/chat", json={"question": QUESTION})
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "answered" and "2030" in body["answer"]
    assert body["citations"] and NOTICE in body["answer"]
    [line] = failure_lines(caplog)
    assert f'generator "{name}"' in line and "could not be reached" in line
    assert "carbon" not in line.lower()


@pytest.mark.parametrize("name", ["openai", "ollama"])
def test_a_server_that_hangs_is_given_up_on_after_the_timeout(
    client_for: Callable[[str, str, float], TestClient], caplog: pytest.LogCaptureFixture, name: str
) -> None:
    with silent_server() as url, caplog.at_level(logging.WARNING):
        client = client_for(name, url, 0.5)
        started = time.monotonic()
        response = client.post("/api/chat", json={"question": QUESTION})
        took = time.monotonic() - started
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "answered" and "2030" in body["answer"] and NOTICE in body["answer"]
    # One wait of 0.5 s (no retry), not the 20 s default; the rest is the real chain on a shared CPU.
    assert took < 10, took
    [line] = failure_lines(caplog)
    assert "timed out" in line


def test_the_stream_from_a_server_that_is_down_ends_in_the_answer_not_an_error(
    client_for: Callable[[str, str, float], TestClient],
) -> None:
    client = client_for("openai", f"http://127.0.0.1:{free_port()}", 20.0)
    with client.stream("POST", "/api/chat/stream", json={"question": QUESTION}) as response:
        assert response.status_code == 200
        events = parse_sse(response.iter_text())
    kinds = [kind for kind, _ in events]
    assert "error" not in kinds and kinds[-1] == "answer"
    final = events[-1][1]
    assert final["status"] == "answered" and NOTICE in final["answer"]
    assert NOTICE in "".join(data["text"] for kind, data in events if kind == "delta")
