"""The messages that ask the local model for questions, keywords and a plain rendering of one sentence.

The prompts describe the task, never particular questions. The one worked example is made up (street
lights and footbridges, which the plan never mentions) so that it teaches the shape without lending
facts; words a reply shares with the example but not with the sentence are dropped (``from_example``). The sentence goes in
as quoted data. Bump PROMPT_VERSION whenever a prompt changes: every entry is then regenerated.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from ingest.derived import Target
from plan_assistant.prompts import ChatMessage

PROMPT_VERSION = "1"

QUESTIONS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "questions": {"type": "array", "items": {"type": "string"}, "minItems": 3, "maxItems": 5},
        "keywords": {"type": "array", "items": {"type": "string"}, "minItems": 5, "maxItems": 10},
    },
    "required": ["questions", "keywords"],
}
PLAIN_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"plain": {"type": "string"}},
    "required": ["plain"],
}

_EXAMPLE = (
    "Deliver a programme of repairs to the county's street lights and footbridges to safeguard pedestrian "
    "safety and improve accessibility, investing £2.4m by March 2022 in partnership with the Highways Agency."
)
_EXAMPLE_CONTEXT = "Keep the county's street lights and footbridges safe"
_EXAMPLE_QUESTIONS = {
    "questions": [
        "What is the council doing about broken street lights?",
        "How much money is going into fixing footbridges?",
        "When will the street light repairs be finished?",
        "Who is the council working with on the repairs?",
    ],
    "keywords": [
        "street lights",
        "lamp posts",
        "footbridges",
        "repairs",
        "broken lights",
        "Highways Agency",
    ],
}
_EXAMPLE_PLAIN = (
    "The council will repair street lights and footbridges in the county. This will keep people on foot "
    "safe and make it easier to get around. It will spend £2.4m on this by March 2022. It will work with "
    "the Highways Agency to do it."
)
_EXAMPLE_TITLE = _EXAMPLE_CONTEXT
_EXAMPLE_TITLE_PLAIN = "Safe street lights and footbridges"
# The example's own subject: a reply using one of these words when the sentence does not was copied.
EXAMPLE_TOPIC = "street lights lamp posts footbridges repairs broken Highways Agency"

_QUESTIONS_SYSTEM = """\
You help people find information in a council's business plan. You are given one sentence from the plan \
and the part of the plan it sits in.

Write what people would type into a search box to find this sentence:
- "questions": 3 to 5 different questions that this sentence answers, asked the way residents, \
advice workers or council staff would ask them, in everyday words. Each question is short (under 20 \
words). Make them different from each other: what will be done, who it helps, and how much, when or \
with whom if the sentence says so.
- "keywords": 5 to 10 everyday words or short phrases for what the sentence is about, including \
simpler words and synonyms for any jargon or acronym in it.

Use only what the sentence says: no number, date, place or name that is not in it. Do not copy the \
sentence word for word, and take nothing from the example. Reply with JSON only."""

_PLAIN_SYSTEM = """\
You rewrite one sentence from a council's business plan in plain English for residents.

- Use short sentences (at most 15 words each) and common, short words. When the sentence says what \
the council will do, say so plainly: "The council will ...". When it describes something, describe it.
- Keep every number, amount and date exactly as written, and keep every name of a place, \
organisation, programme or plan, and every acronym, exactly as written.
- Say the same thing as the sentence and nothing more: add no fact, example, reason, place or name \
that is not in it, and leave out nothing that matters.
Reply with JSON only: {"plain": "..."}"""

_TITLE_SYSTEM = """\
You turn the title of a part of a council's business plan into a short plain name for residents.

- At most 10 common, short words. No full stop at the end.
- Keep every number and every name of a place, organisation or programme exactly as written.
- Say the same thing as the title and nothing more.
Reply with JSON only: {"plain": "..."}"""

_TRY_AGAIN = """\
That is not right yet: {problems} Write it again. Use shorter sentences (at most 12 words each) and \
the simplest everyday words, keep the sentence's own words for what it is about, and copy every number \
and name exactly. Reply with JSON only."""

PROBLEMS = {
    "figures": "It changed, added or left out a number, amount or date.",
    "names": "It added a name that is not in the sentence, or left out one that is.",
    "grade": "It is still too hard to read.",
    "overlap": "It uses too many words that are not in the sentence, so it may say something else.",
}


def _quoted(target: Target) -> str:
    return f"Part of the plan: {target.context}\nSentence: {json.dumps(target.text, ensure_ascii=False)}"


def questions_messages(target: Target) -> list[ChatMessage]:
    """Ask for the questions a sentence answers and everyday keywords for it."""
    example = Target("", _EXAMPLE, "sentence", _EXAMPLE_CONTEXT)
    return [
        {"role": "system", "content": _QUESTIONS_SYSTEM},
        {"role": "user", "content": _quoted(example)},
        {"role": "assistant", "content": json.dumps(_EXAMPLE_QUESTIONS, ensure_ascii=False)},
        {"role": "user", "content": _quoted(target)},
    ]


def plain_messages(target: Target, tries: Sequence[tuple[str, Sequence[str]]] = ()) -> list[ChatMessage]:
    """Ask for a plain-English rendering (a short plain name for a title).

    Args:
        tries: earlier renderings and what was wrong with each (keys of PROBLEMS); each goes back to
            the model as its own reply followed by what to fix.
    """
    if target.kind == "title":
        system, example, answer = _TITLE_SYSTEM, _EXAMPLE_TITLE, _EXAMPLE_TITLE_PLAIN
    else:
        system, example, answer = _PLAIN_SYSTEM, _EXAMPLE, _EXAMPLE_PLAIN
    messages: list[ChatMessage] = [
        {"role": "system", "content": system},
        {"role": "user", "content": f"Sentence: {json.dumps(example, ensure_ascii=False)}"},
        {"role": "assistant", "content": json.dumps({"plain": answer}, ensure_ascii=False)},
        {"role": "user", "content": f"Sentence: {json.dumps(target.text, ensure_ascii=False)}"},
    ]
    for plain, problems in tries:
        messages.append({"role": "assistant", "content": json.dumps({"plain": plain}, ensure_ascii=False)})
        feedback = " ".join(PROBLEMS[p] for p in problems)
        messages.append({"role": "user", "content": _TRY_AGAIN.format(problems=feedback)})
    return messages
