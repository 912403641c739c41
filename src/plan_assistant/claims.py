"""Claims passed on about the council ("I heard they're closing ...", "why is the council cutting ..."): the
claim's frame, the changes a claim may say the council makes, and the words a document would use for each.

A claimed change is a premise to check: the passages found for the question show whether the plan speaks of
such a change at all (``compose.claim_note``).
"""

from __future__ import annotations

import re

# A claim passed on as what the plan or the council says or does ("I heard ...", "is it true ...", "why is the
# council ...", "caller says ...", "so they've ..."): its premise is checked, not taken as given.
CLAIM_FRAME = re.compile(
    r"\b(?:the\s+plan\s+(?:says|said|states|promises|promised|commits)|(?:i|we)(?:['’]ve|\s+have)?\s+"
    r"(?:heard|read|seen|was\s+told|were\s+told|been\s+told)|is\s+it\s+true|apparently|confirm\s+(?:that\s+)?the"
    r"|(?:some(?:one|body)|people|everyone|they|he|she|caller|[\w'’-]+\s+(?:says|said))\s+(?:says?|said|told\s+(?:me|us)|"
    r"insists?|reckons?|claims?)|so\s+(?:the\s+council|they|you)|why\s+(?:is|are|has|have|did|does|will|would)\s+"
    r"(?:the\s+council|they|the\s+plan|you|somerset))\b",
    re.I,
)
# Changes a claim may say the council makes, each with the words a document would use for the same change.
CLAIMED_CHANGES: tuple[tuple[re.Pattern[str], re.Pattern[str]], ...] = tuple(
    (re.compile(claim, re.I), re.compile(said, re.I))
    for claim, said in (
        (
            r"\b(?:cut|cuts|cutting|slash(?:es|ed|ing)?|reduc(?:e|es|ed|ing))\b",
            r"\b(?:cut|reduc|decreas|lower|slash|sav)",
        ),
        (r"\b(?:clos(?:e|es|ed|ing)|shut(?:s|ting)?)\b", r"\b(?:clos|shut|narrow)"),
        (
            r"\b(?:scrap(?:s|ped|ping)?|abolish(?:es|ed|ing)?|ax(?:e|es|ed|ing)|disband(?:s|ed|ing)?|get(?:ting)?\s+rid)\b",
            r"\b(?:scrap|abolish|ax(?:e|ing)|disband|rid\b|reorganis|reform)",
        ),
        (
            r"\b(?:stop(?:s|ped|ping)?|withdraw(?:s|n|ing)?|halt(?:s|ed|ing)?)\b",
            r"\b(?:stop|end(?:s|ed|ing)?\b|withdr|halt|ceas)",
        ),
        (
            r"\b(?:sell(?:s|ing)?|sold)\s+off\b|\bprivatis(?:e|es|ed|ing)\b",
            r"\b(?:sell|sold|dispos|privatis)",
        ),
        (
            r"\b(?:drop(?:s|ped|ping)?|abandon(?:s|ed|ing)?|ditch(?:es|ed|ing)?|g[ai]ve(?:n)?\s+up|giving\s+up)\b",
            r"\b(?:drop|abandon|ditch|g[ai]ve(?:n)?\s+up)",
        ),
    )
)


def passes_on_claim(question: str) -> bool:
    """Whether the question passes on a claim about what the plan or the council says or does."""
    return bool(CLAIM_FRAME.search(question))
