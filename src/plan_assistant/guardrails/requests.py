"""Requests to act rather than questions about the plan: a council service, a personal case, a person to call.

Each pattern looks for the request (report, book, chase, send someone out, put me through...), never for a
service word on its own: "is there help with care at home?" asks about the plan, "can you book my mum a
care assessment?" asks the council to act. The word lists live in data/routing_words.toml.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from plan_assistant.guardrails.examples import routing_words

REQUEST_KINDS: tuple[str, ...] = ("personal_case", "contact", "service")
"""The kinds of request, strongest first: a message holding two is signposted for the first."""

_I = re.IGNORECASE
_APOSTROPHE = r"['’]"
_POSSESSIVE = rf"(?:[\w-]+{_APOSTROPHE}s\s+)?"
_NOT = (
    rf"(?:hasn{_APOSTROPHE}?t|haven{_APOSTROPHE}?t|wasn{_APOSTROPHE}?t|weren{_APOSTROPHE}?t|"
    rf"didn{_APOSTROPHE}?t|has\s+not|have\s+not|was\s+not|were\s+not|did\s+not|never|still\s+not)"
)


def _alternation(phrases: Iterable[str]) -> str:
    """A regex group matching any of the phrases as whole words, spaces matching any whitespace."""
    ordered = sorted(set(phrases), key=len, reverse=True)
    return "(?:" + "|".join(re.escape(phrase).replace(r"\ ", r"\s+") for phrase in ordered) + ")"


@lru_cache(maxsize=1)
def _patterns() -> dict[str, tuple[re.Pattern[str], ...]]:
    words = routing_words()
    service, case, contact = words["service"], words["personal_case"], words["contact"]
    act = _alternation(service["transactions"])
    call_out = _alternation(service["call_outs"])
    issued = _alternation(service["issued"])
    not_done = _alternation(service["not_done"])
    fault = _alternation(service["faults"])
    home = _alternation(service["home_places"])
    shared = _alternation(service["shared_places"])
    worker = _alternation(case["workers"])
    record = _alternation(case["records"])
    person = _alternation(contact["people"])
    reach = _alternation(contact["reach"])
    channel = _alternation(contact["channels"])
    # "my" is the asker's own account; "our" may be the council itself when staff ask ("our targets").
    mine = rf"my\s+(?!{shared}\b(?!\s+tax\b))"
    ours = rf"(?:my|our)\s+(?!{shared}\b(?!\s+tax\b))"
    someones = rf"(?:my|our|his|her|their|the\s+\w+{_APOSTROPHE}s)\s+{_POSSESSIVE}"
    doorstep = (
        rf"\b(?:outside|on|in|near|by|opposite|behind|next\s+to|at\s+the\s+end\s+of)\s+(?:my|our)\s+{home}\b"
    )
    # Only a thing can be fixed or booked: "can you clear this up for me?" asks for an explanation.
    object_ = r"(?:the|my|our|a|an|some)\b"

    service_patterns = (
        # How to do it: "how do I renew...", "where can we book...", "how to pay...".
        rf"\b(?:how|where)\s+(?:do|can|could|should|would|shall|must)\s+(?:I|we|you|u|one|my\s+\w+)\s+"
        rf"(?:go\s+about\s+|best\s+)?(?:{act}\b|get\s+(?:a|an|my|our|hold\s+of)\b)",
        rf"\b(?:how|where|when)\s+(?:will|can|do)\s+(?:I|we)\s+(?:{act})\b",
        rf"\b(?:can|could|may)\s+(?:I|we)\s+(?:still\s+|now\s+)?(?:{act})\b",
        rf"\b(?:can|could|may|how\s+do|where\s+do|where\s+can)\s+(?:I|we)\s+(?:get|have|receive|obtain)\s+"
        rf"(?:a|an|my|our)\s+(?:[\w-]+\s+){{0,2}}{issued}s?\b",
        rf"\b(?:how|where)\s+to\s+(?:{act}\b|get\s+(?:a|an)\b)",
        # Someone asked to come out and do a job.
        rf"\b(?:can|could|would)\s+(?:you|u|someone|somebody|anyone|anybody)\s+(?:please\s+)?"
        rf"(?:{call_out}|{act})\s+{object_}",
        r"\b(?:can|could|would)\s+(?:you|u|someone|somebody|anyone|anybody)\s+(?:please\s+)?"
        r"(?:come\s+(?:out|round|and)|send|arrange|get\s+(?:someone|somebody))\b",
        rf"\b(?:send|get)\s+(?:someone|somebody|a\s+\w+|an\s+\w+|one\s+of\s+your\s+\w+)\s+"
        rf"(?:out|round|over|along|to\s+(?:{call_out}))\b",
        rf"(?:^|[.!?,;]\s*)(?:please\s+)?(?:{call_out}|{act}|send|arrange)\s+{object_}(?!\s+(?:plan|priorit|outcome))",
        # The asker wants to do it.
        rf"\bI(?:{_APOSTROPHE}d|\s+would|\s+want|\s+wanna|\s+need|{_APOSTROPHE}m\s+trying|\s+am\s+trying|"
        rf"\s+have|{_APOSTROPHE}ve\s+got|\s+must)\s+(?:like\s+)?to\s+(?:{act})\b",
        r"\b(?:make|submit|lodge|file|put\s+in)\s+(?:a|an)\s+(?:complaint|payment|booking|claim|application|"
        r"appeal|objection)\b",
        # When somewhere is open.
        r"\bopening\s+(?:hours|times|days)\b",
        r"\bwhat\s+times?\s+(?:does|do|is|are)\b[^.?!]{0,40}?\b(?:open|close|shut)\b",
        r"\bwhen\s+(?:does|do|is|are)\b[^.?!]{0,40}?\b(?:open|closed|close|shut)\b(?!\s+(?:to|for|down)\b)",
        r"\b(?:is|are)\b[^.?!]{0,40}?\bopen\s+(?:on|at|today|tonight|tomorrow|this|over|during|until|till|"
        r"late|now)\b",
        # Who to go to.
        r"\bwho\s+(?:do|should|can|could|would|shall|must)\s+(?:I|we|you|u|they)\s+(?:contact|call|ring|phone|"
        r"e-?mail|write\s+to|tell|send|go\s+to|complain\s+to|ask|notify|inform|report\s+(?:it|this|that|them))\b",
        # The asker's own account, delivery or doorstep.
        rf"\b(?:when|what|which|where|how\s+much)(?:{_APOSTROPHE}s|\s+is|\s+are|\s+was|\s+were|\s+day\s+is|"
        rf"\s+day\s+are)\s+{mine}",
        rf"\bwhen\s+(?:will|should|does|do|can)\s+{mine}",
        rf"\b{_NOT}\s+(?:been\s+)?(?:{not_done})\b",
        rf"\b{ours}(?:[\w'’-]+\s+){{0,2}}(?:has|have|had|was|were|is|are|got|keeps?)\s+"
        rf"(?:been\s+|being\s+|getting\s+)?(?:{fault})\b",
        r"\bmissed\s+(?:\w+\s+)?(?:collection|bin|pick[\s-]?up)s?\b",
        rf"\bthere(?:{_APOSTROPHE}s|\s+is|\s+are|{_APOSTROPHE}re)\s+(?:a|an|some)\b[^.?!]{{0,50}}?{doorstep}",
        rf"{doorstep}[^.?!]{{0,50}}?\b(?:{fault})\b",
        rf"\b(?:{fault})\b[^.?!]{{0,50}}?{doorstep}",
    )
    case_patterns = (
        # Record, log or note something on someone's file.
        r"\b(?:log|record|note|put|add|save|update|enter|write|mark)\b[^.?!]{0,40}?\b(?:on|to|in|into|against)\s+"
        rf"(?:{someones}|your\s+|the\s+)(?:{record}|notes|account|system|log|details)s?\b",
        r"\b(?:log|record|note)\s+(?:this|that|it|the\s+call|this\s+call)\b(?!\s+(?:plan|priority|outcome))",
        # Refer someone, or open a case.
        r"\b(?:make|do|send|raise|submit|start|put\s+in)\s+(?:a|an|the)\s+(?:referral|safeguarding\s+(?:referral|alert))",
        r"\brefer\s+(?:me|him|her|them|us|my\s+\w+|this\s+(?:family|person|child|case|caller))\b",
        r"\b(?:open|raise|create|start)\s+(?:a|an|the)\s+(?:case|ticket|safeguarding\s+case)\b",
        r"\bcase\s+(?:number|reference|ref)\s*(?:is|:)",
        # Chase, ask after or change someone's own case.
        rf"\bchase\s+(?:up\s+)?{someones}(?:\w+\s+)?{record}\b",
        rf"\b(?:progress|status|update|news|outcome|decision)\s+(?:of|on|about|with)\s+{someones}{record}\b",
        rf"\bwhat{_APOSTROPHE}?s?(?:\s+is)?\s+(?:happening|going\s+on)\s+with\s+{someones}(?:\w+\s+){{0,2}}{record}\b",
        rf"\b(?:get|have)\s+{someones}(?:\w+\s+){{0,2}}{record}\s+(?:moved|transferred|reviewed|reopened|escalated|"
        r"looked\s+at|sorted|closed|changed)\b",
        rf"\bhow\s+far\s+{someones}{record}\b",
        rf"\b(?:escalate|move|transfer|reopen|close)\s+{someones}(?:\w+\s+)?{record}\b",
        rf"\b(?:my|our)\s+{_POSSESSIVE}(?:{record})\s+(?:has|have|is|was|still|keeps|{_NOT})\b",
        # Someone's own worker, as a matter to act on.
        rf"\b(?:tell|ask|message|e-?mail|contact|ring|call|phone|reach|get\s+hold\s+of|speak\s+to|talk\s+to|"
        rf"pass\s+(?:\w+\s+){{0,3}}(?:on\s+)?to|let|chase|complain\s+about|change)\s+{someones}{worker}\b",
        rf"\b{someones}{worker}\s+(?:still\s+)?(?:{_NOT}|isn{_APOSTROPHE}?t|won{_APOSTROPHE}?t|doesn{_APOSTROPHE}?t|"
        rf"is\s+not|will\s+not|does\s+not|keeps|has\s+(?:left|stopped|changed)|left|stopped|is\s+(?:off|away))\b",
        rf"\b(?:who|where){_APOSTROPHE}?s?(?:\s+is)?\s+{someones}{worker}\b",
        # Anyone's worker who does not get back to them, however the person is described.
        rf"\b{worker}s?\b[^.?!]{{0,40}}?\b(?:not|never|stopped|won{_APOSTROPHE}?t|isn{_APOSTROPHE}?t|hasn{_APOSTROPHE}?t)\s+"
        r"(?:been\s+)?(?:returning|answering|responding|replying|calling|ringing|visiting|returned|answered|"
        r"responded|replied|called|rung|visited)\b",
    )
    contact_patterns = (
        rf"\b(?:speak|talk|chat)\s+(?:to|with)\s+(?:a|an|some|one\s+of\s+your)?\s*"
        rf"(?:real\s+|actual\s+|live\s+|proper\s+)?{person}\b",
        r"\bwho\s+(?:can|do|should|could)\s+(?:I|we)\s+(?:speak|talk|chat)\s+(?:to|with)\b",
        rf"\b(?:is\s+there|are\s+there|have\s+you\s+got|do\s+you\s+have)\s+(?:a|an|any)?\s*(?:{person}|{channel})\s+"
        rf"(?:I|we)\s+(?:can|could)\s+{reach}\b",
        rf"\b(?:what{_APOSTROPHE}s|what\s+is|what\s+are|give\s+me|I\s+need|can\s+I\s+(?:have|get)|send\s+me)\s+"
        rf"(?:your|ur|the\s+council{_APOSTROPHE}?s?|the|a|an)\s+{channel}\b(?!\s+of\b)",
        rf"\b(?:how\s+(?:do|can|could)\s+(?:I|we)|can\s+(?:I|we)|I\s+(?:want|need|would\s+like)\s+to|"
        rf"I{_APOSTROPHE}d\s+like\s+to)\s+{reach}\s+(?:you|{person})\b",
        r"\b(?:can|could|will|would)\s+(?:someone|somebody|a\s+person|you|anyone)\s+(?:please\s+)?"
        r"(?:call|ring|phone|e-?mail|contact|get\s+back\s+to)\s+me\b",
        r"\bput\s+me\s+through\b|\bconnect\s+me\s+(?:to|with)\b",
        r"\b(?:want|need|like|rather\s+have)\s+(?:a|an|to\s+have\s+a)\s+(?:real\s+|actual\s+|proper\s+|live\s+)?"
        r"(?:human|person|human\s+being|advis[eo]r|operator)\b",
    )
    return {
        "service": tuple(re.compile(pattern, _I) for pattern in service_patterns),
        "personal_case": tuple(re.compile(pattern, _I) for pattern in case_patterns),
        "contact": tuple(re.compile(pattern, _I) for pattern in contact_patterns),
    }


def _matches(kind: str, text: str) -> bool:
    return any(pattern.search(text) for pattern in _patterns()[kind])


def is_service_request(text: str) -> bool:
    """True when the text asks the council to do something, or how to use a service (not just names one)."""
    return _matches("service", text)


def is_case_request(text: str) -> bool:
    """True when the text asks to record, refer, chase or change someone's own case."""
    return _matches("personal_case", text)


def is_contact_request(text: str) -> bool:
    """True when the text asks to talk to a person, or how to reach one."""
    return _matches("contact", text)


def request_kind(text: str) -> str | None:
    """The strongest kind of request the text makes ("personal_case", "contact", "service"), if any."""
    checks = {"personal_case": is_case_request, "service": is_service_request, "contact": is_contact_request}
    return next((kind for kind in REQUEST_KINDS if checks[kind](text)), None)
