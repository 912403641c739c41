"""Grounding: every answer sentence must be supported by a passage sentence, every figure found in it."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from plan_assistant.schemas import Passage
from plan_assistant.text import content_words, split_sentences

_LIST_MARK = re.compile(r"^(\s*(?:[-*•]|\d{1,2}[.)])\s+)")
# Figures: money, percentages, plain numbers and years; "£6 million" and "£6m" compare equal.
_FIGURE = re.compile(r"£\s?\d[\d,.]*\s?(?:m|bn|k|million|billion)?\b|\d[\d,.]*\s?%|\b\d[\d,.]*\b", re.I)
LEXICAL_SUPPORT = 0.6  # share of the sentence's content words found in the supporting sentence
SEMANTIC_SUPPORT = 0.62  # cosine similarity that, with half the words, also counts as support
SEMANTIC_WITH_WORDS = 0.45

Embed = Callable[[Sequence[str]], np.ndarray]


@dataclass(frozen=True)
class Support:
    """The passage sentence that supports an answer sentence."""

    passage: int
    sentence: int
    lexical: float
    semantic: float


def figures(text: str) -> set[str]:
    """Numbers, money, percentages and years in a text, normalised (£6 million -> £6m)."""
    found = set()
    for match in _FIGURE.finditer(text):
        value = re.sub(r"\s+", "", match.group(0).lower()).rstrip(".,")
        value = value.replace("million", "m").replace("billion", "bn")
        if value and any(ch.isdigit() for ch in value):
            found.add(value)
    return found


def _figure_core(value: str) -> str:
    return re.sub(r"[^\d.]", "", value)


def figures_supported(sentence: str, source: str) -> bool:
    """Every figure of the sentence appears in the source."""
    have = {_figure_core(f) for f in figures(source)}
    return all(_figure_core(f) in have for f in figures(sentence))


def split_line(line: str) -> tuple[str, list[str]]:
    """A Markdown line -> its list marker (or '') and its sentences."""
    marker = ""
    if m := _LIST_MARK.match(line):
        marker = m.group(1)
        line = line[m.end() :]
    return marker, split_sentences(line.replace("**", ""))


def _in_plain(sentence: str, plain: str | None) -> bool:
    # A plain-English rendering was checked against its source sentence when it was prepared (every
    # figure and name kept, nothing added), so each of its sentences stands on that source.
    return bool(plain) and sentence.strip() in {p.strip() for p in split_sentences(plain or "")}


def find_support(sentence: str, passages: Sequence[Passage], embed: Embed | None = None) -> Support | None:
    """The passage sentence best supporting ``sentence``, if any clears the thresholds."""
    words = content_words(sentence)
    if not words:
        return None
    best: Support | None = None
    candidates: list[tuple[int, int, str, float]] = []
    for p, passage in enumerate(passages):
        for s, source in enumerate(passage.chunk.sentences):
            if source.text.strip() == sentence.strip() or _in_plain(sentence, source.plain):
                return Support(p, s, 1.0, 1.0)
            overlap = len(words & content_words(source.text)) / len(words)
            candidates.append((p, s, source.text, overlap))
    candidates.sort(key=lambda c: c[3], reverse=True)
    top = candidates[:4]
    semantic = [0.0] * len(top)
    if embed is not None and top and top[0][3] < LEXICAL_SUPPORT:
        vectors = embed([sentence, *[c[2] for c in top]])
        semantic = [float(v) for v in vectors[1:] @ vectors[0]]
    for (p, s, _text, overlap), sim in zip(top, semantic, strict=True):
        ok = (
            overlap >= LEXICAL_SUPPORT
            or sim >= SEMANTIC_SUPPORT
            or (sim >= 0.5 and overlap >= SEMANTIC_WITH_WORDS)
        )
        if ok and figures_supported(sentence, passages[p].chunk.text):
            candidate = Support(p, s, overlap, sim)
            if best is None or (overlap + sim) > (best.lexical + best.semantic):
                best = candidate
    return best


_MARKERS = re.compile(r"\s?\[\d+\]")
# The prompt labels passages P1, P2 ... (prompts.format_passage); a model may cite them by that label. A label
# in brackets goes like a marker; one named in the prose ("described in Passage P1") becomes "the plan".
_PASSAGE_ID = r"P\d{1,2}"
_PASSAGE_MARKERS = re.compile(rf"\s?[\[(]{_PASSAGE_ID}(?:\s*(?:,|;|and)\s*{_PASSAGE_ID})*[\])]")
_PASSAGE_NAMED = re.compile(
    rf"\b(?:the\s+)?passages?\s+{_PASSAGE_ID}(?:(?:\s*,\s*|\s+and\s+){_PASSAGE_ID})*\b"
    r"|<\s*passage\b[^>]*>",  # the prompt's own tag, copied
    re.IGNORECASE,
)
_PASSAGE_CLOSE = re.compile(r"\s?<\s*/\s*passage\s*>", re.IGNORECASE)


def strip_markers(text: str) -> str:
    """Text without citation markers like [2] (a model's own, or ours) or the prompt's passage labels."""
    text = _PASSAGE_NAMED.sub("the plan", _PASSAGE_MARKERS.sub("", _PASSAGE_CLOSE.sub("", text)))
    return _MARKERS.sub("", text)
