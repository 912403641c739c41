"""The users of ``make load`` (``python -m evals.load`` runs locust on this file; never imported elsewhere).

``Asker``: a resident, member of staff or adviser asking the eval sets' questions at a person's pace
(1-3 s between requests, so never near the per-client limit), now and then streaming, browsing the outline
or rating an answer. Each asker is its own client: it comes through its own address in X-Forwarded-For,
as behind a load balancer (uvicorn trusts that header from 127.0.0.1 only).

``OverLimitClient``: users sharing one address and asking as fast as they can. Their 429s are intended;
each is counted under its own name ("... : 429 over the limit") and is not an error. Anything else that
is not a good answer, from either kind of user, is a failure: the run then fails.
"""

from __future__ import annotations

import ipaddress
import itertools
import json
import random
from pathlib import Path
from typing import Any

from locust import HttpUser, between, constant, events, task

INTENDED_429 = ": 429 over the limit"  # the suffix naming intended refusals in locust's statistics
OVER_LIMIT_ADDRESS = "198.51.100.1"  # one client (TEST-NET-2) for every OverLimitClient
STATUSES = {"answered", "not_found", "out_of_scope", "declined"}
TIMEOUT_SECONDS = 30

QUESTIONS: list[dict[str, Any]] = []
_addresses = (str(ipaddress.ip_address("10.20.0.1") + n) for n in itertools.count())


@events.init_command_line_parser.add_listener
def _options(parser: Any) -> None:
    parser.add_argument("--questions", default="", help="JSON list of {question, history, audience}")
    parser.add_argument("--over-limit-users", type=int, default=2, help="users sharing the one greedy client")


@events.init.add_listener
def _load(environment: Any, **_: Any) -> None:
    QUESTIONS[:] = json.loads(Path(environment.parsed_options.questions).read_text(encoding="utf-8"))
    if not QUESTIONS:
        raise SystemExit("evals/locustfile.py: no questions (--questions)")
    OverLimitClient.fixed_count = environment.parsed_options.over_limit_users


def _answer_problem(response: Any) -> str | None:
    """Why a /api/chat response is not a good answer, or None when it is one."""
    if response.status_code != 200:
        return f"{response.status_code}: {response.text[:200]}"
    try:
        body = response.json()
    except ValueError:
        return f"200 but not JSON: {response.text[:200]}"
    if not str(body.get("answer", "")).strip() or body.get("status") not in STATUSES:
        return f"200 without an answer: {response.text[:200]}"
    return None


class Asker(HttpUser):
    """Someone asking about the plan at a person's pace, as their own client."""

    wait_time = between(1, 3)

    def on_start(self) -> None:
        """Come through an address of one's own."""
        self.client.headers["X-Forwarded-For"] = next(_addresses)
        self.last_request_id = ""

    def _body(self) -> dict[str, Any]:
        return dict(random.choice(QUESTIONS))

    @task(10)
    def chat(self) -> None:
        """Ask one question from the eval sets."""
        with self.client.post(
            "/api/chat", json=self._body(), name="/api/chat", catch_response=True, timeout=TIMEOUT_SECONDS
        ) as response:
            problem = _answer_problem(response)
            if problem:
                response.failure(problem)
            else:
                self.last_request_id = response.json()["request_id"]
                response.success()

    @task(3)
    def chat_stream(self) -> None:
        """Ask one question and read the whole stream."""
        with self.client.post(
            "/api/chat/stream",
            json=self._body(),
            name="/api/chat/stream",
            catch_response=True,
            timeout=TIMEOUT_SECONDS,
        ) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code}: {response.text[:200]}")
            elif "event: answer" not in response.text or "event: error" in response.text:
                response.failure(f"stream without its answer: {response.text[-200:]}")
            else:
                response.success()

    @task(1)
    def outline(self) -> None:
        """Open the Browse tab's data."""
        with self.client.get(
            "/api/outline", name="/api/outline", catch_response=True, timeout=TIMEOUT_SECONDS
        ) as response:
            if response.status_code != 200 or not response.json().get("documents"):
                response.failure(f"{response.status_code}: {response.text[:200]}")
            else:
                response.success()

    @task(1)
    def feedback(self) -> None:
        """Rate the last answer (two workers write to one SQLite file)."""
        if not self.last_request_id:
            return
        body = {"request_id": self.last_request_id, "rating": random.choice(["up", "down"])}
        with self.client.post(
            "/api/feedback", json=body, name="/api/feedback", catch_response=True, timeout=TIMEOUT_SECONDS
        ) as response:
            if response.status_code != 201:
                response.failure(f"{response.status_code}: {response.text[:200]}")
            else:
                response.success()


class OverLimitClient(HttpUser):
    """One client asking as fast as it can: past the limit it must get a 429 with Retry-After, nothing worse."""

    wait_time = constant(0.2)
    fixed_count = 2  # set from --over-limit-users

    def on_start(self) -> None:
        """Every user of this class is the same client."""
        self.client.headers["X-Forwarded-For"] = OVER_LIMIT_ADDRESS

    @task
    def chat(self) -> None:
        """Ask again, whatever the answer was."""
        name = "/api/chat (client over the limit)"
        with self.client.post(
            "/api/chat",
            json=dict(random.choice(QUESTIONS)),
            name=name,
            catch_response=True,
            timeout=TIMEOUT_SECONDS,
        ) as response:
            if response.status_code == 429:
                if "Too many requests" in response.text and int(response.headers.get("Retry-After", "0")) > 0:
                    response.request_meta["name"] = name + INTENDED_429
                    response.success()
                else:
                    response.failure(f"429 without Retry-After or message: {response.text[:200]}")
                return
            problem = _answer_problem(response)
            if problem:
                response.failure(problem)
            else:
                response.success()
