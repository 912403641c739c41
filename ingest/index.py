"""Chunks -> embeddings -> Chroma, and the outline beside them: idempotent, incremental, atomic.

Every document is loaded, parsed and chunked, and every new chunk embedded, before anything is written:
a corrupt or unreadable file stops the ingest while the previous index keeps serving.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from tqdm import tqdm

from ingest.chunking import ChunkDraft, DocumentInfo, chunk_document
from ingest.derived import DerivedError, apply_derived, derived_path, load_derived
from ingest.entities import EntityLabeller, entity_model_id, label_entities, load_entity_labeller
from ingest.generation import GenerationWriteError, NewContent, write_generation
from ingest.links import linked_names, resolve_links
from ingest.loaders import LoadError, load_document
from ingest.manifest import DocumentEntry, ManifestError, read_manifest
from ingest.structure import ParsedDocument, parse_generic, parse_plan
from plan_assistant.config import Settings
from plan_assistant.embeddings import Embedder, model_hint
from plan_assistant.generations import GenerationError, current_generation
from plan_assistant.outline import DocumentOutline, KeyPriority, LinkedDocument, Outcome, Outline, Section
from plan_assistant.schemas import Chunk
from plan_assistant.store import chunk_metadata, make_client

SCHEMA_VERSION = 3


class IngestError(Exception):
    """The ingest cannot go on; the message names the file and the cause."""


@dataclass
class PreparedDocument:
    """A document loaded, parsed and chunked, not yet written."""

    entry: DocumentEntry
    parsed: ParsedDocument
    drafts: list[ChunkDraft]
    enriched: int = 0  # sentences filled from corpus/derived/
    links: list[str] = field(default_factory=list)  # documents it lists as linked to it (ingest/links.py)


@dataclass
class IngestReport:
    """What an ingest did."""

    documents: int = 0
    outcomes: int = 0
    priorities: int = 0
    chunks: int = 0
    sentences: int = 0
    enriched: int = 0
    added: int = 0
    deleted: int = 0
    updated: int = 0
    questions_embedded: int = 0
    questions_deleted: int = 0
    rebuilt: bool = False
    generation: str = ""  # the generation serving after this ingest
    seconds: float = 0.0
    changed_documents: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        """Whether the index differs from before."""
        return bool(
            self.added
            or self.deleted
            or self.updated
            or self.rebuilt
            or self.questions_embedded
            or self.questions_deleted
        )

    def summary(self) -> str:
        """The closing line of an ingest."""
        change = (
            f"embedded {self.added}, deleted {self.deleted}, re-labelled {self.updated}, "
            f"questions embedded {self.questions_embedded}, deleted {self.questions_deleted}"
            if self.changed
            else "index already up to date: nothing changed"
        )
        return (
            f"{self.documents} documents, {self.outcomes} outcomes, {self.priorities} priorities, "
            f"{self.chunks} chunks; {self.enriched} of {self.sentences} sentences with derived data; "
            f"{change}; serving generation {self.generation or '-'}; {self.seconds:.1f} s"
        )


def prepare(settings: Settings) -> list[PreparedDocument]:
    """Read the manifest and every document; parse and chunk them. Raises IngestError naming the file."""
    try:
        entries = read_manifest(settings.corpus_dir)
    except ManifestError as exc:
        raise IngestError(str(exc)) from exc
    prepared = []
    for entry in entries:
        path = entry.path(settings.corpus_dir)
        try:
            loaded = load_document(path)
        except LoadError as exc:
            raise IngestError(str(exc)) from exc
        parsed = parse_plan(loaded.text, entry.title) or parse_generic(
            loaded.text, loaded.headings, skip_title=entry.title
        )
        if not parsed.parts:
            raise IngestError(f"{path}: no text to index after cleaning")
        version = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
        info = DocumentInfo(entry.id, entry.title, version)
        drafts = chunk_document(
            info, parsed, loaded.text, page_at=loaded.page_at if loaded.page_starts else None
        )
        try:
            derived = load_derived(derived_path(settings.corpus_dir, entry.id))
        except DerivedError as exc:
            raise IngestError(str(exc)) from exc
        enriched = apply_derived((d.chunk for d in drafts), derived)
        prepared.append(PreparedDocument(entry, parsed, drafts, enriched, linked_names(loaded.text)))
    return prepared


def build_outline(prepared: list[PreparedDocument]) -> Outline:
    """The outline of every document, with the chunk ids under each priority and section."""
    documents = []
    entries = [d.entry for d in prepared]
    for doc in prepared:
        by_section: dict[str, list[str]] = {}
        for draft in doc.drafts:
            by_section.setdefault(draft.chunk.section, []).append(draft.chunk.id)
        outcomes = [
            Outcome(
                number=o.number,
                title=o.title,
                chunk_ids=by_section.get(f"Outcome {o.number}", []),
                priorities=[
                    KeyPriority(
                        title=p.priority or "",
                        commitments=[b.text for b in p.blocks],
                        chunk_ids=by_section.get(" › ".join(p.path), []),
                    )
                    for p in o.priorities
                ],
            )
            for o in doc.parsed.outcomes
        ]
        sections = [
            Section(
                title=p.path[-1], path=" › ".join(p.path), chunk_ids=by_section.get(" › ".join(p.path), [])
            )
            for p in doc.parsed.parts
            if p.kind == "section"
        ]
        e = doc.entry
        documents.append(
            DocumentOutline(
                id=e.id,
                title=e.title,
                kind=e.kind,
                period=e.period,
                current=e.current,
                publisher=e.publisher,
                source=e.source,
                outcomes=outcomes,
                sections=sections,
                links=[
                    LinkedDocument(
                        title=name,
                        document_id=target,
                        chunk_ids=[d.chunk.id for d in doc.drafts if _names(d.chunk.text, name)],
                    )
                    for name, target in resolve_links(doc.links, entries, e.id)
                ],
            )
        )
    return Outline(documents=documents)


def _names(text: str, name: str) -> bool:
    return " ".join(name.split()).lower() in " ".join(text.split()).lower()


def run_ingest(
    settings: Settings,
    embedder_factory: Callable[[], Embedder],
    rebuild: bool = False,
    progress: bool = True,
    entity_labeller_factory: Callable[[], EntityLabeller] = load_entity_labeller,
) -> IngestReport:
    """Bring the index in line with the corpus, embedding only what changed."""
    started = time.perf_counter()
    prepared = prepare(settings)
    drafts = {d.chunk.id: d for doc in prepared for d in doc.drafts}
    sentence_count = label_entities(
        (d.chunk for d in drafts.values()), entity_labeller_factory, entity_cache_path(settings)
    )

    client = make_client(settings)
    names = {c.name if hasattr(c, "name") else str(c) for c in client.list_collections()}
    try:
        previous = current_generation(settings.data_dir, settings.collection, names)
    except GenerationError as exc:
        raise IngestError(str(exc)) from exc
    if previous is not None and previous.chunks_collection not in names:
        previous = None  # the pointer names collections that are gone: nothing to build on

    existing: dict[str, dict] = {}
    stored_questions: dict[str, str] = {}
    if previous is not None and not rebuild:
        collection = client.get_collection(previous.chunks_collection)
        meta = collection.metadata or {}
        if meta.get("schema") != SCHEMA_VERSION or meta.get("embedding_model") != model_hint(settings):
            rebuild = True  # embeddings from another model or layout cannot be mixed with new ones
        else:
            got = collection.get(include=["metadatas"])
            existing = {i: dict(m or {}) for i, m in zip(got["ids"], got["metadatas"] or [], strict=True)}
            if previous.questions_collection in names:
                got = client.get_collection(previous.questions_collection).get(include=["documents"])
                stored_questions = dict(
                    zip(got["ids"], (str(d) for d in got["documents"] or []), strict=True)
                )
    wanted_questions = question_rows(d.chunk for d in drafts.values())
    new_questions = [i for i, row in wanted_questions.items() if stored_questions.get(i) != row[0]]
    stale_questions = [i for i in stored_questions if i not in wanted_questions]

    new_ids = [i for i in drafts if i not in existing]
    stale_ids = [i for i in existing if i not in drafts]
    relabel_ids = [i for i in drafts if i in existing and existing[i] != chunk_metadata(drafts[i].chunk)]

    report = IngestReport(
        documents=len(prepared),
        outcomes=sum(len(d.parsed.outcomes) for d in prepared),
        priorities=sum(len(o.priorities) for d in prepared for o in d.parsed.outcomes),
        chunks=len(drafts),
        sentences=sentence_count,
        enriched=sum(d.enriched for d in prepared),
        rebuilt=rebuild and previous is not None,
    )
    report.changed_documents = sorted(
        {drafts[i].chunk.document_id for i in new_ids + relabel_ids}
        | {existing[i].get("document_id", "?") for i in stale_ids}
        | {str(wanted_questions[i][1]["document_id"]) for i in new_questions}
    )
    report.added = len(drafts) if rebuild else len(new_ids)
    report.deleted = 0 if rebuild else len(stale_ids)
    report.updated = 0 if rebuild else len(relabel_ids)
    report.questions_embedded = len(new_questions)
    report.questions_deleted = len(stale_questions)
    outline = build_outline(prepared)
    unchanged = previous is not None and previous.number > 0 and not report.changed
    if unchanged and previous and _outline_at(previous.outline_path(settings.data_dir)) == outline:
        if _outline_at(settings.outline_path) != outline:
            outline.save(settings.outline_path)
        report.generation = previous.name
        report.seconds = time.perf_counter() - started
        return report

    # Embed everything new before touching the store.
    new_drafts = [drafts[i] for i in (list(drafts) if rebuild else new_ids)]
    chunk_vectors = sentence_vectors = question_vectors = None
    sentence_rows: list[tuple[str, str, dict]] = []
    if new_drafts or new_questions:
        model = embedder_factory()  # loaded only when something needs embedding
        chunk_vectors = _embed(model, [d.embed_text for d in new_drafts], settings, progress, "chunks")
        for d in new_drafts:
            for n, s in enumerate(d.chunk.sentences):
                sentence_rows.append((f"{d.chunk.id}:{n}", s.text, {"chunk_id": d.chunk.id, "n": n}))
        sentence_vectors = _embed(model, [r[1] for r in sentence_rows], settings, progress, "sentences")
        question_vectors = _embed(
            model, [wanted_questions[i][0] for i in new_questions], settings, progress, "questions"
        )

    content = NewContent(
        drafts=drafts,
        kept_ids=[] if rebuild else [i for i in drafts if i in existing],
        new_drafts=new_drafts,
        chunk_vectors=chunk_vectors,
        sentence_rows=sentence_rows,
        sentence_vectors=sentence_vectors,
        questions=wanted_questions,
        new_questions=new_questions,
        question_vectors=question_vectors,
    )
    collection_meta = {
        "embedding_model": model_hint(settings),
        "schema": SCHEMA_VERSION,
        "hnsw:space": "cosine",
        "hnsw:search_ef": 100,
    }
    try:
        generation = write_generation(client, settings, previous, content, outline, collection_meta)
    except GenerationWriteError as exc:
        raise IngestError(str(exc)) from exc
    report.generation = generation.name
    report.seconds = time.perf_counter() - started
    return report


def _outline_at(path: Path) -> Outline | None:
    try:
        return Outline.load(path)
    except (OSError, ValueError):
        return None


def entity_cache_path(settings: Settings) -> Path:
    """Where the entity labels of the corpus's sentences are kept, one file per entity model version."""
    return settings.data_dir / "cache" / f"entities-{entity_model_id()}.json"


def question_rows(chunks: Iterable[Chunk]) -> dict[str, tuple[str, dict[str, str | int]]]:
    """One row per question a chunk sentence answers: id -> (question, chunk_id, n and document_id)."""
    rows: dict[str, tuple[str, dict[str, str | int]]] = {}
    for chunk in chunks:
        for n, sentence in enumerate(chunk.sentences):
            for q, question in enumerate(sentence.questions):
                meta: dict[str, str | int] = {"chunk_id": chunk.id, "n": n, "document_id": chunk.document_id}
                rows[f"{chunk.id}:{n}:{q}"] = (question, meta)
    return rows


def _embed(model: Embedder, texts: list[str], settings: Settings, progress: bool, label: str) -> np.ndarray:
    """One vector per text; a text given twice (a question several sentences answer) is embedded once."""
    unique = list(dict.fromkeys(texts))
    size = settings.embedding_batch_size
    parts = []
    with tqdm(total=len(unique), desc=f"Embedding {label}", unit=label[:-1], disable=not progress) as bar:
        for start in range(0, len(unique), size):
            parts.append(model.embed(unique[start : start + size], batch_size=size))
            bar.update(len(unique[start : start + size]))
    if not parts:
        return np.zeros((0, model.dimension), dtype=np.float32)
    vectors = np.concatenate(parts)
    if len(unique) == len(texts):
        return vectors
    row = {text: n for n, text in enumerate(unique)}
    return vectors[[row[text] for text in texts]]
