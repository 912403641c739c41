"""Which language a message is in, by py3langid (its model ships in the wheel: nothing is downloaded).

The library is unsure of very short texts ("bins?", "carbon neutral" score as other languages with a low
probability), so a message counts as another language only when English is all but ruled out and the
library is confident of the other language, or the message is long enough for the library to be reliable,
or most of its letters are in another writing system.
"""

from __future__ import annotations

import re
import threading
import tomllib
from functools import lru_cache
from importlib import resources

from py3langid.langid import MODEL_FILE, LanguageIdentifier

MAX_ENGLISH = 0.05
"""English may have at most this probability for a message to count as another language."""
MIN_CONFIDENCE = 0.45
"""A short message (fewer than RELIABLE_WORDS words) needs this probability for its other language."""
RELIABLE_WORDS = 5
"""From this many words the library's low English probability alone settles it."""
MIN_OTHER_SCRIPT = 0.5
"""Letters outside the Latin alphabet making up this share of a message settle that it is not English."""
_BEYOND_LATIN = 0x0250  # the first code point after the Latin alphabets (IPA, Greek, Cyrillic, Arabic...)
_WORD = re.compile(r"[^\W\d_]+")
_LOCK = threading.Lock()


@lru_cache(maxsize=1)
def identifier() -> LanguageIdentifier:
    """py3langid's model (about a second to load: the guard loads it at start-up)."""
    with _LOCK:
        return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of the text's language when it is confidently not English, else None."""
    words = _WORD.findall(text)
    if not words:
        return None
    ranked = identifier().rank(text)
    probability = dict(ranked)
    best, confidence = next(((code, p) for code, p in ranked if code != "en"), ("en", 0.0))
    letters = "".join(words)
    if sum(1 for char in letters if ord(char) >= _BEYOND_LATIN) >= MIN_OTHER_SCRIPT * len(letters):
        return best
    if probability.get("en", 0.0) > MAX_ENGLISH or ranked[0][0] == "en":
        return None
    if confidence >= MIN_CONFIDENCE or len(words) >= RELIABLE_WORDS:
        return best
    return None


@lru_cache(maxsize=1)
def names() -> dict[str, str]:
    """English names of languages by code (data/language_names.toml)."""
    path = resources.files("plan_assistant").joinpath("data", "language_names.toml")
    return dict(tomllib.loads(path.read_text(encoding="utf-8"))["names"])


@lru_cache(maxsize=64)
def answers_in_english(language: str) -> str | None:
    """The reviewed line, in the language itself, saying answers come in English (data/languages/<code>.toml)."""
    path = resources.files("plan_assistant").joinpath("data", "languages", f"{language}.toml")
    if not re.fullmatch(r"[a-z]{2,3}", language) or not path.is_file():
        return None
    return str(tomllib.loads(path.read_text(encoding="utf-8"))["answers_in_english"])
