"""The gate the build enforces on each question set, the issue's goals, and the gap between the sets."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

BOUNDS = ("min", "max")
# Figures that are shares of questions (0-1); a gap between sets is measured on these in percentage points.
RATES = frozenset(
    {
        "evidence_hit_at_1",
        "evidence_hit_at_4",
        "evidence_hit_at_4_any",
        "priority_hit_at_4",
        "evidence_in_citations",
        "citation_outcome_accuracy",
        "first_citation_outcome_accuracy",
        "citation_priority_accuracy",
        "first_citation_priority_accuracy",
        "citation_validity",
        "must_include_recall",
        "grounding_rate",
        "answered_when_answerable",
        "refusal_rate",
        "false_refusal_rate",
        "adversarial_pass_rate",
    }
)


def limit_for(limit: float | Mapping[str, float], set_name: str) -> float | None:
    """The bound for one set: a number holds for every set, a table ({own = .., blind = ..}) per set."""
    if isinstance(limit, Mapping):
        return limit.get(set_name)
    return limit


def _bounds(table: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    unknown = [key for key, value in table.items() if isinstance(value, Mapping) and key not in BOUNDS]
    if unknown:
        raise ValueError(f"threshold table [{unknown[0]}] is unknown; use [min] or [max]")
    return {bound: table.get(bound, {}) for bound in BOUNDS}


def outcome(name: str, value: Any, bound: str, limit: float) -> str:
    """'' when a figure keeps its bound, else why not; a figure that could not be measured misses."""
    sign = "≥" if bound == "min" else "≤"
    if value is None:
        return f"{name}: not measured (needs {sign} {limit})"
    if bound == "min" and value < limit:
        return f"{name}: {value:.3f} is below the minimum {limit}"
    if bound == "max" and value > limit:
        return f"{name}: {value:.3f} is above the maximum {limit}"
    return ""


def missed_thresholds(
    figures: Mapping[str, Any], thresholds: Mapping[str, Any], set_name: str = ""
) -> list[str]:
    """A line per bound of a [min]/[max] table the figures miss (per-set tables read for ``set_name``)."""
    missed: list[str] = []
    for bound, limits in _bounds(thresholds).items():
        for name, given in limits.items():
            limit = limit_for(given, set_name)
            if limit is not None and (line := outcome(name, figures.get(name), bound, limit)):
                missed.append(line)
    return missed


def gate_misses(overall: Mapping[str, Mapping[str, Any]], gate: Mapping[str, Any]) -> list[str]:
    """Every gate bound that some set misses, as 'set: figure: why' lines; the build fails on any."""
    return [
        f"{set_name}: {line}"
        for set_name, figures in overall.items()
        for line in missed_thresholds(figures, gate, set_name)
    ]


def gap_points(own: Any, blind: Any) -> float | None:
    """own - blind in percentage points, or None when either is missing."""
    if own is None or blind is None:
        return None
    return (float(own) - float(blind)) * 100


def comparison(overall: Mapping[str, Mapping[str, Any]], names: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Each figure on every set side by side, with the own-minus-blind gap in points for rates."""
    rows: dict[str, dict[str, Any]] = {}
    for name in names:
        row = {set_name: figures.get(name) for set_name, figures in overall.items()}
        if {"own", "blind"} <= overall.keys() and name in RATES:
            row["gap_points"] = gap_points(row["own"], row["blind"])
        rows[name] = row
    return rows


def goal_results(overall: Mapping[str, Mapping[str, Any]], goal: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Each goal on each set, and the gap between the sets on each rate goal: met or missed, never fatal."""
    results: list[dict[str, Any]] = []
    for bound, limits in _bounds(goal).items():
        for name, limit in limits.items():
            for set_name, figures in overall.items():
                value = figures.get(name)
                missed = outcome(name, value, bound, limit)
                results.append(
                    {"figure": name, "set": set_name, "value": value, "bound": bound, "limit": limit}
                    | {"met": not missed, "why": missed}
                )
    max_gap = goal.get("max_gap_points")
    if max_gap is not None and {"own", "blind"} <= overall.keys():
        for name in (n for bound in BOUNDS for n in goal.get(bound, {}) if n in RATES):
            gap = gap_points(overall["own"].get(name), overall["blind"].get(name))
            met = gap is not None and abs(gap) <= max_gap
            why = "" if met else f"{name}: gap {'not measured' if gap is None else f'{gap:+.1f}'} points"
            results.append(
                {"figure": name, "set": "gap", "value": gap, "bound": "max", "limit": max_gap}
                | {"met": met, "why": why}
            )
    return results


def goal_met(results: Sequence[Mapping[str, Any]], name: str, set_name: str) -> bool | None:
    """Whether a figure meets its goal on a set (or 'gap'); None when it has no goal there."""
    found = [r["met"] for r in results if r["figure"] == name and r["set"] == set_name]
    return all(found) if found else None
