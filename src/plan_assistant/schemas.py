"""The plain data the product passes around: chunks, citations, answers, chat turns."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, Field

Audience = Literal["resident", "staff", "adviser"]
Status = Literal["answered", "not_found", "out_of_scope", "declined"]
Role = Literal["user", "assistant"]


class Sentence(BaseModel):
    """One sentence of a chunk: cleaned for display, and the document's own words behind it."""

    text: str
    quote: str
    item: bool = False  # a list item in the document (a bullet or numbered line), not running prose
    # Prepared offline (ingest; see corpus/derived/): a plain-English rendering for residents, the
    # questions the sentence answers and everyday keywords for retrieval. Empty for a document without them.
    plain: str | None = None
    questions: list[str] = Field(default_factory=list)
    keywords: list[str] = Field(default_factory=list)
    # Kinds of named thing the sentence states (spaCy labels: PERSON, ORG, MONEY, DATE, CARDINAL...).
    entities: list[str] = Field(default_factory=list)


class Chunk(BaseModel):
    """One indexed passage of a document, with where it sits in the plan."""

    id: str
    document_id: str
    document_title: str
    document_version: str
    text: str = Field(description="Cleaned text, as embedded and shown.")
    outcome: int | None = None
    outcome_title: str | None = None
    priority: str | None = None
    section: str = Field(description="Section path, e.g. 'Outcome 2 › Work with people to ...'.")
    position: int = Field(description="Order of the chunk within its document.")
    page: int | None = None
    start: int = Field(description="Start offset of the chunk in the source text.")
    end: int = Field(description="End offset (exclusive) of the chunk in the source text.")
    content_hash: str
    kind: Literal["commitment", "priority", "section", "outcome"] = "section"
    sentences: list[Sentence] = Field(default_factory=list)

    @property
    def quote(self) -> str:
        """The whole chunk in the document's own words."""
        return " ".join(s.quote for s in self.sentences)


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk handed to a generator, with its fused relevance score and dense similarity."""

    chunk: Chunk
    score: float
    similarity: float
    sentence_scores: tuple[float, ...] = ()  # cosine similarity of each chunk sentence to the question


class Citation(BaseModel):
    """Where in the plan a statement comes from, with the document's own words."""

    document: str
    document_id: str
    outcome: int | None = None
    outcome_title: str | None = None
    priority: str | None = None
    section: str
    quote: str
    chunk_id: str
    page: int | None = None


class Turn(BaseModel):
    """One turn of the conversation so far."""

    role: Role
    content: str


class Answer(BaseModel):
    """What the assistant says, and why it may say it."""

    answer: str
    status: Status
    citations: list[Citation] = Field(default_factory=list)
    removed: list[str] = Field(default_factory=list, description="Sentences the grounding check dropped.")
    timings: dict[str, float] = Field(default_factory=dict, description="Milliseconds per step.")
    route: str = Field("plan", description="Which path answered: plan, outline, service, greeting, ...")
    notices: list[str] = Field(
        default_factory=list,
        description="Fixed guardrail texts in the answer: notices (e.g. personal data redacted) and signposts.",
    )
