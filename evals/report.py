"""Render an eval run for people: a terminal table and a Markdown report, both sets side by side."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from evals.targets import goal_met, limit_for

# Bandit reads a string beside a key holding "pass" as a password: this label stands apart.
_ADVERSARIAL_LABEL = "Handles tricky messages safely"
# Plain-English names for each figure, in the order the report shows them: the goals first.
LABELS: dict[str, str] = {
    "answered_when_answerable": "Answers the questions the plan answers",
    "false_refusal_rate": "Wrongly says the plan doesn't cover it",
    "refusal_rate": "Says so when the plan doesn't cover it",
    "must_include_recall": "States the expected facts",
    "evidence_in_citations": "Shows the answering sentence in a cited quote",
    "first_citation_outcome_accuracy": "First citation names the right Outcome",
    "citation_outcome_accuracy": "Some citation names the right Outcome",
    "first_citation_priority_accuracy": "First citation names the right Key Priority",
    "citation_priority_accuracy": "Some citation names the right Key Priority",
    "adversarial_pass_rate": _ADVERSARIAL_LABEL,
    "citation_validity": "Quotes are the plan's own words",
    "unsupported_numbers": "Figures or dates not in the cited passages",
    "grounding_rate": "Answer sentences backed by cited passages",
    "resident_fk_grade_median": "Residents: school grade to read an answer (median)",
    "resident_reading_ease_median": "Residents: reading ease (median; higher is easier)",
    "adviser_fk_grade_median": "Advisers: school grade to read an answer (median)",
    "adviser_reading_ease_median": "Advisers: reading ease (median)",
    "staff_fk_grade_median": "Staff: school grade to read an answer (median)",
    "staff_reading_ease_median": "Staff: reading ease (median)",
    "evidence_hit_at_1": "Right passage ranked first",
    "evidence_hit_at_4": "Right passage in the top 4",
    "evidence_hit_at_4_any": "Right passage or a stated alternative in the top 4",
    "mrr": "Mean reciprocal rank of the right passage",
    "priority_hit_at_4": "Right Key Priority in the top 4 passages",
    "personal_detail_leaks": "Personal details repeated back",
    "errors": "Questions that failed with an error",
    "latency_p50_ms": "Typical answer time (median, ms)",
    "latency_p95_ms": "Slow answer time (95th percentile, ms)",
}
COUNTS = {"unsupported_numbers", "personal_detail_leaks", "errors", "items"}
MILLISECONDS = {"latency_p50_ms", "latency_p95_ms"}
SET_NAMES = {"own": "Own set", "blind": "Blind set"}
SET_DESCRIPTIONS = {
    "own": "the team's own hand-written questions, `evals/datasets/plan_questions.jsonl`",
    "blind": "an independent set written from the plan alone and used only to measure, "
    "`evals/datasets/blind-dev.jsonl`",
}
OUTCOME_NAMES = {
    "0": "Introduction, delivery and evidence",
    "1": "Outcome 1: County infrastructure",
    "2": "Outcome 2: Communities and climate",
    "3": "Outcome 3: Fairer life chances",
    "4": "Outcome 4: Health and wellbeing",
    "5": "Outcome 5: Meeting the challenges",
}
BREAKDOWN_METRICS = ("evidence_hit_at_4", "first_citation_outcome_accuracy", "must_include_recall")
BASELINE_METRICS = ("evidence_hit_at_1", "evidence_hit_at_4", "mrr")
READABLE_TEXT = (
    "the answer text of questions answered with status `answered`, with every guardrail notice removed, "
    "lines starting with 'Reference' dropped, Markdown (bold, bullets, links, [n] markers) stripped, "
    "and each remaining line read as at least one sentence"
)


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
    if name.endswith("_median"):
        return f"{value:.1f}"
    return f"{value:.0%}"


def fmt_gap(value: Any) -> str:
    """A gap in percentage points, signed ('+3.2'), or empty when there is none."""
    return "" if value is None else f"{value:+.1f}"


def bound_text(name: str, table: Mapping[str, Any], set_name: str = "") -> str:
    """A figure's bound in a [min]/[max] table as text ('≥ 90%'), or empty when it has none."""
    for bound, sign in (("min", "≥"), ("max", "≤")):
        if name in table.get(bound, {}):
            given = table[bound][name]
            if isinstance(given, Mapping) and not set_name:
                return " / ".join(f"{k} {sign} {fmt(name, v)}" for k, v in given.items())
            limit = limit_for(given, set_name)
            return "" if limit is None else f"{sign} {fmt(name, limit)}"
    return ""


def _yes(flag: bool | None) -> str:
    return "" if flag is None else ("yes" if flag else "NO")


def _marks(goals: Sequence[Mapping[str, Any]], name: str, columns: Sequence[str], sep: str) -> str:
    marks = [_yes(goal_met(goals, name, c)) for c in columns]
    return sep.join(m or "–" for m in marks) if any(marks) else ""


def _sets(report: Mapping[str, Any]) -> list[str]:
    return list(report["sets"])


def _paired(report: Mapping[str, Any]) -> bool:
    return {"own", "blind"} <= set(report["sets"])


def terminal_table(report: Mapping[str, Any]) -> str:
    """Each figure on every set, the gap in points, the goal and whether it is met, for the terminal."""
    sets, paired, goal = _sets(report), _paired(report), report["thresholds"].get("goal", {})
    goals = report.get("goals", [])
    width = max(len(label) for label in LABELS.values())
    columns = [*sets, *(["gap pts"] if paired else []), "goal"]
    met_columns = [*sets, *(["gap"] if paired else [])]
    head = f"{'figure':<{width}}  " + "  ".join(f"{c:>8}" for c in columns)
    head += "  met: " + "/".join(met_columns)
    lines = [head, "-" * len(head)]
    for name, label in LABELS.items():
        row = report["comparison"].get(name, {})
        cells = [fmt(name, row.get(s)) for s in sets]
        if paired:
            cells.append(fmt_gap(row.get("gap_points")))
        cells.append(bound_text(name, goal))
        met = _marks(goals, name, met_columns, "/")
        lines.append(f"{label:<{width}}  " + "  ".join(f"{c:>8}" for c in cells) + f"  {met}")
    for set_name in sets:
        for baseline, figures in report["sets"][set_name].get("baselines", {}).items():
            shown = ", ".join(f"{m} {fmt(m, figures.get(m))}" for m in BASELINE_METRICS)
            lines.append(f"baseline {baseline} ({set_name}): {shown}")
    missed_goals = [g for g in goals if not g["met"]]
    lines.append(f"goals met: {len(goals) - len(missed_goals)} of {len(goals)} (goals never fail the build)")
    return "\n".join(lines)


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    return lines + ["| " + " | ".join(row) + " |" for row in rows]


def _headline(report: Mapping[str, Any]) -> list[str]:
    sets, paired = _sets(report), _paired(report)
    gate, goal = report["thresholds"].get("gate", {}), report["thresholds"].get("goal", {})
    goals = report.get("goals", [])
    met_columns = [*sets, *(["gap"] if paired else [])]
    header = [
        "What we measure",
        *(SET_NAMES.get(s, s) for s in sets),
        *(["Gap (points)"] if paired else []),
        "Goal",
        f"Goal met ({' / '.join(met_columns)})",
        "Gate (the build fails past it)",
    ]
    rows = []
    for name, label in LABELS.items():
        row = report["comparison"].get(name, {})
        rows.append(
            [
                label,
                *(fmt(name, row.get(s)) for s in sets),
                *([fmt_gap(row.get("gap_points"))] if paired else []),
                bound_text(name, goal),
                _marks(goals, name, met_columns, " / "),
                bound_text(name, gate),
            ]
        )
    return _table(header, rows)


def _breakdown(title: str, groups: Mapping[str, Mapping[str, Any]], names: Mapping[str, str]) -> list[str]:
    metrics = ("items", *BREAKDOWN_METRICS, "false_refusal_rate", "latency_p50_ms")
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


def _baselines(report: Mapping[str, Any]) -> list[str]:
    rows = []
    for set_name, data in report["sets"].items():
        overall = data["summary"]["overall"]
        label = SET_NAMES.get(set_name, set_name)
        rows.append([label, "This assistant", *(fmt(m, overall.get(m)) for m in BASELINE_METRICS)])
        rows += [
            [label, name, *(fmt(m, f.get(m)) for m in BASELINE_METRICS)]
            for name, f in data.get("baselines", {}).items()
        ]
    if len(rows) == len(report["sets"]):
        return []
    return [
        "## Compared with simpler approaches",
        "",
        "The *naive LangChain* recipe splits the text every 600 characters, embeds it with the same "
        "model and returns the 4 closest pieces; *BM25 only* is keyword search over the same pieces. "
        "Neither sees the conversation history. Each counts the item's primary evidence sentence only.",
        "",
        *_table(["Set", "Approach", LABELS["evidence_hit_at_1"], LABELS["evidence_hit_at_4"], "MRR"], rows),
        "",
    ]


def _decisions(decisions: Sequence[Mapping[str, str]]) -> list[str]:
    lines = [
        "## How the numbers were chosen",
        "",
        "Every tuned number the assistant runs on, with how it was set and on which questions "
        "(from `plan_assistant.decisions.describe()`). A figure measured only on the questions it was "
        "tuned on is in-sample and says little about new questions.",
        "",
    ]
    if not decisions:
        return [*lines, "- None recorded.", ""]
    rows = [[f"`{d['name']}`", d["value"], d["how"], d["measured"]] for d in decisions]
    return [*lines, *_table(["Decision", "Value", "How it was chosen", "Measured on"], rows), ""]


def _set_section(name: str, data: Mapping[str, Any]) -> list[str]:
    summary = data["summary"]
    lines = [f"## {SET_NAMES.get(name, name)}", ""]
    lines += [*_breakdown("Part of the plan", summary["by_outcome"], OUTCOME_NAMES), ""]
    lines += [*_breakdown("Who is asking", summary["by_voice"], {}), ""]
    if name == "blind":
        lines += [
            "Questions of the blind set are not listed one by one: it measures how answers hold up on "
            "wording the team did not write, and fixing its items one at a time would stop it doing so. "
            "Per-item scores are in `latest.json` for diagnosis of kinds of failure only.",
            "",
        ]
    else:
        lines += ["### Questions to look at", "", *_problems(data.get("items", [])), ""]
    return lines


def render_markdown(report: Mapping[str, Any], charts: Mapping[str, str]) -> str:
    """The report as Markdown: both sets side by side against goals and gate, decisions, breakdowns."""
    missed = report.get("missed", [])
    goals = report.get("goals", [])
    missed_goals = [g for g in goals if not g["met"]]
    counts = [
        f"- **{SET_NAMES.get(name, name)}** ({data['summary']['overall']['items']} questions): "
        f"{SET_DESCRIPTIONS.get(name, name)}."
        for name, data in report["sets"].items()
    ]
    readability = report.get("readability", {})
    lines = [
        "# How well the plan assistant answers questions",
        "",
        f"Run on {report['generated_at']} with the **{report['generator']}** answer generator, over "
        "questions about the Business Plan 2021-2023:",
        "",
        *counts,
        "",
        "Each set holds plain questions from residents, exact ones from staff, quick ones from Community "
        "Connect advisers, questions the plan does not answer, tricky or hostile messages, and follow-ups "
        "in a conversation.",
        "",
        "**Gate kept on every set.**" if not missed else f"**Gate missed ({len(missed)}):**",
        *[f"- `{m}`" for m in missed],
        "",
        f"**Goals met: {len(goals) - len(missed_goals)} of {len(goals)}** (the issue's goals are reported, "
        "they do not fail the build)." + (" Missed:" if missed_goals else ""),
        *[f"- {g['set']}: `{g['why']}`" for g in missed_goals],
        "",
        "## Headline figures",
        "",
        *_headline(report),
        "",
        "*Gap*: own set minus blind set, in percentage points, for figures that are shares of questions. "
        "*Right passage*: the retrieved text contains the item's primary evidence sentence (an alternative "
        "sentence counts only in the *or a stated alternative* row). *Shows the answering sentence*: one of "
        "the quotes the user sees contains that sentence. *First citation*: the citation shown first "
        "(outcome 0 = a section outside the outcomes). Facts and checks are read in the answer without its "
        "guardrail notices, and in nothing when a fixed reply was given. *Grounded*: most of a sentence's "
        "content words (Snowball stems) come from the passages it cites.",
        "",
        f"Reading figures are computed with **{readability.get('library', 'textstat')} "
        f"{readability.get('version', '')}** (`flesch_kincaid_grade`, `flesch_reading_ease`) on "
        f"{readability.get('text', 'the answer text')}. Residents' figures are the goal; staff and adviser "
        "figures are for information.",
        "",
        *_baselines(report),
        *_decisions(report.get("decisions", [])),
    ]
    for name, data in report["sets"].items():
        lines += _set_section(name, data)
    if charts:
        lines += ["## Charts", ""]
        lines += [f"![{title}]({path})\n" for title, path in charts.items()]
    return "\n".join(lines)
