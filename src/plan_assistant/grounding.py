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


def find_support(sentence: str, passages: Sequence[Passage], embed: Embed | None = None) -> Support | None:
    """The passage sentence best supporting ``sentence``, if any clears the thresholds."""
    words = content_words(sentence)
    if not words:
        return None
    best: Support | None = None
    candidates: list[tuple[int, int, str, float]] = []
    for p, passage in enumerate(passages):
        for s, source in enumerate(passage.chunk.sentences):
            if source.text.strip() == sentence.strip():
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


# Each kind of figure a question can ask for, and what an answer must state to give one.
_FIGURE_ASKS: tuple[tuple[re.Pattern[str], re.Pattern[str]], ...] = (
    (
        re.compile(r"\b(?:what|which)\s+(?:percentage|proportion|share)\b|\bhow\s+many\s+per\s*cent", re.I),
        re.compile(r"\d\s*%|\bper\s*cent\b", re.I),
    ),
    (
        re.compile(
            r"\bhow\s+much\b.*\b(?:cost|save|saving|spend|spent|budget|money|fund|funding|worth|pay)|"
            r"\b(?:total|annual)\s+(?:budget|cost|spend)|\bhow\s+much\s+(?:money|funding)",
            re.I,
        ),
        re.compile(r"£\s?\d", re.I),
    ),
    (
        re.compile(r"\bhow\s+(?:many|much)\b|\bwhat\s+(?:number|amount)\b|\bhow\s+(?:big|large)\b", re.I),
        re.compile(
            r"£\s?\d|\b(?!(?:19|20)\d\d\b)\d[\d,.]*\b|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|"
            r"eleven|twelve|fifteen|twenty|hundred|thousand|million|billion|half|quarter|dozen)\b",
            re.I,
        ),
    ),
)
_MARKERS = re.compile(r"\s?\[\d+\]")
# "When ...?" is best answered by a sentence with a date; unlike a count, its absence is no reason to refuse.
_WHEN = (
    re.compile(r"\b(?:when|what\s+year|what\s+date|how\s+soon|by\s+what\s+date)\b", re.I),
    re.compile(
        r"\b(?:19|20)\d\d\b|\b(?:January|February|March|April|May|June|July|August|September|"
        r"October|November|December)\b"
    ),
)


def strip_markers(text: str) -> str:
    """Text without citation markers like [2] (a model's own, or ours)."""
    return _MARKERS.sub("", text)


def figure_asked(question: str) -> re.Pattern[str] | None:
    """What an answer must contain to give the figure the question asks for, or None when it asks none."""
    for asks, gives in (*_FIGURE_ASKS, _WHEN):
        if asks.search(question):
            return gives
    return None


def states_asked_figure(question: str, answer: str) -> bool:
    """False when the question asks for a figure (a count, a sum, a percentage) the answer does not give."""
    text = _MARKERS.sub("", answer)
    for asks, gives in _FIGURE_ASKS:
        if asks.search(question):
            return bool(gives.search(text))
    return True
