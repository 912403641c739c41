"""Insights from logged questions: volume, plan coverage, topics by the real model, thumbs-down by topic."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from plan_assistant.embeddings import Embedder
from plan_assistant.feedback import FeedbackRow
from plan_assistant.insights import (
    NOT_IN_PLAN,
    build_insights,
    cached_embed,
    cluster,
    parse_since,
    question_embedder,
    volume_by_day,
)
from plan_assistant.insights.render import report_html, sign_in_html, topics_csv
from plan_assistant.question_log import WITHHELD, LoggedQuestion, QuestionLog

FLOOD_PRIORITY = "Work with people to build a climate resilient Somerset"
FLOODING = [
    "what is the council doing about flooding",
    "is anything being done to stop flooding in my village",
    "caller worried about floods, what does the plan say about flood prevention",
    "will the council protect homes from flooding",
]
COUNCIL_TAX = [
    "how much is council tax going up next year",
    "what is the band D council tax this year",
    "why is my council tax so high",
]


def row(n: int, question: str, status: str = "answered", day: int = 1, **fields: object) -> LoggedQuestion:
    """One logged question, answered from the flooding priority unless told otherwise."""
    values: dict[str, object] = {
        "created_at": f"2026-05-{day:02d}T10:00:00+00:00",
        "request_id": f"r{n}",
        "channel": "api",
        "route": "plan",
        "status": status,
        "audience": "resident",
        "question": question,
    }
    if status == "answered":
        values.update(outcome=2, priority=FLOOD_PRIORITY, document="Business Plan 2021-2023", citations=1)
    values.update(fields)
    return LoggedQuestion(**values)  # type: ignore[arg-type]


def rows() -> list[LoggedQuestion]:
    logged = [row(n, q, day=1 + n % 3) for n, q in enumerate(FLOODING)]
    logged += [row(10 + n, q, "not_found", day=5) for n, q in enumerate(COUNCIL_TAX)]
    logged += [row(20, FLOODING[0]), row(21, FLOODING[0].upper())]  # the same question, asked again
    logged.append(row(30, WITHHELD, "out_of_scope", route="crisis"))
    return logged


class Counting:
    """The real model's question embedder, remembering what it was asked to embed."""

    def __init__(self, embedder: Embedder) -> None:
        self.inner = question_embedder(embedder)
        self.texts: list[str] = []

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        self.texts += texts
        return self.inner(texts)


def test_periods_and_dates_both_say_from_when() -> None:
    now = datetime(2026, 6, 1, tzinfo=UTC)
    assert parse_since("30d", now) == now - timedelta(days=30)
    assert parse_since("2w", now) == now - timedelta(weeks=2)
    assert parse_since("12h", now) == now - timedelta(hours=12)
    assert parse_since("2026-05-01", now) == datetime(2026, 5, 1, tzinfo=UTC)
    with pytest.raises(ValueError, match="30d"):
        parse_since("last month", now)


def test_volume_counts_each_day_and_shows_quiet_days_as_zero() -> None:
    counts = volume_by_day([row(1, "a", day=1), row(2, "b", day=1), row(3, "c", day=4)])
    assert [(c.label, c.count) for c in counts] == [
        ("2026-05-01", 2),
        ("2026-05-02", 0),
        ("2026-05-03", 0),
        ("2026-05-04", 1),
    ]


def test_topics_group_questions_by_meaning_and_place_them_against_the_plan(embedder: Embedder) -> None:
    embed = Counting(embedder)
    insights = build_insights(rows(), [], embed, outcome_titles={2: "A greener Somerset"})
    flood = next(t for t in insights.topics if "flooding" in t.label)
    tax = next(t for t in insights.topics if "tax" in t.label)
    assert set(flood.examples) == set(FLOODING) and flood.questions == 6
    assert (flood.placement, flood.in_plan, flood.outcome) == (f"Outcome 2 › {FLOOD_PRIORITY}", True, 2)
    assert (tax.placement, tax.not_in_plan, tax.questions) == (NOT_IN_PLAN, True, 3)
    assert "tax" in tax.words and "council" not in tax.words
    assert insights.not_in_plan == [tax]
    # Identical questions (case and spacing aside) are embedded once; withheld texts never.
    assert sorted(embed.texts) == sorted(FLOODING + COUNCIL_TAX)
    assert insights.questions == 10 and insights.distinct_questions == 7
    assert [(c.label, c.count) for c in insights.by_outcome] == [("Outcome 2: A greener Somerset", 6)]
    assert {c.label: c.count for c in insights.by_status} == {
        "answered": 6,
        "not_found": 3,
        "out_of_scope": 1,
    }


def test_thumbs_down_join_their_answers_by_request_id(embedder: Embedder) -> None:
    feedback = [
        FeedbackRow(1, "2026-05-05", "r0", "down", "did not mention my street", "api"),
        FeedbackRow(2, "2026-05-05", "r20", "down", "", "ui"),
        FeedbackRow(3, "2026-05-05", "r1", "up", "", "api"),
        FeedbackRow(4, "2026-05-05", "unknown", "down", "lost", "api"),
    ]
    insights = build_insights(rows(), feedback, question_embedder(embedder))
    [flood] = insights.down_by_topic
    assert (flood.ratings, flood.downs, flood.down_rate) == (3, 2, 0.667)
    assert flood.comments == ["did not mention my street"]
    top = insights.most_down[0]
    assert (top.question.casefold(), top.downs, top.comments) == (
        FLOODING[0],
        2,
        ["did not mention my street"],
    )


def test_clustering_many_questions_through_micro_clusters_keeps_clear_topics_apart(
    embedder: Embedder,
) -> None:
    texts = FLOODING + COUNCIL_TAX
    vectors = question_embedder(embedder)(texts)
    exact = cluster(vectors)
    staged = cluster(np.repeat(vectors, 3, axis=0), exact_limit=10)[::3]
    for labels in (exact, staged):
        assert len(set(labels[: len(FLOODING)])) == 1
        assert set(labels[: len(FLOODING)]).isdisjoint(labels[len(FLOODING) :])


def test_kept_vectors_spare_the_model_and_go_with_their_last_question(
    embedder: Embedder, tmp_path: Path
) -> None:
    log = QuestionLog(tmp_path / "q.sqlite3", retention_days=30)
    old = datetime.now(UTC) - timedelta(days=40)
    now = datetime.now(UTC).isoformat(timespec="seconds")
    log.add_many(
        [
            row(1, FLOODING[0], created_at=old.isoformat(timespec="seconds")),
            row(2, COUNCIL_TAX[0], created_at=now),
        ]
    )
    first, second = Counting(embedder), Counting(embedder)
    vectors = cached_embed(log, first, "m")([FLOODING[0], COUNCIL_TAX[0]])
    again = cached_embed(log, second, "m")([COUNCIL_TAX[0], FLOODING[0]])
    assert first.texts == [FLOODING[0], COUNCIL_TAX[0]] and second.texts == []
    assert np.allclose(again, vectors[::-1])
    log.purge()
    assert set(log.vectors([FLOODING[0], COUNCIL_TAX[0]], "m")) == {COUNCIL_TAX[0]}


def test_the_report_has_a_described_chart_and_a_table_for_each_figure(embedder: Embedder) -> None:
    page = report_html(build_insights(rows(), [], question_embedder(embedder)))
    assert page.count('role="img"') == page.count("<desc ") >= 5
    assert page.count("as a table</summary>") >= 5
    assert "<script" not in page and "http://" not in page.replace("http://www.w3.org/2000/svg", "")
    assert "Topics the plan does not cover" in page and "council tax" in page


def test_the_topics_csv_has_one_line_per_topic_and_no_live_formulas(embedder: Embedder) -> None:
    logged = [*rows(), row(40, "=HYPERLINK(1) what about libraries", "not_found")]
    insights = build_insights(logged, [], question_embedder(embedder))
    lines = topics_csv(insights).splitlines()
    assert len(lines) == 1 + len(insights.topics)
    assert not any(cell.startswith("=") for line in lines for cell in line.split(","))


def test_the_sign_in_form_labels_its_field_and_posts_the_token() -> None:
    page = sign_in_html("That token is not right.")
    assert '<label for="token">' in page and 'id="token"' in page and 'method="post"' in page
    assert 'role="alert"' in page


def test_an_empty_log_gives_empty_figures_and_a_page_that_says_so(embedder: Embedder) -> None:
    embed = Counting(embedder)
    insights = build_insights([], [], embed)
    assert (insights.questions, insights.topics, insights.by_day, embed.texts) == (0, [], [], [])
    page = report_html(insights)
    assert "No questions in this period." in page and "No answer has been rated" in page
