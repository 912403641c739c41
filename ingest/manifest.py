"""corpus/manifest.toml: what each document is, and a check that files and entries agree."""

from __future__ import annotations

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
