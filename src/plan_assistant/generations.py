"""Index generations: each ingest writes a complete new set of collections and an outline, then flips one
small pointer file. Readers follow the pointer; nothing they may still read is deleted before its
replacement is readable.

The pointer (``generation.json`` in the data directory) is replaced atomically (``os.replace``), so a
reader sees the old generation or the new one, never half of either; an ingest killed before the flip
leaves the previous generation serving.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel, ValidationError

from plan_assistant.store import QUESTIONS_SUFFIX, SENTENCES_SUFFIX

POINTER_FILE = "generation.json"
OUTLINES_DIR = "outlines"
LEGACY_OUTLINE = "outline.json"


class GenerationError(RuntimeError):
    """The generation pointer cannot be read; the message names the file and the cause."""


class Generation(BaseModel):
    """One complete, readable index: three Chroma collections and the outline written with them."""

    number: int  # 0: an index written before generations existed (the bare collection name)
    base: str  # the chunks collection; sentences and questions add their suffixes
    outline: str  # the outline file, relative to the data directory
    chunks: int = 0
    created: str = ""

    @property
    def name(self) -> str:
        """How /healthz and the logs name this generation."""
        return f"g{self.number:06d}" if self.number else "legacy"

    @property
    def chunks_collection(self) -> str:
        """The collection holding one embedding per chunk."""
        return self.base

    @property
    def sentences_collection(self) -> str:
        """The collection holding one embedding per chunk sentence."""
        return self.base + SENTENCES_SUFFIX

    @property
    def questions_collection(self) -> str:
        """The collection holding one embedding per prepared question."""
        return self.base + QUESTIONS_SUFFIX

    @property
    def collections(self) -> tuple[str, str, str]:
        """Every collection of this generation."""
        return (self.chunks_collection, self.sentences_collection, self.questions_collection)

    def outline_path(self, data_dir: Path) -> Path:
        """Where this generation's outline lives."""
        return data_dir / self.outline


def pointer_path(data_dir: Path) -> Path:
    """The file naming the generation readers should serve."""
    return data_dir / POINTER_FILE


def new_generation(collection: str, number: int, chunks: int) -> Generation:
    """The names a generation ``number`` of ``collection`` is written under."""
    return Generation(
        number=number,
        base=f"{collection}_g{number:06d}",
        outline=f"{OUTLINES_DIR}/outline-g{number:06d}.json",
        chunks=chunks,
        created=datetime.now(UTC).isoformat(timespec="seconds"),
    )


def legacy_generation(collection: str) -> Generation:
    """The index as ingests before generations wrote it: the bare collection name and ``outline.json``."""
    return Generation(number=0, base=collection, outline=LEGACY_OUTLINE)


def read_pointer(data_dir: Path) -> Generation | None:
    """The generation the pointer names, or None when no ingest has written one."""
    path = pointer_path(data_dir)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise GenerationError(f"{path}: cannot be read ({exc.strerror or exc})") from exc
    try:
        return Generation.model_validate(json.loads(text))
    except (json.JSONDecodeError, ValidationError) as exc:
        cause = str(exc).splitlines()[0]
        raise GenerationError(
            f"{path}: not a valid index pointer ({cause}); run `python -m ingest` to write a new one"
        ) from exc


def write_pointer(data_dir: Path, generation: Generation) -> None:
    """Point readers at ``generation``: write a temporary file, flush it to disk, rename it over the old."""
    path = pointer_path(data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with tmp.open("w", encoding="utf-8") as handle:
        handle.write(generation.model_dump_json(indent=2))
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def current_generation(data_dir: Path, collection: str, existing: Iterable[str]) -> Generation | None:
    """The generation the pointer names; else an index from before generations, if its collection exists."""
    pointed = read_pointer(data_dir)
    if pointed is not None:
        return pointed
    return legacy_generation(collection) if collection in set(existing) else None


def generation_numbers(collection: str, existing: Iterable[str]) -> dict[int, list[str]]:
    """Generation number -> its collections, among ``existing`` (finished or abandoned half-way)."""
    pattern = re.compile(rf"^{re.escape(collection)}_g(\d+)(?:{SENTENCES_SUFFIX}|{QUESTIONS_SUFFIX})?$")
    found: dict[int, list[str]] = {}
    for name in existing:
        match = pattern.match(name)
        if match:
            found.setdefault(int(match.group(1)), []).append(name)
    return found
