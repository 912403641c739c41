"""The plan's structure, for exact lookups ("priorities under outcome 4") and browsing."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel, Field, computed_field


class KeyPriority(BaseModel):
    """A Key Priority and the commitments listed beneath it."""

    title: str
    commitments: list[str] = Field(default_factory=list)
    chunk_ids: list[str] = Field(default_factory=list)


class Outcome(BaseModel):
    """One of the plan's numbered Outcomes."""

    number: int
    title: str
    priorities: list[KeyPriority] = Field(default_factory=list)
    chunk_ids: list[str] = Field(default_factory=list)


class Section(BaseModel):
    """A part of a document outside the outcomes (introduction, delivery, evidence, or a generic heading)."""

    title: str
    path: str
    chunk_ids: list[str] = Field(default_factory=list)


class LinkedDocument(BaseModel):
    """A document this one lists as linked to it (a strategy or partnership plan), loaded here or not."""

    title: str = Field(description="The name as the listing document gives it.")
    document_id: str | None = Field(None, description="The manifest id of its text, when it is loaded.")
    chunk_ids: list[str] = Field(
        default_factory=list, description="Chunks of the listing document naming it."
    )

    @computed_field  # type: ignore[prop-decorator]
    @property
    def loaded(self) -> bool:
        """Whether the linked document's own text is in the index."""
        return self.document_id is not None


class DocumentOutline(BaseModel):
    """One document's structure, and what the manifest says of it."""

    id: str
    title: str
    kind: str
    period: str = ""
    current: bool = True
    publisher: str = ""
    source: str = ""
    outcomes: list[Outcome] = Field(default_factory=list)
    sections: list[Section] = Field(default_factory=list)
    links: list[LinkedDocument] = Field(default_factory=list)


class Outline(BaseModel):
    """Every indexed document's structure, in manifest order."""

    documents: list[DocumentOutline] = Field(default_factory=list)

    def document(self, document_id: str) -> DocumentOutline | None:
        """The document with this manifest id, if indexed."""
        return next((d for d in self.documents if d.id == document_id), None)

    def save(self, path: Path) -> None:
        """Write the outline as JSON (atomically: a temp file renamed over the old one)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(self.model_dump_json(indent=2), encoding="utf-8")
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> Outline:
        """Read an outline written by ``save``."""
        return cls.model_validate(json.loads(path.read_text(encoding="utf-8")))
