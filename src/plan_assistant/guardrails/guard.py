"""The guard the answer engine calls before and after generation."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from threading import Lock

import numpy as np
import numpy.typing as npt
from cachetools import LRUCache

from plan_assistant.config import Settings
from plan_assistant.guardrails import replies
from plan_assistant.guardrails.injection import InjectionClassifier, check_injection, classified_sentences
from plan_assistant.guardrails.language import detect_language, identifier
from plan_assistant.guardrails.normalise import (
    extract_question,
    is_question_like,
    normalise,
    split_sentences,
)
from plan_assistant.guardrails.output_checks import check_output
from plan_assistant.guardrails.personal_data import MARKERS, detector, redact
from plan_assistant.guardrails.requests import REQUEST_KINDS, request_kind
from plan_assistant.guardrails.routing import (
    Router,
    has_plan_cue,
    is_abuse,
    is_crisis,
    is_frustrated,
    is_threat,
    mentions_sensitive_topic,
    without_abuse,
)
from plan_assistant.schemas import Status

Embed = Callable[[Sequence[str]], npt.NDArray[np.floating]]

_SUBSTANCE = re.compile(r"[^\W\d_]{3,}")
_MARKER = re.compile("|".join(re.escape(marker) for marker in MARKERS.values()))
MIN_SUBSTANTIVE_WORDS = 2
"""What is left of a message after removing injections or requests must have this many real words."""


@dataclass(frozen=True)
class Screening:
    """What the guard decided about one incoming question."""

    question: str
    route: str
    status: Status | None
    reply: str | None
    notices: list[str] = field(default_factory=list)
    redacted_kinds: tuple[str, ...] = ()
    language: str | None = None
    injection: bool = False
    signpost: str | None = None
    """For a plan question that also asked the council to act: "service", "personal_case" or "contact"."""


EMBED_CACHE_SIZE = 4096
"""Texts whose embeddings the guard remembers: examples shared by router and classifier, repeated questions."""


def _memoised(embed: Embed, size: int = EMBED_CACHE_SIZE) -> Embed:
    """Wrap an embed function so each distinct text is embedded once (thread-safe, least recently used)."""
    cache: LRUCache[str, npt.NDArray[np.floating]] = LRUCache(size)
    lock = Lock()

    def cached(texts: Sequence[str]) -> npt.NDArray[np.floating]:
        texts = list(texts)
        if not texts:
            return np.asarray(embed(texts), dtype=np.float32)
        unique = list(dict.fromkeys(texts))
        with lock:
            known = {text: vector for text in unique if (vector := cache.get(text)) is not None}
        missing = [text for text in unique if text not in known]
        if missing:
            known.update(zip(missing, np.asarray(embed(missing), dtype=np.float32), strict=True))
            with lock:
                for text in missing:
                    cache[text] = known[text]
        return np.stack([known[text] for text in texts])

    return cached


def _substantive(text: str) -> bool:
    return len(_SUBSTANCE.findall(text)) >= MIN_SUBSTANTIVE_WORDS


def _strongest(kinds: Sequence[str | None]) -> str | None:
    """The signpost to give when a message makes more than one kind of request."""
    return next((kind for kind in REQUEST_KINDS if kind in kinds), None)


def _set_aside_requests(text: str) -> tuple[str, str | None]:
    """Take out sentences that only ask the council to act when the rest asks something of its own.

    "My bin was missed again. What is the council doing about recycling?" keeps the question for retrieval and
    names the request for a signpost. Without a question beside them, requests stay for the router to decide.
    """
    sentences = split_sentences(text)
    kinds = [None if has_plan_cue(sentence) else request_kind(sentence) for sentence in sentences]
    rest = [sentence for sentence, kind in zip(sentences, kinds, strict=True) if kind is None]
    if len(rest) == len(sentences) or not _substantive(" ".join(rest)):
        return text, None
    if not any(is_question_like(sentence) or has_plan_cue(sentence) for sentence in rest):
        return text, None
    return " ".join(rest), _strongest(kinds)


def _drop_redacted_context(text: str) -> str:
    """Drop statements that held personal data when a question remains: they only add noise to retrieval."""
    sentences = split_sentences(text)
    kept = [sentence for sentence in sentences if is_question_like(sentence) or not _MARKER.search(sentence)]
    if len(kept) == len(sentences) or not _substantive(" ".join(kept)):
        return text
    return " ".join(kept)


class Guard:
    """Screens questions before retrieval and checks answers after generation."""

    def __init__(self, settings: Settings, embed: Embed) -> None:
        self.settings = settings
        embed = self._embed = _memoised(embed)
        self._router = Router(embed)
        self._classifier = InjectionClassifier(embed)
        self._signposts = "\n".join((*replies.signpost_urls(settings), *replies.CRISIS_NUMBERS))
        identifier()  # the language model loads at start-up, not on the first request
        detector()  # and so does the personal-data detector (spaCy's model)

    def screen(
        self,
        question: str,
        search_texts: Callable[[str], Sequence[str]] | None = None,
        public: Callable[[str], bool] | None = None,
    ) -> Screening:
        """Normalise, redact, detect injection and route one question.

        Args:
            search_texts: what the question will be searched as (the retriever's query): embedded in the
                same model call as the guard's own texts, so that retrieval finds its vector cached.
            public: whether a name is one the documents use (then it is not redacted).
        """
        text = normalise(question)
        redaction = redact(text, public)
        text = redaction.text
        kinds = redaction.kinds
        notices: list[str] = [replies.personal_data_notice()] if kinds else []
        language = detect_language(text) if text else None
        injection = False

        def stop(route: str, status: Status, reply: str, question: str = text) -> Screening:
            lead = [*replies.language_notice(language, self.settings)] if language else []
            if kinds:
                lead.append(replies.personal_data_notice())
            return Screening(
                question=question,
                route=route,
                status=status,
                reply="\n\n".join([*lead, reply]),
                notices=[],
                redacted_kinds=kinds,
                language=language,
                injection=injection,
            )

        if not any(char.isalpha() for char in text) and not kinds:
            return stop("chitchat", "out_of_scope", replies.empty())
        # Someone at risk, or abuse, wins over everything else in the message.
        if is_crisis(text):
            return stop("crisis", "out_of_scope", replies.crisis(self.settings))
        if is_abuse(text):
            # A real question asked angrily is still answered, calmly; insults alone or threats are not.
            rest = without_abuse(text)
            # What is left of the insult ("answer me, ...") is noise beside the question: keep the question.
            clauses = [
                c.strip() for s in split_sentences(rest) for c in re.split(r"[,;:]\s*", s) if c.strip()
            ]
            asking = [c for c in clauses if is_question_like(c) and _substantive(c)]
            if is_threat(text) or not asking:
                return stop("abuse", "declined", replies.abuse(self.settings))
            text = " ".join(asking)
            notices.append(replies.frustration_notice())
        elif is_frustrated(text):
            notices.append(replies.frustration_notice())

        if search_texts is not None:
            # One model call for every text this message is likely to be embedded as (the classifier's
            # sentences, the router's question, the search query) instead of one call each.
            asked = extract_question(text)
            self._embed([*classified_sentences(text), asked, *search_texts(asked)])
        check = check_injection(text, self._classifier)
        injection = check.injection
        remainder = check.remainder
        if injection:
            # What is left must still ask something: "This is for an audit." beside an injection is its cover
            # story, not a question about the plan. In a role-play everything left is said to the character.
            asks = any(is_question_like(s) for s in split_sentences(remainder))
            if check.role_play or not _substantive(remainder) or not asks:
                return stop("injection", "declined", replies.injection())
            notices.append(replies.injection_notice())

        remainder, signpost = _set_aside_requests(remainder)
        remainder = _drop_redacted_context(remainder)
        asked = extract_question(remainder)
        decision = self._router.decide(asked)
        route = decision.route
        if injection and route != "plan":
            return stop("injection", "declined", replies.injection(), asked)
        if signpost and route in ("greeting", "thanks", "chitchat"):
            # What is left beside a request is small talk: answer the request.
            route = signpost
        if language and route == "chitchat":
            # Small talk by similarity means little for text the English model cannot read: try the plan.
            route = "plan"
        if route != "plan":
            status, reply = self._fixed_reply(route)
            return stop(route, status, reply, asked)
        signpost = _strongest([signpost, decision.signpost])
        if language:
            # The engine still tries: the embedding model may understand place names and plan words.
            notices = [*replies.language_notice(language, self.settings), *notices]
        if mentions_sensitive_topic(asked):
            notices.append(replies.sensitive_topic_notice())
        return Screening(
            question=asked,
            route="plan",
            status=None,
            reply=None,
            notices=notices,
            redacted_kinds=kinds,
            language=language,
            injection=injection,
            signpost=signpost,
        )

    def _fixed_reply(self, route: str) -> tuple[Status, str]:
        settings = self.settings
        fixed: dict[str, tuple[Status, str]] = {
            "crisis": ("out_of_scope", replies.crisis(settings)),
            "abuse": ("declined", replies.abuse(settings)),
            "service": ("out_of_scope", replies.service(settings)),
            "personal_case": ("out_of_scope", replies.personal_case(settings)),
            "contact": ("out_of_scope", replies.contact(settings)),
            "greeting": ("out_of_scope", replies.greeting()),
            "thanks": ("out_of_scope", replies.thanks()),
            "chitchat": ("out_of_scope", replies.chitchat(settings)),
        }
        return fixed[route]

    def check_output(self, text: str, allowed_text: str) -> tuple[str, list[str]]:
        """Remove contact details and personal data that neither the sources nor the signposts hold."""
        return check_output(text, f"{allowed_text}\n{self._signposts}")
