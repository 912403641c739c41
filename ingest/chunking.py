"""Section tree -> chunks that fit the embedding window, never straddling two key priorities."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ingest.mapped import MappedText, quote_of
from ingest.structure import Block, ParsedDocument, Part
from plan_assistant.schemas import Chunk, Sentence
from plan_assistant.text import sentence_spans

# Closing quotes and brackets the shared splitter leaves between two sentences; they belong to the first.

TokenCounter = Callable[[str], int]


def approx_tokens(text: str) -> int:
    """A quick over-estimate of word-piece tokens, for when the tokenizer is not to hand."""
    return int(len(re.findall(r"\w+|[^\w\s]", text)) * 1.3) + 2


@dataclass(frozen=True)
class DocumentInfo:
    """What the chunker needs to know of a document."""

    id: str
    title: str
    version: str


@dataclass(frozen=True)
class ChunkDraft:
    """A chunk plus the text its embedding is made from (the heading path gives it context)."""

    chunk: Chunk
    embed_text: str


def split_sentences(mapped: MappedText) -> list[MappedText]:
    """Split text at sentence boundaries (the project's one splitter, document mode), keeping offsets."""
    return [mapped.slice(start, end) for start, end in sentence_spans(mapped.text, strict=True)]


def _prefix(part: Part) -> str:
    return part.priority if part.priority else " › ".join(part.path)


def _windows(
    sentences: list[MappedText], prefix: str, count: TokenCounter, max_tokens: int
) -> list[list[MappedText]]:
    """Group sentences into windows under max_tokens (with the prefix), overlapping by one sentence."""
    windows: list[list[MappedText]] = []
    current: list[MappedText] = []
    for sentence in sentences:
        candidate = [*current, sentence]
        if current and count(prefix + ". " + " ".join(s.text for s in candidate)) > max_tokens:
            windows.append(current)
            overlap = (
                current[-1:]
                if count(prefix + ". " + current[-1].text + " " + sentence.text) <= max_tokens
                else []
            )
            current = [*overlap, sentence]
        else:
            current = candidate
    if current:
        windows.append(current)
    return windows


def _units(blocks: Sequence[Block]) -> list[list[Block]]:
    """A paragraph and the list items right after it belong together: "the challenges are:" and each one."""
    units: list[list[Block]] = []
    for block in blocks:
        if block.bullet and units and (len(units[-1]) > 1 or not units[-1][0].bullet):
            units[-1].append(block)
        else:
            units.append([block])
    return units


def _groups(part: Part, count: TokenCounter, target_tokens: int) -> list[list[Block]]:
    """A key priority's commitments stand alone; a section's short paragraphs are packed together, and a
    paragraph that introduces a list is never parted from its items when they fit together."""
    if part.kind == "priority":
        return [[b] for b in part.blocks]
    groups: list[list[Block]] = []
    for unit in _units(part.blocks):
        if groups and count(" ".join(b.text for b in [*groups[-1], *unit])) <= target_tokens:
            groups[-1].extend(unit)
        else:
            groups.append(list(unit))
    return groups


def chunk_document(
    doc: DocumentInfo,
    parsed: ParsedDocument,
    source: str,
    count_tokens: TokenCounter = approx_tokens,
    max_tokens: int = 240,
    target_tokens: int = 150,
    page_at: Callable[[int], int | None] | None = None,
) -> list[ChunkDraft]:
    """Split every part of a parsed document into chunks with their place in the plan."""
    drafts: list[ChunkDraft] = []
    headings = {o.number: o for o in parsed.outcomes}
    for part in parsed.parts:
        # Outcome and priority titles are chunks of their own: outline answers cite them in the plan's words.
        outcome = headings.pop(part.outcome, None) if part.outcome is not None else None
        if outcome is not None and outcome.heading is not None:
            title_part = Part("outcome", (f"Outcome {outcome.number}",), [], outcome.number, outcome.title)
            drafts.append(
                _draft(
                    doc,
                    title_part,
                    [outcome.heading.mapped],
                    source,
                    title_part.path[0],
                    len(drafts),
                    page_at,
                )
            )
        if part.heading is not None:
            drafts.append(
                _draft(
                    doc, part, [part.heading.mapped], source, "Key priority", len(drafts), page_at, "priority"
                )
            )
        prefix = _prefix(part)
        for group in _groups(part, count_tokens, target_tokens):
            pieces = [(s, block.bullet) for block in group for s in split_sentences(block.mapped)]
            items = {id(s) for s, bullet in pieces if bullet}
            for window in _windows([s for s, _ in pieces], prefix, count_tokens, max_tokens):
                drafts.append(_draft(doc, part, window, source, prefix, len(drafts), page_at, items=items))
    return drafts


def _draft(
    doc: DocumentInfo,
    part: Part,
    window: Sequence[MappedText],
    source: str,
    prefix: str,
    position: int,
    page_at: Callable[[int], int | None] | None,
    kind: str | None = None,
    items: set[int] | frozenset[int] = frozenset(),
) -> ChunkDraft:
    text = " ".join(s.text for s in window)
    start = min(s.span()[0] for s in window)
    end = max(s.span()[1] for s in window)
    section = " › ".join(part.path)
    embed_text = f"{prefix}. {text}"
    digest = hashlib.sha256(f"{doc.id}\x1f{section}\x1f{text}".encode()).hexdigest()
    chunk = Chunk(
        id=f"{doc.id}-{digest[:16]}",
        document_id=doc.id,
        document_title=doc.title,
        document_version=doc.version,
        text=text,
        outcome=part.outcome,
        outcome_title=part.outcome_title,
        priority=part.priority,
        section=section,
        position=position,
        page=page_at(start) if page_at else None,
        start=start,
        end=end,
        content_hash=hashlib.sha256(embed_text.encode()).hexdigest(),
        kind=kind or {"priority": "commitment", "outcome": "outcome"}.get(part.kind, "section"),  # type: ignore[arg-type]
        sentences=[Sentence(text=s.text, quote=quote_of(s, source), item=id(s) in items) for s in window],
    )
    return ChunkDraft(chunk, embed_text)
