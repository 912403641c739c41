"""A small semantic router: patterns first, then embedding similarity to labelled example phrasings.

Conservative on purpose: a real plan question sent away is costly, so anything unsure stays `plan`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence

import numpy as np
import numpy.typing as npt

from plan_assistant.guardrails import examples

Embed = Callable[[Sequence[str]], npt.NDArray[np.floating]]


def _words(text: str) -> frozenset[str]:
    """The set of whitespace-separated words in a string (long word lists read better this way)."""
    return frozenset(text.split())


ROUTES: tuple[str, ...] = (
    "plan",
    "service",
    "personal_case",
    "greeting",
    "thanks",
    "chitchat",
    "abuse",
    "crisis",
)
"""Every route the router can choose; `injection` is decided before routing."""

ROUTE_EXAMPLES: Mapping[str, Sequence[str]] = {
    "plan": examples.PLAN,
    "service": examples.SERVICE,
    "personal_case": examples.PERSONAL_CASE,
    "greeting": examples.GREETING,
    "thanks": examples.THANKS,
    "chitchat": examples.CHITCHAT,
    "abuse": examples.ABUSE,
    "crisis": examples.CRISIS,
}

ROUTE_SIMILARITY: Mapping[str, float] = {
    "service": 0.55,
    "personal_case": 0.45,
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
    r"|\byou(?:'re|\s+are|re|r)?\s+(?:a\s+|an\s+|so\s+|such\s+a\s+|completely\s+|totally\s+|utterly\s+|"
    r"really\s+|bloody\s+)*(?:useless|stupid|idiot|idiots|moron|pathetic|worthless|dumb|thick|incompetent|"
    r"waste\s+of\s+space|joke)\b"
    r"|\b(?:stupid|useless|dumb|pathetic|worthless)\s+(?:bot|machine|robot|thing|computer|ai|chatbot)\b"
    r"|\b(?:are|is|bunch\s+of|load\s+of)\s+(?:complete\s+|total\s+|useless\s+)?(?:idiots|morons|clowns|imbeciles)\b"
    r"|\bshut\s+up\b|\bgo\s+to\s+hell\b|\bi\s+hate\s+you\b"
    r"|\b(?:i'll|i\s+will|gonna|going\s+to|i'm\s+going\s+to)\s+(?:kill|hurt|stab|shoot|bomb|burn\s+down|smash)\s+"
    r"(?:you|them|the|someone|him|her|everyone|your)\b",
    _I,
)

_CHITCHAT = re.compile(
    r"^(?:who|what)\s+(?:made|built|created|programmed|trained|owns|runs)\s+you\b"
    r"|^(?:are|r)\s+(?:you|u)\s+(?:a\s+|an\s+|the\s+)?(?:real|robot|bot|human|person|ai|computer|machine|"
    r"chat\s*bot|chatgpt|alive)\b"
    r"|^(?:what(?:'s|\s+is)\s+your\s+name|who\s+are\s+you|what\s+are\s+you|what\s+can\s+you\s+do|"
    r"how\s+old\s+are\s+you|tell\s+me\s+a\s+joke|how\s+do\s+you\s+work)\b"
    r"|^(?:can|could|may)\s+i\s+(?:speak|talk)\s+to\s+(?:a\s+)?(?:human|person|real\s+person|someone)\b",
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

_CASE_REQUEST = re.compile(
    r"\b(?:log|record|note|put|add|save|update|enter|write|mark)\b[^.?!]{0,40}?\b(?:on|to|in|into|against)\s+"
    r"(?:my|his|her|their|your|the\s+(?:family's|child's|client's|caller's|customer's|resident's|person's))\s+"
    r"(?:record|file|case|notes|account|system|log|details)s?\b"
    r"|\b(?:log|record|note)\s+(?:this|that|it|the\s+call|this\s+call)\b(?!\s+(?:plan|priority|outcome))"
    r"|\b(?:make|do|send|raise|submit|start|put\s+in)\s+(?:a|an|the)\s+(?:referral|safeguarding\s+(?:referral|alert))"
    r"|\brefer\s+(?:me|him|her|them|us|my\s+\w+|this\s+(?:family|person|child|case|caller))\b"
    r"|\bmy\s+(?:social\s+worker|case\s*worker|care\s+(?:co-?ordinator|manager|worker)|key\s*worker|"
    r"case\s+(?:number|officer|worker|reference))\b"
    r"|\b(?:progress|status|update)\s+(?:of|on)\s+my\s+(?:case|application|complaint|referral|assessment)\b"
    r"|\bchase\s+(?:up\s+)?(?:my|his|her|their|our)\s+(?:\w+\s+)?(?:case|application|complaint|referral|assessment)\b"
    r"|\b(?:open|raise|create|start)\s+(?:a|an|the)\s+(?:case|ticket|safeguarding\s+case)\b"
    r"|\bcase\s+(?:number|reference|ref)\s*(?:is|:)",
    _I,
)

_SERVICE = re.compile(
    r"\b(?:bins?|wheelie|rubbish|refuse|recycling|garden\s+waste|food\s+waste)\b[^.?!]{0,40}"
    r"\b(?:day|days|collect\w*|missed|picked\s+up|emptied|box|bags?|replace\w*|broken|stolen|lid|caddy)\b"
    r"|\bmissed\s+(?:bin|collection)|\bbin\s+(?:day|collection)s?\b|\bbulky\s+(?:waste|item)"
    r"|\b(?:report|fix|fill|repair)\w*\s+(?:a\s+|the\s+|this\s+)?pot\s?holes?\b"
    r"|\bpot\s?holes?\s+(?:outside|on\s+my|in\s+my|near\s+my|at\s+the\s+end\s+of)"
    r"|\bcouncil\s+tax\s+(?:bill|band|banding|payment|direct\s+debit|arrears|reduction|support|discount|"
    r"exemption|refund|account|reminder|instal+ments?)\b|\bpay\s+(?:my\s+|the\s+)?council\s+tax\b"
    r"|\bblue\s+badges?\b"
    r"|\blibrar(?:y|ies)\b[^.?!]{0,30}\b(?:open|opening|hours|times|close|closing|renew|borrow|card)\b"
    r"|\b(?:renew|reserve)\s+(?:my\s+)?(?:library\s+)?books?\b"
    r"|\bparking\s+(?:permit|fine|ticket|pcn|charge\s+notice|space\s+outside)|\bresidents?'?\s+parking\b"
    r"|\bplanning\s+(?:application|permission|consent|portal|objection)s?\b|\bobject\s+to\s+(?:a\s+)?planning\b"
    r"|\bschool\s+(?:admissions?|application|appeal|transport\s+pass)\b|\bapply\s+for\s+(?:a\s+)?school\s+place"
    r"|\b(?:fly[\s-]?tipping|street\s*lights?|gritt(?:ed|ing)|dropped\s+kerb|bus\s+pass)\b"
    r"|\bhow\s+(?:do|can)\s+I\s+(?:apply|pay|report|book|renew|register|order|request|cancel|get\s+a)\b"
    r"|\b(?:nearest|local)\s+(?:tip|dump|recycling\s+(?:centre|site)|household\s+waste)\b"
    r"|\brecycling\s+centres?\b|^\W*(?:bins?|bin\s+day|bin\s+collections?|tip)\W*$",
    _I,
)
# The asker is interested in what the council plans, not in getting a service done.
_PLAN_CUE = re.compile(
    r"\b(?:business\s+)?plan(?:s|ned)?\b|\bplanning\s+to\b|\bpriorit\w*|\bstrateg\w*|\boutcomes?\b|"
    r"\bcommit\w*|\bambitions?\b|\baims?\b|\btargets?\b|\bvision\b|\bpolic(?:y|ies)\b|\bobjectives?\b|"
    r"\bgoals?\b|\binvest\w*|\bapproach\b|\bintend\w*|\bfocus\w*|\bfuture\b|\btackl\w*|\bin\s+general\b|"
    r"\b(?:council|they|you)\s+(?:doing|going\s+to\s+do|do)\s+(?:anything\s+)?about\b|\bkey\s+priorit",
    _I,
)

_GREETING_WORDS = _words(
    "hi hello hey hiya heya howdy yo greetings good morning afternoon evening day there all everyone team "
    "assistant bot how are you doing is anyone it going how's hows ok okay"
)
_THANKS_WORDS = _words(
    "thanks thank thankyou thx ta cheers many you very so much a lot for your the help that's thats "
    "this that great brilliant lovely perfect cool fab excellent super helpful useful really ok okay "
    "bye goodbye all it was is answers my question appreciated appreciate"
)
_WORDS = re.compile(r"[a-z']+")


def is_crisis(text: str) -> bool:
    """True when the text says someone is at risk right now."""
    return bool(_CRISIS.search(text))


def mentions_sensitive_topic(text: str) -> bool:
    """True when the text mentions suicide, self-harm or domestic abuse, even as a topic."""
    return bool(_SENSITIVE_TOPIC.search(text))


def is_abuse(text: str) -> bool:
    """True when the text swears at, insults or threatens someone."""
    return bool(_ABUSE.search(text))


def is_small_talk(text: str) -> bool:
    """True when the message is small talk about the assistant itself ("who made you?")."""
    return bool(_CHITCHAT.search(text.strip()))


def is_case_request(text: str) -> bool:
    """True when the text asks the assistant to record, log or refer a personal case."""
    return bool(_CASE_REQUEST.search(text))


def is_service_request(text: str) -> bool:
    """True when the text asks about a council service (bins, potholes, council tax, badges...)."""
    return bool(_SERVICE.search(text))


def has_plan_cue(text: str) -> bool:
    """True when the text asks about plans, priorities, strategy or commitments."""
    return bool(_PLAN_CUE.search(text))


def _only_words_from(text: str, vocabulary: frozenset[str]) -> bool:
    words = _WORDS.findall(text.lower())
    return bool(words) and all(word in vocabulary for word in words)


def is_greeting(text: str) -> bool:
    """True when the message is only a greeting."""
    words = _WORDS.findall(text.lower())
    return _only_words_from(text, _GREETING_WORDS) and bool(
        set(words)
        & {
            "hi",
            "hello",
            "hey",
            "hiya",
            "heya",
            "howdy",
            "yo",
            "greetings",
            "morning",
            "afternoon",
            "evening",
        }
    )


def is_thanks(text: str) -> bool:
    """True when the message only says thank you (and maybe goodbye)."""
    words = _WORDS.findall(text.lower())
    return _only_words_from(text, _THANKS_WORDS) and bool(
        set(words) & {"thanks", "thank", "thankyou", "thx", "ta", "cheers", "appreciated", "appreciate"}
    )


class Router:
    """Choose a route for a message by patterns, then by similarity to labelled example phrasings."""

    def __init__(
        self,
        embed: Embed,
        route_examples: Mapping[str, Sequence[str]] = ROUTE_EXAMPLES,
        similarity: Mapping[str, float] = ROUTE_SIMILARITY,
        margin: float = ROUTE_MARGIN,
    ) -> None:
        self._embed = embed
        self._names = [name for name in ROUTES if route_examples.get(name)]
        self._matrices = {
            name: np.asarray(embed(list(route_examples[name])), dtype=np.float32) for name in self._names
        }
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
        if is_crisis(text):
            return "crisis"
        if is_abuse(text):
            return "abuse"
        if is_greeting(text):
            return "greeting"
        if is_thanks(text):
            return "thanks"
        plan_cue = has_plan_cue(text)
        if is_small_talk(text) and not plan_cue:
            return "chitchat"
        if is_case_request(text):
            return "personal_case"
        if is_service_request(text) and not plan_cue:
            return "service"
        if _FOLLOW_UP.search(text.strip()) and len(text.split()) <= SHORT_MESSAGE_WORDS:
            return "plan"
        scores = self.scores(text)
        plan_score = scores.get("plan", 0.0)
        short = len(text.split()) <= SHORT_MESSAGE_WORDS

        def clear_winner(name: str) -> bool:
            score = scores.get(name, 0.0)
            return score >= self.similarity.get(name, 1.0) and score - plan_score >= self.margin

        # Crisis wins over everything, plan included, when the similarity is clear.
        if clear_winner("crisis"):
            return "crisis"
        if plan_cue:
            return "plan"
        candidates = [name for name in self._names if name not in ("plan", "crisis")]
        candidates.sort(key=lambda name: scores.get(name, 0.0), reverse=True)
        for name in candidates:
            if name in ("greeting", "thanks", "abuse") and not short:
                continue
            if clear_winner(name):
                return name
        return "plan"
