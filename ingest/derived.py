"""corpus/derived/<document-id>.json: what a model prepared offline for each sentence, keyed by its hash.

The file is data: reviewed and committed beside the corpus. Ingest reads it without any model; a
document without one is indexed on its own words. A sentence whose cleaned text changes gets a new key,
so ``python -m ingest enrich`` regenerates exactly the changed and missing entries and drops the stale.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, ValidationError

from plan_assistant.schemas import Chunk

DERIVED_DIR = "derived"
FORMAT_VERSION = 1
SEARCHABLE_KINDS = ("commitment", "section")  # every sentence of these is enriched
TITLE_KINDS = ("outcome", "priority")  # these chunks are titles: a short plain name
MIN_WORDS = 3  # shorter "sentences" are list numbers ("1.") or fragments, with nothing to rephrase

Kind = Literal["sentence", "title"]


class DerivedError(Exception):
    """A derived file cannot be read; the message names it."""


class DerivedEntry(BaseModel):
    """What was made for one sentence or title, and which checks it passed."""

    text: str
    kind: Kind
    questions: list[str] = Field(default_factory=list)
    keywords: list[str] = Field(default_factory=list)
    plain: str | None = None
    checks: dict[str, bool | int | float] = Field(default_factory=dict)


class ModelInfo(BaseModel):
    """The model file that made the entries."""

    file: str
    sha256: str


class DerivedFile(BaseModel):
    """One document's derived data; entries in document order."""

    format: int = FORMAT_VERSION
    document_id: str
    model: ModelInfo
    prompt_version: str
    entries: dict[str, DerivedEntry] = Field(default_factory=dict)

    def made_like(self, model: ModelInfo, prompt_version: str) -> bool:
        """Whether these entries came from the same model and prompts (else they are all regenerated)."""
        return self.model == model and self.prompt_version == prompt_version


@dataclass(frozen=True)
class Target:
    """A sentence to enrich: its key, cleaned text, kind and where it sits (context for the prompt)."""

    key: str
    text: str
    kind: Kind
    context: str


def sentence_key(text: str) -> str:
    """The key of a sentence: the first 16 hex digits of the sha256 of its cleaned text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def derived_path(corpus_dir: Path, document_id: str) -> Path:
    """Where a document's derived file lives."""
    return corpus_dir / DERIVED_DIR / f"{document_id}.json"


def targets(chunks: Iterable[Chunk]) -> list[Target]:
    """Every distinct sentence of a document's searchable chunks and titles, in document order."""
    found: dict[str, Target] = {}
    for chunk in chunks:
        if chunk.kind in SEARCHABLE_KINDS:
            kind: Kind = "sentence"
        elif chunk.kind in TITLE_KINDS:
            kind = "title"
        else:  # pragma: no cover - every chunk kind is one of the two
            continue
        context = chunk.priority or chunk.section
        for sentence in chunk.sentences:
            if len(sentence.text.split()) < MIN_WORDS:
                continue
            key = sentence_key(sentence.text)
            found.setdefault(key, Target(key, sentence.text, kind, context))
    return list(found.values())


def plan_work(
    wanted: Sequence[Target], existing: DerivedFile | None, model: ModelInfo, prompt_version: str
) -> tuple[dict[str, DerivedEntry], list[Target]]:
    """Split the wanted sentences into entries kept as they are and targets still to generate.

    An entry is kept when its key is wanted, its text and kind match, and the file was made by the same
    model and prompt version; everything else in the file is stale and dropped.
    """
    reusable = existing.entries if existing and existing.made_like(model, prompt_version) else {}
    kept: dict[str, DerivedEntry] = {}
    todo: list[Target] = []
    for target in wanted:
        entry = reusable.get(target.key)
        if entry is not None and entry.text == target.text and entry.kind == target.kind:
            kept[target.key] = entry
        else:
            todo.append(target)
    return kept, todo


def ordered(entries: dict[str, DerivedEntry], wanted: Sequence[Target]) -> dict[str, DerivedEntry]:
    """The entries in document order (so a diff of the file reads like the document)."""
    return {t.key: entries[t.key] for t in wanted if t.key in entries}


def load_derived(path: Path) -> DerivedFile | None:
    """Read a derived file; None when there is none. Raises DerivedError naming a malformed one."""
    if not path.is_file():
        return None
    try:
        return DerivedFile.model_validate_json(path.read_bytes())
    except (ValidationError, ValueError) as exc:
        raise DerivedError(f"{path}: not a valid derived-data file ({exc})") from exc


def save_derived(derived: DerivedFile, path: Path) -> None:
    """Write the file atomically: a temporary file renamed over the old one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    data = derived.model_dump(mode="json")
    try:
        tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)


def apply_derived(chunks: Iterable[Chunk], derived: DerivedFile | None) -> int:
    """Fill each sentence's plain, questions and keywords from its entry; returns how many got data."""
    if derived is None:
        return 0
    filled = 0
    for chunk in chunks:
        for sentence in chunk.sentences:
            entry = derived.entries.get(sentence_key(sentence.text))
            if entry is None or entry.text != sentence.text:
                continue
            sentence.plain = entry.plain
            sentence.questions = list(entry.questions)
            sentence.keywords = list(entry.keywords)
            filled += 1
    return filled
