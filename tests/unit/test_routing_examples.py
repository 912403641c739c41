"""The guard's examples and word lists: packaged data files, loaded and checked, embedded once and cached."""

from __future__ import annotations

import tomllib
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from plan_assistant.config import PROJECT_ROOT
from plan_assistant.embeddings import VectorCache
from plan_assistant.guardrails.examples import (
    EXAMPLES_FILE,
    WORDS_FILE,
    guard_examples,
    parse_examples,
    routing_words,
)
from plan_assistant.guardrails.requests import request_kind
from plan_assistant.guardrails.routing import ROUTES, Router
from tests.fakes import FakeEmbedder

DATA = PROJECT_ROOT / "src" / "plan_assistant" / "data"


def test_every_route_but_the_fallback_has_examples():
    routes = guard_examples().routes
    assert set(routes) == set(ROUTES)
    assert all(len(texts) >= 8 for texts in routes.values())


def test_no_example_is_given_twice_or_under_two_routes():
    examples = guard_examples()
    texts = [text.casefold() for text in (*examples.all_benign, *examples.injection)]
    assert [text for text, count in Counter(texts).items() if count > 1] == []


def test_the_classifier_takes_every_route_example_as_benign():
    examples = guard_examples()
    assert set(examples.routes["plan"]) <= set(examples.all_benign)
    assert set(examples.benign) <= set(examples.all_benign)


def test_plan_examples_make_no_request_and_request_examples_make_theirs():
    routes = guard_examples().routes
    assert [text for text in routes["plan"] if request_kind(text)] == []
    for kind in ("service", "personal_case", "contact"):
        assert [text for text in routes[kind] if request_kind(text) is None] == [], kind


def test_word_lists_are_non_empty_and_lower_case():
    for section, lists in routing_words().items():
        for name, words in lists.items():
            assert words, f"{section}.{name}"
            assert all(word == word.lower() for word in words), f"{section}.{name}"


def test_a_malformed_examples_file_fails_with_the_key_that_is_wrong():
    with pytest.raises(ValueError, match="'service'"):
        parse_examples(
            {"routes": {"service": ["How do I pay?", ""]}, "injection": {"injection": [], "benign": []}}
        )
    with pytest.raises(ValueError, match="'benign'"):
        parse_examples({"routes": {}, "injection": {"injection": ["x"], "benign": "not a list"}})


def test_the_data_files_are_valid_toml_and_shipped_as_package_data():
    for name in (EXAMPLES_FILE, WORDS_FILE):
        tomllib.loads((DATA / name).read_text(encoding="utf-8"))
    pyproject = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "data/*.toml" in pyproject["tool"]["setuptools"]["package-data"]["plan_assistant"]


class CountingEmbedder(FakeEmbedder):
    """The fake embedder, remembering every text it was asked to embed."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[str] = []

    def embed(self, texts, batch_size: int = 32, progress: bool = False) -> np.ndarray:
        self.seen.extend(texts)
        return super().embed(texts, batch_size, progress)


def test_a_changed_example_is_embedded_afresh_and_the_rest_come_from_the_cache(tmp_path: Path):
    path = tmp_path / "cache" / "guard.npz"
    before = {"plan": ["What are the priorities for transport?"], "service": ["How do I pay a fine?"]}
    after = {"plan": ["What are the priorities for transport?"], "service": ["How do I renew a permit?"]}

    first = CountingEmbedder()
    cache = VectorCache(path, first)
    Router(cache, route_examples=before)
    cache.save()
    assert sorted(first.seen) == sorted(text for texts in before.values() for text in texts)

    second = CountingEmbedder()
    cache = VectorCache(path, second)
    Router(cache, route_examples=after)
    cache.save()
    assert second.seen == ["How do I renew a permit?"]

    third = CountingEmbedder()
    Router(VectorCache(path, third), route_examples=after)
    assert third.seen == []
