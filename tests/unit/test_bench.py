"""The benchmark's pure helpers: percentiles, summaries, distinct queries, goals and hot spots."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from evals.bench import (
    QUESTIONS,
    check_goal,
    distinct_queries,
    goals,
    llm_answers_row,
    llm_goal_figures,
    percentile,
    render_table,
    session_hot_spots,
    summary,
    top_hot_spots,
)

samples = st.lists(st.floats(min_value=0, max_value=1e6, allow_nan=False), min_size=1, max_size=200)


def test_percentile_interpolates_between_ranks() -> None:
    assert percentile([1, 2, 3, 4], 50) == 2.5
    assert percentile([10, 20, 30, 40, 50], 95) == pytest.approx(48.0)
    assert percentile([7], 95) == 7


def test_percentile_ignores_input_order() -> None:
    assert percentile([5, 1, 4, 2, 3], 25) == 2


@given(samples, st.floats(min_value=0, max_value=100))
def test_percentile_agrees_with_numpy(values: list[float], q: float) -> None:
    assert percentile(values, q) == pytest.approx(float(np.percentile(values, q)), rel=1e-9, abs=1e-6)


@pytest.mark.parametrize(("values", "q"), [([], 50), ([1.0], -1), ([1.0], 101)])
def test_percentile_refuses_no_values_or_a_rank_outside_0_to_100(values: list[float], q: float) -> None:
    with pytest.raises(ValueError):
        percentile(values, q)


def test_summary_reports_count_median_p95_mean_and_range() -> None:
    result = summary([4.0, 1.0, 3.0, 2.0, 100.0])
    assert result == {"n": 5, "median": 3.0, "p95": 80.8, "mean": 22.0, "min": 1.0, "max": 100.0}


@given(samples)
def test_summary_orders_min_median_p95_max(values: list[float]) -> None:
    result = summary(values, digits=6)
    assert result["min"] <= result["median"] <= result["p95"] <= result["max"]


def test_summary_of_no_values_is_an_error() -> None:
    with pytest.raises(ValueError):
        summary([])


def test_distinct_queries_gives_every_question_under_every_lead_in_once() -> None:
    queries = distinct_queries(["a", "b", "a"], ("", "Hi "))
    assert queries == ["a", "b", "Hi a", "Hi b"]


def test_the_benchmark_questions_are_distinct_and_make_200_distinct_queries() -> None:
    texts = [q for q, _ in QUESTIONS]
    assert len(set(texts)) == len(texts) == 40
    assert len(distinct_queries(texts)) == 200
    assert {audience for _, audience in QUESTIONS} == {"resident", "staff", "adviser"}


def test_a_max_goal_is_met_at_or_below_its_limit_and_a_min_goal_at_or_above() -> None:
    assert check_goal("x", 150.0, 150.0, "ms", "max").met is True
    assert check_goal("x", 150.1, 150.0, "ms", "max").met is False
    assert check_goal("x", 39.9, 40.0, "req/s", "min").met is False
    assert check_goal("x", 40.0, 40.0, "req/s", "min").met is True


def test_a_goal_without_a_figure_is_neither_met_nor_missed() -> None:
    assert check_goal("x", None, 10.0, "s", "max").met is None
    with pytest.raises(ValueError):
        check_goal("x", 1.0, 1.0, "s", "between")


def test_the_chat_p50_goal_is_three_times_the_embedding_floor_of_the_same_run() -> None:
    figures = {"embed_floor_p50_ms": 6.0, "chat_p50_ms": 18.5, "chat_p95_ms": 40.0}
    by_name = {g.name: g for g in goals(figures)}
    p50 = by_name["/api/chat p50 <= 3x query-embedding floor"]
    assert (p50.limit, p50.met) == (18.0, False)
    assert by_name["/api/chat p95 <= 150 ms"].met is True
    assert by_name["ingest <= 20 s"].met is None


def test_the_table_marks_each_goal_met_missed_or_not_measured() -> None:
    text = render_table(
        [("ingest", "12 s")],
        [
            check_goal("fast", 1.0, 2.0, "s", "max"),
            check_goal("slow", 3.0, 2.0, "s", "max"),
            check_goal("unknown", None, 2.0, "s", "max"),
        ],
    )
    lines = text.splitlines()
    assert "ingest" in text
    assert next(line for line in lines if line.startswith("fast")).endswith("met")
    assert next(line for line in lines if line.startswith("slow")).endswith("MISSED")
    assert next(line for line in lines if line.startswith("unknown")).endswith("n/a")


def test_hot_spots_add_up_samples_of_the_same_function_and_rank_them() -> None:
    frames = [
        ("a.py", "slow", 1, 0.5),
        ("b.py", "fast", 2, 0.1),
        ("a.py", "slow", 9, 0.3),
        ("c.py", "slow", 1, 0.2),
    ]
    spots = top_hot_spots(frames, total=1.0, count=2)
    assert spots == [
        {"where": "a.py:slow", "seconds": 0.8, "share": 0.8},
        {"where": "c.py:slow", "seconds": 0.2, "share": 0.2},
    ]


def _frame(
    path: str, function: str, time: float, self_time: float, *children: SimpleNamespace
) -> SimpleNamespace:
    return SimpleNamespace(
        file_path=path,
        file_path_short=path.rsplit("/", 1)[-1],
        function=function,
        line_no=1,
        time=time,
        total_self_time=self_time,
        is_synthetic=function == "[self]",
        children=list(children),
    )


def test_session_hot_spots_count_self_time_once_and_name_library_calls_from_our_code() -> None:
    torch_call = _frame(
        "/venv/torch/nn.py", "linear", 0.6, 0.6, _frame("/venv/torch/nn.py", "[self]", 0.6, 0.6)
    )
    ask = _frame(
        "/src/plan_assistant/assistant.py", "ask", 0.8, 0.2, torch_call, _frame("x", "[self]", 0.2, 0.2)
    )
    root = _frame("<string>", "<module>", 1.0, 0.2, ask, _frame("<string>", "[self]", 0.2, 0.2))
    spots = session_hot_spots(root)
    assert spots["by_self_time"][0] == {"where": "nn.py:linear", "seconds": 0.6, "share": 0.6}
    assert sum(s["seconds"] for s in spots["by_self_time"]) == pytest.approx(1.0)
    assert spots["ours_inclusive"] == [{"where": "assistant.py:ask", "seconds": 0.8, "share": 0.8}]
    assert spots["library_calls_from_ours"] == [{"where": "nn.py:linear", "seconds": 0.6, "share": 0.6}]


def test_the_llama_cpp_goals_read_the_answer_time_medians_and_stay_unknown_without_the_model() -> None:
    report = {"llm_answers": {"first_words_ms": {"median": 1400.0}, "full_answer_ms": {"median": 7200.0}}}
    checked = {g.name: g for g in goals(llm_goal_figures(report))}
    assert checked["llama-cpp first words, median <= 1.5 s"].met is True
    assert checked["llama-cpp full answer, median <= 6 s"].met is False
    skipped = {g.name: g for g in goals(llm_goal_figures({"llm_answers": {"skipped": "not installed"}}))}
    assert skipped["llama-cpp first words, median <= 1.5 s"].met is None


def test_the_llama_cpp_row_says_why_it_was_skipped_or_gives_both_medians() -> None:
    assert llm_answers_row({"skipped": "llama-cpp-python is not installed"}).startswith("skipped:")
    row = llm_answers_row(
        {
            "answered_by_the_model": 9,
            "first_words_ms": {"median": 2500.0, "p95": 4000.0},
            "full_answer_ms": {"median": 5100.0, "p95": 11800.0},
        }
    )
    assert row == "first words 2500 ms (p95 4000), full answer 5100 ms (p95 11800), 9 questions"
