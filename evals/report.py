"""Render an eval run for people: a terminal table, PNG charts and a Markdown report staff can read."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

# Plain-English names for each figure, in the order the report shows them.
LABELS: dict[str, str] = {
    "evidence_hit_at_1": "Right passage ranked first",
    "evidence_hit_at_4": "Right passage in the top 4",
    "mrr": "Mean reciprocal rank of the right passage",
    "priority_hit_at_4": "Right Key Priority in the top 4 passages",
    "citation_outcome_accuracy": "Cites the right Outcome",
    "citation_priority_accuracy": "Cites the right Key Priority",
    "citation_validity": "Quotes are the plan's own words",
    "must_include_recall": "States the expected facts",
    "grounding_rate": "Answer sentences backed by cited passages",
    "unsupported_numbers": "Figures or dates not in the cited passages",
    "refusal_rate": "Says so when the plan doesn't cover it",
    "false_refusal_rate": "Wrongly says the plan doesn't cover it",
    "adversarial_pass_rate": "Handles tricky messages safely",
    "personal_detail_leaks": "Personal details repeated back",
    "errors": "Questions that failed with an error",
    "latency_p50_ms": "Typical answer time (median, ms)",
    "latency_p95_ms": "Slow answer time (95th percentile, ms)",
}
COUNTS = {"unsupported_numbers", "personal_detail_leaks", "errors", "items"}
MILLISECONDS = {"latency_p50_ms", "latency_p95_ms"}
OUTCOME_NAMES = {
    "0": "Introduction, delivery and evidence",
    "1": "Outcome 1: County infrastructure",
    "2": "Outcome 2: Communities and climate",
    "3": "Outcome 3: Fairer life chances",
    "4": "Outcome 4: Health and wellbeing",
    "5": "Outcome 5: Meeting the challenges",
}
CHART_METRICS = ("evidence_hit_at_4", "citation_outcome_accuracy", "must_include_recall")
BASELINE_METRICS = ("evidence_hit_at_1", "evidence_hit_at_4", "mrr")


def fmt(name: str, value: Any) -> str:
    """A figure as a person reads it: percentages for rates, whole numbers for counts and times."""
    if value is None:
        return "n/a"
    if name in COUNTS:
        return str(int(value))
    if name in MILLISECONDS:
        return f"{value:,.0f}"
    if name == "mrr":
        return f"{value:.2f}"
    return f"{value:.0%}"


def target(name: str, thresholds: Mapping[str, Mapping[str, float]]) -> str:
    """The target for a figure, as text ('≥ 90%'), or empty when it has none."""
    for bound, sign in (("min", "≥"), ("max", "≤")):
        if name in thresholds.get(bound, {}):
            return f"{sign} {fmt(name, thresholds[bound][name])}"
    return ""


def met(name: str, value: Any, thresholds: Mapping[str, Mapping[str, float]]) -> str:
    """'yes', 'NO' or '' for a figure against its threshold."""
    if name in thresholds.get("min", {}):
        return "yes" if value is not None and value >= thresholds["min"][name] else "NO"
    if name in thresholds.get("max", {}):
        return "yes" if value is not None and value <= thresholds["max"][name] else "NO"
    return ""


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    return lines + ["| " + " | ".join(row) + " |" for row in rows]


def terminal_table(report: Mapping[str, Any]) -> str:
    """The headline figures, their targets and the baselines, as aligned text for the terminal."""
    overall = report["summary"]["overall"]
    thresholds = report["thresholds"]
    width = max(len(label) for label in LABELS.values())
    lines = [f"{'figure':<{width}}  {'ours':>8}  {'target':>8}  met", "-" * (width + 26)]
    for name, label in LABELS.items():
        value = overall.get(name)
        lines.append(
            f"{label:<{width}}  {fmt(name, value):>8}  {target(name, thresholds):>8}  "
            f"{met(name, value, thresholds)}"
        )
    for baseline, figures in report.get("baselines", {}).items():
        shown = ", ".join(f"{m} {fmt(m, figures.get(m))}" for m in BASELINE_METRICS)
        lines.append(f"baseline {baseline}: {shown}")
    return "\n".join(lines)


def _breakdown(title: str, groups: Mapping[str, Mapping[str, Any]], names: Mapping[str, str]) -> list[str]:
    metrics = ("items", *CHART_METRICS, "false_refusal_rate", "latency_p50_ms")
    header = [title, *("Questions" if m == "items" else LABELS[m] for m in metrics)]
    rows = [
        [names.get(key, key), *(fmt(m, figures.get(m)) for m in metrics)] for key, figures in groups.items()
    ]
    return _table(header, rows)


def _problems(items: Sequence[Mapping[str, Any]]) -> list[str]:
    lines: list[str] = []
    for s in items:
        reasons: list[str] = []
        if s.get("error"):
            reasons.append(f"error: {s['error']}")
        if s.get("false_refusal"):
            reasons.append(f"refused an answerable question ({s['status']})")
        if s.get("refused") is False:
            reasons.append(f"answered a question the plan does not cover ({s['status']})")
        if s.get("check_failures") and s.get("check_passed") is False:
            reasons.append("; ".join(s["check_failures"]))
        if s.get("invalid_quotes"):
            reasons.append(f"{len(s['invalid_quotes'])} quote(s) not in the plan")
        if s.get("unsupported_numbers"):
            reasons.append(f"figures not in its sources: {', '.join(s['unsupported_numbers'])}")
        if s.get("leaked_details"):
            reasons.append(f"repeated personal details: {len(s['leaked_details'])}")
        if reasons:
            lines.append(f"- `{s['id']}` ({s['voice']}): {'; '.join(reasons)}")
    return lines or ["- None."]


def render_markdown(report: Mapping[str, Any], charts: Mapping[str, str]) -> str:
    """The report as Markdown: what was measured, headline figures against targets, breakdowns, charts."""
    summary = report["summary"]
    overall = summary["overall"]
    thresholds = report["thresholds"]
    missed = report.get("missed", [])
    lines = [
        "# How well the plan assistant answers questions",
        "",
        f"Run on {report['generated_at']} with the **{report['generator']}** answer generator, over "
        f"{overall['items']} hand-written questions about the Business Plan 2021-2023: plain questions from "
        "residents, exact ones from staff, quick ones from Community Connect advisers, questions the plan "
        "does not answer, tricky or hostile messages, and follow-ups in a conversation.",
        "",
        "**All targets met.**" if not missed else f"**{len(missed)} target(s) missed:**",
        *[f"- {LABELS.get(m.split(':')[0], m.split(':')[0])}: `{m}`" for m in missed],
        "",
        "## Headline figures",
        "",
        *_table(
            ["What we measure", "Result", "Target", "Met?"],
            [
                [
                    label,
                    fmt(name, overall.get(name)),
                    target(name, thresholds),
                    met(name, overall.get(name), thresholds),
                ]
                for name, label in LABELS.items()
            ],
        ),
        "",
        "*Right passage*: the retrieved text contains the sentence of the plan that answers the question. "
        "*Grounded*: most of a sentence's words come from the passages it cites. Rates are shares of the "
        "questions each figure applies to.",
        "",
    ]
    if report.get("baselines"):
        rows = [["This assistant", *(fmt(m, overall.get(m)) for m in BASELINE_METRICS)]]
        rows += [
            [name, *(fmt(m, f.get(m)) for m in BASELINE_METRICS)] for name, f in report["baselines"].items()
        ]
        lines += [
            "## Compared with simpler approaches",
            "",
            "The *naive LangChain* recipe splits the text every 600 characters, embeds it with the same "
            "model and returns the 4 closest pieces; *BM25 only* is keyword search over the same pieces. "
            "Neither sees the conversation history.",
            "",
            *_table(["Approach", LABELS["evidence_hit_at_1"], LABELS["evidence_hit_at_4"], "MRR"], rows),
            "",
        ]
    lines += ["## By Outcome", "", *_breakdown("Part of the plan", summary["by_outcome"], OUTCOME_NAMES), ""]
    lines += ["## By who is asking", "", *_breakdown("Voice", summary["by_voice"], {}), ""]
    if charts:
        lines += ["## Charts", ""]
        lines += [f"![{title}]({path})\n" for title, path in charts.items()]
    lines += ["## Questions to look at", "", *_problems(report.get("items", [])), ""]
    return "\n".join(lines)


def write_charts(report: Mapping[str, Any], directory: Path) -> dict[str, str]:
    """Draw the charts as PNGs in ``directory``; returns title -> file name (relative to the report)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    directory.mkdir(parents=True, exist_ok=True)
    summary = report["summary"]
    charts: dict[str, str] = {}

    def grouped(
        filename: str, title: str, groups: Mapping[str, Mapping[str, Any]], names: Mapping[str, str]
    ) -> None:
        keys = list(groups)
        fig, ax = plt.subplots(figsize=(10, 4.8))
        width = 0.8 / len(CHART_METRICS)
        for i, metric in enumerate(CHART_METRICS):
            values = [(groups[k].get(metric) or 0) * 100 for k in keys]
            positions = [x + (i - (len(CHART_METRICS) - 1) / 2) * width for x in range(len(keys))]
            ax.bar(positions, values, width, label=LABELS[metric])
        ax.set_xticks(range(len(keys)), [textwrap.fill(names.get(k, k), 20) for k in keys], fontsize=8)
        ax.set_ylim(0, 119)
        ax.set_ylabel("% of questions")
        ax.set_title(title)
        ax.legend(fontsize=8, loc="upper center", ncol=len(CHART_METRICS), frameon=False)
        fig.tight_layout()
        fig.savefig(directory / filename, dpi=110)
        plt.close(fig)
        charts[title] = filename

    grouped("by_outcome.png", "Accuracy by part of the plan", summary["by_outcome"], OUTCOME_NAMES)
    grouped("by_voice.png", "Accuracy by who is asking", summary["by_voice"], {})

    latencies = [s["latency_ms"] for s in report.get("items", []) if not s.get("error")]
    if latencies:
        fig, ax = plt.subplots(figsize=(8, 4))
        ax.hist(latencies, bins=min(30, max(5, len(latencies) // 3)), color="#4c72b0")
        for name, style in (("latency_p50_ms", "--"), ("latency_p95_ms", ":")):
            value = summary["overall"].get(name)
            if value is not None:
                ax.axvline(value, color="black", linestyle=style, label=f"{LABELS[name]}: {value:,.0f}")
        ax.set_xlabel("milliseconds per answer")
        ax.set_ylabel("questions")
        ax.set_title("How long answers take")
        ax.legend(fontsize=8)
        fig.tight_layout()
        fig.savefig(directory / "latency.png", dpi=110)
        plt.close(fig)
        charts["How long answers take"] = "latency.png"

    if report.get("baselines"):
        approaches = {"This assistant": summary["overall"], **report["baselines"]}
        fig, ax = plt.subplots(figsize=(8, 4))
        width = 0.8 / len(approaches)
        for i, (name, figures) in enumerate(approaches.items()):
            values = [(figures.get(m) or 0) * 100 for m in BASELINE_METRICS]
            positions = [x + (i - (len(approaches) - 1) / 2) * width for x in range(len(BASELINE_METRICS))]
            ax.bar(positions, values, width, label=name)
        ax.set_xticks(range(len(BASELINE_METRICS)), ["ranked first", "in the top 4", "MRR (×100)"])
        ax.set_ylim(0, 119)
        ax.set_ylabel("% of answerable questions")
        ax.set_title("Finding the right passage, compared with simpler approaches")
        ax.legend(fontsize=8, loc="upper center", ncol=len(approaches), frameon=False)
        fig.tight_layout()
        fig.savefig(directory / "baselines.png", dpi=110)
        plt.close(fig)
        charts["Finding the right passage, compared with simpler approaches"] = "baselines.png"
    return charts
