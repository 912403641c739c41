"""corpus/manifest.toml: what each document is, and a check that files and entries agree."""

from __future__ import annotations

import json
import re
import shutil
import tomllib
from dataclasses import dataclass
from pathlib import Path

from ingest.loaders import SUPPORTED_SUFFIXES

KINDS = ("plan", "strategy", "other")
REQUIRED = ("id", "file", "title", "publisher", "kind", "period", "source", "current")
OPTIONAL = ("links",)  # names another document lists this one by, when they differ from its title


class ManifestError(Exception):
    """The manifest and the corpus folder disagree, or an entry is malformed; the message names it."""


@dataclass(frozen=True)
class DocumentEntry:
    """One document as the manifest describes it."""

    id: str
    file: str
    title: str
    publisher: str
    kind: str
    period: str
    source: str
    current: bool
    links: tuple[str, ...] = ()

    def path(self, corpus_dir: Path) -> Path:
        """Where the document's file lives."""
        return corpus_dir / self.file


def read_manifest(corpus_dir: Path) -> list[DocumentEntry]:
    """Read and check the manifest: every entry well formed, every file described, every entry present."""
    manifest = corpus_dir / "manifest.toml"
    if not manifest.is_file():
        raise ManifestError(f"{manifest}: missing; it must describe every document in {corpus_dir}")
    try:
        data = tomllib.loads(manifest.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ManifestError(f"{manifest}: not valid TOML ({exc})") from exc
    entries: list[DocumentEntry] = []
    for n, raw in enumerate(data.get("documents", []), start=1):
        where = f"{manifest}: document {n}"
        missing = [k for k in REQUIRED if k not in raw]
        if missing:
            raise ManifestError(f"{where} lacks {', '.join(missing)}")
        if raw["kind"] not in KINDS:
            raise ManifestError(
                f"{where} ({raw['id']}): kind {raw['kind']!r} is not one of {', '.join(KINDS)}"
            )
        if not isinstance(raw["current"], bool):
            raise ManifestError(f"{where} ({raw['id']}): current must be true or false")
        links = raw.get("links", [])
        if not isinstance(links, list) or not all(isinstance(x, str) and x.strip() for x in links):
            raise ManifestError(f"{where} ({raw['id']}): links must be a list of document names")
        fields = {k: str(raw[k]) for k in REQUIRED if k != "current"}
        entries.append(DocumentEntry(**fields, current=raw["current"], links=tuple(links)))
    if not entries:
        raise ManifestError(f"{manifest}: describes no documents ([[documents]] tables)")
    ids = [e.id for e in entries]
    if dupes := sorted({i for i in ids if ids.count(i) > 1}):
        raise ManifestError(f"{manifest}: document id used twice: {', '.join(dupes)}")
    for entry in entries:
        if not entry.path(corpus_dir).is_file():
            raise ManifestError(f"{manifest}: {entry.id} names {entry.file}, which is not in {corpus_dir}")
    described = {e.file for e in entries}
    for path in sorted(corpus_dir.iterdir()):
        if path.name == "manifest.toml" or path.name.startswith(".") or path.is_dir():
            continue
        if path.name not in described:
            raise ManifestError(f"{path}: not described in {manifest}; add an entry or remove the file")
        if path.suffix.lower() not in SUPPORTED_SUFFIXES:
            raise ManifestError(f"{path}: unsupported file type {path.suffix!r}")
    return entries


def slug(title: str) -> str:
    """A manifest id from a title: lower case, words joined by hyphens."""
    return "-".join(re.findall(r"[a-z0-9]+", title.lower()))[:80] or "document"


def entry_toml(entry: DocumentEntry) -> str:
    """One [[documents]] table for the manifest (strings JSON-quoted, which TOML reads as basic strings)."""
    lines = ["[[documents]]"]
    for key in REQUIRED:
        value = getattr(entry, key)
        lines.append(
            f"{key} = {'true' if value is True else 'false' if value is False else json.dumps(value)}"
        )
    if entry.links:
        lines.append(f"links = [{', '.join(json.dumps(x) for x in entry.links)}]")
    return "\n".join(lines) + "\n"


def add_document(
    corpus_dir: Path,
    source: Path,
    title: str,
    kind: str = "strategy",
    publisher: str = "",
    period: str = "",
    origin: str = "provided",
    current: bool = True,
    links: tuple[str, ...] = (),
    document_id: str = "",
) -> DocumentEntry:
    """Copy a document into the corpus and describe it in the manifest; the manifest is checked afterwards
    and left as it was (the copy removed) when the new entry does not fit."""
    if not source.is_file():
        raise ManifestError(f"{source}: no such file")
    if source.suffix.lower() not in SUPPORTED_SUFFIXES:
        raise ManifestError(f"{source}: unsupported file type {source.suffix!r}")
    if kind not in KINDS:
        raise ManifestError(f"kind {kind!r} is not one of {', '.join(KINDS)}")
    entries = read_manifest(corpus_dir)
    document_id = document_id or slug(title)
    if any(e.id == document_id for e in entries):
        raise ManifestError(f"{corpus_dir / 'manifest.toml'}: id {document_id!r} is already used; pass --id")
    target = corpus_dir / f"{document_id}{source.suffix.lower()}"
    if target.exists():
        raise ManifestError(f"{target}: already in the corpus")
    if not period and (years := re.search(r"\b(?:19|20)\d{2}(?:\s*[-–/]\s*\d{2,4})?\b", title)):
        period = years.group(0)
    entry = DocumentEntry(
        id=document_id,
        file=target.name,
        title=title.strip(),
        publisher=publisher or entries[0].publisher,
        kind=kind,
        period=period,
        source=origin,
        current=current,
        links=tuple(links),
    )
    manifest = corpus_dir / "manifest.toml"
    before = manifest.read_text(encoding="utf-8")
    shutil.copyfile(source, target)
    manifest.write_text(before.rstrip("\n") + "\n\n" + entry_toml(entry), encoding="utf-8")
    try:
        read_manifest(corpus_dir)
    except ManifestError:
        manifest.write_text(before, encoding="utf-8")
        target.unlink(missing_ok=True)
        raise
    return entry
