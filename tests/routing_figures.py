"""Routing figures on the eval sets: how many answerable questions reach `plan`, where the others go.

Measures only; never tune a rule, example or threshold to an item it lists.
Run: HF_HUB_OFFLINE=1 .venv/bin/python -m tests.routing_figures [--items]
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from evals import EVALS_DIR, EvalItem, load_dataset
from plan_assistant.config import Settings
from plan_assistant.guardrails import Guard

DATASETS: dict[str, Path] = {
    "own": EVALS_DIR / "datasets" / "plan_questions.jsonl",
    "blind-dev": EVALS_DIR / "datasets" / "blind-dev.jsonl",
}
ANSWERABLE_KINDS = ("answerable", "multi_turn")


@dataclass
class RoutingFigures:
    """Routes the guard chose for one eval set, by kind of item."""

    answerable_total: int = 0
    answerable_plan: int = 0
    routes: dict[str, Counter[str]] = field(default_factory=dict)
    signposts: dict[str, Counter[str]] = field(default_factory=dict)
    off_plan: list[tuple[str, str, str | None]] = field(default_factory=list)

    @property
    def answerable_share(self) -> float:
        """Share of answerable and multi-turn items routed to `plan`."""
        return self.answerable_plan / self.answerable_total if self.answerable_total else 0.0


def routing_figures(guard: Guard, items: Sequence[EvalItem]) -> RoutingFigures:
    """Screen every item's question and count the routes (and signposts) by kind."""
    figures = RoutingFigures()
    for item in items:
        screening = guard.screen(item.question)
        figures.routes.setdefault(item.kind, Counter())[screening.route] += 1
        signpost = getattr(screening, "signpost", None)
        figures.signposts.setdefault(item.kind, Counter())[str(signpost)] += 1
        if item.kind in ANSWERABLE_KINDS:
            figures.answerable_total += 1
            figures.answerable_plan += screening.route == "plan"
        if screening.route != "plan" or signpost:
            figures.off_plan.append((item.id, screening.route, signpost))
    return figures


def _report(name: str, figures: RoutingFigures, show_items: bool) -> str:
    lines = [
        f"{name}: answerable/multi_turn -> plan {figures.answerable_plan}/{figures.answerable_total}"
        f" ({figures.answerable_share:.1%})"
    ]
    for kind in ("unanswerable", "adversarial"):
        routes = ", ".join(
            f"{route} {count}" for route, count in figures.routes.get(kind, Counter()).most_common()
        )
        signposts = ", ".join(
            f"{kind_} {count}"
            for kind_, count in figures.signposts.get(kind, Counter()).most_common()
            if kind_ != "None"
        )
        lines.append(f"  {kind}: {routes}" + (f" | signposts: {signposts}" if signposts else ""))
    if show_items:
        lines.extend(
            f"    {item_id}: {route} {signpost or ''}" for item_id, route, signpost in figures.off_plan
        )
    return "\n".join(lines)


def main(argv: Sequence[str]) -> None:
    """Print the routing figures for the own and the blind-dev set with the real embedding model."""
    from plan_assistant.embeddings import load_embedder

    settings = Settings()
    guard = Guard(settings, load_embedder(settings).embed)
    for name, path in DATASETS.items():
        print(_report(name, routing_figures(guard, load_dataset(path)), "--items" in argv))


if __name__ == "__main__":
    main(sys.argv[1:])
