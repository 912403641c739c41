"""python -m evals.calibrate: fit the answerability decision by cross-validation and store it as data.

Every answerable and unanswerable question of both question sets that reaches the plan route is asked
through ``Assistant.assess``, which returns the signals the decision weighs. A logistic regression over
the standardised signals is scored by repeated, stratified k-fold cross-validation in which the refusal
threshold is also chosen inside each training fold (the largest probability that refuses at most the
target share of that fold's answerable questions), so every reported figure is out-of-fold. The model
fitted on all questions, with its threshold from all-question out-of-fold probabilities, is written to
src/plan_assistant/data/answerability.json together with those figures.
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
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import RepeatedStratifiedKFold, StratifiedKFold

from evals import DATASET_PATH, EvalItem, load_dataset

BLIND_PATH = DATASET_PATH.parent / "blind-dev.jsonl"
MODEL_PATH = Path(__file__).resolve().parents[1] / "src" / "plan_assistant" / "data" / "answerability.json"
LABEL = {"answerable": 1, "multi_turn": 1, "unanswerable": 0}


def threshold_for(probabilities: np.ndarray, labels: np.ndarray, max_false_refusal: float) -> float:
    """The largest threshold that refuses at most ``max_false_refusal`` of the answerable questions."""
    answerable = np.sort(probabilities[labels == 1])
    if answerable.size == 0:
        return 0.5
    allowed = int(np.floor(max_false_refusal * answerable.size))
    # Refusing p < t refuses every answerable question below t: t may sit just above the allowed ones.
    return float(answerable[allowed]) if allowed < answerable.size else float(answerable[-1])


def _model(c: float) -> LogisticRegression:
    return LogisticRegression(C=c, class_weight="balanced", max_iter=2000)


def _standardise(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    return mean, np.where(scale > 1e-9, scale, 1.0)


def fit(x: np.ndarray, y: np.ndarray, c: float) -> tuple[np.ndarray, np.ndarray, LogisticRegression]:
    """Standardise and fit on all given rows."""
    mean, scale = _standardise(x)
    model = _model(c).fit((x - mean) / scale, y)
    return mean, scale, model


def oof_probabilities(x: np.ndarray, y: np.ndarray, c: float, folds: int, seed: int) -> np.ndarray:
    """Out-of-fold probabilities from one stratified k-fold split."""
    out = np.zeros(len(y))
    for train, test in StratifiedKFold(folds, shuffle=True, random_state=seed).split(x, y):
        mean, scale, model = fit(x[train], y[train], c)
        out[test] = model.predict_proba((x[test] - mean) / scale)[:, 1]
    return out


def nested_cv(
    x: np.ndarray,
    y: np.ndarray,
    c: float,
    target: float,
    folds: int = 5,
    repeats: int = 5,
    veto: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """Out-of-fold refusals: the threshold is chosen inside each training fold, never on the test fold.
    A question the veto marks (a name the documents never use) is refused whatever its probability."""
    refused = np.zeros((repeats, len(y)))
    probability = np.zeros((repeats, len(y)))
    splits = RepeatedStratifiedKFold(n_splits=folds, n_repeats=repeats, random_state=7)
    for n, (train, test) in enumerate(splits.split(x, y)):
        repeat = n // folds
        inner = oof_probabilities(x[train], y[train], c, folds, seed=n)
        threshold = threshold_for(inner, y[train], target)
        mean, scale, model = fit(x[train], y[train], c)
        p = model.predict_proba((x[test] - mean) / scale)[:, 1]
        probability[repeat, test] = p
        refused[repeat, test] = (p < threshold) | (veto[test] if veto is not None else False)
    return {"refused": refused, "probability": probability}


def _rates(refused: np.ndarray, y: np.ndarray, mask: np.ndarray) -> dict[str, float]:
    """Mean over repeats of refusal (unanswerable) and false refusal (answerable) within ``mask``."""
    unans = mask & (y == 0)
    ans = mask & (y == 1)
    return {
        "unanswerable_refused": float(refused[:, unans].mean()) if unans.any() else float("nan"),
        "answerable_refused": float(refused[:, ans].mean()) if ans.any() else float("nan"),
        "unanswerable": int(unans.sum()),
        "answerable": int(ans.sum()),
    }


def collect(assistant: Any, sets: dict[str, list[EvalItem]]) -> tuple[list[dict[str, Any]], list[str]]:
    """Signals for every labelled question that reaches the plan route, with its set and label."""
    from plan_assistant.answerability import FEATURES

    rows: list[dict[str, Any]] = []  # every signal features() returns, not only the model's
    for name, items in sets.items():
        for item in items:
            if item.kind not in LABEL:
                continue
            assessed = assistant.assess(item.question, item.history)
            if assessed["route"] != "plan":
                continue
            rows.append({"set": name, "id": item.id, "label": LABEL[item.kind], **assessed["signals"]})
    return rows, list(FEATURES)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m evals.calibrate", description=__doc__)
    parser.add_argument(
        "--target",
        type=float,
        default=0.02,
        help="most answerable questions refused (0.02: out of fold, 0.04 refuses no more unanswerable questions and twice the answerable ones)",
    )
    parser.add_argument(
        "--c",
        type=float,
        default=0.1,
        help="inverse L2 regularisation strength (out of fold, 0.03-0.1 refuse as many unanswerable questions as 0.3 with fewer answerable ones; 1 and 3 fewer)",
    )
    parser.add_argument("--drop", nargs="*", default=[], help="leave these signals out (ablation)")
    parser.add_argument("--add", nargs="*", default=[], help="weigh these extra signals too (ablation)")
    parser.add_argument("--dry-run", action="store_true", help="report only; do not write the model")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Collect the signals, cross-validate, report out-of-fold figures and write the model."""
    args = _parser().parse_args(argv)
    from plan_assistant.config import Settings
    from plan_assistant.factory import build_assistant

    assistant = build_assistant(Settings())
    sets = {"own": load_dataset(DATASET_PATH), "blind": load_dataset(BLIND_PATH)}
    rows, names = collect(assistant, sets)
    names = [n for n in [*names, *args.add] if n not in set(args.drop)]
    x = np.array([[row[n] for n in names] for row in rows], dtype=np.float64)
    y = np.array([row["label"] for row in rows])
    in_set = {name: np.array([row["set"] == name for row in rows]) for name in sets}
    from plan_assistant.answerability import VETO

    veto = np.array([bool(row.get(VETO, 0.0)) for row in rows])
    cv = nested_cv(x, y, args.c, args.target, veto=veto)
    figures = {name: _rates(cv["refused"], y, mask) for name, mask in in_set.items()}
    figures["all"] = _rates(cv["refused"], y, np.ones(len(y), dtype=bool))
    auc = float(np.mean([roc_auc_score(y, p) for p in cv["probability"]]))
    for name, f in figures.items():
        print(
            f"{name:6s} unanswerable refused {f['unanswerable_refused']:.1%} of {f['unanswerable']}, "
            f"answerable refused {f['answerable_refused']:.1%} of {f['answerable']}"
        )
    print(f"ROC AUC (out-of-fold, mean of repeats): {auc:.3f}")

    mean, scale, model = fit(x, y, args.c)
    threshold = float(
        np.median([threshold_for(oof_probabilities(x, y, args.c, 5, s), y, args.target) for s in range(5)])
    )
    weights = dict(zip(names, model.coef_[0].round(4).tolist(), strict=True))
    print("weights (standardised):", json.dumps(weights))
    print(f"threshold: {threshold:.3f}")
    if args.dry_run:
        return 0
    data = {
        "features": names,
        "mean": mean.round(6).tolist(),
        "scale": scale.round(6).tolist(),
        "weights": model.coef_[0].round(6).tolist(),
        "bias": round(float(model.intercept_[0]), 6),
        "threshold": round(threshold, 6),
        "chosen_by": {
            "command": "python -m evals.calibrate",
            "fitted_at": datetime.now(UTC).strftime("%Y-%m-%d"),
            "method": (
                f"logistic regression (C={args.c}, balanced classes) over standardised signals; threshold "
                f"refuses at most {args.target:.0%} of answerable questions; 5 x 5-fold stratified nested "
                "cross-validation (threshold chosen inside each training fold)"
            ),
            "questions": {name: f for name, f in figures.items()},
            "roc_auc_out_of_fold": round(auc, 3),
        },
    }
    MODEL_PATH.parent.mkdir(parents=True, exist_ok=True)
    MODEL_PATH.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {MODEL_PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
