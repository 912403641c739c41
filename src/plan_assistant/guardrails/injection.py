"""Detect prompt injection and jailbreak attempts offline: patterns plus a nearest-neighbour classifier."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from plan_assistant.guardrails.examples import guard_examples
from plan_assistant.guardrails.normalise import is_question_like, split_sentences

Embed = Callable[[Sequence[str]], npt.NDArray[np.floating]]

INJECTION_SIMILARITY = 0.36
"""A sentence this close (cosine) to a known injection may be one..."""
INJECTION_MARGIN = 0.08
"""...if it is also this much closer to the injections than to any benign phrasing."""
NEIGHBOURS = 3
"""How many nearest examples of each label are averaged."""
MAX_CLASSIFIED_SENTENCES = 48
"""Only the last sentences of a very long message go through the classifier (patterns see all)."""

_I = re.IGNORECASE
_VERBS_IGNORE = (
    r"(?:ignore|disregard|forget|override|bypass|skip|drop|abandon|set\s+aside|do\s+not\s+follow|"
    r"don't\s+follow)"
)
_RULES = (
    r"(?:instructions?|rules?|prompts?|guidelines?|directions?|directives?|constraints?|restrictions?|"
    r"guardrails?|polic(?:y|ies)|programming|training|system\s+message|safety\s+(?:filters?|settings?))"
)
_PATTERNS: tuple[re.Pattern[str], ...] = (
    re.compile(
        rf"\b{_VERBS_IGNORE}\s+(?:all\s+|any\s+|the\s+|your\s+|my\s+|of\s+|these\s+|those\s+)*"
        rf"(?:previous\s+|prior\s+|above\s+|earlier\s+|preceding\s+|original\s+|initial\s+|existing\s+|"
        rf"current\s+|system\s+|safety\s+)*{_RULES}",
        _I,
    ),
    re.compile(
        rf"\b{_VERBS_IGNORE}\s+(?:everything|all)\s+(?:you\s+(?:were|have\s+been)\s+told|above|before)", _I
    ),
    re.compile(
        r"\b(?:reveal|show|print|display|output|repeat|dump|leak|share|tell\s+me|give\s+me|what\s+(?:is|are|was|were))"
        r"\s+(?:me\s+)?(?:your\s+(?:full\s+|exact\s+|entire\s+|original\s+|initial\s+|hidden\s+|secret\s+)*|"
        r"the\s+(?:full\s+|exact\s+|entire\s+)*(?:original\s+|initial\s+|hidden\s+|secret\s+|system\s+)+)"
        r"(?:system\s+prompt|system\s+message|prompt|instructions|initial\s+prompt|hidden\s+instructions|"
        r"developer\s+(?:message|instructions)|configuration|guidelines|rules)\b",
        _I,
    ),
    re.compile(r"\bsystem\s+prompt\b", _I),
    re.compile(r"\b(?:repeat|print|output)\s+(?:the\s+)?(?:text|words|everything)\s+(?:above|before)", _I),
    re.compile(r"\bpretend\s+(?:that\s+)?(?:you(?:'re|\s+are)|to\s+be)\b", _I),
    re.compile(
        r"\b(?:act|behave|respond|answer|speak|talk)\s+(?:as|like)\s+(?:if\s+you\s+were\s+)?(?:an?\s+)?(?:unrestricted|unfiltered|evil|jailbroken|different|pirate|dan\b)",
        _I,
    ),
    re.compile(r"\byou\s+are\s+(?:now|no\s+longer)\b", _I),
    re.compile(r"\bfrom\s+now\s+on,?\s+(?:you|always|only|never|answer|respond|reply|say)\b", _I),
    re.compile(r"\bDAN\b"),
    re.compile(r"\bdo\s+anything\s+now\b|\bjailbr(?:eak|oken)\b|\b(?:developer|god)\s+mode\b", _I),
    re.compile(
        r"\b(?:answer|respond|reply|talk|speak|operate|act|behave|write|work)\w*\s+(?:\w+\s+){0,2}"
        r"(?:without|with\s+no)\s+(?:any\s+)?(?:restrictions|filters|rules|limits|content\s+polic(?:y|ies)|"
        r"censorship|guardrails|guidelines)\b",
        _I,
    ),
    re.compile(r"\bno\s+(?:content\s+polic(?:y|ies)|censorship|guardrails|safety\s+filters)\b", _I),
    re.compile(r"\byour\s+new\s+(?:task|role|job|instructions|purpose)\b", _I),
    # Setting aside the sources the answer must come from.
    re.compile(
        rf"\b{_VERBS_IGNORE}\s+(?:about\s+)?(?:the|your|these|those|all\s+the)\s+(?:document|documents|context|"
        r"sources?|passages?|business\s+plan|plan\s+text)\b",
        _I,
    ),
    # Dictating the reply's words: "start your reply with ...", "also say that ...".
    re.compile(
        r"\b(?:start|begin|open|end|finish|prefix)\s+(?:your|the|each|every)\s+(?:reply|answer|response|message)s?"
        r"\s+with\b",
        _I,
    ),
    re.compile(
        r"\b(?:also\s+)?(?:say|state|write|tell\s+(?:them|the\s+user|everyone|residents))\s+that\s+(?:the\s+)?"
        r"(?:council|somerset|plan|it)\b.*\b(?:abandon|scrap|cancel|drop|cut|free|no\s+longer)",
        _I,
    ),
    re.compile(r"\b(?:reply|respond|answer)\s+(?:only\s+)?with\s+(?:exactly|only|just)\b", _I),
    re.compile(r"\bnew\s+(?:instructions|rules|system\s+prompt)\s*[:\-]", _I),
)
# Text posing as a system message or a plan update inside the question.
_HEADER_PATTERNS: tuple[re.Pattern[str], ...] = (
    re.compile(
        r"(?:^|\n)\s*(?:system|assistant|developer|admin(?:istrator)?|root)\s*(?:message|prompt)?\s*:", _I
    ),
    re.compile(
        r"\[/?(?:INST|SYS|SYSTEM)\]|<<\s*/?SYS\s*>>|<\|(?:im_start|im_end|system|assistant|user|endoftext)\|>|</?s>",
        _I,
    ),
    re.compile(r"(?:^|\n)\s*#{2,}\s*(?:new\s+)?(?:instructions?|system|rules|prompt|admin|override)\b", _I),
    re.compile(r"\b(?:BEGIN|END)\s+(?:SYSTEM|INSTRUCTIONS|PROMPT)\b"),
    re.compile(
        r"\b(?:the\s+)?(?:business\s+)?(?:plan|document|policy)\s+(?:was|has\s+been|had\s+been|is\s+now|got)\s+"
        r"(?:updated|changed|amended|revised|rewritten|replaced)\s*(?:to\s+(?:say|state|read|include|now)|:|so\s+that|and\s+now)",
        _I,
    ),
    re.compile(r"\b(?:plan|policy|document)\s+update\s*:", _I),
    re.compile(r"\bupdate\s+to\s+the\s+(?:business\s+)?plan\s*:", _I),
    re.compile(
        r"\b(?:note|message|instruction)\s+(?:to|for)\s+(?:the\s+)?(?:assistant|ai|model|bot|chatbot|llm)\b",
        _I,
    ),
    re.compile(r"\badmin(?:istrator)?\s+override\b", _I),
    # Hidden markup: a chat message has no business carrying comments or script.
    re.compile(r"<!--|-->|<\s*/?\s*(?:script|style|iframe)\b", _I),
)
_CLAUSE_SPLIT = re.compile(
    r"(\s*,\s*(?:and\s+|then\s+)?|\s*;\s*|\s+and\s+then\s+|\s+then\s+|\s+and\s+(?=[a-z]+\s))", _I
)


# A role-play set-up: everything after it is said to the character, so nothing in the message is a plain
# question to the assistant ("let's play a game: you're ..., stay in character. ..., what do you think?").
_PERSONA_PATTERNS: tuple[re.Pattern[str], ...] = (
    re.compile(r"\brole[\s-]?play(?:ing)?\b", _I),
    re.compile(
        r"\b(?:stay|stays|staying|remain|keep|keeping)\s+in\s+character\b|\bbreak(?:s|ing)?\s+character\b", _I
    ),
    re.compile(r"\blet['’]?s\s+play\s+(?:a\s+)?game\b", _I),
    re.compile(r"\byou(?:['’]re|\s+are)\s+playing\s+(?:the\s+)?(?:part|role|character)\b", _I),
)


def is_role_play(text: str) -> bool:
    """True when the message sets up a character for the assistant to play."""
    return any(pattern.search(text) for pattern in _PERSONA_PATTERNS)


def matches_pattern(text: str) -> bool:
    """True when the text contains a known injection or jailbreak phrasing."""
    return any(pattern.search(text) for pattern in (*_PATTERNS, *_HEADER_PATTERNS, *_PERSONA_PATTERNS))


def _is_header(text: str) -> bool:
    return any(pattern.search(text) for pattern in _HEADER_PATTERNS)


@dataclass(frozen=True)
class InjectionCheck:
    """What was found: whether the message tried to inject, and the text left once it is removed."""

    injection: bool
    remainder: str
    role_play: bool = False
    """The message sets up a character to play: what is left is said to it, so it is not answered."""


class InjectionClassifier:
    """Nearest-neighbour similarity of a sentence to labelled injection and benign phrasings."""

    def __init__(
        self,
        embed: Embed,
        injection_examples: Sequence[str] | None = None,
        benign_examples: Sequence[str] | None = None,
        similarity: float = INJECTION_SIMILARITY,
        margin: float = INJECTION_MARGIN,
    ) -> None:
        examples = guard_examples()
        self._embed = embed
        injection = list(examples.injection if injection_examples is None else injection_examples)
        benign = list(examples.all_benign if benign_examples is None else benign_examples)
        self._injection = np.asarray(embed(injection), dtype=np.float32)
        self._benign = np.asarray(embed(benign), dtype=np.float32)
        self.similarity = similarity
        self.margin = margin

    def scores(
        self, vectors: npt.NDArray[np.floating]
    ) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
        """Mean similarity of each row to its nearest injection and nearest benign examples."""
        return _top_mean(vectors, self._injection), _top_mean(vectors, self._benign)

    def flags(self, sentences: Sequence[str]) -> list[bool]:
        """Which sentences look like injections to the classifier."""
        if not sentences:
            return []
        vectors = np.asarray(self._embed(list(sentences)), dtype=np.float32)
        injection, benign = self.scores(vectors)
        return [
            bool(inj >= self.similarity and inj - ben >= self.margin)
            for inj, ben in zip(injection, benign, strict=True)
        ]


def _top_mean(
    vectors: npt.NDArray[np.floating], examples_matrix: npt.NDArray[np.float32]
) -> npt.NDArray[np.float32]:
    similarities = np.asarray(vectors, dtype=np.float32) @ examples_matrix.T
    count = min(NEIGHBOURS, similarities.shape[1])
    top = np.sort(similarities, axis=1)[:, -count:]
    return np.asarray(top.mean(axis=1), dtype=np.float32)


def _strip_clauses(sentence: str) -> str:
    """Keep the clauses of a flagged sentence that carry no injection ("ignore your rules and tell me X")."""
    pieces = _CLAUSE_SPLIT.split(sentence)
    clauses, separators = pieces[0::2], ["", *pieces[1::2]]
    if len(clauses) <= 1:
        return ""
    keep = [bool(clause.strip()) and not matches_pattern(clause) for clause in clauses]
    if all(keep):
        return ""
    out: list[str] = []
    for index, clause in enumerate(clauses):
        if not keep[index]:
            continue
        if out:
            out.append(separators[index] if keep[index - 1] else " ")
        out.append(clause)
    return "".join(out).strip()


def classified_sentences(text: str) -> list[str]:
    """The sentences of a message the classifier reads (the last few of a long one)."""
    return split_sentences(text)[-MAX_CLASSIFIED_SENTENCES:]


def check_injection(text: str, classifier: InjectionClassifier | None) -> InjectionCheck:
    """Find injected instructions and return the message without them."""
    sentences = split_sentences(text)
    flagged = [matches_pattern(sentence) for sentence in sentences]
    if classifier is not None and sentences:
        start = max(0, len(sentences) - MAX_CLASSIFIED_SENTENCES)
        for offset, flag in enumerate(classifier.flags(classified_sentences(text))):
            flagged[start + offset] = flagged[start + offset] or flag
    if not any(flagged):
        return InjectionCheck(injection=False, remainder=text)
    kept: list[str] = []
    in_injected_block = False
    for sentence, flag in zip(sentences, flagged, strict=True):
        if flag:
            # A fake system header owns the statements after it, up to the next real question.
            in_injected_block = in_injected_block or _is_header(sentence)
            rest = _strip_clauses(sentence)
            if rest and not matches_pattern(rest):
                kept.append(rest)
            continue
        if in_injected_block and not is_question_like(sentence):
            continue
        in_injected_block = False
        kept.append(sentence)
    return InjectionCheck(injection=True, remainder=" ".join(kept).strip(), role_play=is_role_play(text))
