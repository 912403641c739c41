"""Lay out text extracted from PDF pages: lines, blocks and headings from positions and font sizes.

Pure functions over the fragments pypdf's extractor emits; the loader does the reading.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from ingest.headings import Block, Heading, assemble_blocks, looks_like_heading


@dataclass(frozen=True)
class PdfLine:
    """One line of a PDF page's extracted text, with its baseline height and font size when known."""

    text: str
    y: float | None = None
    size: float | None = None


# A piece of text as pypdf's extractor emits it: text, baseline y, effective font size.
Fragment = tuple[str, float | None, float | None]


def pdf_lines(fragments: Sequence[Fragment]) -> list[PdfLine]:
    """Split a page's text fragments into lines; each line takes the position and largest size of its text."""
    lines: list[PdfLine] = []
    text, y, size = "", None, None
    for piece, piece_y, piece_size in fragments:
        parts = piece.split("\n")
        for i, part in enumerate(parts):
            if i > 0:
                lines.append(PdfLine(text, y, size))
                text, y, size = "", None, None
            text += part
            if part.strip() and piece_size is not None:
                y = piece_y
                size = piece_size if size is None else max(size, piece_size)
    lines.append(PdfLine(text, y, size))
    return [PdfLine(line.text.rstrip(), line.y, line.size) for line in lines]


def _same_size(a: float | None, b: float | None) -> bool:
    return a is None or b is None or abs(a - b) <= 0.15 * max(a, b)


def pdf_page_blocks(lines: Sequence[PdfLine]) -> list[list[PdfLine]]:
    """Group a page's lines into blocks at blank lines, font-size changes and gaps wider than line spacing."""
    # Line spacing is measured as a multiple of the font size so headings and body text share one measure.
    # The lower quartile is the spacing inside paragraphs even on a page of short paragraphs; a page of
    # one-line paragraphs has nothing to measure, so it is capped at 1.6, looser than any common setting.
    ratios = sorted(
        (prev.y - line.y) / prev.size
        for prev, line in itertools.pairwise(lines)
        if prev.y is not None
        and line.y is not None
        and prev.y > line.y
        and prev.size
        and line.size
        and _same_size(prev.size, line.size)
    )
    spacing = min(ratios[len(ratios) // 4], 1.6) if ratios else 1.6
    blocks: list[list[PdfLine]] = []
    current: list[PdfLine] = []
    for line in lines:
        if not line.text.strip():
            if current:
                blocks.append(current)
            current = []
            continue
        if current:
            prev = current[-1]
            new_block = not _same_size(prev.size, line.size)
            if prev.y is not None and line.y is not None and prev.size:
                gap = prev.y - line.y
                # Moving up the page means a new column or a text box; a wide gap ends a paragraph.
                new_block = new_block or gap < 0 or gap > 1.35 * spacing * prev.size
            if new_block:
                blocks.append(current)
                current = []
        current.append(line)
    if current:
        blocks.append(current)
    return blocks


def _body_size(pages: Sequence[Sequence[PdfLine]]) -> float | None:
    weights: Counter[float] = Counter()
    for lines in pages:
        for line in lines:
            if line.size is not None:
                weights[round(line.size * 2) / 2] += len(line.text.strip())
    return weights.most_common(1)[0][0] if weights else None


def pdf_document(pages: Sequence[Sequence[PdfLine]]) -> tuple[str, tuple[Heading, ...], tuple[int, ...]]:
    """Lay out a PDF's pages as blocks, find headings by font size or layout, and record page starts."""
    body = _body_size(pages)
    page_blocks = [pdf_page_blocks(lines) for lines in pages]

    def heading_size(block: list[PdfLine]) -> float | None:
        sizes = {line.size for line in block}
        if body is None or None in sizes or len(block) > 3:
            return None
        smallest = min(s for s in sizes if s is not None)
        return round(smallest) if smallest >= 1.15 * body else None

    sizes = {heading_size(block) for blocks in page_blocks for block in blocks}
    ranks = sorted((s for s in sizes if s is not None), reverse=True)
    level_of = {size: min(rank, 6) for rank, size in enumerate(ranks, start=1)}
    layout_level = min(len(ranks) + 1, 6)

    text_parts: list[str] = []
    headings: list[Heading] = []
    starts: list[int | None] = []  # None for a page without text
    offset = 0
    for blocks in page_blocks:
        if text_parts and blocks:
            offset += 2
        starts.append(offset if blocks else None)
        marked: list[Block] = []
        for block in blocks:
            block_text = "\n".join(line.text.strip() for line in block)
            size = heading_size(block)
            level = None
            if size is not None and looks_like_heading(block_text, max_chars=150, allow_full_stop=True):
                level = level_of[size]
            elif len(block) == 1 and looks_like_heading(block_text):
                level = layout_level
            marked.append((block_text, level))
        page_text, page_headings = assemble_blocks(marked, start=offset)
        if page_text:
            text_parts.append(page_text)
            headings.extend(page_headings)
            offset += len(page_text)
    text = "\n\n".join(text_parts)
    # A page without text starts where the next page with text does, so offsets map to the page holding them.
    page_starts: list[int] = []
    following = len(text)
    for start in reversed(starts):
        following = start if start is not None else following
        page_starts.append(following)
    return text, tuple(headings), tuple(reversed(page_starts))
