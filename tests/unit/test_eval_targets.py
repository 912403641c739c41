"""The gate fails the build per set; the goals and the gap between sets are only reported."""

from __future__ import annotations

import tomllib

import pytest

from evals import THRESHOLDS_PATH
from evals.report import LABELS
from evals.targets import (
    RATES,
    comparison,
    gap_points,
    gate_misses,
    goal_met,
    goal_results,
    limit_for,
    missed_thresholds,
)

GOAL = {"max_gap_points": 5, "min": {"refusal_rate": 0.9}, "max": {"unsupported_numbers": 0}}


def test_missed_thresholds_name_each_figure_below_or_above_its_bound() -> None:
    thresholds = {"min": {"citation_validity": 1.0, "refusal_rate": 0.9}, "max": {"unsupported_numbers": 0}}
    figures = {"citation_validity": 0.98, "refusal_rate": None, "unsupported_numbers": 2}
    missed = missed_thresholds(figures, thresholds)
    assert len(missed) == 3
    assert missed[0].startswith("citation_validity") and "not measured" in missed[1]
    kept = {"citation_validity": 1.0, "refusal_rate": 0.95, "unsupported_numbers": 0}
    assert missed_thresholds(kept, thresholds) == []
    with pytest.raises(ValueError, match="unknown"):
        missed_thresholds({}, {"least": {"x": 1}})


def test_a_gate_bound_may_be_one_number_for_every_set_or_a_table_per_set() -> None:
    assert limit_for(0.9, "blind") == 0.9
    assert limit_for({"own": 0.95, "blind": 0.8}, "blind") == 0.8
    assert limit_for({"own": 0.95}, "blind") is None
    gate = {"min": {"evidence_hit_at_4": {"own": 0.95, "blind": 0.8}, "citation_validity": 1.0}}
    overall = {
        "own": {"evidence_hit_at_4": 0.9, "citation_validity": 1.0},
        "blind": {"evidence_hit_at_4": 0.85, "citation_validity": 0.5},
    }
    assert gate_misses(overall, gate) == [
        "own: evidence_hit_at_4: 0.900 is below the minimum 0.95",
        "blind: citation_validity: 0.500 is below the minimum 1.0",
    ]


def test_comparison_puts_sets_side_by_side_with_the_gap_in_points_for_rates() -> None:
    overall = {"own": {"refusal_rate": 0.95, "errors": 1}, "blind": {"refusal_rate": 0.80, "errors": 0}}
    rows = comparison(overall, ["refusal_rate", "errors"])
    assert rows["refusal_rate"]["own"] == 0.95 and rows["refusal_rate"]["gap_points"] == pytest.approx(15.0)
    assert "gap_points" not in rows["errors"]
    assert "gap_points" not in comparison({"own": overall["own"]}, ["refusal_rate"])["refusal_rate"]
    assert gap_points(None, 0.5) is None


def test_goals_are_met_or_missed_per_set_and_on_the_gap_between_them() -> None:
    overall = {
        "own": {"refusal_rate": 0.95, "unsupported_numbers": 0},
        "blind": {"refusal_rate": 0.91, "unsupported_numbers": 2},
    }
    results = goal_results(overall, GOAL)
    assert goal_met(results, "refusal_rate", "own") and goal_met(results, "refusal_rate", "blind")
    assert goal_met(results, "refusal_rate", "gap")  # 4 points apart
    assert goal_met(results, "unsupported_numbers", "blind") is False
    assert goal_met(results, "unsupported_numbers", "gap") is None  # a count has no gap goal
    overall["blind"]["refusal_rate"] = 0.85
    wide = goal_results(overall, GOAL)
    assert goal_met(wide, "refusal_rate", "gap") is False
    assert any("gap +10.0 points" in r["why"] for r in wide)


def test_the_thresholds_file_has_a_gate_and_the_issue_goals_for_known_figures() -> None:
    thresholds = tomllib.loads(THRESHOLDS_PATH.read_text(encoding="utf-8"))
    assert set(thresholds) == {"gate", "goal"}
    assert thresholds["goal"]["max_gap_points"] == 5
    assert thresholds["goal"]["min"]["answered_when_answerable"] == 0.95
    assert thresholds["goal"]["max"]["resident_fk_grade_median"] == 8
    rate_goals = [n for bound in ("min", "max") for n in thresholds["goal"][bound] if n in RATES]
    assert len(rate_goals) == 9
    named = {
        n for table in (thresholds["gate"], thresholds["goal"]) for b in ("min", "max") for n in table[b]
    }
    assert named - set(LABELS) == set(), "a threshold names a figure the report does not know"
    for limit in thresholds["gate"]["min"].values():
        assert all(0 <= v <= 1 for v in (limit.values() if isinstance(limit, dict) else [limit]))
