"""The evaluation: the team's question set and an independent blind one, pure metrics, baselines, a runner."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, field_validator

from plan_assistant.schemas import Audience, Status, Turn

EVALS_DIR = Path(__file__).resolve().parent
DATASET_PATH = EVALS_DIR / "datasets" / "plan_questions.jsonl"
BLIND_DATASET_PATH = EVALS_DIR / "datasets" / "blind-dev.jsonl"
# The sets a run scores side by side: the team's own, and the blind one that is only ever measured on.
DATASETS: dict[str, Path] = {"own": DATASET_PATH, "blind": BLIND_DATASET_PATH}
THRESHOLDS_PATH = EVALS_DIR / "thresholds.toml"
REPORTS_DIR = EVALS_DIR / "reports"
CORPUS_FILE = "somerset-county-council-business-plan-2021-2023.txt"

Kind = Literal["answerable", "unanswerable", "adversarial", "multi_turn"]
CHECK_KEYS = frozenset({"status_in", "must_include", "must_include_any", "must_not_include"})

# Each voice asks with the audience it stands for; kept as a table so a new voice is one line.
AUDIENCE_FOR_VOICE: dict[str, Audience] = {"resident": "resident", "staff": "staff", "adviser": "adviser"}


class Check(BaseModel):
    """A machine-checkable expectation on one answer (all given parts must hold)."""

    model_config = {"extra": "forbid"}

    status_in: list[Status] = Field(default_factory=list)
    must_include: list[str] = Field(default_factory=list)
    must_include_any: list[str] = Field(default_factory=list)
    must_not_include: list[str] = Field(default_factory=list)


class EvalItem(BaseModel):
    """One question of the eval set with what a good answer must show."""

    model_config = {"extra": "forbid"}

    id: str
    kind: Kind
    voice: Literal["resident", "staff", "adviser"]
    question: str
    history: list[Turn] = Field(default_factory=list)
    outcomes: list[int] = Field(default_factory=list)
    priorities: list[str] = Field(default_factory=list)
    must_include: list[str] = Field(default_factory=list)
    evidence: str | None = None
    # Other sentences that answer the question as well, where the plan says it in more than one place;
    # each must sit under one of the item's expected priorities (or outside the outcomes for outcome 0).
    evidence_any: list[str] = Field(default_factory=list)
    check: Check | None = None
    personal_details: list[str] = Field(default_factory=list)
    note: str = ""

    @property
    def evidences(self) -> list[str]:
        """The evidence sentence and its alternatives."""
        return [e for e in [self.evidence, *self.evidence_any] if e]

    @field_validator("outcomes")
    @classmethod
    def _outcome_numbers(cls, value: list[int]) -> list[int]:
        if any(n < 0 or n > 5 for n in value):
            raise ValueError(f"outcome numbers are 0 (outside the outcomes) or 1-5, got {value}")
        return value

    @property
    def audience(self) -> Audience:
        """The audience this item's voice asks as."""
        return AUDIENCE_FOR_VOICE[self.voice]


def load_dataset(path: Path = DATASET_PATH) -> list[EvalItem]:
    """Read the eval set (one JSON object a line), failing with the line number on a bad item."""
    items: list[EvalItem] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            items.append(EvalItem.model_validate(json.loads(line)))
        except ValueError as exc:
            raise ValueError(f"{path.name}:{number}: {exc}") from exc
    return items
