"""The insights as one self-contained HTML page (inline SVG charts, each with a table) and topics as CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from html import escape

from plan_assistant.insights import Count, Insights, Topic

CSS = """
body { font-family: system-ui, "Segoe UI", Arial, sans-serif; color: #0b0c0c; margin: 0 auto;
       max-width: 1100px; padding: 1rem; line-height: 1.45; }
h1 { font-size: 1.7rem; } h2 { font-size: 1.3rem; margin-top: 2rem; border-top: 1px solid #b1b4b6;
     padding-top: 1rem; } h3 { font-size: 1.05rem; }
.chart { max-width: 100%; height: auto; }
.chart text { font-size: 12px; fill: #0b0c0c; }
.bar { fill: #0b3d91; } .bar-alt { fill: #a12d2f; }
table { border-collapse: collapse; width: 100%; margin: 0.5rem 0; font-size: 0.95rem; }
th, td { border: 1px solid #b1b4b6; padding: 0.3rem 0.5rem; text-align: left; vertical-align: top; }
th[scope=col] { background: #f3f2f1; } td.num { text-align: right; }
details { margin: 0.5rem 0; } summary { cursor: pointer; }
a:focus, summary:focus, button:focus, input:focus, .table-wrap:focus { outline: 3px solid #ffdd00; outline-offset: 2px; }
.tag { display: inline-block; padding: 0 0.4em; border-radius: 4px; background: #e8eef8; }
.tag-out { background: #fbe9e9; }
.table-wrap { overflow-x: auto; }
label { display: block; font-weight: 600; margin: 0.5rem 0 0.25rem; }
input[type=password] { font-size: 1rem; padding: 0.4rem; width: min(100%, 28rem); }
button { font-size: 1rem; padding: 0.45rem 1rem; margin-top: 0.75rem; background: #0b3d91; color: #fff;
         border: 0; border-radius: 4px; }
.error { border-left: 5px solid #a12d2f; padding-left: 0.75rem; }
"""
BAR_HEIGHT = 22
LABEL_WIDTH = 360
CHART_WIDTH = 760


def _short(text: str, limit: int = 50) -> str:
    # 50 characters of 12 px text fit the 360 px label column.
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _table(caption: str, headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    head = "".join(f'<th scope="col">{escape(h)}</th>' for h in headers)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="num">{cell}</td>'
            if isinstance(cell, int | float)
            else f"<td>{escape(str(cell))}</td>"
            for cell in row
        )
        + "</tr>"
        for row in rows
    )
    return (
        # A table wider than a phone scrolls in its box; the box takes focus so a keyboard can scroll it.
        f'<div class="table-wrap" role="region" tabindex="0" aria-label="{escape(caption)}">'
        f"<table><caption>{escape(caption)}</caption>"
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>"
    )


def bar_chart(
    chart_id: str, title: str, counts: Sequence[Count], unit: str = "questions", what: str = "item"
) -> str:
    """A horizontal bar chart as inline SVG, described for screen readers, with its data as a table."""
    if not counts:
        return f"<p>No {escape(unit)} to show for {escape(title.lower())}.</p>"
    most = max(c.count for c in counts) or 1
    height = BAR_HEIGHT * len(counts) + 10
    span = CHART_WIDTH - LABEL_WIDTH - 60
    bars = []
    for n, count in enumerate(counts):
        y = 5 + n * BAR_HEIGHT
        width = max(1.0, span * count.count / most)
        bars.append(
            f"<g><title>{escape(count.label)}: {count.count}</title>"
            f'<text x="{LABEL_WIDTH - 6}" y="{y + 15}" text-anchor="end">{escape(_short(count.label))}</text>'
            f'<rect class="bar" x="{LABEL_WIDTH}" y="{y + 3}" width="{width:.1f}" height="{BAR_HEIGHT - 6}"/>'
            f'<text x="{LABEL_WIDTH + width + 6:.1f}" y="{y + 15}">{count.count}</text></g>'
        )
    top = max(counts, key=lambda c: c.count)
    description = f"{len(counts)} bars; the largest is {top.label} with {top.count} {unit}."
    return (
        f"<h3>{escape(title)}</h3>"
        f'<svg class="chart" role="img" aria-labelledby="{chart_id}-t {chart_id}-d" '
        f'viewBox="0 0 {CHART_WIDTH} {height}" width="{CHART_WIDTH}" height="{height}" '
        f'xmlns="http://www.w3.org/2000/svg"><title id="{chart_id}-t">{escape(title)}</title>'
        f'<desc id="{chart_id}-d">{escape(description)}</desc>{"".join(bars)}</svg>'
        f"<details><summary>{escape(title)} as a table</summary>"
        + _table(title, [what, unit], [(c.label, c.count) for c in counts])
        + "</details>"
    )


def column_chart(chart_id: str, title: str, counts: Sequence[Count]) -> str:
    """Questions per day as columns (inline SVG), with first and last day marked and a table behind it."""
    if not counts:
        return "<p>No questions in this period.</p>"
    most = max(c.count for c in counts) or 1
    width, height, base = CHART_WIDTH, 220, 190
    step = (width - 60) / len(counts)
    columns = "".join(
        f'<rect class="bar" x="{50 + n * step:.1f}" y="{base - 170 * c.count / most:.1f}" '
        f'width="{max(1.0, step * 0.8):.1f}" height="{170 * c.count / most:.1f}">'
        f"<title>{escape(c.label)}: {c.count}</title></rect>"
        for n, c in enumerate(counts)
    )
    axis = (
        f'<text x="45" y="24" text-anchor="end">{most}</text><text x="45" y="{base}" text-anchor="end">0</text>'
        f'<text x="50" y="{base + 18}">{escape(counts[0].label)}</text>'
        f'<text x="{width - 10}" y="{base + 18}" text-anchor="end">{escape(counts[-1].label)}</text>'
    )
    total = sum(c.count for c in counts)
    busiest = max(counts, key=lambda c: c.count)
    description = (
        f"{total} questions over {len(counts)} days, from {counts[0].label} to {counts[-1].label}; "
        f"the busiest day was {busiest.label} with {busiest.count}."
    )
    return (
        f"<h3>{escape(title)}</h3>"
        f'<svg class="chart" role="img" aria-labelledby="{chart_id}-t {chart_id}-d" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'xmlns="http://www.w3.org/2000/svg"><title id="{chart_id}-t">{escape(title)}</title>'
        f'<desc id="{chart_id}-d">{escape(description)}</desc>{axis}{columns}</svg>'
        f"<details><summary>{escape(title)} as a table</summary>"
        + _table(title, ["day", "questions"], [(c.label, c.count) for c in counts])
        + "</details>"
    )


def _topic_block(topic: Topic) -> str:
    examples = "".join(f"<li>{escape(e)}</li>" for e in topic.examples)
    words = ", ".join(topic.words) or "none"
    return (
        f"<h3>{escape(topic.label)}</h3>"
        f"<p>{topic.questions} questions ({topic.distinct} distinct). Top words: {escape(words)}. "
        f'<span class="tag tag-out">{escape(topic.placement)}</span></p>'
        f"<details><summary>Example questions (personal details removed)</summary><ul>{examples}</ul></details>"
    )


def _status_text(topic: Topic) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(topic.statuses.items()))


def page_body(insights: Insights, max_bars: int = 15) -> str:
    """The insights' sections, headings first, each chart followed by its table."""
    uncovered = insights.not_in_plan
    rated = insights.down_by_topic
    parts = [
        "<h1>What people ask: staff insights</h1>",
        f"<p>{insights.questions} questions ({insights.distinct_questions} distinct) "
        + (f"since {escape(insights.since)}" if insights.since else "kept in the question log")
        + f", grouped into {len(insights.topics)} topics. Made {escape(insights.created)}. "
        "Questions are stored with personal details removed.</p>",
        '<nav aria-label="Sections"><ul>'
        '<li><a href="#volume">Questions over time</a></li><li><a href="#plan">Where questions land in the plan</a></li>'
        '<li><a href="#uncovered">Topics the plan does not cover</a></li>'
        '<li><a href="#down">Thumbs-down by topic</a></li><li><a href="#answers">Answers most often marked down</a></li>'
        '<li><a href="#topics">All topics</a></li></ul></nav>',
        '<h2 id="volume">Questions over time</h2>',
        column_chart("chart-volume", "Questions per day", insights.by_day),
        bar_chart("chart-status", "Questions by answer status", insights.by_status, what="status"),
        '<h2 id="plan">Where questions land in the plan</h2>',
        "<p>Answered questions, by the Outcome and Key Priority their first citation names.</p>",
        bar_chart("chart-outcome", "Answered questions per Outcome", insights.by_outcome, what="Outcome"),
        bar_chart(
            "chart-priority",
            "Answered questions per Key Priority (largest)",
            insights.by_priority[:max_bars],
            what="Key Priority",
        ),
        '<h2 id="uncovered">Topics the plan does not cover</h2>',
        "<p>Topics where most questions got “the plan doesn't cover that”, largest first.</p>",
        bar_chart(
            "chart-uncovered",
            "Largest topics not in the plan",
            [Count(label=t.label, count=t.questions) for t in uncovered[:max_bars]],
            what="topic (its most central question)",
        ),
        "".join(_topic_block(t) for t in uncovered[:max_bars]),
        '<h2 id="down">Thumbs-down by topic</h2>',
        bar_chart(
            "chart-down",
            "Thumbs-down per topic",
            [Count(label=t.label, count=t.downs) for t in rated[:max_bars]],
            unit="thumbs-down",
            what="topic (its most central question)",
        ),
        _table(
            "Thumbs-down rate and comments by topic",
            ["topic", "placement", "ratings", "thumbs-down", "rate", "comments"],
            [
                (
                    t.label,
                    t.placement,
                    t.ratings,
                    t.downs,
                    f"{(t.down_rate or 0) * 100:.0f}%",
                    " | ".join(t.comments) or "-",
                )
                for t in rated[:max_bars]
            ],
        )
        if rated
        else "<p>No answer has been rated in this period.</p>",
        '<h2 id="answers">Answers most often marked down</h2>',
        _table(
            "Answers most often marked down",
            ["question", "cited", "status", "thumbs-down", "ratings", "comments"],
            [
                (a.question, a.placement, a.status, a.downs, a.ratings, " | ".join(a.comments) or "-")
                for a in insights.most_down
            ],
        )
        if insights.most_down
        else "<p>No answer has been marked down in this period.</p>",
        '<h2 id="topics">All topics</h2>',
        _table(
            "All topics, largest first",
            ["#", "most central question", "top words", "questions", "placed", "statuses"],
            [
                (t.id, t.label, ", ".join(t.words), t.questions, t.placement, _status_text(t))
                for t in insights.topics
            ],
        ),
    ]
    return "\n".join(parts)


def html_document(title: str, body: str) -> str:
    """A complete HTML page with the styles inline (nothing fetched: it can be emailed)."""
    return (
        f'<!doctype html>\n<html lang="en-GB"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{CSS}</style></head>"
        f"<body><main>{body}</main></body></html>\n"
    )


def report_html(insights: Insights) -> str:
    """The whole insights page as a self-contained HTML file."""
    return html_document("Staff insights – Plan Assistant", page_body(insights))


def sign_in_html(message: str = "") -> str:
    """A sign-in form for the staff page: the token goes in a POST body, never in the address."""
    error = f'<p class="error" role="alert">{escape(message)}</p>' if message else ""
    body = (
        "<h1>Staff insights: sign in</h1>"
        f"{error}"
        '<form method="post" action="/staff/insights">'
        '<label for="token">Staff token</label>'
        '<input id="token" name="token" type="password" autocomplete="current-password" required>'
        '<div><button type="submit">Show insights</button></div></form>'
        "<p>The token is the feedback export token (PLAN_ASSISTANT_FEEDBACK_TOKEN).</p>"
    )
    return html_document("Sign in – Staff insights", body)


def _safe_cell(value: object) -> str:
    # Spreadsheets run cells starting with these as formulas; staff open the CSV in one.
    text = str(value)
    return "'" + text if text.startswith(("=", "+", "-", "@", "\t", "\r")) else text


TOPIC_COLUMNS = (
    "topic",
    "label",
    "top_words",
    "questions",
    "distinct",
    "placement",
    "not_in_plan",
    "answered",
    "not_found",
    "ratings",
    "thumbs_down",
    "down_rate",
    "examples",
)


def topics_csv(insights: Insights) -> str:
    """One line per topic, cells a spreadsheet would run as formulas made inert."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(TOPIC_COLUMNS)
    for t in insights.topics:
        writer.writerow(
            [
                t.id,
                _safe_cell(t.label),
                _safe_cell(" ".join(t.words)),
                t.questions,
                t.distinct,
                _safe_cell(t.placement),
                "yes" if t.not_in_plan else "no",
                t.statuses.get("answered", 0),
                t.statuses.get("not_found", 0),
                t.ratings,
                t.downs,
                "" if t.down_rate is None else t.down_rate,
                _safe_cell(" | ".join(t.examples)),
            ]
        )
    return buffer.getvalue()
