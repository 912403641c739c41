"""Text -> section tree: document › Outcome › Key Priority › commitment, plus the sections around them.

Plans list their outcomes and priorities twice: a summary, then a detailed section. The summary tells us
which lines of the detailed section are priority titles (PDF extraction loses the indentation that would
otherwise say so); the detailed wording is what the outline keeps.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from difflib import SequenceMatcher

from ingest.cleaning import Line, clean_lines
from ingest.headings import Heading
from ingest.mapped import MappedText, join

_KEY_PRIORITIES = re.compile(r"^key priorities:?$", re.I)
_OUTCOME_LABEL = re.compile(r"^outcome\s+(\d{1,2})\b[\s:.\-–]*(.*)$", re.I)
_LABELLED_PARAGRAPH = re.compile(r"^((?:Our\s+)?[A-Z][a-z]+(?:\s+[A-Z][a-z]+){0,2}):\s+\S")
_TERMINAL = (".", ":", ";", ",", "!", "?")
PRIORITY_MATCH = 0.8  # similarity at which a detailed line is taken for a summary priority title


# A paragraph or list item: wrapped lines joined, with the same fields as one cleaned line.
Block = Line


@dataclass
class Part:
    """A run of blocks under one heading path: a key priority's commitments or a section's paragraphs."""

    kind: str  # "priority" | "section"
    path: tuple[str, ...]
    blocks: list[Block] = field(default_factory=list)
    outcome: int | None = None
    outcome_title: str | None = None
    priority: str | None = None
    heading: Block | None = None  # the priority's title line, when the part is a key priority


@dataclass
class ParsedOutcome:
    """An outcome of the detailed section."""

    number: int
    title: str
    priorities: list[Part] = field(default_factory=list)
    heading: Block | None = None  # the outcome's title line


@dataclass
class ParsedDocument:
    """Everything the chunker and the outline need, in document order."""

    parts: list[Part]
    outcomes: list[ParsedOutcome]


def blocks_from_lines(lines: Sequence[Line], source: str) -> list[Block]:
    """Join wrapped lines into blocks: a line continues the previous one when it starts in lower case,
    or follows it directly (no blank line between) without a bullet and the previous line is unfinished."""
    blocks: list[Block] = []
    prev: Line | None = None
    for line in lines:
        if prev is not None and blocks:
            adjacent = (
                not source[prev.end : line.start].strip("\r\n ")
                and source.count("\n", prev.end, line.start) <= 1
            )
            unfinished = not blocks[-1].text.endswith(_TERMINAL)
            if line.text[:1].islower() or (adjacent and not line.bullet and unfinished):
                last = blocks[-1]
                last.mapped = join([last.mapped, line.mapped], sep=MappedText.inserted(" "))
                last.end = line.end
                prev = line
                continue
        blocks.append(replace(line))  # a copy: joining the next lines into it leaves the line as it was
        prev = line
    return blocks


def similarity(a: str, b: str) -> float:
    """How alike two titles are, ignoring case, punctuation and spacing."""
    return SequenceMatcher(None, _norm(a), _norm(b)).ratio()


def _norm(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())


def title_of(text: str) -> str:
    """A heading or priority as a title: no trailing full stop."""
    return text.rstrip(" .")


def looks_like_heading(block: Block) -> bool:
    """A short unbulleted line, not a sentence, not a list of '1.' items."""
    text = block.text
    return (
        not block.bullet
        and block.indent == 0
        and len(text) <= 90
        and text[:1].isupper()
        and not text.endswith(_TERMINAL)
        and not _KEY_PRIORITIES.match(text)
    )


@dataclass
class _Group:
    """An outcome heading followed by 'Key Priorities' and its lines, before interpretation."""

    number: int
    title: str
    heading_at: int  # index of the first heading block
    title_at: int  # index of the block holding the title
    body: tuple[int, int]  # block indices after the 'Key Priorities' marker, up to the next heading


def _find_groups(blocks: list[Block]) -> list[_Group]:
    markers = [i for i, b in enumerate(blocks) if _KEY_PRIORITIES.match(b.text)]
    groups: list[_Group] = []
    previous_number = 0
    for i in markers:
        heading_at = i - 1
        title = blocks[i - 1].text if i >= 1 else ""
        number: int | None = None
        label = _OUTCOME_LABEL.match(title)
        if label and label.group(2):
            number, title = int(label.group(1)), label.group(2)
        elif label:  # the label alone, title missing: unusual, keep the label
            number = int(label.group(1))
        elif i >= 2 and (above := _OUTCOME_LABEL.match(blocks[i - 2].text)) and not above.group(2):
            number, heading_at = int(above.group(1)), i - 2
        if number is None:  # "headings sometimes missing their 'Outcome N' label": count on
            number = previous_number + 1
        previous_number = number
        groups.append(_Group(number, title_of(title), heading_at, i - 1, (i + 1, i + 1)))
    for k, group in enumerate(groups):
        end = groups[k + 1].heading_at if k + 1 < len(groups) else len(blocks)
        group.body = (group.body[0], end)
    return groups


def _passes(groups: list[_Group]) -> list[list[_Group]]:
    """Split groups into listings: a number that does not go up starts the next listing."""
    passes: list[list[_Group]] = []
    for group in groups:
        if not passes or group.number <= passes[-1][-1].number:
            passes.append([])
        passes[-1].append(group)
    return passes


def _summary_priorities(blocks: list[Block], group: _Group) -> tuple[list[str], int]:
    """Priority titles of a summary group (its leading bullets) and the index where its bullets end."""
    titles: list[str] = []
    i = group.body[0]
    while i < group.body[1] and blocks[i].bullet:
        titles.append(title_of(blocks[i].text))
        i += 1
    return titles, i


def parse_plan(source: str, document_title: str) -> ParsedDocument | None:
    """Parse a plan with outcomes and key priorities; None when the text has no 'Key Priorities' lists."""
    blocks = blocks_from_lines(clean_lines(source), source)
    groups = _find_groups(blocks)
    if not groups:
        return None
    passes = _passes(groups)
    detailed = passes[-1]
    summary = {g.number: _summary_priorities(blocks, g)[0] for g in passes[0]} if len(passes) > 1 else {}

    parts: list[Part] = []
    outcomes: list[ParsedOutcome] = []
    # Sections before the first listing, and between the summary listing and the detailed one.
    first = passes[0][0].heading_at
    parts += _sections(blocks[:first], skip_title=document_title)
    if len(passes) > 1:
        _, summary_end = _summary_priorities(blocks, passes[-2][-1])
        parts += _sections(blocks[summary_end : detailed[0].heading_at], skip_title=document_title)

    tail: list[Block] = []
    for k, group in enumerate(detailed):
        outcome = ParsedOutcome(group.number, group.title, heading=blocks[group.title_at])
        outcomes.append(outcome)
        expected = list(summary.get(group.number, []))
        current: Part | None = None
        body = blocks[group.body[0] : group.body[1]]
        for j, block in enumerate(body):
            title = _match_priority(block, expected) if expected else _unlisted_priority(block, body, j)
            if title is not None:
                current = Part(
                    "priority",
                    (f"Outcome {group.number}", title),
                    [],
                    group.number,
                    group.title,
                    title,
                    heading=block,
                )
                outcome.priorities.append(current)
                parts.append(current)
                continue
            is_last = k == len(detailed) - 1
            if is_last and looks_like_heading(block) and not (expected and _near_any(block, expected)):
                tail = body[j:]
                break
            if current is None:  # text between the outcome heading and its first priority
                current = Part("section", (f"Outcome {group.number}",), [], group.number, group.title, None)
                parts.append(current)
            current.blocks.append(block)
    parts += _sections(tail, skip_title=document_title)
    return ParsedDocument(parts, outcomes)


def _match_priority(block: Block, expected: list[str]) -> str | None:
    """The detailed wording of a priority when this block is one of the summary's titles."""
    if len(block.text) > 2.0 * max(len(t) for t in expected):
        return None
    scored = [(similarity(block.text, title), title) for title in expected]
    best, title = max(scored)
    if best < PRIORITY_MATCH:
        return None
    expected.remove(title)
    return title_of(block.text)


def _near_any(block: Block, expected: list[str]) -> bool:
    return any(similarity(block.text, t) >= PRIORITY_MATCH - 0.15 for t in expected)


def _unlisted_priority(block: Block, body: list[Block], j: int) -> str | None:
    """Without a summary: a top-level bullet followed by an indented one is a priority."""
    following = body[j + 1] if j + 1 < len(body) else None
    if block.bullet and block.indent == 0 and following is not None and following.indent > block.indent:
        return title_of(block.text)
    return None


def _sections(blocks: list[Block], skip_title: str) -> list[Part]:
    """Heading-led sections; 'Label: text' paragraphs under a heading become its subsections."""
    parts: list[Part] = []
    heading: str | None = None
    current: Part | None = None
    for block in blocks:
        if _OUTCOME_LABEL.match(block.text) and len(block.text) < 12:
            continue
        if looks_like_heading(block):
            if similarity(block.text, skip_title) > 0.9:
                continue
            heading = title_of(block.text)
            current = Part("section", (heading,), [])
            parts.append(current)
            continue
        label = _LABELLED_PARAGRAPH.match(block.text)
        if label and heading is not None:
            name = re.sub(r"^Our\s+", "", label.group(1))
            current = Part("section", (heading, name), [])
            parts.append(current)
        if current is None:
            current = Part("section", (heading or "Introduction",), [])
            parts.append(current)
        current.blocks.append(block)
    return [p for p in parts if p.blocks]


def parse_generic(source: str, headings: Sequence[Heading], skip_title: str = "") -> ParsedDocument:
    """A document without outcomes: sections follow its headings (a stack by level). A heading that is the
    document's own title (``skip_title``) heads no section: its sections are named by their own headings."""
    ordered = sorted(headings, key=lambda h: h.start)
    titles = [h for h in ordered if skip_title and similarity(h.title, skip_title) > 0.9]
    ordered = [h for h in ordered if h not in titles]
    parts: list[Part] = []
    stack: list[Heading] = []
    lines = clean_lines(source)
    k = 0
    current = Part("section", ("Introduction",), [])
    parts.append(current)
    pending: list[Line] = []

    def flush() -> None:
        current.blocks.extend(blocks_from_lines(pending, source))
        pending.clear()

    for line in lines:
        if k < len(ordered) and line.start >= ordered[k].start:
            flush()
            while k < len(ordered) and line.start >= ordered[k].start:
                heading = ordered[k]
                stack = [h for h in stack if h.level < heading.level] + [heading]
                k += 1
            current = Part("section", tuple(h.title for h in stack), [])
            parts.append(current)
        if any(h.start <= line.start < h.end for h in [*stack[-1:], *titles]):
            continue  # the heading line itself
        pending.append(line)
    flush()
    return ParsedDocument([p for p in parts if p.blocks], [])
