"""Misspelt words in a question corrected to the documents' own words, before search and the answerability check.

A resident's "councle" or "peple" is not a topic the plan lacks: left as typed, it counts as a question word no
passage uses, which lowers every word-overlap signal and can turn an answerable question into a refusal. A word
is corrected only when it is unknown both to the documents (their words and stems) and to an English word
list, and a single document word lies within a small edit distance. Everything else is left as typed: known
words, capitalised words (names and places), acronyms, numbers, and messages mostly in another language.
The dictionary is the documents' vocabulary, so it follows whatever a council adds to the corpus.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from importlib import resources
from threading import Lock

from cachetools import LRUCache
from symspellpy import SymSpell, Verbosity

from plan_assistant.text import STOP_WORDS, stem

MIN_LENGTH = 4  # shorter words have too many neighbours to correct safely
# Edit distance allowed by word length: one edit up to six letters, two from seven ("councle" -> "council").
LONG_WORD = 7
# A message whose words are mostly unknown is another language or a list of names: left alone.
MAX_UNKNOWN_SHARE = 0.5
_TOKEN = re.compile(r"[^\W\d_]+")  # runs of letters, in any alphabet
CACHE_SIZE = 1024  # questions whose correction is remembered: each is corrected for the guard and for search
# Chat shorthand people type on a phone ("wat r u doin about ..."): English conventions, not the documents'
# words, so no edit distance finds them; each is written out before spelling is corrected. Only whole
# lower-case words, and only shorthand that is not also a word the documents could mean.
SHORTHAND: dict[str, str] = {
    "u": "you", "r": "are", "ur": "your", "wat": "what", "wot": "what", "wht": "what", "doin": "doing",
    "gonna": "going to", "wanna": "want to", "gotta": "got to", "pls": "please", "plz": "please",
    "thx": "thanks", "abt": "about", "bc": "because", "cuz": "because", "coz": "because", "b4": "before",
    "ppl": "people", "govt": "government", "tho": "though", "thru": "through", "info": "information",
    "yr": "year", "yrs": "years", "asap": "as soon as possible",
}  # fmt: skip
_SHORT = re.compile(
    r"(?<![\w'’&-])(" + "|".join(sorted(map(re.escape, SHORTHAND), key=len, reverse=True)) + r")(?![\w'’&-])"
)


def expand_shorthand(text: str) -> str:
    """The text with chat shorthand written out ("wat r u doin" -> "what are you doing")."""
    return _SHORT.sub(lambda m: SHORTHAND[m.group(1)], text)


@lru_cache(maxsize=1)
def english_words() -> frozenset[str]:
    """The English word list that ships with symspellpy (82,765 words, with their frequencies)."""
    path = resources.files("symspellpy").joinpath("frequency_dictionary_en_82_765.txt")
    return frozenset(line.split(" ", 1)[0] for line in path.read_text(encoding="utf-8").splitlines() if line)


class Speller:
    """Corrects a question's unknown words to the nearest word of the documents."""

    def __init__(self, vocabulary: Iterable[str], counts: dict[str, int] | None = None) -> None:
        words = {w for w in vocabulary if w.isalpha() and len(w) >= 3}
        self.vocabulary = frozenset(words)
        self.stems = frozenset(stem(w) for w in words)
        self.symspell = SymSpell(max_dictionary_edit_distance=2, prefix_length=7)
        for word in sorted(words):
            self.symspell.create_dictionary_entry(word, (counts or {}).get(word, 1))
        english_words()  # read once at start-up, not on the first misspelt question
        self._corrections: LRUCache[str, str] = LRUCache(CACHE_SIZE)
        self._lock = Lock()

    def known(self, word: str) -> bool:
        """A word of the documents (or a form of one), or of English."""
        return word in self.vocabulary or stem(word) in self.stems or word in english_words()

    def _suggest(self, word: str) -> str | None:
        distance = 2 if len(word) >= LONG_WORD else 1
        found = self.symspell.lookup(word, Verbosity.CLOSEST, max_edit_distance=distance)
        # Only an unambiguous correction: the document words at the closest distance are all forms of one
        # word ("councle": council, councils); the most used form is taken. "doin" could be "doing" or
        # "join", so it is left as typed.
        if not found or len({stem(s.term) for s in found}) > 1:
            return None
        return str(max(found, key=lambda s: s.count).term)

    def correct(self, text: str) -> str:
        """The text with each unknown lower-case word replaced by the document word it most likely means."""
        with self._lock:
            corrected = self._corrections.get(text)
        if corrected is None:
            corrected = self._correct(text)
            with self._lock:
                self._corrections[text] = corrected
        return corrected

    def _correct(self, original: str) -> str:
        text = expand_shorthand(original)
        tokens = list(_TOKEN.finditer(text))
        unknown = [
            m
            for m in tokens
            if m.group(0).isascii()
            and m.group(0).islower()
            and len(m.group(0)) >= MIN_LENGTH
            and m.group(0) not in STOP_WORDS
            and not self.known(m.group(0))
        ]
        strange = [
            m for m in tokens if m.group(0).lower() not in STOP_WORDS and not self.known(m.group(0).lower())
        ]
        if len(strange) > MAX_UNKNOWN_SHARE * len(tokens):
            return original  # another language: its "u" or "r" is no shorthand
        if not unknown:
            return text
        out, last = [], 0
        for m in unknown:
            fix = self._suggest(m.group(0))
            if fix is not None:
                out.append(text[last : m.start()] + fix)
                last = m.end()
        return "".join(out) + text[last:]
