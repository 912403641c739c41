"""python -m plan_assistant.insights --since 30d --out report.html: the staff insights as a file to email.

Writes the self-contained HTML report and, beside it, the topics as CSV (report-topics.csv).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from plan_assistant.config import get_settings
from plan_assistant.embeddings import load_embedder
from plan_assistant.feedback import FeedbackStore
from plan_assistant.insights import build_insights, cached_embed, parse_since, question_embedder
from plan_assistant.insights.render import report_html, topics_csv
from plan_assistant.outline import Outline
from plan_assistant.question_log import QuestionLog


def csv_path(out: Path) -> Path:
    """Where the topics CSV goes: beside the report, named after it."""
    return out.with_name(f"{out.stem}-topics.csv")


def main(argv: list[str] | None = None) -> int:
    """Build the insights from the question log and feedback, write the report and the topics CSV."""
    parser = argparse.ArgumentParser(prog="python -m plan_assistant.insights", description=__doc__)
    parser.add_argument("--since", default="30d", help="a period (30d, 12h, 2w) or a date (default 30d)")
    parser.add_argument("--out", type=Path, default=Path("report.html"), help="the HTML file to write")
    args = parser.parse_args(argv)
    try:
        since = parse_since(args.since)
    except ValueError as exc:
        parser.error(str(exc))
    settings = get_settings()
    log = QuestionLog(settings.question_log_database, settings.question_log_days)
    embedder = load_embedder(settings)
    titles = {}
    if settings.outline_path.is_file():
        outline = Outline.load(settings.outline_path)
        titles = {o.number: o.title for d in outline.documents for o in d.outcomes}
    try:
        insights = build_insights(
            log.rows(since=since),
            FeedbackStore(settings.feedback_path).rows(),
            cached_embed(log, question_embedder(embedder), embedder.name),
            since=since,
            outcome_titles=titles,
        )
    except SQLAlchemyError as exc:
        where = log.engine.url.render_as_string(hide_password=True)
        print(
            f"Could not read the question log at {where}: {type(exc).__name__}. Is the database running?",
            file=sys.stderr,
        )
        return 2
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(report_html(insights), encoding="utf-8")
    csv_path(args.out).write_text(topics_csv(insights), encoding="utf-8")
    print(
        f"{insights.questions} questions, {len(insights.topics)} topics ({len(insights.not_in_plan)} not in the "
        f"plan) in {insights.seconds.get('total', 0):.1f} s\nwritten {args.out} and {csv_path(args.out)}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
