"""The public-sector glossary (data/glossary.toml): jargon and acronyms with the everyday words for them."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources


@dataclass(frozen=True)
class Term:
    """A word or acronym as documents write it, what it stands for, and how people say it."""

    term: str
    means: str
    everyday: tuple[str, ...]
    pattern: re.Pattern[str]


def _pattern(term: str) -> re.Pattern[str]:
    # An acronym matches only in capitals ("SEND", not "send"); a phrase matches in any case, with any
    # spacing or hyphenation.
    words = [re.escape(w) for w in re.split(r"[\s-]+", term.strip())]
    body = r"[\s-]+".join(words)
    flags = 0 if term.isupper() else re.IGNORECASE
    return re.compile(rf"(?<![\w@]){body}s?(?![\w@])", flags)


@dataclass(frozen=True)
class Glossary:
    """Lookups over the glossary's terms."""

    terms: tuple[Term, ...]

    def found_in(self, text: str) -> list[Term]:
        """The terms a text uses."""
        return [t for t in self.terms if t.pattern.search(text)]

    def wordings(self, text: str) -> list[str]:
        """Everyday wordings (and expansions) of every term the text uses, without repeats."""
        out: dict[str, None] = {}
        for term in self.found_in(text):
            if term.means:
                out[term.means] = None
            for wording in term.everyday:
                out[wording] = None
        return list(out)

    def acronyms(self) -> dict[str, str]:
        """Acronym -> what it stands for."""
        return {t.term: t.means for t in self.terms if t.means and t.term.isupper()}


def parse(text: str) -> Glossary:
    """A glossary from TOML text (``[[terms]]`` tables with term, means, everyday)."""
    data = tomllib.loads(text)
    terms = []
    for n, entry in enumerate(data.get("terms", []), start=1):
        term = str(entry.get("term", "")).strip()
        if not term:
            raise ValueError(f"glossary entry {n} has no term")
        everyday = tuple(str(w).strip() for w in entry.get("everyday", []) if str(w).strip())
        terms.append(Term(term, str(entry.get("means", "")).strip(), everyday, _pattern(term)))
    return Glossary(tuple(terms))


@cache
def packaged_glossary() -> Glossary:
    """The glossary shipped with the package."""
    path = resources.files("plan_assistant").joinpath("data", "glossary.toml")
    return parse(path.read_text(encoding="utf-8"))
