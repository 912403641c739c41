"""Whether the retrieved passages answer a question: a calibrated decision over several signals.

One cosine threshold cannot tell "a plan topic in everyday words" from "a detail the plan never gives":
unanswerable questions here are mostly on topic (a person, a sum, a date or a project the plan does not
name), so they retrieve relevant-looking passages. The decision therefore weighs similarity together
with lexical coverage and the answer-type check (``answer_types``), in a logistic model whose weights and
threshold are fitted by cross-validation (``python -m evals.calibrate``) and stored as data beside this
module with the figures that chose them.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import numpy as np

from plan_assistant.answer_types import ANSWER_TYPES, TYPE_NOUNS, asked_types, asks_open, holds
from plan_assistant.guardrails.normalise import is_question_like
from plan_assistant.retrieval import IndexSnapshot, RetrievalSignals, idf_share
from plan_assistant.schemas import Passage
from plan_assistant.text import split_sentences, stems, words

MODEL_FILE = "answerability.json"

FEATURES: tuple[str, ...] = (
    "dense",
    "sentence",
    "lexical",
    "coverage",
    "coverage_prepared",
    "support",
    "missing_asked",
    "unknown_name",
    "asks_open",
    "log_words",
)
"""The signals the model weighs, in the order of its weights. ``features`` also returns a few more
(``question``: similarity to the prepared questions; ``asks_*``: what the question asks for; ``missing_*``:
each kind of ``missing_asked`` apart) that cross-validation found no better than these
(python -m evals.calibrate --add ...)."""
TOP_SENTENCES = 3
"""How many of the best-matching sentences must hold the kind of thing a question asks for."""


# A name (capitalised words, not opening a sentence) or a code of letters then digits ("A303", "M5");
# "£2m" or "16" is a figure, not a name.
_NAME = re.compile(r"\b[A-Za-z]+\d[A-Za-z0-9]*\b|\b[A-Z][a-z]+(?:\s+[A-Z][a-z]+)*\b")
# A place named as the asker's whereabouts ("near Cheddar", "in Taunton") is context, not the subject.
_WHEREABOUTS = re.compile(r"\b(?:near|in|at|from|round|around|past|outside|by)\s+$", re.I)
_SENTENCE_START = re.compile(r"(?:^|[.!?]\s+|\n)$")


def asking_part(question: str) -> str:
    """The sentences of a message that ask something; the whole message when none does or it is one sentence.

    "I care for my husband, who has Parkinson's. Is there help for carers?": the condition is the asker's
    situation, told as context; what the documents must cover is what the question sentence asks.
    """
    sentences = split_sentences(question)
    asked = [s for s in sentences if is_question_like(s)]
    return " ".join(asked) if asked and len(sentences) > 1 else question


def unknown_names(question: str, vocabulary: set[str] | frozenset[str]) -> list[str]:
    """Names and codes the question asks about that the documents never mention ("Hinkley Point", "A303")."""
    found = []
    question = asking_part(question)
    for match in _NAME.finditer(question):
        before = question[: match.start()]
        if _SENTENCE_START.search(before) or _WHEREABOUTS.search(before) or match.group(0) == "I":
            continue
        if any(w not in vocabulary for w in words(match.group(0))):
            found.append(match.group(0))
    return found


VETO = "unknown_long_name"
"""The signal that refuses on its own: the question names, in two or more capitalised words, something the
documents never mention ("the Levelling Up Fund", "Hinkley Point C"). No weight is fitted for it: such
names are too rare in any question set to learn from, and a document that never names a fund or a project
cannot answer what it is or does."""


def names_something_unknown(question: str, vocabulary: set[str] | frozenset[str]) -> bool:
    """Whether the question names, in two or more capitalised words, something the documents never use; a
    question written all in capitals or title case ("What Is The Council Doing About Potholes") names
    nothing by its capitals."""
    asked = [w for w in re.findall(r"[A-Za-z][\w'’-]*", question) if len(w) > 2]
    if asked and sum(w[0].isupper() for w in asked) > len(asked) / 2:
        return False
    return any(len(name.split()) >= 2 for name in unknown_names(question, vocabulary))


def features(
    question: str, passages: Sequence[Passage], signals: RetrievalSignals, index: IndexSnapshot
) -> dict[str, float]:
    """Every signal the decision weighs, for one question and the passages retrieved for it."""
    n = max(index.searchable_count, 1)
    df = {**index.derived_df, **index.stem_df}
    vocabulary = set(index.stem_df)
    in_passages: set[str] = set()
    for p in passages:
        # A passage's words, with its sentences' prepared keywords and the everyday wordings of its terms.
        for terms in index.sentence_terms.get(p.chunk.id, []):
            in_passages.update(terms)
        for s in p.chunk.sentences:
            in_passages.update(stems(" ".join(s.questions)))
    # The answer type must sit in the sentences that best match the question, not anywhere in the passages.
    scored = [
        (score, sentence)
        for p in passages
        for score, sentence in zip(p.sentence_scores, p.chunk.sentences, strict=False)
    ]
    sentences = [sentence for _, sentence in sorted(scored, key=lambda pair: -pair[0])[:TOP_SENTENCES]]
    asked = asked_types(question)
    missing = {kind: kind in asked and not any(holds(s, kind) for s in sentences) for kind in ANSWER_TYPES}
    # A noun naming the kind of answer ("the vesting *date*") is covered by a sentence holding one.
    held = set(stems(" ".join(w for kind in asked if not missing[kind] for w in TYPE_NOUNS[kind])))
    query_stems = [s for s in signals.query_stems if s not in held] or list(signals.query_stems)
    values: dict[str, float] = {
        "dense": signals.dense,
        "sentence": signals.sentence,
        "question": signals.question,
        "lexical": signals.lexical,
        "coverage": idf_share(query_stems, vocabulary, df, n),
        "coverage_prepared": idf_share(query_stems, vocabulary | set(index.derived_df), df, n),
        "support": idf_share(query_stems, in_passages, df, n),
        "log_words": math.log1p(len(question.split())),
        "unknown_name": 1.0 if unknown_names(question, index.vocabulary) else 0.0,
        VETO: 1.0 if names_something_unknown(question, index.vocabulary) else 0.0,
        "asks_open": 1.0 if asks_open(question) else 0.0,
    }
    for kind in ANSWER_TYPES:
        values[f"asks_{kind}"] = 1.0 if kind in asked else 0.0
        values[f"missing_{kind}"] = 1.0 if missing[kind] else 0.0
    # One signal for every kind: each kind is rare in any question set, so a weight per kind is learnt from a
    # handful of questions and barely carries to a new one (out of fold, pooled: ROC AUC 0.900 -> 0.948).
    values["missing_asked"] = max(values[f"missing_{kind}"] for kind in ANSWER_TYPES)
    return values


@dataclass(frozen=True)
class AnswerabilityModel:
    """A logistic model over standardised signals, and the probability below which the answer is refused."""

    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    weights: tuple[float, ...]
    bias: float
    threshold: float
    chosen_by: Mapping[str, Any]

    def probability(self, values: Mapping[str, float]) -> float:
        """The modelled probability that the passages answer the question."""
        x = np.array([values.get(name, 0.0) for name in self.features], dtype=np.float64)
        z = (x - np.array(self.mean)) / np.array(self.scale)
        return float(1.0 / (1.0 + math.exp(-(float(z @ np.array(self.weights)) + self.bias))))

    def answerable(self, values: Mapping[str, float]) -> bool:
        """Whether to answer (True) or say the plan doesn't cover it; a name the documents never use refuses
        whatever the probability (``VETO``)."""
        return not values.get(VETO, 0.0) and self.probability(values) >= self.threshold

    def to_json(self) -> dict[str, Any]:
        """The model as JSON-ready data."""
        return {
            "features": list(self.features),
            "mean": list(self.mean),
            "scale": list(self.scale),
            "weights": list(self.weights),
            "bias": self.bias,
            "threshold": self.threshold,
            "chosen_by": dict(self.chosen_by),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> AnswerabilityModel:
        """Rebuild a model written by ``to_json``."""
        return cls(
            features=tuple(data["features"]),
            mean=tuple(float(v) for v in data["mean"]),
            scale=tuple(float(v) for v in data["scale"]),
            weights=tuple(float(v) for v in data["weights"]),
            bias=float(data["bias"]),
            threshold=float(data["threshold"]),
            chosen_by=dict(data.get("chosen_by", {})),
        )


@cache
def packaged_model() -> AnswerabilityModel | None:
    """The fitted model shipped with the package (plan_assistant/data/answerability.json), if present."""
    path = resources.files("plan_assistant").joinpath("data", MODEL_FILE)
    if not path.is_file():
        return None
    return AnswerabilityModel.from_json(json.loads(path.read_text(encoding="utf-8")))
