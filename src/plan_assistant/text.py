"""Text utilities every part shares: one sentence splitter, one stop list, one word tokenizer."""

from __future__ import annotations

import re
import threading
from collections.abc import Container
from functools import lru_cache

import snowballstemmer
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

# A sentence ends at . ! or ?, perhaps closed by quotes or brackets, then space. In document text
# (``strict``) the next sentence must also open with a capital, digit, pound sign, quote or bracket, so
# PDF line breaks and "e.g. something" do not split; people's messages are often all lower case.
_END_STRICT = re.compile(r"(?<=[.!?])([\"'”’)\]]*)\s+(?=[A-Z0-9£\"'‘“(*])")
_END_LOOSE = re.compile(r"(?<=[.!?])([\"'”’)\]]*)\s+|\n+")
ABBREVIATIONS = ("e.g.", "i.e.", "etc.", "No.", "St.", "Mr.", "Mrs.", "Dr.", "approx.", "incl.")
_LIST_NUMBER = re.compile(r"(?:^|\s)(?:\d{1,2}|[a-z]|[ivx]{1,4})[.)]$")  # "1." opening a numbered item


def sentence_spans(text: str, *, strict: bool = True) -> list[tuple[int, int]]:
    """(start, end) offsets of each sentence, surrounding whitespace excluded.

    Args:
        strict: document text (a new sentence opens with a capital); ``False`` for people's messages,
            which also split at line breaks and before lower-case words.
    """
    pattern = _END_STRICT if strict else _END_LOOSE
    spans: list[tuple[int, int]] = []
    start = 0
    for match in pattern.finditer(text):
        end = match.end(1) if match.group(1) is not None else match.start()  # closing quotes stay
        before = text[start:end]
        if before.endswith(ABBREVIATIONS) or (_LIST_NUMBER.search(before) and len(before.split()) <= 2):
            continue
        spans.append((start, end))
        start = match.end()
    spans.append((start, len(text)))
    out: list[tuple[int, int]] = []
    for a, b in spans:
        piece = text[a:b]
        stripped = piece.strip()
        if stripped:
            a += len(piece) - len(piece.lstrip())
            out.append((a, a + len(stripped)))
    return out


def split_sentences(text: str, *, strict: bool = True) -> list[str]:
    """Split text into sentences (see ``sentence_spans``)."""
    return [text[a:b] for a, b in sentence_spans(text, strict=strict)]


# scikit-learn's English stop words, less the words it lists that carry meaning in public-sector text
# ("Integrated Care System", "council tax bill", "fire service", "call centre").
_MEANINGFUL = frozenset(
    [
        "system",
        "bill",
        "fire",
        "interest",
        "computer",
        "found",
        "detail",
        "describe",
        "call",
        "amount",
        "part",
        "serious",
        "empty",
        "full",
        "front",
        "bottom",
        "top",
        "side",
        "move",
        "name",
        "show",
        "fill",
        "find",
        "thick",
        "thin",
        "cry",
        "mill",
        "con",
        "de",
        "co",
        "inc",
        "ltd",
        "sincere",
    ]
)
# Contractions typed without their apostrophe ("havent", "theyre") are stop words too, not unknown topics.
_BARE_CONTRACTIONS = {
    "arent", "cant", "couldnt", "didnt", "doesnt", "dont", "hadnt", "hasnt", "havent", "isnt", "shouldnt",
    "wasnt", "werent", "wont", "wouldnt", "im", "ive", "youre", "youve", "theyre", "theyve", "theres",
    "thats", "whats", "whos", "wheres", "hows", "weve", "shes", "hes", "itll", "youll", "theyll",
}  # fmt: skip
STOP_WORDS: frozenset[str] = frozenset(ENGLISH_STOP_WORDS - _MEANINGFUL) | _BARE_CONTRACTIONS
"""The one English stop list: BM25, grounding overlap and question coverage all drop these words."""

WORD = re.compile(r"[a-z0-9£%]+")
_LOCAL = threading.local()  # a Snowball stemmer keeps state while it works: one per thread


def words(text: str) -> list[str]:
    """Lower-case word tokens (letters, digits, £ and %), in order."""
    return WORD.findall(text.lower())


def content_words(text: str) -> set[str]:
    """Lower-case words that carry meaning: stop words and single characters dropped."""
    return {w for w in words(text) if w not in STOP_WORDS and len(w) > 1}


def _stemmer() -> snowballstemmer.stemmer:
    stemmer = getattr(_LOCAL, "stemmer", None)
    if stemmer is None:
        stemmer = _LOCAL.stemmer = snowballstemmer.stemmer("english")
    return stemmer


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """The Snowball (Porter 2) stem of one lower-case word."""
    return str(_stemmer().stemWord(word))


def stems(text: str) -> list[str]:
    """Stemmed content words in order (stop words dropped): the tokens BM25 and coverage compare."""
    return [stem(w) for w in words(text) if w not in STOP_WORDS]


_AGENT = re.compile(r"(?:er|ist)$")


def activity_stem(word_stem: str, known: Container[str]) -> str:
    """The stem of the activity an agent noun names, when the documents use the activity and not the noun:
    "leaver" -> "leav" (as in "leaving"), "carer" -> "care", "cyclist" -> "cycl" ("cycling"). A stem the
    documents use, or one with no known activity, is returned as it is."""
    match = _AGENT.search(word_stem)
    if word_stem in known or not match or match.start() < 3:
        return word_stem
    base = word_stem[: match.start()]
    # "carer" is care, not car: the base with its silent e is tried first
    return next((s for s in (stem(base + "e"), stem(base)) if s in known), word_stem)
