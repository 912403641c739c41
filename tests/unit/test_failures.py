"""A model server's failure, described for the log without the request's text."""

from __future__ import annotations

import httpx
import openai
import pytest

from plan_assistant.generators.failures import failure_line, failure_reason

REQUEST = httpx.Request("POST", "http://127.0.0.1:1/v1/chat/completions")


def status_error(code: int) -> openai.APIStatusError:
    response = httpx.Response(code, request=REQUEST, json={"error": {"message": "nope"}})
    cls = openai.AuthenticationError if code == 401 else openai.APIStatusError
    return cls("nope", response=response, body=None)


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (openai.APITimeoutError(request=REQUEST), "timed out"),
        (httpx.ReadTimeout("slow"), "timed out"),
        (openai.APIConnectionError(request=REQUEST), "could not be reached"),
        (httpx.ConnectError("refused"), "could not be reached"),
        (ConnectionRefusedError(111, "refused"), "could not be reached"),
        (status_error(401), "refused the API key (HTTP 401"),
        (status_error(404), "HTTP 404"),
        (status_error(500), "answered HTTP 500"),
        (ValueError("odd"), "failed (ValueError)"),
    ],
)
def test_each_kind_of_failure_gets_a_reason_a_person_can_act_on(error: Exception, reason: str) -> None:
    assert reason in failure_reason(error)


def test_the_log_line_names_the_generator_and_the_error_class_but_not_the_message() -> None:
    line = failure_line("openai", openai.APIConnectionError(message="secret prompt text", request=REQUEST))
    assert line.startswith('502 bad gateway from generator "openai"')
    assert "[APIConnectionError]" in line
    assert "secret prompt text" not in line
