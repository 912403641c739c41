"""Conversation repair: a short reply about the previous answer itself, not a new question.

"What else?", "can you make that shorter", "what does that mean?" ask nothing about the plan: searched as
they stand (or joined to the earlier question's topic words) they give the same answer again or a refusal.
Each is read here as the earlier question asked again, with a change to the answer: the sentences already
shown left out (more), fewer lines (shorter), the residents' plain English (simpler), only where in the plan
the answer comes from (where: "which outcome is that under?"), or how many things it lists (count: "how many is
that?"). Only a whole message of one of these forms counts, so nothing else can ride along unscreened.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from plan_assistant.generators.extractive import RELATIVE_BAND
from plan_assistant.schemas import Turn
from plan_assistant.text import split_sentences

RepairKind = Literal["more", "shorter", "simpler", "where", "count"]
SHORT_LINES = 2
"""How many lines of the answer "make that shorter" keeps (the best ones come first)."""
MORE_BAND = 2 * RELATIVE_BAND
""""What else?" may reach sentences this far below the best one (twice the band an answer keeps): further
down they are about something else, and the reply says the plan has nothing more."""

_MARKER = re.compile(r"\s*\[\d+\]")  # an answer's citation markers
_I = re.IGNORECASE
_OPEN = r"^\W*(?:(?:and|so|ok(?:ay)?|right|thanks|thank\s+you|great|sorry|please)\W+)*"
_ASK = r"(?:(?:can|could|would|will)\s+you\s+)?(?:please\s+)?"
_IT = r"(?:that|it|this|the\s+answer)"
_CLOSE = r"(?:\W+(?:please|thanks|thank\s+you))?\W*$"
_PATTERNS: dict[RepairKind, re.Pattern[str]] = {
    "more": re.compile(
        rf"{_OPEN}(?:(?:is\s+there\s+|are\s+there\s+)?(?:anything|any|what|something)\s+(?:else|more)"
        rf"|tell\s+me\s+more|{_ASK}(?:say|tell\s+me)\s+more|more\s+please|go\s+on)"
        rf"(?:\s+(?:for\s+(?:him|her|them|me|us)|about\s+{_IT}|on\s+{_IT}|there|in\s+the\s+plan|"
        rf"(?:does|can)\s+(?:the\s+plan|it)\s+(?:say|offer)|is\s+there))*{_CLOSE}",
        _I,
    ),
    "shorter": re.compile(
        rf"{_OPEN}{_ASK}(?:(?:make|keep)\s+{_IT}\s+(?:shorter|briefer|brief|short)|shorten\s+{_IT}"
        rf"|(?:(?:give\s+me|just)\s+)*(?:the\s+)?(?:short\s+version|key\s+points|main\s+points?)"
        rf"|(?:too\s+long|shorter|briefly|in\s+short|tl;?dr))(?:\s+(?:version|answer))?{_CLOSE}",
        _I,
    ),
    "simpler": re.compile(
        rf"{_OPEN}{_ASK}(?:(?:say|explain|put|make|word)\s+{_IT}\s+(?:more\s+simply|simpler|simply|more\s+plainly"
        rf"|in\s+plain(?:er)?\s+english|in\s+simple(?:r)?\s+(?:words|terms|english)|easier\s+to\s+understand)"
        rf"|what\s+does\s+{_IT}\s+(?:actually\s+)?mean(?:\s+for\s+me)?|what\s+do\s+you\s+mean"
        rf"|i\s+(?:do\s*n[o'’]?t|dont|didn[’']?t|didnt)\s+(?:understand|get)(?:\s+(?:it|that|this|what\s+(?:that|it)\s+means?))?"
        rf"(?:\W+what\s+does\s+{_IT}\s+mean)?|(?:in\s+)?plain(?:er)?\s+english|simpler|too\s+complicated)"
        rf"{_CLOSE}",
        _I,
    ),
    # "how many is that?", "how many commitments is that?", "how many are there?"
    "count": re.compile(
        rf"{_OPEN}how\s+many(?:(?:\s+[a-z]+)?\s+(?:is\s+{_IT}|(?:is\s+that\s+)?(?:in\s+total|altogether))"
        rf"|\s+are\s+(?:there|they|those|these)(?:\s+(?:in\s+total|altogether))?){_CLOSE}",
        _I,
    ),
    # "which outcome is that under?", "what priority is it in?", "where does that come from?", "the reference?"
    "where": re.compile(
        rf"{_OPEN}{_ASK}(?:(?:which|what)\s+(?:outcome|(?:key\s+)?priority|part\s+of\s+the\s+plan|section)"
        rf"(?:\s+(?:and|or)\s+(?:key\s+)?(?:priority|outcome))?"
        rf"(?:\s+(?:is|does|was|would)\s+{_IT}(?:\s+(?:come|sit|fall|be))?(?:\s+(?:under|in|from|within))?)?"
        rf"|where\s+(?:is|does)\s+{_IT}(?:\s+(?:come\s+from|sit|fit))?(?:\s+in\s+the\s+plan)?"
        rf"|(?:what(?:'s|’s|s|\s+is)\s+|give\s+me\s+)?the\s+references?(?:\s+for\s+{_IT})?)"
        rf"{_CLOSE}",
        _I,
    ),
}


@dataclass(frozen=True)
class Repair:
    """The earlier question to ask again, and how its answer should change."""

    kind: RepairKind
    question: str  # the earlier question, as the user wrote it
    history: tuple[Turn, ...]  # the conversation before that question
    shown: str  # the earlier answer, whose sentences "more" leaves out
    message: str = ""  # the reply itself ("how many commitments is that?")


def read_repair(message: str, history: Sequence[Turn]) -> Repair | None:
    """The repair a message asks for about the last answer, or None (also with no earlier answer)."""
    kind = _kind(message)
    if kind is None:
        return None
    turns = list(history)
    # The question the last answer answered; past earlier repairs ("what else?" after "what else?"), whose
    # answers count as shown too.
    for n in range(len(turns) - 1, 0, -1):
        user = turns[n - 1]
        if turns[n].role != "assistant" or user.role != "user" or not user.content.strip():
            continue
        if _kind(user.content) is None:
            shown = "\n".join(t.content for t in turns[n:] if t.role == "assistant")
            return Repair(kind, user.content, tuple(turns[: n - 1]), shown, message)
    return None


def counted_noun(message: str) -> str | None:
    """The noun a count repair names ("how many commitments is that?": commitments), if any."""
    m = re.search(r"\bhow\s+many\s+([a-z]+)\s+(?:is|are|in|altogether)\b", message, _I)
    return m.group(1).lower() if m and m.group(1).lower() not in {"is", "are"} else None


def _kind(message: str) -> RepairKind | None:
    return next((k for k, pattern in _PATTERNS.items() if pattern.search(message)), None)


def already_shown(sentence: str, plain: str | None, shown: str) -> bool:
    """Whether a sentence (in the plan's words or its plain rendering) is in an earlier answer's text."""
    said = " ".join(_MARKER.sub("", shown).split())
    return any(text and " ".join(text.split()) in said for text in (sentence, *split_sentences(plain or "")))
