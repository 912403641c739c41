"""Shared fixtures: the real MiniLM model loaded once, the plan's text, and an index built once per session."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from plan_assistant.config import PROJECT_ROOT, Settings
from plan_assistant.embeddings import Embedder, load_embedder

CORPUS_DIR = PROJECT_ROOT / "corpus"
PLAN_FILE = CORPUS_DIR / "somerset-county-council-business-plan-2021-2023.txt"
PLAN_TITLE = "Somerset County Council Business Plan 2021-2023"

# Every field the ingest and the retriever read, set explicitly so PLAN_ASSISTANT_* variables in the
# environment cannot leak into a test.
_ISOLATED: dict[str, Any] = {
    "embedding_model": "",
    "embedding_batch_size": 32,
    "chroma_host": "",
    "chroma_port": 8000,
    "collection": "plan_chunks",
    "generator": "extractive",
    "top_k": 4,
    "candidates": 20,
    "rrf_k": 60,
    "query_cache_size": 1024,
}

MakeSettings = Callable[..., Settings]


def settings_for(tmp_path: Path, **overrides: Any) -> Settings:
    """Settings whose corpus and data live under tmp_path (unless overridden), built from explicit fields."""
    values: dict[str, Any] = {
        **_ISOLATED,
        "corpus_dir": tmp_path / "corpus",
        "data_dir": tmp_path / "data",
    }
    values.update(overrides)
    return Settings(**values)


@pytest.fixture
def make_settings() -> MakeSettings:
    """Call as make_settings(tmp_path, **overrides) to get isolated Settings under tmp_path."""
    return settings_for


@pytest.fixture(scope="session")
def embedder(tmp_path_factory: pytest.TempPathFactory) -> Embedder:
    """The packaged all-MiniLM-L6-v2, loaded once per test session, offline."""
    return load_embedder(settings_for(tmp_path_factory.mktemp("embedder")))


@pytest.fixture(scope="session")
def corpus_text() -> str:
    """The Business Plan's text exactly as it sits in corpus/."""
    return PLAN_FILE.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def memo_embedder(embedder: Embedder) -> Embedder:
    """The real model, computing each distinct text once per session (the corpus is ingested more than once)."""
    return MemoEmbedder(embedder)


@pytest.fixture(scope="session")
def built_index(tmp_path_factory: pytest.TempPathFactory, memo_embedder: Embedder) -> Iterator[Settings]:
    """The real corpus ingested once into a temporary data directory; yields the Settings pointing at it.

    Tests must not change this index: build your own in tmp_path to try edits.
    """
    from ingest.index import run_ingest

    settings = settings_for(tmp_path_factory.mktemp("built-index"), corpus_dir=CORPUS_DIR)
    run_ingest(settings, lambda: memo_embedder, progress=False)
    yield settings


class CountingEmbedder(Embedder):
    """The real model behind a fresh query cache, remembering every text it actually embeds.

    A window on our own boundary: tests count what the ingest or the retriever sends to the model.
    """

    def __init__(self, inner: Embedder) -> None:
        super().__init__(inner.model, inner.name, cache_size=1024)
        self.texts: list[str] = []

    def embed(self, texts: Sequence[str], batch_size: int = 32, progress: bool = False) -> np.ndarray:
        """Embed with the real model and record the texts."""
        self.texts.extend(texts)
        return super().embed(texts, batch_size=batch_size, progress=progress)


class MemoEmbedder(Embedder):
    """The real model, remembering the vector of every text it embedded: the same text is computed once."""

    def __init__(self, inner: Embedder) -> None:
        super().__init__(inner.model, inner.name, cache_size=1024)
        self._memo: dict[str, np.ndarray] = {}

    def embed(self, texts: Sequence[str], batch_size: int = 32, progress: bool = False) -> np.ndarray:
        """Embed the texts not seen before with the real model; reuse the rest."""
        new = list(dict.fromkeys(t for t in texts if t not in self._memo))
        if new:
            for text, vector in zip(new, super().embed(new, batch_size=batch_size), strict=True):
                self._memo[text] = vector
        if not texts:
            return super().embed(texts)
        return np.stack([self._memo[t] for t in texts])
