"""Find headings in plain text, Markdown and extracted blocks: pure functions, offsets into the text."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Heading:
    """A heading found in a document's text."""

    start: int  # offset in the text where the heading starts
    end: int  # offset where it ends (exclusive)
    level: int  # 1 = top level
    title: str  # heading text, cleaned (no '#', no markup)


# A block of extracted text and its heading level (None for body text).
Block = tuple[str, int | None]


def assemble_blocks(blocks: Sequence[Block], start: int = 0) -> tuple[str, tuple[Heading, ...]]:
    """Join blocks with blank lines and record where each heading block sits in the joined text."""
    parts: list[str] = []
    headings: list[Heading] = []
    offset = start
    for text, level in blocks:
        if not text:
            continue
        if parts:
            offset += 2
        if level is not None:
            headings.append(Heading(offset, offset + len(text), level, " ".join(text.split())))
        parts.append(text)
        offset += len(text)
    return "\n\n".join(parts), tuple(headings)


# Characters that open a bullet line in the documents councils publish (and in text extracted from them).
_BULLET = re.compile(r"^\s*([-*+•·◦▪▫■□●○‣⁃–—]|o\s)")
_PAGE_NUMBER = re.compile(r"^(page\s*)?\d+(\s*(of|/)\s*\d+)?$", re.IGNORECASE)
_TERMINAL = (".", ",", ";", ":", "…")

_ATX = re.compile(r"^ {0,3}(#{1,6})(?=[ \t]|$)(.*)$")
_SETEXT_UNDERLINE = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_MD_BLOCK_START = re.compile(r"^ {0,3}([-*+][ \t]|\d{1,9}[.)][ \t]|>|#{1,6}([ \t]|$)|<)")


def line_spans(text: str) -> list[tuple[int, int]]:
    """Return (start, end) of each line's content in text, line endings excluded."""
    spans = []
    offset = 0
    for line in text.splitlines(keepends=True):
        content = line.rstrip("\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")
        spans.append((offset, offset + len(content)))
        offset += len(line)
    return spans


def looks_like_heading(line: str, max_chars: int = 80, allow_full_stop: bool = False) -> bool:
    """Say whether one line of text reads like a heading: short, capitalised, not a bullet or sentence."""
    line = " ".join(line.split())
    if not line or len(line) > max_chars or len(line.split()) > max_chars // 6:
        return False
    if _BULLET.match(line) or _PAGE_NUMBER.match(line):
        return False
    if not (line[0].isupper() or line[0].isdigit()):
        return False
    if sum(ch.isalpha() for ch in line) < 3:
        return False
    ending = line[-1]
    return not (ending in _TERMINAL and not (allow_full_stop and ending == "."))


def guess_headings(text: str, level: int = 1) -> tuple[Heading, ...]:
    """Guess headings in plain text: lines that look like headings and stand alone between blank lines."""
    spans = line_spans(text)
    blank = [not text[s:e].strip() for s, e in spans]
    headings = []
    for i, (start, end) in enumerate(spans):
        if blank[i]:
            continue
        alone = (i == 0 or blank[i - 1]) and (i == len(spans) - 1 or blank[i + 1])
        line = text[start:end]
        if alone and looks_like_heading(line):
            lead = len(line) - len(line.lstrip())
            trail = len(line) - len(line.rstrip())
            headings.append(Heading(start + lead, end - trail, level, " ".join(line.split())))
    return tuple(headings)


def clean_markdown_inline(text: str) -> str:
    """Strip inline Markdown markup (emphasis, code, links, images, HTML tags) from a heading's text."""
    text = re.sub(r"!\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"\[([^\]]+)\]\[[^\]]*\]", r"\1", text)
    text = re.sub(r"<[^>\n]+>", "", text)
    text = re.sub(r"(`+)(.+?)\1", r"\2", text)
    text = re.sub(r"(\*\*|__|~~)(.+?)\1", r"\2", text)
    text = re.sub(r"\*(\S(?:.*?\S)?)\*", r"\1", text)
    text = re.sub(r"(?<!\w)_(\S(?:.*?\S)?)_(?!\w)", r"\1", text)
    text = re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", text)
    return " ".join(text.split())


def _front_matter_end(lines: list[str]) -> int:
    """Index of the first line after a YAML front matter block, or 0 when there is none."""
    if lines and lines[0].strip() == "---":
        for i in range(1, len(lines)):
            if lines[i].strip() in ("---", "..."):
                return i + 1
    return 0


def markdown_headings(text: str) -> tuple[Heading, ...]:
    """Find ATX (# Title) and setext (Title / ===) headings in Markdown, outside code blocks."""
    spans = line_spans(text)
    lines = [text[s:e] for s, e in spans]
    headings: list[Heading] = []
    fence: str | None = None
    paragraph_start: int | None = None  # index of the first line of the current plain paragraph
    for i in range(_front_matter_end(lines), len(lines)):
        line = lines[i]
        start, end = spans[i]
        fence_match = _FENCE.match(line)
        if fence is not None:
            closing = fence_match.group(1) if fence_match else ""
            if closing[:1] == fence[0] and len(closing) >= len(fence):
                fence = None
            continue
        if fence_match:
            fence, paragraph_start = fence_match.group(1), None
            continue
        if not line.strip():
            paragraph_start = None
            continue
        atx = _ATX.match(line)
        if atx:
            title = re.sub(r"(^|[ \t])#+$", "", atx.group(2).strip()).strip()
            title = clean_markdown_inline(title)
            if title:
                lead = len(line) - len(line.lstrip())
                headings.append(Heading(start + lead, end, len(atx.group(1)), title))
            paragraph_start = None
            continue
        underline = _SETEXT_UNDERLINE.match(line)
        if underline:
            if paragraph_start is None or paragraph_start < 0:
                continue  # a thematic break, or a line inside a list/quote/table
            first = spans[paragraph_start][0]
            body = " ".join(lines[j].strip() for j in range(paragraph_start, i))
            title = clean_markdown_inline(body)
            if title:
                level = 1 if underline.group(1)[0] == "=" else 2
                lead = len(lines[paragraph_start]) - len(lines[paragraph_start].lstrip())
                headings.append(Heading(first + lead, end, level, title))
            paragraph_start = None
            continue
        if paragraph_start is None:
            # Indented code, lists, quotes, HTML and tables never become setext headings: mark the
            # block with -1 so an underline-like line inside it is not read as one.
            plain = not (line.startswith(("    ", "\t")) or _MD_BLOCK_START.match(line) or "|" in line)
            paragraph_start = i if plain else -1
    return tuple(headings)
