"""PNG charts of an eval run, each set drawn beside the other."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from evals.report import BASELINE_METRICS, BREAKDOWN_METRICS, LABELS, OUTCOME_NAMES, SET_NAMES

SIDE_BY_SIDE = (
    "answered_when_answerable",
    "must_include_recall",
    "evidence_in_citations",
    "first_citation_outcome_accuracy",
    "citation_priority_accuracy",
    "refusal_rate",
    "adversarial_pass_rate",
)


def _bars(
    ax: Any, groups: Sequence[str], series: Mapping[str, Sequence[float]], labels: Sequence[str]
) -> None:
    width = 0.8 / max(1, len(series))
    for i, (name, values) in enumerate(series.items()):
        positions = [x + (i - (len(series) - 1) / 2) * width for x in range(len(groups))]
        ax.bar(positions, values, width, label=name)
    ax.set_xticks(range(len(groups)), [textwrap.fill(label, 18) for label in labels], fontsize=7)
    ax.set_ylim(0, 119)
    ax.legend(fontsize=7, loc="upper center", ncol=len(series), frameon=False)


def write_charts(report: Mapping[str, Any], directory: Path) -> dict[str, str]:
    """Draw the charts as PNGs in ``directory``; returns title -> file name (relative to the report)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    directory.mkdir(parents=True, exist_ok=True)
    sets = report["sets"]
    charts: dict[str, str] = {}

    def save(fig: Any, filename: str, title: str) -> None:
        fig.tight_layout()
        fig.savefig(directory / filename, dpi=110)
        plt.close(fig)
        charts[title] = filename

    fig, ax = plt.subplots(figsize=(10, 4.4))
    series = {
        SET_NAMES.get(name, name): [(data["summary"]["overall"].get(m) or 0) * 100 for m in SIDE_BY_SIDE]
        for name, data in sets.items()
    }
    _bars(ax, SIDE_BY_SIDE, series, [LABELS[m] for m in SIDE_BY_SIDE])
    ax.set_ylabel("% of questions")
    ax.set_title("The own set and the blind set side by side")
    save(fig, "sets.png", "The own set and the blind set side by side")

    def per_set(filename: str, title: str, key: str, names: Mapping[str, str]) -> None:
        fig, axes = plt.subplots(len(sets), 1, figsize=(10, 3.6 * len(sets)), squeeze=False)
        for ax, (name, data) in zip(axes[:, 0], sets.items(), strict=True):
            groups = data["summary"][key]
            keys = list(groups)
            series = {LABELS[m]: [(groups[k].get(m) or 0) * 100 for k in keys] for m in BREAKDOWN_METRICS}
            _bars(ax, keys, series, [names.get(k, k) for k in keys])
            ax.set_ylabel("% of questions")
            ax.set_title(f"{title}: {SET_NAMES.get(name, name).lower()}", fontsize=10)
        save(fig, filename, title)

    per_set("by_outcome.png", "Accuracy by part of the plan", "by_outcome", OUTCOME_NAMES)
    per_set("by_voice.png", "Accuracy by who is asking", "by_voice", {})

    latencies = {
        SET_NAMES.get(name, name): [s["latency_ms"] for s in data.get("items", []) if not s.get("error")]
        for name, data in sets.items()
    }
    if any(latencies.values()):
        fig, ax = plt.subplots(figsize=(8, 4))
        ax.hist(list(latencies.values()), bins=30, label=list(latencies))
        ax.set_xlabel("milliseconds per answer")
        ax.set_ylabel("questions")
        ax.set_title("How long answers take")
        ax.legend(fontsize=8)
        save(fig, "latency.png", "How long answers take")

    if any(data.get("baselines") for data in sets.values()):
        fig, axes = plt.subplots(1, len(sets), figsize=(5 * len(sets), 4), squeeze=False)
        for ax, (name, data) in zip(axes[0], sets.items(), strict=True):
            approaches = {"This assistant": data["summary"]["overall"], **data.get("baselines", {})}
            series = {a: [(f.get(m) or 0) * 100 for m in BASELINE_METRICS] for a, f in approaches.items()}
            _bars(ax, BASELINE_METRICS, series, ["ranked first", "in the top 4", "MRR (×100)"])
            ax.set_ylabel("% of answerable questions")
            ax.set_title(SET_NAMES.get(name, name), fontsize=10)
        fig.suptitle("Finding the right passage, compared with simpler approaches", fontsize=11)
        save(fig, "baselines.png", "Finding the right passage, compared with simpler approaches")
    return charts
