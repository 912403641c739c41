"""The link questions reach Chroma through: bounded calls, failing at once while the server is known down."""

from __future__ import annotations

import logging
import threading
from typing import NoReturn, cast

import httpx
import pytest
from chromadb.api import ClientAPI
from chromadb.errors import NotFoundError

from plan_assistant.store import StoreLink, StoreUnavailableError


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Server:
    """Stands in for the Chroma server behind one call: answers, refuses, or times out, and counts calls."""

    def __init__(self) -> None:
        self.calls = 0
        self.failure: Exception | None = None

    def query(self) -> str:
        self.calls += 1
        if self.failure is not None:
            raise self.failure
        return "ids"

    def heartbeat(self) -> int:
        self.query()
        return 1


def refused() -> httpx.ConnectError:
    return httpx.ConnectError("[Errno 111] Connection refused")


def take_down(link: StoreLink, server: Server) -> None:
    """The server stops answering and a call finds out."""
    server.failure = refused()
    with pytest.raises(StoreUnavailableError):
        link.call(server.query)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def server() -> Server:
    return Server()


@pytest.fixture
def link(clock: Clock, server: Server) -> StoreLink:
    client = cast(ClientAPI, server)  # the link asks its client for a heartbeat only
    return StoreLink(client, where="Chroma server 127.0.0.1:8000", retry_interval=1.0, clock=clock)


def test_a_call_that_cannot_reach_the_server_raises_store_unavailable_naming_the_server_and_cause(
    link: StoreLink, server: Server
) -> None:
    server.failure = refused()
    with pytest.raises(
        StoreUnavailableError, match=r"127\.0\.0\.1:8000 unreachable \(ConnectError: .*refused"
    ):
        link.call(server.query)
    assert not link.reachable


def test_a_timeout_counts_as_unreachable(link: StoreLink, server: Server) -> None:
    server.failure = httpx.ReadTimeout("timed out")
    with pytest.raises(StoreUnavailableError, match="ReadTimeout"):
        link.call(server.query)


def test_while_the_server_is_down_calls_fail_at_once_without_reaching_it(
    link: StoreLink, clock: Clock, server: Server
) -> None:
    take_down(link, server)
    for _ in range(5):
        clock.now += 0.15
        with pytest.raises(StoreUnavailableError, match="retrying shortly"):
            link.call(server.query)
    assert server.calls == 1


def test_after_the_retry_interval_one_call_tries_again_and_its_success_restores_the_link(
    link: StoreLink, clock: Clock, server: Server
) -> None:
    take_down(link, server)
    clock.now += 1.0
    with pytest.raises(StoreUnavailableError):  # still down: the retry fails and the wait starts again
        link.call(server.query)
    assert server.calls == 2
    clock.now += 0.5
    with pytest.raises(StoreUnavailableError):
        link.call(server.query)
    assert server.calls == 2
    server.failure = None
    clock.now += 0.5
    assert link.call(server.query) == "ids"
    assert link.reachable
    assert link.call(server.query) == "ids"
    assert server.calls == 4


def test_while_one_call_retries_the_server_the_others_fail_at_once(
    link: StoreLink, clock: Clock, server: Server
) -> None:
    take_down(link, server)
    clock.now += 1.0
    entered, release = threading.Event(), threading.Event()
    outcome: list[str] = []

    def slow_answer() -> str:
        entered.set()
        release.wait(10)
        return "ids"

    retry = threading.Thread(target=lambda: outcome.append(link.call(slow_answer)))
    retry.start()
    try:
        assert entered.wait(10)
        with pytest.raises(StoreUnavailableError):
            link.call(server.query)
        assert server.calls == 1
    finally:
        release.set()
        retry.join(10)
    assert outcome == ["ids"]
    assert link.reachable


def test_errors_the_server_reports_pass_through_and_leave_the_link_up(link: StoreLink) -> None:
    def missing() -> NoReturn:
        raise NotFoundError("Collection plan_chunks_g000009 does not exist")

    with pytest.raises(NotFoundError):
        link.call(missing)
    assert link.reachable


def test_the_outage_and_the_recovery_are_logged_once_each(
    link: StoreLink, clock: Clock, server: Server, caplog: pytest.LogCaptureFixture
) -> None:
    server.failure = refused()
    with caplog.at_level(logging.INFO, logger="plan_assistant.store"):
        for _ in range(3):
            with pytest.raises(StoreUnavailableError):
                link.call(server.query)
            clock.now += 1.0
        server.failure = None
        link.call(server.query)
        link.call(server.query)
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == 2
    assert "127.0.0.1:8000 unreachable (ConnectError" in messages[0]
    assert "answers again, 3.0 s after" in messages[1]


def test_the_health_check_asks_the_server_unless_it_failed_moments_ago(
    link: StoreLink, clock: Clock, server: Server
) -> None:
    assert link.check()
    server.failure = refused()
    assert not link.check()
    assert not link.check()
    assert server.calls == 2
    server.failure = None
    clock.now += 1.0
    assert link.check()
    assert server.calls == 3
