"""Write one index generation beside the one being served, check it is whole, then switch readers to it.

Nothing a reader may be using is touched: the new collections get new names, the pointer is replaced in
one step, and only generations older than the previous one are deleted afterwards.
"""

from __future__ import annotations

import contextlib
import itertools
import re
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from ingest.chunking import ChunkDraft
from plan_assistant.config import Settings
from plan_assistant.generations import (
    OUTLINES_DIR,
    Generation,
    generation_numbers,
    legacy_generation,
    new_generation,
    write_pointer,
)
from plan_assistant.outline import Outline
from plan_assistant.store import chunk_metadata


class GenerationWriteError(Exception):
    """The new generation could not be written; the previous one keeps serving."""


@dataclass
class NewContent:
    """Everything a generation holds: every chunk and question, with vectors for those embedded just now."""

    drafts: dict[str, ChunkDraft]
    kept_ids: list[
        str
    ]  # chunks whose vectors (and sentences' vectors) are copied from the previous generation
    new_drafts: list[ChunkDraft]
    chunk_vectors: np.ndarray | None
    sentence_rows: list[tuple[str, str, dict]]  # (id, text, metadata) of the new chunks' sentences
    sentence_vectors: np.ndarray | None
    questions: dict[str, tuple[str, dict[str, str | int]]]  # every question wanted: id -> (text, metadata)
    new_questions: list[str]
    question_vectors: np.ndarray | None


def write_generation(
    client: Any,
    settings: Settings,
    previous: Generation | None,
    content: NewContent,
    outline: Outline,
    collection_meta: dict[str, Any],
) -> Generation:
    """Write the next generation, switch the pointer to it, and delete all but it and ``previous``."""
    names = {c.name if hasattr(c, "name") else str(c) for c in client.list_collections()}
    number = max([previous.number if previous else 0, *generation_numbers(settings.collection, names)]) + 1
    generation = new_generation(settings.collection, number, len(content.drafts))
    try:
        collections = [client.create_collection(n, metadata=collection_meta) for n in generation.collections]
    except Exception as exc:  # chromadb raises its own error types, by backend
        raise GenerationWriteError(
            f"{generation.chunks_collection}: cannot create the new generation ({exc}); is another ingest "
            "running?"
        ) from exc
    try:
        _fill(client, previous, content, *collections)
    except GenerationWriteError:
        raise
    except Exception as exc:  # the store failed part-way: the pointer still names the previous generation
        raise GenerationWriteError(
            f"{generation.chunks_collection}: writing the new generation failed ({exc}); the previous "
            "generation keeps serving"
        ) from exc
    chunks, _, questions = collections
    if chunks.count() != len(content.drafts) or questions.count() != len(content.questions):
        raise GenerationWriteError(
            f"{generation.chunks_collection}: holds {chunks.count()} chunks and {questions.count()} questions "
            f"after writing, not {len(content.drafts)} and {len(content.questions)}; not switched to it"
        )
    try:
        outline.save(generation.outline_path(settings.data_dir))
        write_pointer(settings.data_dir, generation)  # the switch: readers follow from here on
        outline.save(settings.outline_path)  # the current outline where people and tools look for it
    except OSError as exc:
        raise GenerationWriteError(
            f"{exc.filename or settings.data_dir}: cannot be written ({exc.strerror or exc})"
        ) from exc
    keep = {number, previous.number if previous else -1}
    remove_old_generations(client, settings, keep | recently_retired(settings, previous))
    return generation


def recently_retired(settings: Settings, previous: Generation | None) -> set[int]:
    """Generations replaced less than ``retired_grace`` seconds ago: a server may still be reading them.

    A generation was retired when the next one's outline was written, so two ingests a second apart do not
    delete the collections a server switched away from a moment before (or is still answering from).
    """
    outlines = settings.data_dir / OUTLINES_DIR
    if previous is None or not outlines.is_dir():
        return set()
    written = {}
    for path in outlines.glob("outline-g*.json"):
        if (m := re.fullmatch(r"outline-g(\d+)\.json", path.name)) is not None:
            with contextlib.suppress(OSError):
                written[int(m.group(1))] = path.stat().st_mtime
    now = time.time()
    kept = set()
    numbers = sorted(written)
    for older, newer in itertools.pairwise(numbers):
        if older < previous.number and now - written[newer] < settings.retired_grace:
            kept.add(older)
    return kept


def remove_old_generations(client: Any, settings: Settings, keep: set[int]) -> None:
    """Delete every generation but those kept, with what ingests killed half-way left behind."""
    names = {c.name if hasattr(c, "name") else str(c) for c in client.list_collections()}
    found = generation_numbers(settings.collection, names)
    doomed = [name for number, group in found.items() if number not in keep for name in group]
    if 0 not in keep:
        doomed += [n for n in legacy_generation(settings.collection).collections if n in names]
    for name in doomed:
        with contextlib.suppress(Exception):  # gone already (another ingest cleaned it): nothing to do
            client.delete_collection(name)
    kept_outlines = {f"outline-g{number:06d}.json" for number in keep}
    outlines = settings.data_dir / OUTLINES_DIR
    for path in outlines.glob("outline-g*.json") if outlines.is_dir() else []:
        if path.name not in kept_outlines:
            path.unlink(missing_ok=True)


def _fill(
    client: Any, previous: Generation | None, content: NewContent, chunks: Any, sentences: Any, questions: Any
) -> None:
    """Copy the unchanged vectors from ``previous`` and add the new ones."""
    drafts = content.drafts
    chunk_rows: list[tuple[str, list[float], ChunkDraft]] = []
    sentence_rows: list[tuple[str, str, dict, list[float]]] = []
    if previous is not None and content.kept_ids:
        old = _vectors(client.get_collection(previous.chunks_collection), content.kept_ids)
        chunk_rows += [(i, old[i], drafts[i]) for i in content.kept_ids]
        kept = set(content.kept_ids)
        got = client.get_collection(previous.sentences_collection).get(
            include=["embeddings", "documents", "metadatas"]
        )
        for i, vector, text, meta in zip(
            got["ids"], got["embeddings"], got["documents"], got["metadatas"], strict=True
        ):
            if str(meta["chunk_id"]) in kept:
                sentence_rows.append((i, str(text), dict(meta), [float(x) for x in vector]))
    if content.chunk_vectors is not None and content.sentence_vectors is not None:
        chunk_rows += [
            (d.chunk.id, content.chunk_vectors[n].tolist(), d) for n, d in enumerate(content.new_drafts)
        ]
        sentence_rows += [
            (*row, content.sentence_vectors[n].tolist()) for n, row in enumerate(content.sentence_rows)
        ]
    for batch in _batches(len(chunk_rows), 256):
        chunks.add(
            ids=[chunk_rows[i][0] for i in batch],
            embeddings=[chunk_rows[i][1] for i in batch],
            documents=[chunk_rows[i][2].chunk.text for i in batch],
            metadatas=[chunk_metadata(chunk_rows[i][2].chunk) for i in batch],
        )
    for batch in _batches(len(sentence_rows), 512):
        sentences.add(
            ids=[sentence_rows[i][0] for i in batch],
            embeddings=[sentence_rows[i][3] for i in batch],
            documents=[sentence_rows[i][1] for i in batch],
            metadatas=[sentence_rows[i][2] for i in batch],
        )
    fresh = set(content.new_questions)
    copied = [i for i in content.questions if i not in fresh]
    vectors: dict[str, list[float]] = {}
    if previous is not None and copied:
        vectors = _vectors(client.get_collection(previous.questions_collection), copied)
    if content.question_vectors is not None:
        vectors.update({i: content.question_vectors[n].tolist() for n, i in enumerate(content.new_questions)})
    order = list(content.questions)
    for batch in _batches(len(order), 512):
        questions.add(
            ids=[order[i] for i in batch],
            embeddings=[vectors[order[i]] for i in batch],
            documents=[content.questions[order[i]][0] for i in batch],
            metadatas=[content.questions[order[i]][1] for i in batch],
        )


def _vectors(collection: Any, ids: list[str]) -> dict[str, list[float]]:
    """The stored vector of each id; every one must be there."""
    vectors: dict[str, list[float]] = {}
    for batch in _batches(len(ids), 512):
        got = collection.get(ids=[ids[i] for i in batch], include=["embeddings"])
        vectors.update(zip(got["ids"], ([float(x) for x in v] for v in got["embeddings"]), strict=True))
    missing = [i for i in ids if i not in vectors]
    if missing:
        raise GenerationWriteError(
            f"{collection.name}: {len(missing)} stored vectors are missing (e.g. {missing[0]}); run "
            "`python -m ingest rebuild`"
        )
    return vectors


def _batches(count: int, size: int) -> list[range]:
    return [range(start, min(start + size, count)) for start in range(0, count, size)]
