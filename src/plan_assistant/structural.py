"""Questions about the plan's structure, answered exactly from the outline rather than by similarity."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from functools import lru_cache

from rapidfuzz.distance import LCSseq

from plan_assistant.grounding import strip_markers
from plan_assistant.outline import DocumentOutline, KeyPriority, Outcome, Outline
from plan_assistant.schemas import Turn
from plan_assistant.text import content_words, stems

_NUMBER_WORDS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
}
_N = r"(?:\d{1,2}|one|two|three|four|five|six|seven|eight|nine)"
_OUTCOME_N = re.compile(rf"\boutcome\s*(?:number\s*)?({_N})\b", re.I)
# Officers' shorthand for an outcome: "O4", "O1 and O2".
_SHORT_OUTCOME = re.compile(r"\bO([1-9])\b")


def spelled(question: str) -> str:
    """The question with "O4" written as "Outcome 4"."""
    return _SHORT_OUTCOME.sub(r"Outcome \1", question)


# Several outcomes named together: "outcome 1 and outcome 2", "outcomes 2, 3 and 5", "outcomes 1 & 4".
_OUTCOMES_N = re.compile(
    rf"\boutcomes?\s*(?:number\s*)?{_N}(?:(?:\s*,\s*|\s+(?:and|&|or|with|vs\.?|versus)\s+)(?:outcome\s*)?{_N})+\b",
    re.I,
)
_ORDINALS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5,
    "sixth": 6, "seventh": 7, "eighth": 8, "ninth": 9, "tenth": 10,
}  # fmt: skip
_N_OUTCOME = re.compile(rf"\b({'|'.join(_ORDINALS)})\s+outcome\b", re.I)
# "the third one", after a conversation about the outcomes
_N_ONE = re.compile(rf"\b(?:the\s+)?({'|'.join(_ORDINALS)}|last)\s+one\b", re.I)
_LIST_WORDS = r"(?:list|what\s+are|what's|whats|name|show|give\s+me|tell\s+me|which\s+are|all)"
_PRIORITIES = r"(?:key\s+)?priorit(?:y|ies)"
_ASKS_PRIORITIES = re.compile(rf"{_PRIORITIES}|{_LIST_WORDS}.*\b(?:under|in|for|of)\b", re.I)
_ASKS_OUTCOMES = re.compile(
    rf"(?:{_LIST_WORDS}|how\s+many).{{0,30}}\boutcomes\b|\boutcomes\s+(?:are|of|in)\b|^\s*outcomes\??\s*$",
    re.I,
)
_ALL_PRIORITIES = re.compile(
    rf"(?:{_LIST_WORDS}|how\s+many).{{0,20}}\b(?:the\s+)?(?:key\s+)?priorities\b(?!.*\boutcome)", re.I
)
_HOW_MANY = re.compile(r"\bhow\s+many\b", re.I)
_COMMITS = re.compile(r"\b(?:commit(?:s|ments?)?|promises?|pledges?|involve|include|cover|mean)\b", re.I)
PRIORITY_TITLE_MATCH = 0.72
# "name the key priorities in the climate outcome": an outcome named by its subject, not its number.
_LISTS_DESCRIBED_OUTCOME = re.compile(
    rf"(?:{_LIST_WORDS}|how\s+many)\b.*\bpriorities\b.*\b(?:under|in|for|of|within|beneath|below)\b.*\boutcome\b",
    re.I,
)

# "which outcome is about health?": one outcome, named by a subject its title states.
_WHICH_OUTCOME = re.compile(
    r"\b(?:which|what)\s+(?:of\s+the\s+)?outcome\s+(?:is\s+(?:about|for|on)|covers?|deals?\s+with|relates?\s+to"
    r"|looks?\s+at|focus(?:es)?\s+on|is\s+to\s+do\s+with)\s+(.+?)[\s?.!]*$",
    re.I,
)
# "which priorities mention digital?", "list the outcomes that cover housing": every place that uses the words,
# for a reader who wants the whole list, not the best match ("which priority covers ..." asks for one).
_MENTIONS = re.compile(
    r"\b(?:(?:which|what)\s+(?:of\s+the\s+)?|(?:list|name|show\s+me)\s+(?:all\s+)?(?:the\s+)?)"
    r"(?:key\s+)?(priorities|outcomes)\s+(?:that\s+|which\s+)?(?:mention|cover|include|refer\s+to|talk\s+about"
    r"|deal\s+with|are\s+about|say\s+anything\s+about|relate\s+to|touch\s+on|have\s+anything\s+on)\s+(.+?)"
    r"[\s?.!]*$",
    re.I,
)

# "the second one", "the last item", "number 3": a pointer into the list the previous answer gave.
_POINTER = re.compile(
    rf"\b(?:the\s+)?({'|'.join(_ORDINALS)}|last)\s+(?:one|item|point|bullet)\b"
    # a bare ordinal closing a short follow-up: "and the fourth?", "what about the last"
    rf"|\bthe\s+({'|'.join(_ORDINALS)}|last)\s*[?.!]*\s*$"
    r"|(?<![\w-])(?:number|no\.|item|#)\s*(\d{1,2})(?![,.]?\d)\b",
    re.I,
)
_LIST_LINE = re.compile(r"^\s*(?:\d{1,2}[.)]|[-*•])\s+(.+?)\s*$")
POINTER_LOOKBACK = 3
"""How many of the latest answers a pointer ("the second one") may reach back to for a list."""
POINTER_MAX_WORDS = 12
"""A longer question says what it is about itself ("is Somerset the first one to ..."): no pointer is read."""
OUTCOME_TITLE_MATCH = 0.85
"""How closely a listed item must match an outcome's title to stand for that outcome (a client's copy of an
answer may differ in punctuation or a word)."""


def listed_items(answer: str) -> list[str]:
    """The items of the first list in an answer (numbered or bulleted), without citation markers or bold."""
    items: list[str] = []
    for line in answer.splitlines():
        if m := _LIST_LINE.match(line):
            items.append(" ".join(strip_markers(m.group(1)).replace("**", "").split()))
        elif items and line.strip():
            break  # the first list has ended
    return [item for item in items if item]


def _pointer(question: str, history: Sequence[Turn]) -> tuple[re.Match[str], int, list[str]] | None:
    """Where a question points ("the second one": 2) and the list of the previous answer, if it has one."""
    m = _POINTER.search(question) if len(question.split()) <= POINTER_MAX_WORDS else None
    if m is None or question[: m.start()].rstrip().lower().endswith(("outcome", "priority")):
        return None
    # The latest answer with a list: "the ninth one?" after "there is no item 9" still means that list. An
    # answer to a pointer lists what its item says, not the list pointed into: "and the fourth?" after "what
    # does the second one say?" points into the same list as that question did.
    answers: list[str] = []
    asked = ""
    for turn in history:
        if turn.role == "user":
            asked = turn.content
        else:
            answers.insert(0, "" if _POINTER.search(asked) else turn.content)
    items = next((found for a in answers[:POINTER_LOOKBACK] if (found := listed_items(a))), [])
    if not items:
        return None
    word = (m.group(1) or m.group(2) or "").lower()
    n = len(items) if word == "last" else _ORDINALS[word] if word else int(m.group(3))
    return m, n, items


def resolve_pointer(question: str, history: Sequence[Turn], outline: Outline) -> str | None:
    """The question with "the second one" (or "number 2", "the last item") replaced by what it points at: the
    item of the list in the previous answer, or "Outcome N" when that item is an outcome. None when the
    question points at no item of such a list."""
    pointed = _pointer(question, history)
    if pointed is None or not 1 <= pointed[1] <= len(pointed[2]):
        return None
    m, n, items = pointed
    item = items[n - 1]
    doc = _plan(outline)
    outcome = next(
        (
            o
            for o in (doc.outcomes if doc else ())
            if SequenceMatcher(None, _norm(o.title), _norm(item)).ratio() >= OUTCOME_TITLE_MATCH
        ),
        None,
    )
    named = f"Outcome {outcome.number}" if outcome is not None else item
    return " ".join(f"{question[: m.start()]}{named}{question[m.end() :]}".split())


def missing_item(question: str, history: Sequence[Turn]) -> StructuralAnswer | None:
    """The reply to "the fifth one" after a list of four: how many there were, rather than a guess."""
    pointed = _pointer(question, history)
    if pointed is None or 1 <= pointed[1] <= len(pointed[2]):
        return None
    listed = len(pointed[2])
    return StructuralAnswer(
        f"That list has {listed} item{'s' if listed != 1 else ''}, so there is no item {pointed[1]}. "
        "Ask about any of them by its number or its words.",
        found=False,
    )


OutcomeMatcher = Callable[[str, Sequence[Outcome]], Outcome | None]
"""Finds the outcome a question describes in words ("the health and wellbeing outcome"), or None."""


@dataclass
class StructuralAnswer:
    """An exact answer from the outline: Markdown text plus the outcome/priorities it names."""

    text: str
    outcome: Outcome | None = None
    priorities: list[KeyPriority] = field(default_factory=list)
    document: DocumentOutline | None = None
    question: str = ""
    found: bool = True  # False when the question names something the plan does not have ("outcome 6")
    # The chunks the answer rests on, when not its outcome's and priorities' title chunks (None: those).
    chunk_ids: list[str] | None = None
    signpost: bool = False  # the answer ends with where to get help (a listed document not loaded here)
    notes: list[str] = field(default_factory=list)  # fixed sentences after the text, listed as notices
    route: str = "outline"  # the Answer's route ("personal_data" for a question that was only a name)


def outcome_numbers(question: str) -> list[int]:
    """The outcomes a question names together ("compare outcome 1 and outcome 2"), in its order; empty
    unless it names two or more."""
    numbers: list[int] = []
    for match in _OUTCOMES_N.finditer(spelled(question)):
        for word in re.findall(_N, match.group(0)[len("outcome") :], re.I):
            number = int(word) if word.isdigit() else _NUMBER_WORDS[word.lower()]
            if number not in numbers:
                numbers.append(number)
    return numbers if len(numbers) >= 2 else []


def _outcome_number(question: str, context: str = "", count: int = 0) -> int | None:
    if m := _OUTCOME_N.search(spelled(question)):
        word = m.group(1).lower()
        return int(word) if word.isdigit() else _NUMBER_WORDS[word]
    if m := _N_OUTCOME.search(question):
        return _ORDINALS[m.group(1).lower()]
    if context and re.search(r"\boutcomes?\b", context, re.I) and (m := _N_ONE.search(question)):
        word = m.group(1).lower()
        return count if word == "last" else _ORDINALS[word]
    return None


# Words that only point at the plan's structure or ask for it: a question of nothing else is about the outcome
# itself ("what is outcome 5 for?"), not about a topic within it.
_STRUCTURE_WORDS = frozenset(
    {"plan", "plans", "outcome", "outcomes", "key", "priority", "priorities", "does", "say", "says", "tell",
     "mean", "means", "number", "council", "councils", *_NUMBER_WORDS, *_ORDINALS}
)  # fmt: skip


def named_outcome(question: str) -> int | None:
    """The outcome a question asks within, named by number or ordinal ("what does Outcome 1 say about
    flooding?"), if any. None when the question names no outcome or asks about the outcome itself."""
    number = _outcome_number(question)
    if number is None or not content_words(question) - _STRUCTURE_WORDS:
        return None
    return number


# "which outcome is about health?", "what key priority covers apprenticeships?": the answer is a place in
# the plan's structure, so only the key priorities' commitments can give it.
_WHICH_PLACE = re.compile(r"\b(?:which|what)\s+(?:of\s+the\s+)?(?:outcome|(?:key\s+)?priority)\b(?!s)", re.I)


def asks_which_place(question: str) -> bool:
    """Whether a question asks which outcome or key priority covers something."""
    return bool(_WHICH_PLACE.search(question))


def named_outcomes(question: str) -> list[int]:
    """Every outcome a question asks within ("what do Outcomes 1 and 2 say about flooding?"); empty when
    it names none or asks about the outcomes themselves."""
    if not content_words(question) - _STRUCTURE_WORDS:
        return []
    several = outcome_numbers(question)
    one = named_outcome(question)
    return several or ([one] if one is not None else [])


def _plan(outline: Outline) -> DocumentOutline | None:
    return next((d for d in outline.documents if d.outcomes and d.current), None) or next(
        (d for d in outline.documents if d.outcomes), None
    )


@lru_cache(maxsize=1024)
def _norm(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())


def find_priority(doc: DocumentOutline, question: str) -> tuple[Outcome, KeyPriority] | None:
    """A priority whose title the question quotes (closely enough)."""
    q = _norm(question)
    # difflib indexes its second sequence: the question is indexed once and each title set against it.
    matcher = SequenceMatcher(None, "", q, autojunk=False)
    best: tuple[float, Outcome, KeyPriority] | None = None
    for outcome in doc.outcomes:
        for priority in outcome.priorities:
            title = _norm(priority.title)
            if title and title in q:
                return outcome, priority
            if not title or len(q) > 2.2 * len(title) + 40:
                continue  # a question much longer than the title is not naming it (and matching is costly)
            # The longest common subsequence bounds difflib's matching characters from above (rapidfuzz
            # computes it in C++): skip titles that cannot reach the bar.
            if LCSseq.similarity(title, q) < PRIORITY_TITLE_MATCH * len(title):
                continue
            matcher.set_seq1(title)
            score = sum(b.size for b in matcher.get_matching_blocks()) / len(title)
            if best is None or score > best[0]:
                best = (score, outcome, priority)
    if best and best[0] >= PRIORITY_TITLE_MATCH:
        return best[1], best[2]
    return None


# A key priority named by its subject: "the priority on new ways of working", "the climate priority".
_DESCRIBED_PRIORITY = (
    re.compile(
        r"\bthe\s+(?:key\s+)?priority\s+(?:on|about|for|covering|around|to\s+do\s+with)\s+(.+?)"
        r"(?:\s+(?:commit|say|cover|include|involve|promise|pledge|mean)\w*\b.*)?[\s?.!]*$",
        re.I,
    ),
    re.compile(r"\bthe\s+((?:[\w'’-]+\s+){0,4}?[\w'’-]+)\s+(?:key\s+)?priority\b", re.I),
)


def described_priority(doc: DocumentOutline, question: str) -> tuple[Outcome, KeyPriority] | None:
    """The one key priority whose title holds every word of the subject a question names it by ("the
    priority on new ways of working"); None when no title or more than one does."""
    for pattern in _DESCRIBED_PRIORITY:
        m = pattern.search(question)
        wanted = set(stems(m.group(1))) if m else set()
        if not wanted:
            continue
        fits = [(o, p) for o in doc.outcomes for p in o.priorities if wanted <= set(stems(p.title))]
        if len(fits) == 1:
            return fits[0]
    return None


def answer_structural(
    question: str, outline: Outline, describe: OutcomeMatcher | None = None, context: str = ""
) -> StructuralAnswer | None:
    """Answer 'what are the outcomes', 'priorities under outcome 4', 'what does priority X commit to'.

    Args:
        describe: finds the outcome a question names by its subject rather than its number.
        context: the conversation's earlier questions, for "the third one" after a list of outcomes.
    """
    found = _answer_structural(question, outline, describe, context)
    if found is not None:
        found.question = question
    return found


def _answer_structural(
    question: str, outline: Outline, describe: OutcomeMatcher | None, context: str = ""
) -> StructuralAnswer | None:
    doc = _plan(outline)
    if doc is None:
        return None
    if len(several := outcome_numbers(question)) >= 2 and (
        _ASKS_PRIORITIES.search(question) or len(question.split()) <= 8
    ):
        return _several_outcomes(doc, several, counted=bool(_HOW_MANY.search(question)))
    if (mentions := _MENTIONS.search(question)) is not None:
        listed = _mentioning(doc, mentions.group(1).lower() == "outcomes", mentions.group(2))
        if listed is not None:
            return listed
    if (which := _WHICH_OUTCOME.search(question)) is not None and (titled := _titled(doc, which.group(1))):
        lead = f"Outcome {titled.number} is “{titled.title}”. Its key priorities are:"
        lines = [lead, "", *[f"{n}. {p.title}" for n, p in enumerate(titled.priorities, start=1)]]
        return StructuralAnswer("\n".join(lines), titled, list(titled.priorities), doc)
    number = _outcome_number(question, context, len(doc.outcomes))
    if number is None and describe is not None and _LISTS_DESCRIBED_OUTCOME.search(question):
        described = describe(question, doc.outcomes)
        number = described.number if described else None
    if number is not None:
        outcome = next((o for o in doc.outcomes if o.number == number), None)
        if outcome is None:
            numbers = ", ".join(str(o.number) for o in doc.outcomes)
            return StructuralAnswer(
                f"The {doc.title} has outcomes {numbers}; there is no outcome {number}.",
                document=doc,
                found=False,
            )
        if _ASKS_PRIORITIES.search(question) or len(spelled(question).split()) <= 6:
            text = _priorities_text(outcome, counted=bool(_HOW_MANY.search(question)))
            return StructuralAnswer(text, outcome, list(outcome.priorities), doc)
        return None
    if _ASKS_OUTCOMES.search(question):
        lines = [
            f"The {doc.title} has {len(doc.outcomes)} outcomes:"
            if _HOW_MANY.search(question)
            else f"The outcomes of the {doc.title} are:",
            "",
        ]
        lines += [f"{o.number}. {o.title}" for o in doc.outcomes]
        return StructuralAnswer("\n".join(lines), document=doc)
    if _ALL_PRIORITIES.search(question):
        total = sum(len(o.priorities) for o in doc.outcomes)
        lines = [
            f"The {doc.title} has {total} key priorities across its {len(doc.outcomes)} outcomes:"
            if _HOW_MANY.search(question)
            else f"The key priorities of the {doc.title}, outcome by outcome:"
        ]
        for o in doc.outcomes:
            lines += ["", f"**Outcome {o.number}: {o.title}**", *[f"- {p.title}" for p in o.priorities]]
        return StructuralAnswer(
            "\n".join(lines), document=doc, priorities=[p for o in doc.outcomes for p in o.priorities]
        )
    found = find_priority(doc, question)
    if found is None and _COMMITS.search(question):
        found = described_priority(doc, question)
    if found is not None and (_COMMITS.search(question) or _norm(found[1].title) in _norm(question)):
        outcome, priority = found
        lines = [
            f"Under Outcome {outcome.number} ({outcome.title}), the key priority "
            f"“{priority.title}” commits to:",
            "",
            *[f"- {c}" for c in priority.commitments],
        ]
        return StructuralAnswer("\n".join(lines), outcome, [priority], doc)
    return None


def _mentioning(doc: DocumentOutline, outcomes: bool, term: str) -> StructuralAnswer | None:
    """Every key priority (or outcome) whose title or a commitment uses all the words of the term, with the
    first place each uses them; None when none does (the question is then searched as usual)."""
    wanted = set(stems(term))
    if not wanted:
        return None
    places: list[tuple[Outcome, KeyPriority, str]] = []
    for outcome in doc.outcomes:
        for priority in outcome.priorities:
            texts = [priority.title, *priority.commitments]
            # The title chunk comes first, then one chunk per commitment (when the outline has them).
            ids = priority.chunk_ids if len(priority.chunk_ids) == len(texts) else priority.chunk_ids[:1]
            hit = next((n for n, text in enumerate(texts) if wanted <= set(stems(text))), None)
            if hit is not None and ids:
                places.append((outcome, priority, ids[hit] if hit < len(ids) else ids[0]))
    if not places:
        return None
    quoted = " ".join(term.split()).strip("“”\"'")
    if outcomes:
        named = list(dict.fromkeys(o.number for o, _, _ in places))
        chosen = [o for o in doc.outcomes if o.number in named]
        lines = [
            f"{len(chosen)} of the {len(doc.outcomes)} outcomes {'has' if len(chosen) == 1 else 'have'} a key "
            f"priority that mentions “{quoted}”:",
            "",
        ]
        lines += [
            f"{n}. Outcome {o.number}: {o.title} ({', '.join(p.title for oo, p, _ in places if oo is o)})"
            for n, o in enumerate(chosen, start=1)
        ]
    else:
        total = sum(len(o.priorities) for o in doc.outcomes)
        verb = "mentions" if len(places) == 1 else "mention"
        lines = [f"{len(places)} of the {total} key priorities {verb} “{quoted}”:", ""]
        lines += [f"{n}. Outcome {o.number} › {p.title}" for n, (o, p, _) in enumerate(places, start=1)]
    return StructuralAnswer(
        "\n".join(lines),
        priorities=[p for _, p, _ in places],
        document=doc,
        chunk_ids=[chunk for _, _, chunk in places],
    )


def _several_outcomes(doc: DocumentOutline, numbers: list[int], counted: bool) -> StructuralAnswer:
    """Each named outcome's key priorities, one after the other; says which named outcomes the plan lacks."""
    outcomes = [o for n in numbers for o in doc.outcomes if o.number == n]
    missing = [n for n in numbers if all(o.number != n for o in doc.outcomes)]
    parts = [_priorities_text(o, counted) for o in outcomes]
    if missing:
        have = ", ".join(str(o.number) for o in doc.outcomes)
        parts.append(
            f"The {doc.title} has outcomes {have}; there is no outcome {' or '.join(map(str, missing))}."
        )
    return StructuralAnswer(
        "\n\n".join(parts),
        priorities=[p for o in outcomes for p in o.priorities],
        document=doc,
        found=bool(outcomes),
        chunk_ids=[c for o in outcomes for c in o.chunk_ids[:1]],
    )


def _titled(doc: DocumentOutline, subject: str) -> Outcome | None:
    """The one outcome whose title uses every word of the subject ("health"); None when none or several do,
    and the question is then answered from the commitments (the title of Outcome 5 never says
    "apprenticeships", its priorities' commitments do)."""
    wanted = set(stems(subject))
    titled = [o for o in doc.outcomes if wanted and wanted <= set(stems(o.title))]
    return titled[0] if len(titled) == 1 else None


def _priorities_text(outcome: Outcome, counted: bool = False) -> str:
    count = len(outcome.priorities)
    lines = [
        f"Outcome {outcome.number}, “{outcome.title}”, has {count} key priorit{'y' if count == 1 else 'ies'}:"
        if counted
        else f"The key priorities under Outcome {outcome.number}, “{outcome.title}”, are:",
        "",
        *[f"{n}. {p.title}" for n, p in enumerate(outcome.priorities, start=1)],
    ]
    return "\n".join(lines)
