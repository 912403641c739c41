"""Clean incoming text and find the actual question inside a long message."""

from __future__ import annotations

import re
import unicodedata

from plan_assistant.text import split_sentences as shared_split

# Line breaks in all their Unicode spellings become "\n" before control characters are removed.
_LINE_BREAKS = re.compile("\r\n|[\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
_HORIZONTAL_SPACE = re.compile(r"[^\S\n]+")
_SPACE_AROUND_NEWLINE = re.compile(r" ?\n ?")
_MANY_NEWLINES = re.compile(r"\n{3,}")

# Categories that carry no visible meaning: controls, format characters (zero-width, bidi
# overrides, Unicode tag characters used to smuggle hidden instructions), private use, surrogates.
_DROP_CATEGORIES = frozenset({"Cc", "Cf", "Co", "Cs"})
_KEEP_CONTROLS = frozenset({"\n", "\t"})

# Question-like sentences: ending in "?", or opening with a question word or a polite imperative.
_QUESTION_OPENING = re.compile(
    r"^(?:please\s+|so\s+|and\s+|but\s+|also\s+|just\s+|now\s+|well,?\s+|right,?\s+|ok(?:ay)?,?\s+)*"
    r"(?:what|what's|whats|how|why|when|where|which|who|whose|whom|is|are|was|were|does|do|did|"
    r"can|could|will|would|should|shall|has|have|had|may|might|"
    r"tell\s+me|explain|describe|list|summari[sz]e|outline|show\s+me|give\s+me|let\s+me\s+know|"
    r"i(?:'d|\s+would)\s+like\s+to\s+know|i\s+want\s+to\s+know|i(?:'m|\s+am)\s+wondering|"
    r"i\s+wonder|i\s+need\s+to\s+know|any\s+(?:info|information|idea)|is\s+there)\b",
    re.IGNORECASE,
)
# A question announced inside a sentence ("Anyway, my real question is whether ...", "what I really want to
# know is ..."): the words from the announcement on are what is asked.
_ANNOUNCED_QUESTION = re.compile(
    r"\b(?:(?:my|his|her|their|the|one)\s+(?:(?:real|main|actual|only|big|quick|simple)\s+)?question\s+(?:is|was)"
    r"|what\s+i\s+(?:[a-z]+ly\s+)?(?:want|wanted|need|would\s+like|'d\s+like)\s+to\s+"
    r"(?:know|ask)\s+is"
    r"|i(?:\s+was|'m|\s+am)\s+(?:just\s+)?wondering\s+(?:if|whether|what|how|why|when|where|who|about)"
    r"|(?:can|could)\s+you\s+(?:please\s+)?tell\s+me"
    r"|i(?:'d|\s+would)\s+like\s+to\s+(?:know|ask)|i\s+(?:want|need)\s+to\s+(?:know|ask))\b",
    re.IGNORECASE,
)
# "there" points back ("what's being done there?") unless it opens an existential "there is/are/'s ...".
_ANAPHORA = re.compile(
    r"\b(?:it|this|that|they|them|these|those|he|she)\b"
    r"|\bthere\b(?!\s*(?:is|are|'s|’s|was|were|will|would|might|may|could|should|has|have|had)\b)",
    re.IGNORECASE,
)

SHORT_TEXT_CHARS = 300
"""Texts up to this length are taken as they are: they are the question."""
MAX_QUESTIONS = 3
"""At most this many question sentences are kept from a long message (the last ones)."""
FALLBACK_CHARS = 400
"""With no question-like sentence, keep the last sentences up to about this many characters."""


def _fold(char: str) -> str:
    """Map a compatibility character (fullwidth or styled letters, odd spaces) to its plain form."""
    if char.isascii():
        return char
    folded = unicodedata.normalize("NFKC", char)
    # Only one-for-one replacements: the output must never be longer than the input.
    return folded if len(folded) == 1 else char


def _visible(char: str) -> bool:
    if char in _KEEP_CONTROLS:
        return True
    if unicodedata.category(char) in _DROP_CATEGORIES:
        return False
    code = ord(char)
    # Variation selectors carry no meaning for us and can hide data.
    return not (0xFE00 <= code <= 0xFE0F or 0xE0100 <= code <= 0xE01EF)


def normalise(text: str) -> str:
    """Strip invisible, control and tag characters, fold look-alike forms and collapse whitespace."""
    text = _LINE_BREAKS.sub("\n", text)
    if not (text.isascii() and text.isprintable()):  # printable ASCII has nothing to strip or fold
        text = "".join(_fold(char) for char in text if _visible(char))
        text = "".join(char for char in text if _visible(char))
    text = _HORIZONTAL_SPACE.sub(" ", text)
    text = _SPACE_AROUND_NEWLINE.sub("\n", text)
    text = _MANY_NEWLINES.sub("\n\n", text)
    return text.strip()


def split_sentences(text: str) -> list[str]:
    """Split a message into sentences at end punctuation and line breaks (the shared splitter, loose)."""
    return shared_split(text, strict=False)


def is_question_like(sentence: str) -> bool:
    """True when a sentence asks something: ends in '?', opens like a question or a request, or announces a
    question ("my real question is whether ...")."""
    stripped = sentence.strip()
    return (
        stripped.endswith("?")
        or bool(_QUESTION_OPENING.match(stripped))
        or bool(_ANNOUNCED_QUESTION.search(stripped))
    )


def _asked_part(sentence: str) -> str:
    """A sentence from the question it announces on ("The roads are shocking, anyway what I want to know is
    whether ..." -> "what I want to know is whether ..."); other sentences whole."""
    if sentence.rstrip().endswith("?") or _QUESTION_OPENING.match(sentence.strip()):
        return sentence
    announced = _ANNOUNCED_QUESTION.search(sentence)
    return sentence[announced.start() :] if announced else sentence


def extract_question(text: str) -> str:
    """Find the question(s) in a long message; short texts pass unchanged."""
    if len(text) <= SHORT_TEXT_CHARS:
        return text
    sentences = split_sentences(text)
    if len(sentences) <= 1:
        return text
    asked = [index for index, sentence in enumerate(sentences) if is_question_like(sentence)]
    if asked:
        # Questions usually come last in a long message; keep the last few, in order.
        chosen = set(asked[-MAX_QUESTIONS:])
        for index in sorted(chosen):
            # "What is the council doing about it?" needs the sentence before it to make sense.
            if index > 0 and index - 1 not in chosen and _ANAPHORA.search(_asked_part(sentences[index])):
                chosen.add(index - 1)
                break
        return " ".join(
            sentences[index] if index not in asked else _asked_part(sentences[index])
            for index in sorted(chosen)
        )
    kept: list[str] = []
    size = 0
    for sentence in reversed(sentences):
        if kept and size + len(sentence) > FALLBACK_CHARS:
            break
        kept.insert(0, sentence)
        size += len(sentence) + 1
    return " ".join(kept)
