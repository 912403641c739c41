"""python -m evals [--check] [--set own|blind|all] [--generator NAME] [--limit N]: ask, score, report."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import tomllib
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any, Protocol

from evals import CORPUS_FILE, DATASETS, REPORTS_DIR, THRESHOLDS_PATH, EvalItem, load_dataset
from evals.charts import write_charts
from evals.metrics import CitationRecord, ItemResult, RetrievedRecord, score_item, summarise
from evals.report import LABELS, READABLE_TEXT, render_markdown, terminal_table
from evals.targets import comparison, gate_misses, goal_results
from plan_assistant.schemas import Answer, Audience, Chunk, Turn

ANSWER_EXCERPT = 600  # characters of each answer kept in latest.json, for reading failures


class AssistantLike(Protocol):
    """The public runtime entry points the eval uses."""

    def ask(self, question: str, history: Sequence[Turn] = (), audience: Audience = "resident") -> Answer:
        """Answer one question."""
        ...

    def retrieve(self, question: str, history: Sequence[Turn] = ()) -> list[Chunk]:
        """The ranked passages for a question, best first."""
        ...


def spread(items: Sequence[EvalItem], limit: int | None) -> list[EvalItem]:
    """The first ``limit`` items taken in turn from each kind, so a short run still covers every kind."""
    if limit is None or limit >= len(items):
        return list(items)
    queues: dict[str, list[EvalItem]] = {}
    for item in items:
        queues.setdefault(item.kind, []).append(item)
    chosen: list[EvalItem] = []
    while len(chosen) < limit:
        for queue in queues.values():
            if queue and len(chosen) < limit:
                chosen.append(queue.pop(0))
    return chosen


def _source_span(chunk: Chunk, corpus: str) -> str:
    return corpus[chunk.start : chunk.end] if 0 <= chunk.start < chunk.end <= len(corpus) else ""


def ask_item(assistant: AssistantLike, item: EvalItem, corpus: str = "") -> ItemResult:
    """Ask one item through the assistant's public interface and keep what the metrics need."""
    start = time.perf_counter()
    try:
        answer = assistant.ask(item.question, item.history, audience=item.audience)
    except Exception as exc:  # a crash is a result to report, not a reason to stop the run
        return ItemResult(id=item.id, status="error", answer="", error=f"{type(exc).__name__}: {exc}")
    latency = (time.perf_counter() - start) * 1000
    try:
        chunks = assistant.retrieve(item.question, item.history)
    except Exception as exc:
        chunks, error = [], f"retrieve: {type(exc).__name__}: {exc}"
    else:
        error = None
    return ItemResult(
        id=item.id,
        status=answer.status,
        answer=answer.answer,
        citations=[
            CitationRecord(
                quote=c.quote,
                outcome=c.outcome,
                priority=c.priority,
                chunk_id=c.chunk_id,
                section=c.section,
                outcome_title=c.outcome_title,
                document=c.document,
            )
            for c in answer.citations
        ],
        retrieved=[
            RetrievedRecord(
                id=c.id, text=c.text, outcome=c.outcome, priority=c.priority, source=_source_span(c, corpus)
            )
            for c in chunks
        ],
        latency_ms=latency,
        timings=dict(answer.timings),
        error=error,
        notices=list(answer.notices),
    )


def score_set(
    assistant: AssistantLike, items: Sequence[EvalItem], corpus: str, label: str = "", progress: bool = False
) -> dict[str, Any]:
    """Ask every item of one set and score the answers: the set's summary and per-item scores."""
    results: list[ItemResult] = []
    for n, item in enumerate(items, start=1):
        results.append(ask_item(assistant, item, corpus))
        if progress:
            print(f"\r  {label}: asked {n}/{len(items)}", end="", file=sys.stderr, flush=True)
    if progress:
        print(file=sys.stderr)
    scores = [score_item(item, result, corpus) for item, result in zip(items, results, strict=True)]
    for score, result in zip(scores, results, strict=True):
        score["answer"] = result.answer[:ANSWER_EXCERPT]
        score["timings"] = result.timings
    return {"summary": summarise(scores), "items": scores}


def evaluate(
    assistant: AssistantLike,
    sets: Mapping[str, Sequence[EvalItem]],
    corpus: str,
    thresholds: Mapping[str, Any],
    generator: str,
    baselines: Mapping[str, dict[str, dict[str, Any]]] | None = None,
    decisions: Sequence[Mapping[str, str]] = (),
    progress: bool = False,
) -> dict[str, Any]:
    """Score every set, compare them, check the gate and the goals: the report data written as latest.json."""
    scored = {
        name: score_set(assistant, items, corpus, name, progress)
        | {"baselines": (baselines or {}).get(name, {})}
        for name, items in sets.items()
    }
    overall = {name: data["summary"]["overall"] for name, data in scored.items()}
    return {
        "generated_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "generator": generator,
        "sets": scored,
        "comparison": comparison(overall, list(LABELS)),
        "thresholds": dict(thresholds),
        "missed": gate_misses(overall, thresholds.get("gate", {})),
        "goals": goal_results(overall, thresholds.get("goal", {})),
        "readability": readability_source(),
        "decisions": [dict(d) for d in decisions],
    }


def readability_source() -> dict[str, str]:
    """Which library computes the reading figures, its version, and on what text."""
    return {"library": "textstat", "version": version("textstat"), "text": READABLE_TEXT}


def write_report(report: dict[str, Any], directory: Path) -> Path:
    """Write latest.json, the charts and report.md into ``directory``; returns the Markdown path."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "latest.json").write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")
    charts = write_charts(report, directory)
    path = directory / "report.md"
    path.write_text(render_markdown(report, charts), encoding="utf-8")
    return path


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m evals", description=__doc__)
    parser.add_argument("--check", action="store_true", help="exit 1 if the gate is missed on any set")
    parser.add_argument(
        "--set", choices=[*DATASETS, "all"], default="all", help="which question set(s) to ask (default: all)"
    )
    parser.add_argument("--generator", help="answer generator to evaluate (default: the configured one)")
    parser.add_argument("--limit", type=int, help="ask only N questions of each set, spread over every kind")
    parser.add_argument("--no-baselines", action="store_true", help="skip the naive and BM25 baselines")
    parser.add_argument("--out", type=Path, default=REPORTS_DIR, help="where to write the report")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the eval from the command line."""
    args = _parser().parse_args(argv)
    from plan_assistant.config import Settings
    from plan_assistant.decisions import describe
    from plan_assistant.factory import build_assistant

    settings = Settings(generator=args.generator) if args.generator else Settings()
    names = list(DATASETS) if args.set == "all" else [args.set]
    sets = {name: spread(load_dataset(DATASETS[name]), args.limit) for name in names}
    corpus = (settings.corpus_dir / CORPUS_FILE).read_text(encoding="utf-8")
    thresholds = tomllib.loads(THRESHOLDS_PATH.read_text(encoding="utf-8"))

    print(f"Building the assistant ({settings.generator}) ...", file=sys.stderr)
    assistant = build_assistant(settings)
    baselines: dict[str, dict[str, dict[str, Any]]] = {}
    if not args.no_baselines:
        from evals.baselines import load_minilm, run_baselines

        print("Running the baselines ...", file=sys.stderr)
        with tempfile.TemporaryDirectory(prefix="evals-baselines-") as workdir:
            baselines = run_baselines(sets, corpus, load_minilm(settings.embedding_model), Path(workdir))
    print(f"Asking {sum(map(len, sets.values()))} questions ...", file=sys.stderr)
    report = evaluate(
        assistant, sets, corpus, thresholds, settings.generator, baselines, describe(), progress=True
    )
    path = write_report(report, args.out)
    print(terminal_table(report))
    print(f"\nReport: {path}")
    if report["missed"]:
        print("\nMissed gate:")
        for line in report["missed"]:
            print(f"  - {line}")
        if args.check:
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
