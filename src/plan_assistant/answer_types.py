"""What kind of thing a question asks for (a person, a sum, a count, a date), and whether a sentence holds one.

This is the answer-type check of classic question answering: "who runs the council?" is only answered by
a passage naming a person, "how much ...?" by one stating a sum. The patterns are English question
grammar, not any document's wording; a sentence's kinds of named thing come from spaCy at ingest
(``Sentence.entities``), with a pattern fallback for documents indexed without them.
"""

from __future__ import annotations

import re
from typing import Literal

from plan_assistant.schemas import Sentence

AnswerType = Literal["percentage", "money", "quantity", "date", "person", "name", "contact", "progress"]
ANSWER_TYPES: tuple[AnswerType, ...] = (
    "percentage",
    "money",
    "quantity",
    "date",
    "person",
    "name",
    "contact",
    "progress",
)

_I = re.IGNORECASE
_ROLE = (
    r"(?:leader|chief|head|director|councillors?|cabinet|mayor|chair(?:man|woman|person)?|manager|"
    r"officer|minister|mp|member|boss|executive|spokes(?:man|woman|person)|lead\s+member)"
)
# Most specific first: "what percentage" is also a quantity, "how much money" also a quantity.
_W = r"[\w'’-]+"  # one word
_MONEY_NOUN = (
    r"(?:budget|cost|price|spend|spending|funding|investment|money|grant|fund|salary|salaries|wages?"
    r"|pay(?:\s+(?:award|rise|increase|offer))?)"
)
_PEOPLE = r"(?:leadership|leaders|team|staff|officials|officers|councillors|directors|managers)"
_ORGANISATION = (
    r"(?:organi[sz]ations?|compan(?:y|ies)|firms?|contractors?|charit(?:y|ies)|suppliers?|providers?|"
    r"partners?|consultan(?:ts?|cy|cies))"
)
# Most specific first: "what percentage" is also a quantity, "how much money" also a quantity.
ASKS: dict[AnswerType, re.Pattern[str]] = {
    "percentage": re.compile(
        r"\b(?:what|which)\s+(?:percentage|proportion|share|per\s*cent|fraction)\b|\bhow\s+many\s+per\s*cent\b"
        r"|\bwhat\s+(?:is|'s|was)\s+the\s+(?:\w+\s+)?(?:percentage|proportion|rate)\b",
        _I,
    ),
    "money": re.compile(
        r"\bhow\s+much\s+(?:money|funding|cash|investment|budget)\b"
        rf"|\bhow\s+much\b(?:\s+{_W}){{0,8}}?\s+(?:cost|costs|costing|save|saving|spend|spent|spending|"
        r"budget(?:ed)?|fund(?:s|ed|ing)?|worth|pay|paid|invest(?:ed|ing)?|allocated|set\s+aside|going\s+into|"
        r"go(?:es|ing)?\s+(?:in|into|to|towards)|put(?:ting)?\s+(?:in|into|towards)|given|giving|receive[ds]?)\b"
        rf"|\b(?:total|annual|yearly|overall)\s+{_MONEY_NOUN}\b"
        rf"|\bwhat(?:'s|’s|s|\s+is|\s+was|\s+will\s+be)\s+the\s+(?:{_W}\s+){{0,2}}?{_MONEY_NOUN}\b"
        rf"|\b(?:what|which)\s+{_MONEY_NOUN}\s+(?:has|have|is|are|was|were|will|did|does|do)\b",
        _I,
    ),
    "quantity": re.compile(
        r"\bhow\s+(?:many|much)\b|\bwhat\s+(?:number|amount|figure|total|quantity)\b"
        r"|\bhow\s+(?:big|large)\s+(?:is|are|a|will)\b"
        rf"|\bwhat(?:'s|’s|s|\s+is|\s+was|\s+will\s+be)\s+the\s+(?:{_W}\s+){{0,2}}?(?:number|amount|figure|total|"
        r"count|size|target\s+(?:number|figure))\b",
        _I,
    ),
    "date": re.compile(
        r"\b(?:when|what\s+year|what\s+date|which\s+year|how\s+soon|by\s+what\s+date|by\s+when|"
        r"what\s+time\s*(?:scale|frame|line)|time\s*(?:scale|frame|line|table)s?|deadline|"
        r"how\s+long\s+(?:until|till|before|will|is\s+it\s+going)"
        # the date named as a noun: "what is the vesting date", "the start date of ...", "the date of the vote"
        rf"|what(?:'s|’s|s|\s+is|\s+was|\s+will\s+be)\s+the\s+(?:{_W}\s+){{0,3}}?(?:date|year|deadline)"
        r"|(?:start|end|target|launch|closing|completion|finish)\s+date|\bdate\s+(?:of|for)"
        # how long something takes: "the waiting time for an assessment", "how long is the wait"
        r"|waiting\s+(?:times?|lists?\s+(?:is|are)\s+how\s+long)|how\s+long\s+(?:is|are)\s+the\s+(?:wait|waiting)"
        r"|how\s+long\s+(?:does|do|will|would|should)\s+(?:it|an?|the)\s+(?:[\w'’-]+\s+){0,3}?take)\b",
        _I,
    ),
    "person": re.compile(
        rf"\bwho(?:'s|’s|\s+is|\s+are|\s+was|\s+were|s)\s+(?:the\s+|our\s+|your\s+|their\s+)?(?:[\w-]+\s+){{0,3}}?"
        rf"(?:{_ROLE}|in\s+charge|running|responsible|accountable)\b"
        r"|\bwho\s+(?:runs|leads|heads|chairs|manages|oversees)\b"
        # the same in reported speech: "(she's asking) who the leader of the council is"
        rf"|\bwho\s+(?:the|our|your|their)\s+(?:[\w-]+\s+){{0,3}}?{_ROLE}\b"
        # "which officer leads ...", "which director is responsible for ...": a post-holder
        rf"|\bwhich\s+(?:{_W}\s+)?(?:{_ROLE}|person|officials?)\b"
        rf"|\bnames?\s+(?:and\s+(?:[\w-]+\s+){{1,2}})?of\s+(?:the\s+)?(?:[\w'’-]+\s+){{0,3}}?(?:{_ROLE}|{_PEOPLE})\b"
        r"|\bwhich\s+councillors?\b",
        _I,
    ),
    # What something is called, or which organisation was chosen: only a passage naming one answers it.
    "name": re.compile(
        rf"\bwhat\s+(?:is|are|was|were|will|would)\s+(?:{_W}\s+){{1,6}}?(?:be\s+)?(?:called|named)\b"
        rf"|\bwhat(?:'s|’s|s|\s+is|\s+are|\s+was|\s+will\s+be)\s+the\s+names?\s+of\b"
        rf"|\b(?:which|what)\s+(?:{_W}\s+)?{_ORGANISATION}\b",
        _I,
    ),
    # How to reach someone: a phone number, an email or postal address, a website, opening hours.
    "contact": re.compile(
        r"\b(?:phone|telephone|contact|mobile|helpline)\s+(?:number|no|details)s?\b|\bnumber\s+to\s+(?:call|ring)\b"
        r"|\bemail\s+address(?:es)?\b|\b(?:postal|web|website)\s+address\b|\bopening\s+(?:hours|times)\b"
        r"|\bwhat(?:'s|’s|s|\s+is)\s+(?:the|their|its)\s+(?:website|web\s*page|address|email)\b",
        _I,
    ),
    # Whether something has happened since: a plan states intentions, not what came of them.
    "progress": re.compile(
        r"\b(?:yet|so\s+far|to\s+date|up\s+to\s+now)\b"
        r"|\b(?:has|have|did)\s+(?:(?:it|they|this|that|these|those)\s+|the\s+(?:[\w'’-]+\s+){1,4}?)"
        r"(?:actually|really|ever|already)\s+\w+"
        r"|\bactually\s+(?:been|happened|happening|done|built|started|opened|finished|paid|delivered)\b",
        _I,
    ),
}

# spaCy entity labels that give each answer type ("progress" is read from the words).
GIVES: dict[AnswerType, frozenset[str]] = {
    "percentage": frozenset({"PERCENT"}),
    "money": frozenset({"MONEY"}),
    "quantity": frozenset({"MONEY", "CARDINAL", "PERCENT", "QUANTITY"}),
    "date": frozenset({"DATE"}),
    "person": frozenset({"PERSON"}),
    "name": frozenset({"PERSON", "ORG", "PRODUCT", "WORK_OF_ART", "FAC"}),
}
_MONTHS = r"January|February|March|April|May|June|July|August|September|October|November|December"
# Used only for sentences indexed without entity labels.
_FALLBACK: dict[AnswerType, re.Pattern[str] | None] = {
    "percentage": re.compile(r"\d\s*%|\bper\s*cent\b", _I),
    "money": re.compile(r"£\s?\d", _I),
    "quantity": re.compile(
        r"£\s?\d|\b(?!(?:19|20)\d\d\b)\d[\d,.]*\b|\b(?:two|three|four|five|six|seven|eight|nine|ten|"
        r"eleven|twelve|fifteen|twenty|hundred|thousand|million|billion|half|quarter|dozen)\b",
        _I,
    ),
    "date": re.compile(rf"\b(?:19|20)\d\d\b|\b(?:{_MONTHS})\b|\b(?:quarterly|annually|monthly|weekly)\b"),
    "person": None,  # a person's name needs a model to find
    "contact": re.compile(r"\b0\d{3,4}\s?\d{3}\s?\d{3,4}\b|@|\bwww\.|https?://", _I),
    "name": None,
    # What has been done: a perfect or past passive ("has launched", "were opened") or a word of completion.
    "progress": re.compile(
        r"\b(?:has|have|had)\s+(?:now\s+|already\s+)?(?:been\s+)?\w+(?:ed|en|wn|ne|t)\b"
        r"|\b(?:was|were)\s+\w+ed\b|\b(?:achieved|completed|launched|opened|so\s+far|to\s+date)\b",
        _I,
    ),
}


# The nouns that name what kind of answer is wanted ("the vesting date", "the budget for ...", "its phone number"):
# they say what the answer must hold, which the answer-type check tests, not what the question is about.
_TYPE_WORDS: dict[AnswerType, str] = {
    "percentage": "percentage proportion share rate fraction percent",
    "money": "budget cost costs price spend spending funding money cash investment amount salary salaries wage wages",
    "quantity": "number amount figure total quantity count size",
    "date": "date dates year deadline timescale timeframe timeline timetable",
    "person": "",
    "name": "name names called named",
    "contact": "phone telephone number email address website contact details hours opening helpline mobile",
    "progress": "",
}
TYPE_NOUNS: dict[AnswerType, frozenset[str]] = {kind: frozenset(w.split()) for kind, w in _TYPE_WORDS.items()}


def asked_types(question: str) -> list[AnswerType]:
    """The kinds of thing a question asks for, most specific first (empty for most questions)."""
    return [kind for kind in ANSWER_TYPES if ASKS[kind].search(question)]


def holds(sentence: Sentence, kind: AnswerType) -> bool:
    """Whether a sentence states a thing of this kind (from its entity labels, or a pattern without them)."""
    if sentence.entities and kind in GIVES:
        return bool(GIVES[kind] & set(sentence.entities))
    pattern = _FALLBACK[kind]
    return bool(pattern and pattern.search(sentence.text))


def text_holds(text: str, kind: AnswerType) -> bool:
    """Whether plain text (a composed answer) states a thing of this kind, by pattern."""
    pattern = _FALLBACK[kind]
    return bool(pattern and pattern.search(text))


FIGURE_TYPES: tuple[AnswerType, ...] = ("percentage", "money", "quantity")
_MARKERS = re.compile(r"\s?\[\d+\]")


def states_asked_figure(question: str, answer: str) -> bool:
    """False when the question asks for a figure (a percentage, a sum, a count) the answer does not state."""
    text = _MARKERS.sub("", answer)
    for kind in asked_types(question):
        if kind in FIGURE_TYPES:
            return text_holds(text, kind)
    return True


# "list the ...", "what are the principles", "which strategies are ...": the answer is a whole list.
_LIST = re.compile(
    r"\b(?:list|enumerate)\b|\bname\s+(?:the|all|every)\b|\ball\s+(?:the\s+)?[\w-]+s\b"
    r"|\bwhat\s+(?:are|were)\s+(?:the|its|their|our|his|her|[\w-]+['’]s)\s+(?:[\w'’-]+\s+){0,3}?[\w-]+s\b"
    r"|\bwhich\s+(?:[\w-]+\s+){0,2}?[\w-]+s\s+(?:are|do|does|did|sit|will|has|have|is)\b"
    # "what principles will ...", "what challenges for the county does the plan identify"
    r"|\bwhat\s+(?:[\w'’-]+\s+){0,2}?[\w-]+(?<!ss)s\b(?:\s+[\w'’-]+){0,3}?\s+(?:does|do|did|will|would|are|has|have)\b"
    # what something is made of: "what will it consist of", "who is part of it"
    r"|\b(?:consists?\s+of|made\s+up\s+of|made\s+of|comprises?|composed\s+of|part\s+of\s+it|components|members)\b",
    _I,
)


def asks_for_list(question: str) -> bool:
    """Whether a question asks for a whole list ("what are the principles?") rather than one fact."""
    return bool(_LIST.search(question))


# "is the council doing anything about ...", "does the plan mention ...": an open question about a subject,
# answered by whatever the documents say about it, unlike a question asking for one detail.
_OPEN = re.compile(
    r"\b(?:anything|any\s+(?:plans?|help|support|commitments?|mention))\b"
    r"|\bwhat\s+(?:is|are|'s|’s)\s+(?:the\s+council|they|we|the\s+plan)\s+(?:doing|planning|saying)\b"
    r"|\bwhat\s+does\s+(?:the\s+plan|it|the\s+council)\s+(?:say|do|plan|commit)\b"
    # the same, passed on in reported speech: "a caller asks what the plan says about ..."
    r"|\bwhat\s+(?:the\s+plan|it|the\s+council)\s+(?:says|does|plans|commits|is\s+doing)\b"
    r"|\bwhat(?:'s|’s|\s+is)\s+being\s+done\b"
    r"|\bdoes\s+(?:the\s+plan|the\s+council|it)\s+(?:mention|cover|say|commit|plan|do|support|help)\b",
    _I,
)


def asks_open(question: str) -> bool:
    """Whether a question asks what the documents say or do about a subject, not for one detail."""
    return bool(_OPEN.search(question))
