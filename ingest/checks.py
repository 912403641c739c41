"""Checks on what the model derives from a sentence: the same figures, the same names, simpler words.

Pure functions over strings. A plain rendering is kept only when it says nothing the source does not
(no new figure, no new name), drops no figure or name the source gives, reads at a lower grade, and
shares enough stemmed words with the source for the runtime's grounding check to see it says the same.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from difflib import SequenceMatcher

from plan_assistant.text import STOP_WORDS, sentence_spans, split_sentences, stem, stems

with warnings.catch_warnings():
    # textstat 0.7.3 imports pkg_resources, which warns on import; the pin is deliberate (pyproject).
    warnings.simplefilter("ignore")
    import textstat

TARGET_GRADE = 8.0  # Flesch-Kincaid grade a resident rendering aims for
MIN_GRADE_DROP = 3.0  # otherwise it must read at least this many grades lower than the source
MIN_OVERLAP = 0.5  # share of each rendering sentence's stemmed content words found in the source
MAX_QUESTION_WORDS = 25
QUESTIONS = (3, 5)
KEYWORDS = (5, 10)
MAX_KEYWORD_WORDS = 4
MISSPELLING_RATIO = 0.88  # a word this like one of the source's, but not it, is a misspelling ("Sommerset")

_SCALES = {
    "k": 1_000,
    "thousand": 1_000,
    "m": 1_000_000,
    "mn": 1_000_000,
    "million": 1_000_000,
    "bn": 1_000_000_000,
    "billion": 1_000_000_000,
}
_FIGURE = re.compile(
    r"(?<![\w.])£?(\d+(?:,\d{3})*(?:\.\d+)?)"
    r"(?:\s*(%|per\s?cent\b|k\b|thousand\b|mn\b|m\b|million\b|bn\b|billion\b))?",
    re.IGNORECASE,
)
# "one" is left out: it is more often a pronoun ("no one", "one of the") than a figure.
_NUMBER_WORDS = {
    w: n
    for n, w in enumerate(
        [
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
            "thirteen",
            "fourteen",
            "fifteen",
            "sixteen",
            "seventeen",
            "eighteen",
            "nineteen",
            "twenty",
        ],
        start=2,
    )
} | {"thirty": 30, "forty": 40, "fifty": 50, "hundred": 100}
_NUMBER_WORD = re.compile(r"\b(" + "|".join(_NUMBER_WORDS) + r")\b", re.IGNORECASE)
_WORD = re.compile(r"[A-Za-z][A-Za-z'’]*")
_NUMBERING = re.compile(r"^\s*(?:[-*•]+|\(?\d+[.):]|\(?[a-z][.)]|q\d*[.:)]|question\s*\d*[.:])\s*", re.I)
_QUOTES = "\"'“”‘’`"
# Questions only a figure or a date can answer: a small model asks them of any sentence, copying its example.
_ASKS_AMOUNT = re.compile(r"\bhow (?:much|many)\b|\bwhat (?:is|are) the (?:cost|budget|amount|number)", re.I)
_ASKS_TIME = re.compile(r"^\s*when\b|\bby when\b|\bhow long\b|\bwhat is the timeline\b|\bwhat year\b", re.I)
_MONTHS = re.compile(
    r"\b(?:january|february|march|april|may|june|july|august|september|october|november|december)\b", re.I
)


def figures(text: str) -> set[str]:
    """Every figure in the text in one canonical form: '£6m' and '6 million' are both '6000000'."""
    found = set()
    for match in _FIGURE.finditer(text):
        try:
            value = Decimal(match.group(1).replace(",", ""))
        except InvalidOperation:  # pragma: no cover - the pattern only matches numbers
            continue
        unit = (match.group(2) or "").lower().replace(" ", "")
        if unit in ("%", "percent"):
            found.add(f"{_plain_number(value)}%")
        else:
            found.add(_plain_number(value * _SCALES.get(unit, 1)))
    found |= {str(_NUMBER_WORDS[w.lower()]) for w in _NUMBER_WORD.findall(text)}
    return found


def _plain_number(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _base(word: str) -> str:
    word = word.lower().replace("’", "'")
    return word[:-2] if word.endswith("'s") else word.rstrip("'")


def _is_acronym(word: str) -> bool:
    letters = [c for c in word if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters)


def _words_with_position(text: str) -> list[tuple[str, bool]]:
    """Each word and whether it is the first word of its sentence."""
    matches = list(_WORD.finditer(text))
    openers = set()
    for start, end in sentence_spans(text):
        first = next((m for m in matches if start <= m.start() < end), None)
        if first is not None:
            openers.add(first.start())
    return [(m.group(), m.start() in openers) for m in matches]


def _is_common(word: str) -> bool:
    lower = _base(word)
    return lower in STOP_WORDS or bool(textstat.is_easy_word(lower))


def names(text: str, known: Iterable[str] = ()) -> set[str]:
    """Proper names and acronyms in the text (lower case): capitalised words not opening a sentence.

    Args:
        known: names seen elsewhere in the document (lower case); a sentence-opening word counts as a
            name when it is one of them ("Somerset has ..."), since its capital alone proves nothing.
    """
    known_set = set(known)
    found = set()
    for word, opening in _words_with_position(text):
        if not word[0].isupper() or word == "I":
            continue
        base = _base(word)
        if _is_acronym(word) or not opening or base in known_set:
            found.add(base)
    return found


def _same_word(word: str, pool: set[str], pool_stems: set[str]) -> bool:
    return word in pool or stem(word) in pool_stems


@dataclass(frozen=True)
class PlainChecks:
    """Which rules a plain rendering meets, and the grades compared."""

    figures: bool
    names: bool
    grade: bool
    overlap: bool
    source_grade: float
    plain_grade: float

    @property
    def passed(self) -> bool:
        """Every rule met (the grade at or under the target)."""
        return self.figures and self.names and self.grade and self.overlap

    @property
    def passed_but_grade(self) -> bool:
        """Every rule but the target grade met, and the grade at least MIN_GRADE_DROP under the source."""
        return (
            self.figures
            and self.names
            and self.overlap
            and self.plain_grade <= self.source_grade - MIN_GRADE_DROP
        )


def grade(text: str) -> float:
    """Flesch-Kincaid grade level (textstat)."""
    return round(float(textstat.flesch_kincaid_grade(text)), 1)


def overlap(plain: str, source: str) -> float:
    """Share of the rendering's distinct stemmed content words that the source also has."""
    mine = set(stems(plain))
    if not mine:
        return 0.0
    return len(mine & set(stems(source))) / len(mine)


def check_plain(plain: str, source: str, known_names: Iterable[str] = ()) -> PlainChecks:
    """Check a plain rendering against its source sentence (see the module docstring)."""
    known = set(known_names)
    source_words = {_base(w) for w in _WORD.findall(source)}
    source_stems = {stem(w) for w in source_words}
    plain_words = {_base(w) for w in _WORD.findall(plain)}
    plain_stems = {stem(w) for w in plain_words}

    # A capitalised word in the rendering is a name unless it opens a sentence and is a common word.
    new_names = {
        _base(w)
        for w, opening in _words_with_position(plain)
        if w[0].isupper() and w != "I" and not (opening and not _is_acronym(w) and _is_common(w))
    }
    invented = {n for n in new_names if not _same_word(n, source_words, source_stems)}
    dropped = {n for n in names(source, known) if not _same_word(n, plain_words, plain_stems)}
    source_grade, plain_grade = grade(source), grade(plain)
    return PlainChecks(
        figures=figures(plain) == figures(source),
        names=not invented and not dropped,
        grade=plain_grade <= TARGET_GRADE,
        # Sentence by sentence, as the runtime's grounding check reads it: an invented closing sentence
        # ("This will help make communities healthier.") cannot hide behind a copied first one.
        overlap=all(overlap(part, source) >= MIN_OVERLAP for part in [plain, *split_sentences(plain)]),
        source_grade=source_grade,
        plain_grade=plain_grade,
    )


def misspelt(text: str, source: str, known_names: Iterable[str] = ()) -> bool:
    """Whether the text misspells a word of the source or a name of the document ("Sommerset"): a word
    neither has that nearly matches one they have."""
    source_words = {_base(w) for w in _WORD.findall(source) if len(w) >= 5}
    source_words |= {n for n in known_names if len(n) >= 5}
    source_stems = {stem(w) for w in source_words}
    for word in {_base(w) for w in _WORD.findall(text) if len(w) >= 5}:
        if word in source_words or stem(word) in source_stems:
            continue
        if any(SequenceMatcher(None, word, w).ratio() >= MISSPELLING_RATIO for w in source_words):
            return True
    return False


def asks_what_source_lacks(question: str, source: str) -> bool:
    """Whether the question asks for an amount or a time and the source gives no figure or date."""
    if _ASKS_AMOUNT.search(question):
        return not figures(source)
    if _ASKS_TIME.search(question):
        return not (figures(source) or _MONTHS.search(source))
    return False


def _clean_item(text: str) -> str:
    text = " ".join(str(text).split())
    previous = None
    while previous != text:
        previous = text
        text = _NUMBERING.sub("", text).strip().strip(_QUOTES).strip()
    return text


def _dedupe(items: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    out = []
    for item in items:
        key = " ".join(re.findall(r"[a-z0-9£%]+", item.lower()))
        if key and key not in seen:
            seen.add(key)
            out.append(item)
    return out


def clean_questions(questions: Iterable[str], source: str, known_names: Iterable[str] = ()) -> list[str]:
    """Questions stripped of numbering and quotes, each ending '?', short, with no figure the source lacks,
    no misspelling of its words, and none asking for an amount or a time the source does not give."""
    allowed = figures(source)
    known = set(known_names)
    kept = []
    for raw in questions:
        question = _clean_item(raw).rstrip(".")
        if not question:
            continue
        if not question.endswith("?"):
            question += "?"
        question = question[0].upper() + question[1:]
        if (
            len(question.split()) > MAX_QUESTION_WORDS
            or not figures(question) <= allowed
            or misspelt(question, source, known)
            or asks_what_source_lacks(question, source)
        ):
            continue
        kept.append(question)
    return _dedupe(kept)[: QUESTIONS[1]]


def clean_keywords(keywords: Iterable[str], source: str, known_names: Iterable[str] = ()) -> list[str]:
    """Keywords stripped of numbering and quotes, short, with no figure the source lacks and no misspelling
    of its words; lower case but for acronyms and the source's names ("Somerset Works")."""
    allowed = figures(source)
    known = set(known_names)
    keep_case = names(source, known)
    kept = []
    for raw in keywords:
        keyword = _clean_item(raw).rstrip(".,;:")
        if (
            not keyword
            or len(keyword.split()) > MAX_KEYWORD_WORDS
            or not figures(keyword) <= allowed
            or misspelt(keyword, source, known)
        ):
            continue
        kept.append(
            " ".join(w if _is_acronym(w) or _base(w) in keep_case else w.lower() for w in keyword.split())
        )
    return _dedupe(kept)[: KEYWORDS[1]]
