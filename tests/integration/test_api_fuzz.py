"""schemathesis over /openapi.json: generated requests never get a 500 or a response outside the schema."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error, response_schema_conformance

from plan_assistant.api import create_app
from plan_assistant.config import Settings
from plan_assistant.feedback import FeedbackStore
from tests.integration.api_support import assistant_under_test

pytestmark = pytest.mark.slow
EXAMPLES_PER_OPERATION = 60  # six operations: a few hundred requests in all


@pytest.fixture(scope="module")
def fuzz_schema(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The app's own OpenAPI document, served in-process over ASGI, with the rate limit out of the way."""
    data_dir = tmp_path_factory.mktemp("fuzz")
    assistant = assistant_under_test(tmp_path_factory.mktemp("index"))
    app_settings = Settings(data_dir=data_dir, rate_limit="100000/minute", feedback_token="fuzz-token")
    app = create_app(app_settings, assistant, FeedbackStore(Path(data_dir) / "feedback.sqlite3"))
    return schemathesis.openapi.from_asgi("/openapi.json", app)


def test_generated_requests_get_no_server_error_and_match_the_schema(fuzz_schema: Any) -> None:
    # schemathesis.pytest.from_fixture does not work with pytest 9, so each operation's strategy is driven here.
    labels = []
    for result in fuzz_schema.get_all_operations():
        operation = result.ok()
        labels.append(operation.label)

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case: Any) -> None:
            case.call_and_validate(checks=[not_a_server_error, response_schema_conformance])

        check()
    assert "POST /api/chat" in labels and "GET /healthz" in labels
