"""Build the Assistant and its collaborators from settings: the one place that wires things together."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from plan_assistant.answerability import AnswerabilityModel, packaged_model
from plan_assistant.assistant import Assistant
from plan_assistant.config import Settings
from plan_assistant.embeddings import Embedder, VectorCache, guard_cache_path, load_embedder, model_hint
from plan_assistant.generations import Generation, GenerationError, current_generation, read_pointer
from plan_assistant.generators import get_generator
from plan_assistant.generators.base import Generator
from plan_assistant.glossary import packaged_glossary
from plan_assistant.guardrails import Guard
from plan_assistant.live import LiveAssistant
from plan_assistant.outline import Outline
from plan_assistant.retrieval import HybridRetriever, IndexSnapshot
from plan_assistant.store import StoreLink, make_client, store_address

if TYPE_CHECKING:
    from chromadb.api import ClientAPI


class IndexMissingError(RuntimeError):
    """No index has been built in the configured data directory or Chroma server."""


@dataclass(frozen=True)
class Engine:
    """What every index generation is served with: loaded once per process."""

    embedder: Embedder
    guard: Guard
    generator: Generator
    answerability: AnswerabilityModel | None


def build_engine(settings: Settings) -> Engine:
    """Load the embedding model, the guardrails, the generator and the answerability model."""
    embedder = load_embedder(settings)
    return Engine(
        embedder=embedder,
        guard=build_guard(settings, embedder),
        generator=get_generator(settings.generator, settings),
        answerability=packaged_model(),
    )


def serving_generation(settings: Settings, client: ClientAPI) -> Generation:
    """The index generation to serve: the one the pointer names (or an index from before generations)."""
    names = {c.name for c in client.list_collections()}
    try:
        generation = current_generation(settings.data_dir, settings.collection, names)
    except GenerationError as exc:
        raise IndexMissingError(str(exc)) from exc
    if generation is None:
        raise IndexMissingError(
            f"no index in {settings.data_dir} (no {settings.collection!r} collection): run `make index` "
            "(python -m ingest)"
        )
    return generation


def assistant_for(
    settings: Settings,
    client: ClientAPI,
    generation: Generation,
    engine: Engine,
    link: StoreLink | None = None,
) -> Assistant:
    """Load one generation (its collections into memory, its outline) and assemble the answer chain on it.

    Args:
        link: when given, questions query the chunks collection through it (bounded, failing at once while
            the server is down); loading always uses ``client``, which waits as long as the load takes.
    """
    outline_path = generation.outline_path(settings.data_dir)
    if not outline_path.is_file():
        raise IndexMissingError(
            f"no outline at {outline_path} for index generation {generation.name}: run `make index` "
            "(python -m ingest)"
        )
    names = {c.name for c in client.list_collections()}
    for name in generation.collections[:2]:
        if name not in names:
            raise IndexMissingError(
                f"no Chroma collection {name!r} for index generation {generation.name}: run `make index` "
                "(python -m ingest)"
            )
    chunks = client.get_collection(generation.chunks_collection)
    made_by = (chunks.metadata or {}).get("embedding_model")
    if made_by is not None and made_by != model_hint(settings):
        # Questions embedded by one model cannot be compared with vectors another made: searching would
        # return unrelated passages without any error.
        raise IndexMissingError(
            f"index generation {generation.name} in {settings.data_dir} was embedded with {made_by!r}, but "
            f"PLAN_ASSISTANT_EMBEDDING_MODEL names {model_hint(settings)!r}: run `make index` (python -m "
            "ingest) to rebuild it for this model, or set the model it was built with"
        )
    index = IndexSnapshot.load(
        chunks,
        client.get_collection(generation.sentences_collection),
        client.get_collection(generation.questions_collection)
        if generation.questions_collection in names
        else None,
        packaged_glossary(),
    )
    retriever = HybridRetriever(
        index=index,
        embedder=engine.embedder,
        collection=link.collection(generation.chunks_collection) if link is not None else chunks,
        k=settings.top_k,
        candidates=settings.candidates,
        rrf_k=settings.rrf_k,
        lexical_weight=settings.lexical_weight,
        use_questions=settings.use_prepared_questions,
        commitment_weight=settings.commitment_weight,
        hub_weight=settings.hub_weight,
        correct_spelling=settings.correct_spelling,
    )
    return Assistant(
        settings=settings,
        embedder=engine.embedder,
        retriever=retriever,
        generator=engine.generator,
        outline=Outline.load(outline_path),
        guard=engine.guard,
        answerability=engine.answerability,
    )


def build_assistant(settings: Settings) -> Assistant:
    """Load the model, the index generation in service and its outline, and assemble the answer chain."""
    client = make_client(settings)
    return assistant_for(settings, client, serving_generation(settings, client), build_engine(settings))


def build_live_assistant(settings: Settings) -> LiveAssistant:
    """The assistant a server runs: it follows new index generations as ingests write them (call start())."""
    client = make_client(settings)
    link = StoreLink(make_client(settings, timeout=settings.chroma_timeout), store_address(settings))
    generation = serving_generation(settings, client)
    engine = build_engine(settings)
    return LiveAssistant(
        assistant_for(settings, client, generation, engine, link),
        generation,
        load=lambda g: assistant_for(settings, client, g, engine, link),
        read_pointer=lambda: read_pointer(settings.data_dir),
        interval=settings.reload_interval,
        store_check=link.check,
    )


def build_guard(settings: Settings, embedder: Embedder) -> Guard:
    """The guardrails, with their few hundred labelled examples embedded once and kept on disk."""
    examples = VectorCache(guard_cache_path(settings), embedder)
    guard = Guard(settings, examples)
    with contextlib.suppress(OSError):  # a read-only data directory only costs start-up time
        examples.save()
    examples.stop_recording()
    return guard
