"""A small semantic router: patterns first, then embedding similarity to labelled example phrasings.

Conservative on purpose: a real plan question sent away is costly, so anything unsure stays `plan`. A request
to act (a service, a personal case, a person to call) leaves the plan only when it asks nothing of the plan;
otherwise the question goes to `plan` with a signpost for the request.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from plan_assistant.guardrails.examples import guard_examples, routing_words
from plan_assistant.guardrails.requests import REQUEST_KINDS, request_kind

Embed = Callable[[Sequence[str]], npt.NDArray[np.floating]]

ROUTES: tuple[str, ...] = (
    "plan",
    "service",
    "personal_case",
    "contact",
    "greeting",
    "thanks",
    "chitchat",
    "abuse",
    "crisis",
)
"""Every route the router can choose; `injection` is decided before routing."""

ROUTE_SIMILARITY: Mapping[str, float] = {
    "service": 0.55,
    "personal_case": 0.45,
    "contact": 0.6,
    "greeting": 0.65,
    "thanks": 0.65,
    "chitchat": 0.42,
    "abuse": 0.7,
    "crisis": 0.5,
}
"""Least similarity to a route's examples before the router will take that route over `plan`."""
ROUTE_MARGIN = 0.08
"""A non-plan route must also beat the plan examples by this much."""
NEIGHBOURS = 2
"""How many nearest examples of each route are averaged."""
SHORT_MESSAGE_WORDS = 8
"""Greetings, thanks and abuse are only recognised by similarity in messages this short."""
SIGNPOST_ONLY: frozenset[str] = frozenset({"service", "personal_case"})
"""Routes that similarity alone never takes: it reads the topic, not the request, so it only adds a signpost."""

_I = re.IGNORECASE

_CRISIS = re.compile(
    r"\b(?:kill(?:ing)?|hurt(?:ing)?|harm(?:ing)?|cut(?:ting)?|hang(?:ing)?)\s+myself\b"
    r"|\bsuicidal\b|\b(?:commit|committing|attempt(?:ed|ing)?)\s+suicide\b"
    r"|\b(?:end(?:ing)?|take|taking)\s+(?:my|his|her|their)\s+(?:own\s+)?life\b|\bend\s+it\s+all\b"
    r"|\b(?:want|wants|wanted|going)\s+to\s+die\b|\bbetter\s+off\s+dead\b"
    r"|\b(?:don't|do\s+not|dont)\s+want\s+to\s+(?:live|be\s+alive|be\s+here|wake\s+up)\b"
    r"|\b(?:taken|took|take)\s+(?:an\s+)?overdose\b"
    r"|\bcan(?:'t|not|\s+not)\s+(?:cope|go\s+on|carry\s+on)\s+(?:any\s*more|like\s+this)\b"
    r"|\b(?:don't|do\s+not|dont)\s+see\s+(?:the|any)\s+point\s+(?:in\s+(?:anything|living|life|going\s+on)|"
    r"any\s*more)\b|\bno\s+(?:point|reason)\s+(?:in\s+)?(?:living|going\s+on|being\s+alive)\b"
    r"|\bI(?:'ve|\s+have|'m|\s+am|\s+keep)?\s+(?:been\s+)?self[\s-]?harm"
    r"|\b(?:I'm|I\s+am|we're|we\s+are|my\s+\w+\s+is|he\s+is|she\s+is|they\s+are|someone\s+is|child\s+is)\s+"
    r"(?:in\s+(?:immediate\s+)?danger|not\s+safe)\b"
    r"|\b(?:hits|hit|beats|beat|is\s+hitting|is\s+hurting|keeps\s+hitting|abuses|is\s+abusing|attacked|punched|kicked|"
    r"strangled|choked)\s+(?:me|my\s+(?:child|children|kids?|son|daughter|baby))\b"
    r"|\bthreaten(?:s|ed|ing)\s+to\s+(?:kill|hurt|stab|harm)\s+(?:me|us|my)\b"
    r"|\b(?:not\s+breathing|collapsed\s+and|unconscious\s+and|having\s+a\s+(?:heart\s+attack|stroke))\b",
    _I,
)
_SENSITIVE_TOPIC = re.compile(r"\bsuicid\w*|\bself[\s-]?harm\w*|\bdomestic\s+(?:abuse|violence)\b", _I)

_ABUSE = re.compile(
    r"\b(?:fuck\w*|f+\*+k\w*|cunt\w*|wank\w*|twat\w*|bastard\w*|dickhead\w*|arsehole\w*|asshole\w*|"
    r"motherf\w*|bellend\w*|piss\s+off|scumbags?)\b"
    r"|\byou(?:\s+lot|\s+people|\s+guys)?(?:'re|\s+are|re|r)?\s+(?:a\s+|an\s+|so\s+|such\s+a\s+|completely\s+|totally\s+|utterly\s+|"
    r"really\s+|bloody\s+)*(?:useless|stupid|idiot|idiots|moron|pathetic|worthless|dumb|thick|incompetent|"
    r"waste\s+of\s+space|joke)\b"
    r"|\b(?:stupid|useless|dumb|pathetic|worthless)\s+(?:bot|machine|robot|thing|computer|ai|chatbot)\b"
    r"|\b(?:are|is|bunch\s+of|load\s+of)\s+(?:complete\s+|total\s+|useless\s+)?(?:idiots|morons|clowns|imbeciles)\b"
    r"|\bshut\s+up\b|\bgo\s+to\s+hell\b|\bi\s+hate\s+you\b"
    r"|\b(?:i'll|i\s+will|gonna|going\s+to|i'm\s+going\s+to)\s+(?:kill|hurt|stab|shoot|bomb|burn\s+down|smash)\s+"
    r"(?:you|them|the|someone|him|her|everyone|your)\b",
    _I,
)
# Frustration without insult ("this is ridiculous", "I'm fed up", "I've been waiting months"): a question asked
# this way is answered with a word of acknowledgement first.
_FRUSTRATION = re.compile(
    r"\bthis\s+is\s+(?:(?:just|absolutely|completely|totally)\s+)?(?:ridiculous|a\s+joke|disgraceful|a\s+disgrace|"
    r"shocking|outrageous|unacceptable|appalling|beyond\s+a\s+joke)"
    r"|\b(?:i['’]?m|i\s+am|we['’]?re|we\s+are)\s+(?:so\s+|really\s+|absolutely\s+|just\s+)?(?:fed\s+up|sick\s+(?:and\s+tired|of)|"
    r"furious|fuming|livid|disgusted|at\s+the\s+end\s+of\s+my\s+tether)"
    r"|\b(?:been\s+)?waiting\s+(?:for\s+)?(?:months|weeks|ages|years|forever)"
    r"|\b(?:nobody|no\s+one)\s+(?:ever\s+)?(?:listens|gets\s+back|does\s+anything|answers|replies)\b",
    _I,
)
_THREAT = re.compile(
    r"\b(?:i'll|i\s+will|gonna|going\s+to|i'm\s+going\s+to)\s+(?:kill|hurt|stab|shoot|bomb|burn\s+down|smash)\s+"
    r"(?:you|them|the|someone|him|her|everyone|your)\b",
    _I,
)

_CHITCHAT = re.compile(
    r"^(?:who|what)\s+(?:made|built|created|programmed|trained|owns|runs)\s+you\b"
    r"|^(?:are|r)\s+(?:you|u)\s+(?:a\s+|an\s+|the\s+)?(?:real|robot|bot|human|person|ai|computer|machine|"
    r"chat\s*bot|chatgpt|alive)\b"
    r"|^(?:what(?:'s|\s+is)\s+your\s+name|who\s+are\s+you|what\s+are\s+you(?=\W*$)|what\s+can\s+you\s+do|"
    r"how\s+old\s+are\s+you|tell\s+me\s+a\s+joke|how\s+do\s+you\s+work)\b",
    _I,
)

# Short follow-ups only make sense with the conversation, which the engine holds: they stay `plan`.
_FOLLOW_UP = re.compile(
    r"^(?:and\s+|so\s+|but\s+|ok(?:ay)?,?\s+)?(?:"
    r"(?:why|how|more|really|explain|expand|elaborate|details?|more\s+details?|go\s+on|carry\s+on|continue|"
    r"what\s+else|such\s+as|for\s+example|like\s+what|in\s+what\s+way|are\s+you\s+sure|"
    r"what\s+do\s+you\s+mean|say\s+that\s+again)\W*$"
    r"|tell\s+me\s+more\b|what\s+about\b|how\s+about\b|and\s+what\b"
    r"|can\s+you\s+(?:explain|expand\s+on|repeat|say\s+more|give\s+(?:me\s+)?(?:more|an\s+example))\b)",
    _I,
)

# The asker is interested in what the council plans, not in getting a service done.
_PLAN_CUE = re.compile(
    r"(?<!\bcare\s)(?<!\bsupport\s)\b(?:business\s+)?plan(?:s|ned)?\b|\bplanning\s+to\b|\bpriorit\w*|\bstrateg\w*|\boutcomes?\b|"
    r"\bcommit\w*|\bambitions?\b|\baims?\b|\btargets?\b|\bvision\b|\bpolic(?:y|ies)\b|\bobjectives?\b|"
    r"\bgoals?\b|\binvest\w*|\bapproach\b|\bintend\w*|\bfocus\w*|\bfuture\b|\btackl\w*|\bin\s+general\b|"
    r"\b(?:council|they|you)\s+(?:\w+ly\s+)?(?:doing|going\s+to\s+do|do)\s+(?:anything\s+)?about\b|\bkey\s+priorit",
    _I,
)

# The asker speaks of themselves or asks someone to act: only then may similarity suggest a request.
_ASKER = re.compile(
    r"\b(?:I|I'm|I've|I'd|me|my|we|our|us)\b|\b(?:can|could|would)\s+(?:you|someone|somebody)\b|\bplease\b",
    _I,
)
_WORDS = re.compile(r"[a-z']+")


@dataclass(frozen=True)
class Decision:
    """The route for a message and, for a plan question that also asks the council to act, a signpost."""

    route: str
    signpost: str | None = None


def is_crisis(text: str) -> bool:
    """True when the text says someone is at risk right now."""
    return bool(_CRISIS.search(text))


def mentions_sensitive_topic(text: str) -> bool:
    """True when the text mentions suicide, self-harm or domestic abuse, even as a topic."""
    return bool(_SENSITIVE_TOPIC.search(text))


def is_abuse(text: str) -> bool:
    """True when the text swears at, insults or threatens someone."""
    return bool(_ABUSE.search(text))


def is_frustrated(text: str) -> bool:
    """True when the text voices frustration without insult ("this is ridiculous", "I'm fed up")."""
    return bool(_FRUSTRATION.search(text))


def is_threat(text: str) -> bool:
    """True when the text threatens violence (never answered as a question)."""
    return bool(_THREAT.search(text))


def without_abuse(text: str) -> str:
    """The text with its insults and swearing taken out, for a real question asked angrily."""
    return " ".join(_ABUSE.sub(" ", text).split())


def is_small_talk(text: str) -> bool:
    """True when the message is small talk about the assistant itself ("who made you?")."""
    return bool(_CHITCHAT.search(text.strip()))


def has_plan_cue(text: str) -> bool:
    """True when the text asks about plans, priorities, strategy or commitments."""
    return bool(_PLAN_CUE.search(text))


def _only_words_from(text: str, vocabulary: frozenset[str]) -> bool:
    words = _WORDS.findall(text.lower())
    return bool(words) and all(word in vocabulary for word in words)


@lru_cache(maxsize=8)
def _small_talk_words(name: str) -> frozenset[str]:
    return frozenset(routing_words()["small_talk"][name])


def is_greeting(text: str) -> bool:
    """True when the message is only a greeting."""
    words = set(_WORDS.findall(text.lower()))
    return _only_words_from(text, _small_talk_words("greeting_words")) and bool(
        words & _small_talk_words("greeting_openers")
    )


def is_thanks(text: str) -> bool:
    """True when the message only says thank you (and maybe goodbye)."""
    words = set(_WORDS.findall(text.lower()))
    return _only_words_from(text, _small_talk_words("thanks_words")) and bool(
        words & _small_talk_words("thanks_openers")
    )


def _request(kind: str, plan_cue: bool) -> Decision:
    """A request alone leaves the plan; beside a question about the plan it becomes the plan's signpost."""
    return Decision("plan", kind) if plan_cue else Decision(kind)


class Router:
    """Choose a route for a message by patterns, then by similarity to labelled example phrasings."""

    def __init__(
        self,
        embed: Embed,
        route_examples: Mapping[str, Sequence[str]] | None = None,
        similarity: Mapping[str, float] = ROUTE_SIMILARITY,
        margin: float = ROUTE_MARGIN,
    ) -> None:
        if route_examples is None:
            route_examples = guard_examples().routes
        self._embed = embed
        self._names = [name for name in ROUTES if route_examples.get(name)]
        # One call for every example: the embed function may be a disk cache of them.
        texts = [text for name in self._names for text in route_examples[name]]
        vectors = np.asarray(embed(texts), dtype=np.float32) if texts else np.zeros((0, 0), np.float32)
        self._matrices: dict[str, npt.NDArray[np.float32]] = {}
        start = 0
        for name in self._names:
            count = len(route_examples[name])
            self._matrices[name] = vectors[start : start + count]
            start += count
        self.similarity = dict(similarity)
        self.margin = margin

    def scores(self, text: str) -> dict[str, float]:
        """Mean similarity of the text to its nearest examples of each route."""
        vector = np.asarray(self._embed([text]), dtype=np.float32)[0]
        scores: dict[str, float] = {}
        for name, matrix in self._matrices.items():
            similarities = np.sort(matrix @ vector)
            scores[name] = float(similarities[-min(NEIGHBOURS, len(similarities)) :].mean())
        return scores

    def route(self, text: str) -> str:
        """The route for one message; `plan` whenever unsure."""
        return self.decide(text).route

    def decide(self, text: str) -> Decision:
        """The route for one message, with a signpost when a plan question also asks the council to act."""
        if is_crisis(text):
            return Decision("crisis")
        if is_abuse(text):
            return Decision("abuse")
        if is_greeting(text):
            return Decision("greeting")
        if is_thanks(text):
            return Decision("thanks")
        plan_cue = has_plan_cue(text)
        kind = request_kind(text)
        if kind is not None:
            return _request(kind, plan_cue)
        if is_small_talk(text) and not plan_cue:
            return Decision("chitchat")
        short = len(text.split()) <= SHORT_MESSAGE_WORDS
        if _FOLLOW_UP.search(text.strip()) and short:
            return Decision("plan")
        scores = self.scores(text)
        plan_score = scores.get("plan", 0.0)

        def clear_winner(name: str) -> bool:
            score = scores.get(name, 0.0)
            return score >= self.similarity.get(name, 1.0) and score - plan_score >= self.margin

        # Crisis wins over everything, plan included, when the similarity is clear.
        if clear_winner("crisis"):
            return Decision("crisis")
        candidates = [name for name in self._names if name not in ("plan", "crisis")]
        candidates.sort(key=lambda name: scores.get(name, 0.0), reverse=True)
        for name in candidates:
            if name in ("greeting", "thanks", "abuse") and not short:
                continue
            if name in SIGNPOST_ONLY and not _ASKER.search(text):
                continue
            if not clear_winner(name):
                continue
            if name in SIGNPOST_ONLY:
                return Decision("plan", name)
            if plan_cue:
                return Decision("plan", name if name in REQUEST_KINDS else None)
            return Decision(name)
        return Decision("plan")
