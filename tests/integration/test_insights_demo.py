"""Seeded demo data: the eval sets' questions asked through the real app, then read back as staff insights."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from evals import DATASETS, EvalItem, load_dataset
from plan_assistant.api import create_app
from plan_assistant.config import PROJECT_ROOT, Settings
from plan_assistant.embeddings import Embedder
from plan_assistant.factory import build_assistant
from plan_assistant.feedback import FeedbackStore
from plan_assistant.insights import Insights, build_insights, question_embedder, question_key
from plan_assistant.insights.render import report_html, topics_csv
from plan_assistant.logging_setup import redact_text
from plan_assistant.question_log import QuestionLog

pytestmark = pytest.mark.slow
TOKEN = "demo-token"
SHARED_BLIND = PROJECT_ROOT.parent / "shared" / "evalsets" / "blind-dev.jsonl"


def eval_items() -> list[EvalItem]:
    """Every question of the eval sets (and the shared blind set when it sits beside the repository), once."""
    paths = [*DATASETS.values(), *([SHARED_BLIND] if SHARED_BLIND.is_file() else [])]
    items: dict[str, EvalItem] = {}
    for path in paths:
        for item in load_dataset(path):
            items.setdefault(item.id, item)
    return list(items.values())


def test_the_eval_questions_show_up_as_outcomes_and_topics_not_in_the_plan(
    built_index: Settings, embedder: Embedder, tmp_path: Path
) -> None:
    settings = Settings(
        corpus_dir=built_index.corpus_dir,
        data_dir=built_index.data_dir,
        rate_limit="100000/minute",
        feedback_token=TOKEN,
    )
    log = QuestionLog(tmp_path / "questions.sqlite3")
    app = create_app(
        settings, build_assistant(settings), FeedbackStore(tmp_path / "f.sqlite3"), questions=log
    )
    items = eval_items()
    first_outcome: dict[str, int | None] = {}
    refused: list[EvalItem] = []
    with TestClient(app) as client:
        for item in items:
            body = {
                "question": item.question,
                "history": [t.model_dump() for t in item.history],
                "audience": item.audience,
            }
            answer = client.post("/api/chat", json=body).json()
            cited = answer["citations"][0]["outcome"] if answer["citations"] else None
            first_outcome[item.id] = cited if answer["status"] == "answered" else None
            if item.kind == "unanswerable" and answer["status"] == "not_found":
                refused.append(item)
            # Feedback from the eval's own judgement, not hand-written: down when the cited outcome is wrong.
            if item.kind == "answerable" and answer["status"] == "answered" and item.outcomes:
                right = cited in item.outcomes or (cited is None and 0 in item.outcomes)
                rating = "up" if right else "down"
                comment = "" if rating == "up" else f"expected outcome {item.outcomes[0]}"
                client.post(
                    "/api/feedback",
                    json={"request_id": answer["request_id"], "rating": rating, "comment": comment},
                )
        response = client.get("/api/insights", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    insights = response.json()
    assert insights["questions"] == len(items)

    # Questions per outcome are the first citations the API returned, and cover every outcome expected.
    counted: dict[int, int] = {}
    for outcome in first_outcome.values():
        if outcome is not None:
            counted[outcome] = counted.get(outcome, 0) + 1
    shown = {int(c["label"].split(":")[0].split()[-1]): c["count"] for c in insights["by_outcome"]}
    assert shown == counted
    expected = {o for i in items if i.kind == "answerable" for o in i.outcomes if o > 0}  # 0: no outcome
    assert expected <= set(shown)

    # Refused unanswerable questions are grouped into topics marked "not in the plan". The page shows five
    # examples a topic; the same computation in-process says where every question went.
    assert len(refused) >= 10
    again = build_insights(log.rows(), [], question_embedder(embedder))
    assert [t.label for t in again.not_in_plan] == [t["label"] for t in insights["not_in_plan"]]
    topic_of = {key: t for t in again.topics for key in t.members}
    placed = [i for i in refused if topic_of[question_key(redact_text(i.question))].not_in_plan]
    # Measured: 19 of the 29 refused (19 of 27 before two more unanswerable questions were refused, on
    # 2026-12-02; both joined topics of answered questions); the rest join topics where answered questions
    # outnumber refusals.
    assert len(placed) >= 0.6 * len(refused), [i.question for i in refused if i not in placed]
    assert any(t["questions"] >= 2 for t in insights["not_in_plan"])

    # Thumbs-down from wrong outcomes are joined to their topics, with the comments.
    assert insights["down_by_topic"] and insights["most_down"]
    assert any(c.startswith("expected outcome") for t in insights["down_by_topic"] for c in t["comments"])

    parsed = Insights.model_validate(insights)
    page, table = report_html(parsed), topics_csv(parsed)
    assert "not in the plan" in page and "Outcome 1" in page
    assert table.count("\n") == 1 + len(parsed.topics)
