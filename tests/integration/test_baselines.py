"""The baselines run for real: packaged MiniLM, a temporary Chroma, bm25s, over the eval set's questions."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from evals import BLIND_DATASET_PATH, CORPUS_FILE, EvalItem, load_dataset
from evals.baselines import (
    BM25Baseline,
    NaiveRecipe,
    SentenceTransformerEmbeddings,
    baseline_figures,
    load_minilm,
    naive_chunks,
    run_baselines,
)

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

CORPUS = (Path(__file__).resolve().parents[2] / "corpus" / CORPUS_FILE).read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def model() -> SentenceTransformer:
    return load_minilm()


@pytest.fixture(scope="module")
def answerable() -> list[EvalItem]:
    return [item for item in load_dataset() if item.kind == "answerable"]


@pytest.fixture(scope="module")
def chunks() -> list[str]:
    return naive_chunks(CORPUS)


@pytest.fixture(scope="module")
def naive(
    model: SentenceTransformer, chunks: list[str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[NaiveRecipe]:
    yield NaiveRecipe(chunks, SentenceTransformerEmbeddings(model), tmp_path_factory.mktemp("naive-chroma"))


def test_naive_chunks_respect_the_tutorial_size(chunks: list[str]) -> None:
    assert len(chunks) > 10
    assert max(len(c) for c in chunks) <= 600


def test_embeddings_are_normalised_384_dimension_vectors(model: SentenceTransformer) -> None:
    embeddings = SentenceTransformerEmbeddings(model)
    query = embeddings.embed_query("carbon neutral")
    documents = embeddings.embed_documents(["flood prevention", "apprenticeships"])
    assert len(query) == 384 and len(documents) == 2
    assert sum(x * x for x in query) == pytest.approx(1.0, abs=1e-4)


def test_naive_recipe_returns_four_passages_and_a_hit_rate(
    naive: NaiveRecipe, answerable: list[EvalItem]
) -> None:
    for item in answerable:
        passages = naive.search(item.question)
        assert len(passages) == 4, item.id
        assert all(p in CORPUS for p in passages)
    assert naive.answer(answerable[0].question) == naive.search(answerable[0].question)[0]
    figures = baseline_figures(naive, answerable)
    print(f"\nnaive LangChain recipe over {figures['items']} answerable questions: {figures}")
    assert figures["items"] == len(answerable)
    assert 0.0 <= figures["evidence_hit_at_4"] <= 1.0
    assert figures["evidence_hit_at_1"] <= figures["evidence_hit_at_4"]


def test_naive_recipe_finds_a_sentence_asked_for_in_its_own_words(naive: NaiveRecipe) -> None:
    passages = naive.search("Work with our partners towards making Somerset a Carbon Neutral County by 2030.")
    assert any("Carbon Neutral County by 2030" in p for p in passages)


def test_bm25_returns_four_passages_and_ranks_an_exact_keyword_first(
    chunks: list[str], answerable: list[EvalItem]
) -> None:
    bm25 = BM25Baseline(chunks)
    assert all(len(bm25.search(item.question)) == 4 for item in answerable)
    assert "Mencap" in bm25.search("Mencap")[0]
    figures = baseline_figures(bm25, answerable)
    print(f"\nBM25 only over {figures['items']} answerable questions: {figures}")
    assert 0.0 <= figures["mrr"] <= 1.0


def test_baselines_run_once_over_the_corpus_and_score_every_set(
    model: SentenceTransformer, answerable: list[EvalItem], tmp_path: Path
) -> None:
    blind = [item for item in load_dataset(BLIND_DATASET_PATH) if item.kind == "answerable"][:6]
    figures = run_baselines({"own": answerable[:6], "blind": blind}, CORPUS, model, tmp_path)
    assert set(figures) == {"own", "blind"}
    for per_set in figures.values():
        assert set(per_set) == {"naive LangChain", "BM25 only"}
        for baseline in per_set.values():
            assert baseline["evidence_hit_at_4"] <= baseline["evidence_hit_at_4_any"]
