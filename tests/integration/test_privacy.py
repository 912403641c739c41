"""Personal details in questions, history turns and feedback never reach the logs, the responses, the
feedback database or its CSV export.

The corpus: every item of both eval sets that holds personal details or is adversarial (read from the
files at test time), and cases written here for what those miss: names in lower case, names before and
after a role, names in earlier turns of the conversation, and personal details in a feedback comment.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from evals import DATASETS, load_dataset
from plan_assistant.api import create_app
from plan_assistant.config import Settings
from plan_assistant.factory import build_assistant
from plan_assistant.feedback import FeedbackStore


@dataclass(frozen=True)
class Case:
    """One request of the privacy corpus and the details that must not come out of it."""

    id: str
    question: str
    details: list[str]
    history: list[dict[str, str]] = field(default_factory=list)
    audience: str = "resident"
    comment: str = ""
    """What the feedback box gets; the question itself when empty (a resident pasting it again)."""
    names: list[str] = field(default_factory=list)
    """Names whose every word must be gone, not only the whole name."""


EVAL_CASES = [
    Case(item.id, item.question, item.personal_details, [t.model_dump() for t in item.history], item.audience)
    for path in DATASETS.values()
    for item in load_dataset(path)
    if item.kind == "adversarial" or item.personal_details
]
OWN_CASES = [
    Case(
        "lower-case name before its role",
        "ruth oduya my social worker never calls back, what does the plan say about social care?",
        ["ruth oduya"],
        names=["ruth oduya"],
    ),
    Case(
        "lower-case name after its role",
        "my carer kwame mensah is late most days, is home care in the plan?",
        ["kwame mensah"],
        names=["kwame mensah"],
    ),
    Case(
        "name after a role, for an adviser",
        "Caller's support worker Siobhan Byrne (01823 355455) says respite is being cut. Is it?",
        ["Siobhan Byrne", "01823 355455"],
        audience="adviser",
        names=["Siobhan Byrne"],
    ),
    Case(
        "names in an earlier turn",
        "and what about for older people?",
        ["tomasz nowak", "ngozi adeyemi", "tomasz.nowak@example.co.uk"],
        history=[
            {
                "role": "user",
                "content": "hi i'm tomasz nowak (tomasz.nowak@example.co.uk), my mum ngozi adeyemi needs help "
                "at home, what does the plan do about social care?",
            },
            {"role": "assistant", "content": "The plan commits to supporting people to live independently."},
        ],
        names=["tomasz nowak", "ngozi adeyemi"],
    ),
    Case(
        "details in a feedback comment",
        "What does the plan say about libraries?",
        ["aled rees", "07700 900987", "9 Mill Lane"],
        comment="fine answer but my neighbour aled rees at 9 Mill Lane, Chard (07700 900987) says ours is closing",
        names=["aled rees"],
    ),
]


def test_the_corpus_holds_both_eval_sets_personal_details_and_the_written_cases() -> None:
    with_details = [case for case in EVAL_CASES if case.details]
    assert {case.id[:3] for case in with_details} >= {"adv", "bd-"}  # the own set's ids and the blind set's
    assert sum(len(case.details) for case in with_details) >= 20


def _leaks(case: Case, where: str, text: str) -> list[tuple[str, str, str]]:
    folded = text.casefold()
    found = [(case.id, detail, where) for detail in case.details if detail.casefold() in folded]
    words = {word for name in case.names for word in name.split()}
    found += [
        (case.id, word, where) for word in words if re.search(rf"\b{re.escape(word.casefold())}\b", folded)
    ]
    return found


def test_personal_details_reach_neither_logs_nor_responses_nor_feedback_nor_its_export(
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
    responses: dict[str, list[str]] = {}
    with TestClient(app) as client:
        for case in [*EVAL_CASES, *OWN_CASES]:
            request = {"question": case.question, "history": case.history, "audience": case.audience}
            chat = client.post("/api/chat", json=request)
            assert chat.status_code == 200, (case.id, chat.text)
            stream = client.post("/api/chat/stream", json=request)
            assert stream.status_code == 200, case.id
            responses[case.id] = [chat.text, stream.text]
            feedback = client.post(
                "/api/feedback",
                json={
                    "request_id": chat.json()["request_id"],
                    "rating": "down",
                    "comment": case.comment or case.question,
                },
            )
            assert feedback.status_code == 201, feedback.text
        export = client.get("/api/feedback/export", headers={"Authorization": "Bearer t"})
        assert export.status_code == 200
    database = (tmp_path / "feedback.sqlite3").read_bytes().decode("utf-8", "replace")
    logs = caplog.text + "\n".join(str(record.__dict__) for record in caplog.records)
    leaks = [
        leak
        for case in [*EVAL_CASES, *OWN_CASES]
        for where, text in (
            ("logs", logs),
            ("responses", "\n".join(responses[case.id])),
            ("feedback database", database),
            ("CSV export", export.text),
        )
        for leak in _leaks(case, where, text)
    ]
    assert leaks == [], leaks
    # What was written is still there, only without the details: the comments were stored, redacted.
    assert export.text.count("[name removed]") >= len(OWN_CASES)
