"""Hubness: how close a sentence sits to questions in general, taken in part off its similarity (CSLS)."""

from __future__ import annotations

import numpy as np

from plan_assistant.retrieval import hubness


def _unit(*rows: list[float]) -> np.ndarray:
    m = np.asarray(rows, dtype=np.float32)
    return m / np.linalg.norm(m, axis=1, keepdims=True)


def test_a_sentence_near_many_questions_is_a_hub_and_a_particular_one_is_not() -> None:
    questions = _unit([1, 0.1, 0], [1, -0.1, 0], [1, 0, 0.1], [0, 0, 1])
    sentences = {"general": _unit([1, 0, 0]), "particular": _unit([0, 0, 1])}
    hub = hubness(sentences, questions, k=3)
    assert hub["general"][0] > 0 > hub["particular"][0]


def test_hubness_is_centred_so_the_typical_sentence_keeps_its_similarity() -> None:
    questions = _unit([1, 0, 0], [0, 1, 0], [0, 0, 1])
    sentences = {"a": _unit([1, 0, 0], [0, 1, 0]), "b": _unit([0, 0, 1])}
    hub = hubness(sentences, questions, k=2)
    assert abs(float(np.mean(np.concatenate(list(hub.values()))))) < 1e-6


def test_without_prepared_questions_every_hubness_is_zero() -> None:
    sentences = {"a": _unit([1, 0, 0], [0, 1, 0])}
    assert hubness(sentences, None)["a"].tolist() == [0.0, 0.0]
