"""The default generator: the most relevant whole sentences of the retrieved passages. Cannot invent."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from plan_assistant.answer_types import asked_types, asks_for_list, holds
from plan_assistant.schemas import Audience, Passage, Sentence
from plan_assistant.text import content_words, stem

if TYPE_CHECKING:
    from plan_assistant.config import Settings

# How many sentences each audience gets: residents a short answer, staff the fuller picture,
# advisers 2-4 call-ready bullets.
MAX_SENTENCES: dict[str, int] = {"resident": 3, "staff": 6, "adviser": 4}
MIN_SENTENCES: dict[str, int] = {"resident": 1, "staff": 1, "adviser": 2}
RELATIVE_BAND = 0.12  # keep sentences scoring within this of the best one
SENTENCE_FLOOR = 0.25  # never keep a sentence less similar to the question than this
RANK_WEIGHT = 0.03  # the Settings default (rank_weight); the first passage's sentences get all of it
FIGURE_BONUS = 0.1  # for a sentence stating the kind of thing the question asks for (a sum, a date...)
MAX_LIST_ITEMS = 10  # a list question gets the whole list, up to this many lines
_WORD = re.compile(r"[a-z0-9£%]+")


@dataclass(frozen=True)
class Pick:
    """A chosen sentence: which passage, which of its sentences, and its score."""

    passage: int
    sentence: int
    score: float


def _tokens(text: str) -> set[str]:
    return set(_WORD.findall(text.lower()))


def select_list(passages: Sequence[Passage], best: Pick) -> list[Pick]:
    """For a list question: the whole list holding the best sentence, in the document's order.

    A passage whose sentences include list items answers with those items (the sentence introducing them
    is left out: the answer's lead already says where they sit); a passage of running prose answers with
    all its sentences. A passage of one sentence is no list: None of this applies.
    """
    passage = passages[best.passage]
    sentences = passage.chunk.sentences
    if len(sentences) < 2:
        return []
    items = [n for n, s in enumerate(sentences) if s.item]
    chosen = items if len(items) >= 2 else list(range(len(sentences)))
    return [Pick(best.passage, n, passage.sentence_scores[n]) for n in chosen[:MAX_LIST_ITEMS]]


def with_items(passages: Sequence[Passage], picks: list[Pick]) -> list[Pick]:
    """A chosen sentence that introduces a list ("The Vision set out these tenets.") is replaced by the
    list's items: the introduction alone says nothing."""
    out: list[Pick] = []
    taken = {(p.passage, p.sentence) for p in picks}
    for pick in picks:
        sentences = passages[pick.passage].chunk.sentences
        if sentences[pick.sentence].item:
            if (pick.passage, pick.sentence) not in {(o.passage, o.sentence) for o in out}:
                out.append(pick)
            continue
        items = []
        for n in range(pick.sentence + 1, len(sentences)):
            if not sentences[n].item:
                break
            items.append(n)
        if len(items) < 2:
            out.append(pick)
            continue
        scores = passages[pick.passage].sentence_scores
        out.extend(
            Pick(pick.passage, n, scores[n])
            for n in items[:MAX_LIST_ITEMS]
            if (pick.passage, n) not in taken
            or all((o.passage, o.sentence) != (pick.passage, n) for o in out)
        )
    # Keep the first occurrence of each sentence.
    seen: set[tuple[int, int]] = set()
    unique = []
    for pick in out:
        if (pick.passage, pick.sentence) not in seen:
            seen.add((pick.passage, pick.sentence))
            unique.append(pick)
    return unique


def select_sentences(
    passages: Sequence[Passage], audience: Audience, question: str = "", rank_weight: float = RANK_WEIGHT
) -> list[Pick]:
    """The sentences to answer with, most relevant first, near-duplicates dropped.

    A sentence's score is its similarity to the question plus ``rank_weight`` scaled by its passage's place
    in the fused ranking, which weighs more signals than one sentence's similarity.
    """
    # A question asking for a sum, a count, a date or a person is best answered by a sentence holding one.
    wanted = next(iter(asked_types(question)), None)
    scored: list[Pick] = []
    for p, passage in enumerate(passages):
        rank_bonus = rank_weight * (len(passages) - p) / max(len(passages), 1)
        for s, score in enumerate(passage.sentence_scores):
            figure_bonus = FIGURE_BONUS if wanted and holds(passage.chunk.sentences[s], wanted) else 0.0
            scored.append(Pick(p, s, score + rank_bonus + figure_bonus))
    if not scored:
        return []
    scored.sort(key=lambda pick: pick.score, reverse=True)
    if asks_for_list(question) and (whole := select_list(passages, scored[0])):
        # Advisers read answers out on a call: the list's first items, in the plan's order.
        return whole[: MAX_SENTENCES["adviser"]] if audience == "adviser" else whole
    best = scored[0].score
    keep: list[Pick] = []
    seen: list[set[str]] = []
    for pick in scored:
        in_band = pick.score >= max(SENTENCE_FLOOR, best - RELATIVE_BAND)
        if not in_band and len(keep) >= MIN_SENTENCES[audience]:
            break
        if pick.score < SENTENCE_FLOOR:
            break
        words = _tokens(passages[pick.passage].chunk.sentences[pick.sentence].text)
        if any(len(words & other) / max(len(words | other), 1) > 0.7 for other in seen):
            continue
        keep.append(pick)
        seen.append(words)
        if len(keep) >= MAX_SENTENCES[audience]:
            break
    # The answer leads with the plan's commitments; a sentence of context (outside any key priority) follows.
    keep.sort(key=lambda pick: passages[pick.passage].chunk.priority is None)
    expanded = with_items(passages, keep)
    return expanded[: MAX_SENTENCES["adviser"]] if audience == "adviser" else expanded


def resident_text(sentence: Sentence, question: str) -> str:
    """The sentence's plain rendering, unless it drops a word the person asked with that the plan uses.

    A rendering says things more generally ("local councils" for "parish and town councils"); when the
    question named the plan's own term, the plan's sentence answers it and the rendering would not.
    """
    if not sentence.plain:
        return sentence.text
    asked = {stem(w) for w in content_words(question)}
    source = {stem(w) for w in content_words(sentence.text)}
    plain = {stem(w) for w in content_words(sentence.plain)}
    return sentence.text if (asked & source) - plain else sentence.plain


class ExtractiveGenerator:
    """Answers with the passages' own sentences: one paragraph, or a list when there are several."""

    name = "extractive"

    def __init__(self, rank_weight: float = RANK_WEIGHT) -> None:
        self.rank_weight = rank_weight

    def generate(self, question: str, passages: Sequence[Passage], audience: Audience) -> Iterator[str]:
        """Yield the chosen sentences, one line each (a bulleted list when more than one)."""
        picks = select_sentences(passages, audience, question, self.rank_weight)
        as_list = len(picks) > 1 or audience == "adviser"
        for pick in picks:
            sentence = passages[pick.passage].chunk.sentences[pick.sentence]
            # Residents read the plain-English rendering prepared for the sentence (checked against it when
            # it was made); the citation still quotes the plan's own words. Staff and advisers get those.
            text = resident_text(sentence, question) if audience == "resident" else sentence.text
            text = " ".join(text.split())
            yield f"- {text}\n" if as_list else f"{text}\n"


def from_settings(settings: Settings) -> ExtractiveGenerator:
    """The extractive generator, weighing the passages' fused ranking by ``rank_weight``."""
    return ExtractiveGenerator(settings.rank_weight)
