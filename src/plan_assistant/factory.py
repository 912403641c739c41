"""Build the Assistant and its collaborators from settings: the one place that wires things together."""

from __future__ import annotations

import contextlib
from pathlib import Path

from plan_assistant.answerability import packaged_model
from plan_assistant.assistant import Assistant
from plan_assistant.config import Settings
from plan_assistant.embeddings import Embedder, VectorCache, embedding_name, load_embedder
from plan_assistant.generators import get_generator
from plan_assistant.glossary import packaged_glossary
from plan_assistant.guardrails import Guard
from plan_assistant.outline import Outline
from plan_assistant.retrieval import HybridRetriever, IndexSnapshot
from plan_assistant.store import make_client, sentences_collection_name


class IndexMissingError(RuntimeError):
    """No index has been built in the configured data directory or Chroma server."""


def build_assistant(settings: Settings) -> Assistant:
    """Load the model, the index and the outline, and assemble the answer chain."""
    if not settings.outline_path.is_file():
        raise IndexMissingError(
            f"no outline at {settings.outline_path}: build the index first with `make index` (python -m ingest)"
        )
    client = make_client(settings)
    names = {c.name for c in client.list_collections()}
    if settings.collection not in names:
        raise IndexMissingError(
            f"no Chroma collection {settings.collection!r}: run `make index` (python -m ingest)"
        )
    chunks = client.get_collection(settings.collection)
    questions = f"{settings.collection}_questions"
    index = IndexSnapshot.load(
        chunks,
        client.get_collection(sentences_collection_name(settings)),
        client.get_collection(questions) if questions in names else None,
        packaged_glossary(),
    )
    embedder = load_embedder(settings)
    retriever = HybridRetriever(
        index=index,
        embedder=embedder,
        collection=chunks,
        k=settings.top_k,
        candidates=settings.candidates,
        rrf_k=settings.rrf_k,
        lexical_weight=settings.lexical_weight,
        use_questions=settings.use_prepared_questions,
        commitment_weight=settings.commitment_weight,
        correct_spelling=settings.correct_spelling,
    )
    guard = build_guard(settings, embedder)
    return Assistant(
        settings=settings,
        embedder=embedder,
        retriever=retriever,
        generator=get_generator(settings.generator, settings),
        outline=Outline.load(settings.outline_path),
        guard=guard,
        answerability=packaged_model(),
    )


def guard_cache_path(settings: Settings) -> Path:
    """Where the guard's example embeddings are kept for the configured model."""
    slug = "".join(ch if ch.isalnum() else "-" for ch in embedding_name(settings))[-60:]
    return settings.data_dir / "cache" / f"guard-{slug}.npz"


def build_guard(settings: Settings, embedder: Embedder) -> Guard:
    """The guardrails, with their few hundred labelled examples embedded once and kept on disk."""
    examples = VectorCache(guard_cache_path(settings), embedder)
    guard = Guard(settings, examples)
    with contextlib.suppress(OSError):  # a read-only data directory only costs start-up time
        examples.save()
    examples.stop_recording()
    return guard
