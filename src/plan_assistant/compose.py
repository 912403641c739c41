"""The words around an answer: its lead line, the not-found reply, and notes on a question's premise."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping, Sequence
from functools import lru_cache
from importlib import resources

from plan_assistant.cite import where
from plan_assistant.claims import CLAIMED_CHANGES, passes_on_claim
from plan_assistant.config import Settings
from plan_assistant.grounding import figures, strip_markers
from plan_assistant.schemas import Audience, Chunk, Citation, Passage
from plan_assistant.text import words

NOT_FOUND_LEAD = "The Business Plan doesn't cover that."
PREMISE_NOTE = "The plan doesn't give the figure or date in your question. This is what it does say:"
CLAIM_NOTE = "The plan doesn't say that. This is what it does say:"


def not_found_text(settings: Settings, notices: Sequence[str], signpost: str | None = None) -> str:
    """The honest reply when the plan does not answer: say so, and where to get help."""
    return "\n\n".join(
        [
            *notices,
            f"{NOT_FOUND_LEAD} I can only answer from Somerset County Council's Business Plan 2021-2023, "
            "and it doesn't say anything about this.",
            signpost or f"For help with this, please see [{settings.contact_text}]({settings.contact_url}).",
        ]
    )


def nothing_more_text(settings: Settings) -> str:
    """After "what else?": the plan says nothing beyond the answer already given, and where to ask."""
    return (
        "That is everything the plan says about this. For more help, please see "
        f"[{settings.contact_text}]({settings.contact_url})."
    )


def unavailable_text(settings: Settings, markdown: bool = True) -> str:
    """The reply while the plan's index cannot be reached: nothing to answer from, so try again shortly."""
    contact = (
        f"[{settings.contact_text}]({settings.contact_url})"
        if markdown
        else f"{settings.contact_text}: {settings.contact_url}"
    )
    return (
        "The assistant is temporarily unavailable: it cannot reach the plan's index just now. "
        f"Please try again shortly. If you need help now, please see {contact}."
    )


def lead(
    audience: Audience,
    top: Chunk,
    notices: Sequence[str] = (),
    premise: Sequence[str] = (),
    plain_place: str | None = None,
    from_plan: bool = True,
    also: Sequence[str] = (),
) -> str:
    """The line before the answer: which document it comes from and where in it (key priority or section).

    Args:
        from_plan: whether ``top`` is the plan's; another document is named by its title.
        also: titles of the other documents the answer draws on, after ``top``'s.
    """
    place = where(top)
    others = " and the ".join(also)
    if audience == "adviser":
        sources = [top.document_title, *also] if also or not from_plan else []
        line = (
            f"**Tell the caller** (from the {' and the '.join(sources)}):"
            if sources
            else "**Tell the caller:**"
        )
    elif audience == "staff":
        line = f"This is covered in the {top.document_title} under **{place}**"
        line += f", and in the {others}." if also else "."
    elif not from_plan:
        line = f"Here's what the {top.document_title} says (**{place}**):"
    elif also:
        line = f"Here's what the council's plan (**{place}**) and the {others} say:"
    elif plain_place:
        line = f"The council's plan covers this under **{plain_place}** ({_short_place(top)}):"
    else:
        line = f"Here's what the council's plan says (**{place}**):"
    return "\n\n".join([*notices, *premise, line]) + "\n\n"


def places_text(citations: Sequence[Citation]) -> str:
    """Where in the documents an answer comes from, each place once in the order cited ("which outcome is
    that under?")."""
    places = list(
        dict.fromkeys(
            where(c) if c.document_id == citations[0].document_id else f"{c.document}: {where(c)}"
            for c in citations
        )
    )
    if len(places) == 1:
        return f"That is in the {citations[0].document} under **{places[0]}**."
    lines = "\n".join(f"- **{place}**" for place in places)
    return f"That comes from these parts of the {citations[0].document}:\n\n{lines}"


def count_text(items: int, noun: str | None) -> str:
    """How many things the last answer listed ("how many is that?")."""
    return f"That answer lists {items} {noun or ('item' if items == 1 else 'items')}."


def _short_place(chunk: Chunk) -> str:
    return f"Outcome {chunk.outcome}" if chunk.outcome is not None else chunk.section.split(" › ")[0]


# A number that describes the person asking, not a claim about the plan: an age ("her 17 year old", "aged 80",
# "my mum is 87", "adults over 25"), how many children ("my 3 kids") or how long they have lived or waited
# somewhere ("we have lived here 30 years"). People are named by the roles the personal-data rules know
# (data/personal_cues.toml).
@lru_cache(maxsize=1)
def _personal_number() -> re.Pattern[str]:
    cues = tomllib.loads(resources.files("plan_assistant").joinpath("data", "personal_cues.toml").read_text())
    person = "|".join(
        sorted((re.escape(r) for r in ["i", "he", "she", *cues["roles"]]), key=len, reverse=True)
    )
    return re.compile(
        r"\b\d{1,3}\s*-?\s*(?:years?|yrs?|months?)\s*-?\s*old\b|\b\d{1,3}\s+years\s+of\s+age\b"
        r"|\b(?:aged?|turned|turning)\s+\d{1,3}\b"
        rf"|\b(?:(?:{person})\s*(?:is|am|are|'s|’s)|i['’]?m)\s+(?:now\s+|only\s+|nearly\s+|almost\s+|over\s+)?"
        r"\d{1,3}\b"
        r"(?!\s*(?:%|£|m\b|k\b|million|billion|percent))"
        r"|\b\d{1,2}\s+(?:kids|children|sons|daughters|grandchildren|grandkids|boys|girls|dependants|dependents)\b"
        # an age group: "adults over 25", "people aged under 18", "over-65s"
        rf"|\b(?:{person}|adults?|people|persons|those|anyone|everyone|kids|children|pensioners|residents|workers)"
        r"\s+(?:aged\s+)?(?:over|under|above|below)\s+\d{1,3}\b|\b(?:over|under)[- ]?\d{1,2}s\b"
        # How long the asker has lived, worked or waited somewhere ("we have lived in Taunton 30 years").
        r"|\b(?:i|we|i've|we've|i'd|we'd|i'm|we're|i\s+have|we\s+have|i\s+had|we\s+had)\s+(?:\w+\s+){0,2}?"
        r"(?:lived|living|been|worked|working|waited|waiting|rung|rang|called|phoned|tried|owned|run|ran|paid"
        r"|used|farmed|studied|cared|caring)\b[^.?!,;]{0,40}?\b\d{1,3}\s+(?:years?|yrs?|months?|weeks?|days?"
        r"|hours?|times)\b",
        re.I,
    )


def premise_note(question: str, passages: Sequence[Passage]) -> list[str]:
    """When the question states a figure or date the passages don't, say so before answering. A number
    describing the asker or their family (an age, how many children) states nothing about the plan."""
    asked = figures(_personal_number().sub(" ", question))
    if not asked:
        return []
    have = figures(" ".join(p.chunk.text for p in passages))
    missing = sorted(f for f in asked if f not in have)
    if not missing or not have:
        return []
    # The figure is not repeated: a council answer should not echo a number it cannot stand behind.
    return [PREMISE_NOTE]


def claim_note(question: str, passages: Sequence[Passage]) -> list[str]:
    """When the question passes on a claim that the council cuts, closes, scraps, stops, sells off or drops
    something, and no passage found for it speaks of such a change, say the plan doesn't say that before
    answering with what it does say."""
    if not passages or not passes_on_claim(question):
        return []
    text = " ".join(p.chunk.text for p in passages)
    claimed = [said for claim, said in CLAIMED_CHANGES if claim.search(question)]
    return [CLAIM_NOTE] if claimed and not any(said.search(text) for said in claimed) else []


_ABBREVIATION = re.compile(r"\b([A-Z]{2,6})s?\b")
EXPLAINED_FOR: frozenset[Audience] = frozenset({"resident", "adviser"})
"""Who is told what an answer's abbreviations stand for: residents, and advisers explaining to a caller."""


def abbreviations(text: str, acronyms: Mapping[str, str]) -> str:
    """What each abbreviation an answer uses stands for ("SEND means special educational needs and
    disabilities."), as the documents spell it out or the glossary has it; empty when none needs saying
    (unknown, or already spelled out in the answer)."""
    said = " ".join(words(text))
    meanings: dict[str, str] = {}
    for match in _ABBREVIATION.finditer(strip_markers(text)):
        short = match.group(1)
        means = acronyms.get(short, "")
        if means and short not in meanings and " ".join(words(means)) not in said:
            meanings[short] = means
    return " ".join(f"{short} means {means}." for short, means in meanings.items())
