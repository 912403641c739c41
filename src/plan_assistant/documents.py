"""Documents that know themselves: which one a question names, what the manifest says of it, and its links.

Exact answers from the outline (which carries each document's manifest entry and the documents it lists):
its period, publisher, whether it is current, what it contains, and the strategies it lists, loaded or not.
Pure functions: the assistant passes in today's date and the configured replacements.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

from plan_assistant.outline import DocumentOutline, LinkedDocument, Outline
from plan_assistant.structural import StructuralAnswer
from plan_assistant.text import content_words

Currency = Literal["current", "ended", "withdrawn"]
NONE_LOADED = "Their texts aren't available here."

_YEARS = re.compile(r"\b((?:19|20)\d{2})(?:\s*[-–/]\s*(\d{2,4}))?\b")
# Words that only point at a document or ask about it as a whole: a question of nothing else is about the
# document itself ("what period does this plan cover?"), not about a topic within it.
_DOCUMENT_WORDS = frozenset(
    {"plan", "plans", "document", "documents", "strategy", "strategies", "council", "councils", "county",
     "does", "say", "says", "tell", "still", "cover", "covers", "covered", "run", "runs", "last", "lasts",
     "long", "time", "timeframe", "period", "year", "years", "current", "valid", "date", "force", "live",
     "use", "apply", "applies", "latest", "version", "replaced", "superseded", "expired", "out", "up",
     "wrote", "written", "writes", "publish", "published", "publishes", "publisher", "produced", "produce",
     "owns", "issued", "author", "contain", "contains", "contents", "include", "includes", "sections",
     "section", "made", "partnership", "linked", "link", "links", "related", "sit", "sits", "under",
     "beneath", "below", "underneath", "direction", "give", "gives", "other", "part", "name", "list",
     "mentioned", "mention", "mentions", "refer", "refers", "support", "supports", "new", "old", "end",
     "ends", "start", "starts", "begin", "begins", "business", "whole", "overall", "loaded", "available",
     "read", "text", "somerset", "strategic"}
)  # fmt: skip
_ASKS_PERIOD = re.compile(
    r"\b(?:period|timeframe|time\s*frame|how\s+long|which\s+years|what\s+years|(?:run|last)s?\s+(?:until|to|from)"
    r"|when\s+does\s+.+\b(?:end|start|begin|run|expire)|until\s+when)\b",
    re.I,
)
_ASKS_CURRENT = re.compile(
    r"\b(?:current|up\s+to\s+date|out\s+of\s+date|still\s+(?:valid|in\s+force|in\s+use|applies|apply|live)"
    r"|in\s+force|superseded|replaced|expired|outdated|latest\s+version)\b",
    re.I,
)
_ASKS_PUBLISHER = re.compile(
    r"\b(?:who\s+(?:wrote|writes|published|publishes|produced|produces|owns|made|issued|is\s+behind)"
    r"|publisher|author)\b",
    re.I,
)
_ASKS_CONTENTS = re.compile(
    r"\b(?:contain|contains|contents|what(?:'s|\s+is)\s+in|sections?|what\s+does\s+.+\b(?:cover|include))\b",
    re.I,
)
# A question about a document refers to one: by name, or as "the plan", "this document", "the strategy".
_REFERS_TO_DOCUMENT = re.compile(r"\b(?:plan|plans|document|documents|strategy|strategies)\b", re.I)
_ASKS_LINKS = re.compile(
    r"\b(?:strategies|partnership\s+plans|linked\s+(?:documents|plans|strategies)|other\s+(?:plans|documents))\b",
    re.I,
)


@dataclass(frozen=True)
class Named:
    """A document a question names: loaded (``document``) or only listed by another (``link``)."""

    name: str
    document: DocumentOutline | None
    link: LinkedDocument | None = None
    lister: DocumentOutline | None = None


def _norm(text: str) -> str:
    text = text.lower().replace("&", " and ").replace("'", "").replace("’", "")
    return " ".join(re.sub(r"[^\w\s]", " ", text).split())


def short_title(doc: DocumentOutline) -> str:
    """The title without its publisher and its years: 'Business Plan' for the council's Business Plan 2021-2023."""
    title = doc.title
    if doc.publisher and _norm(title).startswith(_norm(doc.publisher) + " "):
        title = title[len(doc.publisher) :].strip(" -–:")
    title = _YEARS.sub("", title).strip(" -–:,()")
    return " ".join(title.split()) or doc.title


def document_names(doc: DocumentOutline, outline: Outline) -> list[str]:
    """Every name a question may use for a loaded document: its title, short title and the names it is
    listed under by other documents."""
    names = [doc.title, short_title(doc), _YEARS.sub("", doc.title)]
    names += [link.title for d in outline.documents for link in d.links if link.document_id == doc.id]
    return [n for n in dict.fromkeys(" ".join(n.split()) for n in names) if len(_norm(n).split()) >= 2]


def named_document(question: str, outline: Outline) -> Named | None:
    """The document a question names by title (the longest name found wins), loaded or not."""
    q = f" {_norm(question)} "
    found: list[tuple[int, Named]] = []
    for doc in outline.documents:
        found += [(len(n), Named(n, doc)) for n in document_names(doc, outline) if f" {_norm(n)} " in q]
    for lister in outline.documents:
        for link in lister.links:
            if not link.loaded and f" {_norm(link.title)} " in q:
                found.append((len(link.title), Named(link.title, None, link, lister)))
    if not found:
        return None
    return max(found, key=lambda pair: pair[0])[1]


def main_plan(outline: Outline) -> DocumentOutline | None:
    """The plan the others sit under: the first document of kind 'plan' (else the first document)."""
    return next((d for d in outline.documents if d.kind == "plan"), None) or next(
        iter(outline.documents), None
    )


def end_year(period: str) -> int | None:
    """The last year a period names ('2021-2023' -> 2023, '2021/22' -> 2022), or None."""
    years: list[int] = []
    for m in _YEARS.finditer(period):
        years.append(int(m.group(1)))
        if m.group(2):
            tail = m.group(2)
            years.append(int(m.group(1)[: 4 - len(tail)] + tail))
    return max(years) if years else None


def currency(doc: DocumentOutline, today: date) -> Currency:
    """'withdrawn' when the manifest marks the document not current, 'ended' when its period is over."""
    if not doc.current:
        return "withdrawn"
    end = end_year(doc.period)
    return "ended" if end is not None and today.year > end else "current"


def _pointer(doc: DocumentOutline, replaced_by: Mapping[str, str]) -> str:
    where = replaced_by.get(doc.id, "").strip()
    return f" It has been replaced by {where}." if where else ""


def currency_note(doc: DocumentOutline, today: date, replaced_by: Mapping[str, str]) -> str | None:
    """The line an answer drawn from a document opens with when the document is no longer current."""
    state = currency(doc, today)
    if state == "withdrawn":
        return f"This comes from the {doc.title}, which is no longer current.{_pointer(doc, replaced_by)}"
    if state == "ended":
        period = "" if doc.period in doc.title else f" ({doc.period})"
        return f"This comes from the {doc.title}, whose period{period} has ended.{_pointer(doc, replaced_by)}"
    return None


def not_loaded_text(named: Named) -> str:
    """The reply to a question about a document another one lists but whose text is not here."""
    lister = short_title(named.lister) if named.lister else "plan"
    return (
        f"The {lister} lists the {named.name} among its linked strategies and plans, but its text isn't "
        "available here, so I can't say what it contains."
    )


def _only_about_document(question: str, name: str = "") -> bool:
    return not content_words(question) - _DOCUMENT_WORDS - content_words(name)


def answer_about_document(
    question: str, outline: Outline, today: date, replaced_by: Mapping[str, str]
) -> StructuralAnswer | None:
    """Answer a question about a document itself (its links, period, publisher, currency, contents), or a
    question naming a listed document whose text is not loaded; None for any other question."""
    named = named_document(question, outline)
    if named is not None and named.document is None:
        return StructuralAnswer(
            not_loaded_text(named), document=named.lister, found=False, chunk_ids=[], signpost=True
        )
    doc = named.document if named else main_plan(outline)
    if doc is None or not _only_about_document(question, named.name if named else ""):
        return None
    if named is None and not _REFERS_TO_DOCUMENT.search(question):
        return None  # a question about the new unitary authority's first day is about the council, not a document
    if _ASKS_LINKS.search(question) and doc.links and (named is None or doc.kind == "plan"):
        return _links_answer(doc)
    state = currency(doc, today)
    if _ASKS_CURRENT.search(question):
        return StructuralAnswer(_current_text(doc, state, replaced_by), document=doc, chunk_ids=[])
    if _ASKS_PERIOD.search(question) and doc.period:
        text = f"The {doc.title} covers {doc.period}."
        if state != "current":
            text = _current_text(doc, state, replaced_by)
        return StructuralAnswer(text, document=doc, chunk_ids=[])
    if _ASKS_PUBLISHER.search(question) and doc.publisher:
        source = f" Source: {doc.source}." if doc.source.startswith("http") else ""
        text = f"The {doc.title} is published by {doc.publisher}.{source}"
        return StructuralAnswer(text, document=doc, chunk_ids=[])
    if _ASKS_CONTENTS.search(question) and named is not None:
        return StructuralAnswer(contents_text(doc), document=doc, chunk_ids=[])
    return None


def _current_text(doc: DocumentOutline, state: Currency, replaced_by: Mapping[str, str]) -> str:
    pointer = _pointer(doc, replaced_by)
    if state == "withdrawn":
        return f"No: the {doc.title} is no longer current.{pointer}"
    if state == "ended":
        held = "" if pointer else " No later version is held here."
        return f"The {doc.title} covers {doc.period}, and that period has ended.{held}{pointer}"
    period = f" (it covers {doc.period})" if doc.period else ""
    return f"Yes: the {doc.title} is current{period}."


def contents_text(doc: DocumentOutline) -> str:
    """What a document holds: its outcomes, or its top-level sections, and the documents it lists."""
    lines = [f"The {doc.title} ({doc.kind}{', ' + doc.period if doc.period else ''}) sets out:", ""]
    if doc.outcomes:
        lines += [f"{o.number}. {o.title}" for o in doc.outcomes]
    else:
        tops = list(dict.fromkeys(s.path.split(" › ")[0] for s in doc.sections))
        lines += [f"- {t}" for t in tops]
    if doc.links:
        lines += ["", f"It lists {len(doc.links)} linked strategies and plans."]
    return "\n".join(lines)


def _links_answer(doc: DocumentOutline) -> StructuralAnswer:
    lines = [f"The {short_title(doc)} lists these strategic and partnership plans beneath it:", ""]
    some_loaded = any(link.loaded for link in doc.links)
    for link in doc.links:
        mark = " (its text isn't available here)" if some_loaded and not link.loaded else ""
        lines.append(f"- {link.title}{mark}")
    notes = [] if some_loaded else [NONE_LOADED]
    chunk_ids = list(dict.fromkeys(c for link in doc.links for c in link.chunk_ids))
    return StructuralAnswer("\n".join(lines), document=doc, chunk_ids=chunk_ids, notes=notes)


def linked_names(outline: Outline) -> Sequence[str]:
    """Every name any document lists as linked (for routing: a strategy's subject is a plan question)."""
    return [link.title for d in outline.documents for link in d.links]
