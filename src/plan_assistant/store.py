"""Chroma client factory: the embedded store in the data directory, or a Chroma server."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import chromadb
from chromadb.config import Settings as ChromaSettings

from plan_assistant.schemas import Chunk, Sentence

if TYPE_CHECKING:
    from chromadb.api import ClientAPI

    from plan_assistant.config import Settings

SENTENCES_SUFFIX = "_sentences"
QUESTIONS_SUFFIX = "_questions"


def make_client(settings: Settings) -> ClientAPI:
    """A Chroma client: HttpClient when a server is configured, else a PersistentClient in data_dir."""
    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.chroma_host:
        return chromadb.HttpClient(
            host=settings.chroma_host, port=settings.chroma_port, settings=chroma_settings
        )
    settings.chroma_dir.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(settings.chroma_dir), settings=chroma_settings)


def sentences_collection_name(settings: Settings) -> str:
    """The collection holding one embedding per chunk sentence, for the extractive generator."""
    return settings.collection + SENTENCES_SUFFIX


def questions_collection_name(settings: Settings) -> str:
    """The collection holding one embedding per question a chunk sentence answers (from corpus/derived/)."""
    return settings.collection + QUESTIONS_SUFFIX


def chunk_metadata(chunk: Chunk) -> dict[str, str | int | float | bool]:
    """A chunk's fields as Chroma metadata (no None values; sentences as JSON)."""
    data = chunk.model_dump(exclude={"id", "text", "sentences"}, exclude_none=True)
    data["sentences"] = json.dumps([s.model_dump() for s in chunk.sentences], ensure_ascii=False)
    return data


def chunk_from_record(chunk_id: str, text: str, metadata: Mapping[str, Any]) -> Chunk:
    """Rebuild a Chunk from what Chroma returns."""
    fields = dict(metadata)
    sentences = [Sentence(**s) for s in json.loads(str(fields.pop("sentences", "[]")))]
    return Chunk(id=chunk_id, text=text, sentences=sentences, **fields)
