"""How the metrics read text: normalised forms, sentences, stemmed content words, notices and Markdown removed.

An implementation of its own, on purpose: the evals measure the runtime and must not share its text
internals, or a bug in both would cancel out.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from functools import lru_cache

import snowballstemmer

_STOPWORD_TEXT = """
    a about above after all also am an and any are as at be been being but by can could did do does
    doing for from had has have having he her here hers him his how i if in into is it its itself just
    me more most my no nor not of off on once only or other our ours out over own same she should so
    some such than that the their theirs them then there these they this those through to too under
    until up very was we were what when where which while who whom why will with would you your yours"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())
_ALNUM = r"[^\W_]"  # a letter or digit: an underscore or hyphen may end a forbidden prefix such as "sk-"


def squash(text: str) -> str:
    """Collapse runs of whitespace and unify Unicode forms, for verbatim comparisons."""
    text = unicodedata.normalize("NFKC", text).replace("\u2019", "'").replace("\u2018", "'")
    return re.sub(r"\s+", " ", text).strip()


def normalise_fact(text: str) -> str:
    """Lightly normalise for fact matching: case, whitespace, hyphens, markdown, '£6m' = '£6 million'."""
    text = squash(text).casefold()
    text = re.sub(r"[*_`]", "", text)
    text = re.sub(r"[\u2010-\u2015-]", " ", text)
    text = re.sub(r"£\s*(\d+(?:\.\d+)?)\s*(?:m|million)\b", r"£\1 million", text)
    text = re.sub(r"£\s*(\d+(?:\.\d+)?)\s*(?:bn|billion)\b", r"£\1 billion", text)
    text = re.sub(r"(\d)\s*(?:per cent|percent)\b", r"\1%", text)
    return re.sub(r"\s+", " ", text).strip()


def same_title(a: str | None, b: str | None) -> bool:
    """Whether two priority titles are the same, ignoring case, spacing, bullets and a final full stop."""
    if not a or not b:
        return False

    def clean(title: str) -> str:
        return squash(title).casefold().strip("-·•o ").rstrip(".").strip()

    return clean(a) == clean(b)


def _compact(text: str) -> str:
    # Spaces and hyphens dropped: "strengthbased" = "strength-based", "Medium-Term" = "medium term".
    return re.sub(r"[\s-]+", "", normalise_fact(text))


def states(answer: str, fact: str) -> bool:
    """Whether the answer states a fact, after light normalisation."""
    return _compact(fact) in _compact(answer)


def says_phrase(text: str, phrase: str) -> bool:
    """Whether a text contains a phrase as whole words (case-insensitive; hyphens and underscores kept)."""
    wanted = squash(phrase)
    if not wanted:
        return False
    pattern = re.escape(wanted).replace(r"\ ", r"\s+")
    # A boundary only where the phrase's edge is a letter or digit, so that "crap" misses "scrap" while a
    # forbidden prefix such as "sk-" or "PLAN_ASSISTANT_" still catches "sk-abc" and "PLAN_ASSISTANT_X".
    if re.match(_ALNUM, wanted[0]):
        pattern = rf"(?<!{_ALNUM}){pattern}"
    if re.match(_ALNUM, wanted[-1]):
        pattern = rf"{pattern}(?!{_ALNUM})"
    return re.search(pattern, squash(text), flags=re.IGNORECASE) is not None


def without_notices(answer: str, notices: Iterable[str]) -> str:
    """The answer with every guardrail notice taken out, so fixed wording never counts as content."""
    for notice in notices:
        if notice.strip():
            answer = answer.replace(notice, "")
    return answer.strip()


def strip_markup(text: str) -> str:
    """Text without Markdown links, bare URLs, [n] markers and list markers."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"https?://\S+", " ", text)
    text = re.sub(r"\s*\[\d+\]", "", text)
    return re.sub(r"(?m)^\s*(?:[-*•>#]+|\d+[.)])\s+", "", text)


def plain_prose(answer: str) -> str:
    """An answer as a reader meets its prose: no Reference lines, Markdown emphasis, bullets, links or [n]."""
    lines = [
        line
        for line in answer.splitlines()
        if not re.match(r"\s*(?:\*\*)?Reference", line)  # the staff list of places in the plan
    ]
    text = strip_markup("\n".join(lines))
    text = re.sub(r"(\*\*|__|\*|`)", "", text)
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())


def answer_sentences(answer: str) -> list[str]:
    """The answer's sentences, with list markers, links and [n] markers removed."""
    parts: list[str] = []
    for line in strip_markup(answer).splitlines():
        parts.extend(p.strip() for p in re.split(r"(?<=[.!?])\s+(?=[A-Z\"'(])", line))
    return [p for p in parts if p]


def content_tokens(text: str) -> set[str]:
    """Lower-case content words and numbers of a text, without stopwords."""
    words = re.findall(r"[a-z0-9£%]+(?:['/][a-z0-9]+)*", normalise_fact(text))
    return {w for w in words if w not in STOPWORDS and len(w) > 1}


_STEMMER = snowballstemmer.stemmer("english")


@lru_cache(maxsize=8192)
def _stem(word: str) -> str:
    return str(_STEMMER.stemWord(word))


def content_stems(text: str) -> set[str]:
    """The Snowball stems of a text's content words, so 'flooding' and 'flood' count as one word."""
    return {_stem(w) if w.isalpha() else w for w in content_tokens(text)}


def stems_of(texts: Sequence[str]) -> set[str]:
    """Every content stem of several texts."""
    return set().union(*(content_stems(t) for t in texts)) if texts else set()
