"""The openai generator against a real OpenAI-compatible server: llama_cpp.server with the packaged model.

Started once per session on a free port (tests/integration/conftest.py); the generator talks to it over
HTTP with the official openai client, as it would to a hosted model. Skips without the local-llm extra.
"""

from __future__ import annotations

import copy
import logging
import re
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
from plan_assistant.generators.chat_models import ChatModelGenerator, openai_from_settings
from plan_assistant.guardrails.replies import generator_unavailable_notice
from plan_assistant.prompts import says_not_covered
from plan_assistant.schemas import Passage, Turn
from tests.integration.conftest import LocalLLMServer
from tests.integration.llm_support import plan_passages

pytestmark = pytest.mark.llm

NOTICE = generator_unavailable_notice()
MakeClient = Callable[..., TestClient]
FUND = re.compile(r"£\s?6\s?(m\b|million)")


def server_settings(server: LocalLLMServer, base: Settings | None = None, **overrides: object) -> Settings:
    """Settings for the openai generator on the local server; temperature 0 so answers are repeatable."""
    values = {
        "generator": "openai",
        "openai_base_url": f"{server.url}/v1",
        "openai_model": server.model,
        "openai_api_key": server.api_key,
        "llm_temperature": 0.0,
        "llm_max_tokens": 120,
        "llm_context": 2048,  # the server's context: the passages are cut to fit it
        "llm_timeout": 120.0,  # a shared 2-core machine; the default 20 s is for a real deployment
        **overrides,
    }
    return (base or Settings()).model_copy(update=values)


@pytest.fixture(scope="module")
def generator(local_llm_server: LocalLLMServer) -> ChatModelGenerator:
    return openai_from_settings(server_settings(local_llm_server))


@pytest.fixture(scope="module")
def passages() -> list[Passage]:
    return plan_passages()


def test_the_server_answers_with_the_plans_figure_as_a_stream(
    generator: ChatModelGenerator, passages: list[Passage]
) -> None:
    arrivals: list[tuple[float, str]] = []
    for delta in generator.generate(
        "How much is going into the economic recovery fund?", passages, "resident"
    ):
        arrivals.append((time.monotonic(), delta))
    answer = "".join(d for _, d in arrivals)
    assert FUND.search(answer), answer
    assert not says_not_covered(answer)
    # Streamed: many deltas, spread over time rather than delivered in one piece at the end.
    assert len(arrivals) > 3
    assert arrivals[-1][0] - arrivals[0][0] > 0.05


def test_the_server_says_the_fixed_sentence_when_the_passages_do_not_answer(
    generator: ChatModelGenerator, passages: list[Passage]
) -> None:
    answer = "".join(generator.generate("Who won the 2022 football World Cup?", passages, "resident"))
    assert says_not_covered(answer), answer


def test_the_server_rewrites_a_follow_up_as_one_standalone_question(generator: ChatModelGenerator) -> None:
    history = [
        Turn(role="user", content="Is Somerset going to be carbon neutral?"),
        Turn(role="assistant", content="The council will work towards a Carbon Neutral County by 2030."),
    ]
    rewritten = generator.condense("and what about flooding?", history)
    assert rewritten and "\n" not in rewritten
    assert "flood" in rewritten.lower(), rewritten


# ------------------------------------------------------------------ through the app's HTTP API


@pytest.fixture(scope="module")
def assistant(built_index: Settings) -> Assistant:
    return build_assistant(built_index)


@pytest.fixture
def client_for(
    local_llm_server: LocalLLMServer, assistant: Assistant, built_index: Settings, tmp_path: Path
) -> Iterator[MakeClient]:
    # The server comes first: without the extra the test skips before the chain is built.
    clients: list[TestClient] = []

    def make(**overrides: object) -> TestClient:
        settings = server_settings(local_llm_server, built_index, **overrides)
        chain = copy.copy(assistant)  # the same index and guard; only the generator differs
        chain.generator = openai_from_settings(settings)
        client = TestClient(create_app(settings, chain, FeedbackStore(tmp_path / f"f{len(clients)}.sqlite3")))
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


def test_the_api_answers_through_the_server_with_the_plans_citation(client_for: MakeClient) -> None:
    response = client_for().post(
        "/api/chat", json={"question": "What sum is going into the economic recovery fund?"}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "answered", body
    assert FUND.search(body["answer"]), body["answer"]
    assert NOTICE not in body["answer"]
    assert any(c["outcome"] == 1 for c in body["citations"])


def test_a_wrong_api_key_is_logged_as_a_502_and_the_user_still_gets_the_plans_answer(
    client_for: MakeClient,
    caplog: pytest.LogCaptureFixture,
) -> None:
    client = client_for(openai_api_key="wrong-key")
    with caplog.at_level(logging.WARNING):
        response = client.post("/api/chat", json={"question": "When will Somerset be carbon neutral?"})
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "answered" and "2030" in body["answer"] and NOTICE in body["answer"]
    [line] = [r.getMessage() for r in caplog.records if r.getMessage().startswith("502 bad gateway")]
    assert "refused the API key (HTTP 401" in line
    assert "wrong-key" not in line
