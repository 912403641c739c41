"""The per-client rate limit: what it counts, what it refuses, and what it does when its store is down."""

from __future__ import annotations

import logging

import pytest
from pydantic import ValidationError

from plan_assistant.config import Settings
from plan_assistant.ratelimit import RateLimit, describe_store, open_store
from tests.servers import free_port


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_client_gets_exactly_the_limit_then_a_refusal_saying_when_to_come_back() -> None:
    limit = RateLimit("3/minute")
    verdicts = [limit.hit("203.0.113.9") for _ in range(5)]
    assert verdicts[:3] == [None, None, None]
    refusal = verdicts[3]
    assert refusal is not None and verdicts[4] is not None
    assert refusal.limit == "3 per 1 minute"
    assert 1 <= refusal.retry_after <= 60


def test_each_client_has_its_own_count() -> None:
    limit = RateLimit("1/minute")
    assert limit.hit("203.0.113.1") is None
    assert limit.hit("203.0.113.2") is None
    assert limit.hit("203.0.113.1") is not None


def test_every_limit_of_several_holds_and_the_refusal_names_the_one_broken() -> None:
    limit = RateLimit("10/minute;2/hour")
    assert [limit.hit("c") for _ in range(2)] == [None, None]
    refusal = limit.hit("c")
    assert refusal is not None and refusal.limit == "2 per 1 hour"
    assert refusal.retry_after > 60


def test_memory_is_the_default_store_and_is_not_shared() -> None:
    default = Settings.model_fields["rate_limit_storage"].default
    assert default == "memory://"
    assert RateLimit("1/minute", default).shared is False
    assert RateLimit("1/minute", "redis://127.0.0.1:6379/0").shared is True


@pytest.mark.parametrize("url", ["reddis://127.0.0.1:6379", "127.0.0.1:6379", "async+redis://127.0.0.1:6379"])
def test_a_store_url_that_cannot_work_stops_start_up_with_the_fix_named(url: str) -> None:
    with pytest.raises(ValidationError, match="rate_limit_storage") as caught:
        Settings(rate_limit_storage=url)
    assert "redis://" in str(caught.value) or "async+" in str(caught.value)


def test_a_redis_url_is_accepted_without_connecting() -> None:
    # Nothing listens on this port: start-up must not need the store (a running server logs its outage).
    url = f"redis://127.0.0.1:{free_port()}/0"
    assert Settings(rate_limit_storage=url).rate_limit_storage == url
    assert open_store(url) is not None


def test_a_store_password_never_reaches_a_message() -> None:
    assert describe_store("redis://:s3cret@cache.internal:6380/1") == "redis://:***@cache.internal:6380/1"
    assert describe_store("redis://app:s3cret@cache.internal/0") == "redis://app:***@cache.internal/0"
    assert describe_store("memory://") == "memory://"


def test_a_store_that_does_not_answer_is_replaced_by_counting_in_memory_with_one_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="plan_assistant.ratelimit")
    clock = Clock()
    # A real Redis client against a port nobody listens on: the connection is refused on every try.
    limit = RateLimit("3/minute", f"redis://127.0.0.1:{free_port()}/0", retry_store_seconds=5, clock=clock)
    assert limit.check() is False
    verdicts = [limit.hit("c") for _ in range(3)]
    assert verdicts == [None, None, None]
    assert limit.store_down
    clock.now += 6  # past the retry interval: the store is tried again, still refuses, no second warning
    assert limit.hit("c") is not None
    warnings = [r.getMessage() for r in caplog.records if r.name == "plan_assistant.ratelimit"]
    assert len(warnings) == 1, warnings
    assert "counts alone in memory" in warnings[0]
