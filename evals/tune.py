"""python -m evals.tune SETTING V1,V2,...: choose a numeric setting by cross-validation over both sets.

For every value on the grid, every answerable question of both question sets is asked through the public
``Assistant.ask`` (the assistant built with that setting) and scored on what the user sees: whether the
answering sentence is among the cited quotes, and the share of expected facts the answer states. Repeated
5-fold cross-validation then picks, on each training part, the value with the best mean score and
measures it on the held-out part, so the reported figure is out-of-fold. The value that is best on all
questions, with both figures, is written to src/plan_assistant/data/tuning.json; the Settings default
must agree with it (a test checks).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.model_selection import RepeatedStratifiedKFold

from evals import DATASETS, load_dataset
from evals.metrics import evidence_in_citations, must_include_recall, shown_content

TUNING_PATH = Path(__file__).resolve().parents[1] / "src" / "plan_assistant" / "data" / "tuning.json"


def item_score(
    answer: Any, evidence: str | None, facts: Sequence[str], outcomes: Sequence[int] = ()
) -> float:
    """What the user sees, scored 0-1: the answering sentence cited (when known), the facts stated and the
    first citation's Outcome."""
    answered = answer.status == "answered"
    text = shown_content(answer.answer, answer.status, answer.notices)
    parts = [must_include_recall(text, facts)] if facts else []
    if evidence:
        parts.append(float(answered and evidence_in_citations([c.quote for c in answer.citations], evidence)))
    if outcomes:
        parts.append(
            float(answered and bool(answer.citations) and (answer.citations[0].outcome or 0) in outcomes)
        )
    return float(np.mean(parts)) if parts else 0.0


def scores_for(setting: str, value: float, items: list[tuple[str, Any]]) -> list[float]:
    """Per-item scores with the setting at this value."""
    from plan_assistant.config import Settings
    from plan_assistant.factory import build_assistant

    assistant = build_assistant(Settings(**{setting: value}))
    return [
        item_score(
            assistant.ask(i.question, i.history, audience=i.audience), i.evidence, i.must_include, i.outcomes
        )
        for _, i in items
    ]


def cross_validate(table: np.ndarray, groups: np.ndarray, repeats: int = 5) -> dict[str, Any]:
    """Out-of-fold mean score when the value is chosen on each training part (table: values x items)."""
    oof = np.zeros((repeats, table.shape[1]))
    chosen: list[int] = []
    splits = RepeatedStratifiedKFold(n_splits=5, n_repeats=repeats, random_state=11)
    for n, (train, test) in enumerate(splits.split(table.T, groups)):
        best = int(np.argmax(table[:, train].mean(axis=1)))
        chosen.append(best)
        oof[n // 5, test] = table[best, test]
    return {"oof": oof.mean(axis=0), "chosen": chosen}


def main(argv: Sequence[str] | None = None) -> int:
    """Score every grid value, cross-validate the choice and record it."""
    parser = argparse.ArgumentParser(prog="python -m evals.tune", description=__doc__)
    parser.add_argument("setting", help="a numeric Settings field, e.g. lexical_weight")
    parser.add_argument("grid", help="comma-separated values to try")
    parser.add_argument("--dry-run", action="store_true", help="report only; do not write tuning.json")
    args = parser.parse_args(argv)
    grid = [float(v) for v in args.grid.split(",")]
    items = [
        (name, item)
        for name, path in DATASETS.items()
        for item in load_dataset(path)
        if item.kind in ("answerable", "multi_turn") and (item.evidence or item.must_include)
    ]
    groups = np.array([name for name, _ in items])
    table = np.array([scores_for(args.setting, value, items) for value in grid])
    for value, row in zip(grid, table, strict=True):
        by_set = {name: float(row[groups == name].mean()) for name in DATASETS}
        print(f"{args.setting}={value:g}: " + ", ".join(f"{k} {v:.3f}" for k, v in by_set.items()))
    cv = cross_validate(table, groups)
    best = int(np.argmax(table.mean(axis=1)))
    oof = {name: round(float(cv["oof"][groups == name].mean()), 3) for name in DATASETS}
    picked = sorted({grid[c] for c in cv["chosen"]})
    print(f"chosen on all questions: {grid[best]:g}; out-of-fold score {oof} (training folds chose {picked})")
    if args.dry_run:
        return 0
    data = json.loads(TUNING_PATH.read_text(encoding="utf-8")) if TUNING_PATH.is_file() else {}
    data[args.setting] = {
        "value": grid[best],
        "grid": grid,
        "command": f"python -m evals.tune {args.setting} {args.grid}",
        "fitted_at": datetime.now(UTC).strftime("%Y-%m-%d"),
        "objective": "mean over answerable questions of both sets of: answering sentence among the cited "
        "quotes, share of expected facts stated, and the first citation's Outcome",
        "in_sample_by_value": {
            f"{v:g}": {n: round(float(r[groups == n].mean()), 3) for n in DATASETS}
            for v, r in zip(grid, table, strict=True)
        },
        "out_of_fold": oof,
        "values_chosen_by_training_folds": picked,
    }
    TUNING_PATH.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {TUNING_PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
