"""The project's own personal-data rules, for what no library covers, as Presidio recognisers.

Street addresses, UK bank account details, dates of birth in words, and names beside the roles people
write about ("my social worker ..."). Everything else comes from Presidio's own recognisers.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import tldextract
from presidio_analyzer import LocalRecognizer, Pattern, PatternRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts
from presidio_analyzer.predefined_recognizers import EmailRecognizer

CUES_FILE = "personal_cues.toml"
RULE_SCORE = 0.85
"""The score the project's rules give: above the analyzer's threshold, below a checksum-validated match."""

# ---------------------------------------------------------------- e-mail without the network

# tldextract's default extractor downloads the public suffix list on first use; its bundled snapshot is
# enough to tell "gmail.com" from "a.b", and never touches the network or the disk.
_OFFLINE_TLD = tldextract.TLDExtract(cache_dir=None, suffix_list_urls=())


class OfflineEmailRecognizer(EmailRecognizer):
    """Presidio's e-mail recogniser, validating domains against tldextract's bundled suffix list."""

    def validate_result(self, pattern_text: str) -> bool:
        """True when the address ends in a known public suffix."""
        return _OFFLINE_TLD(pattern_text).fqdn != ""


# ---------------------------------------------------------------- regular-expression rules

_STREET_SUFFIX = (
    r"(?:Street|St|Road|Rd|Lane|Ln|Avenue|Ave|Close|Cl|Drive|Dr|Way|Court|Ct|Crescent|Cres|Place|Pl|"
    r"Gardens|Gdns|Grove|Terrace|Tce|Hill|Park|Row|Square|Sq|Mews|Walk|View|Rise|Green|Parade|Mead|"
    r"Meadow|Meadows|Yard|Wharf|Gate|Fields|Orchard|Paddock|Chase|Croft|Lea|Vale|Heights|Path|End)"
)
_NAME_WORD = r"[A-Z][a-z'’-]+"
# A postcode on its own is allowed (residents use it to say where they live); after a street address it
# is part of the address, and goes with it, as does the town between them.
_ADDRESS_TAIL = rf"(?:,\s*{_NAME_WORD}(?:\s+{_NAME_WORD})?)?(?:,?\s+[A-Z]{{1,2}}\d[A-Z\d]?\s*\d[A-Z]{{2}}\b)?"
_BIRTH_CUE = r"\b(?:d\.?o\.?b\.?|date\s+of\s+birth|birth\s*date|birthday|born)\b"


def rule_recognisers() -> list[PatternRecognizer]:
    """The project's patterns as Presidio recognisers (Presidio matches them with `regex`: look-behinds
    may vary in length)."""
    address = PatternRecognizer(
        "STREET_ADDRESS",
        name="StreetAddressRecognizer",
        patterns=[
            # "12 High Street, Taunton TA1 2AB", "Flat 3, 27 Mill Bridge Road": told by their capitals.
            Pattern(
                "street address",
                rf"(?:\b(?:Flat|Apartment|Apt)\s+\d+[A-Za-z]?,?\s+)?(?<![\w£$€.,/-])\d{{1,3}}[A-Za-z]?,?\s+"
                rf"(?:{_NAME_WORD}\s+){{1,3}}{_STREET_SUFFIX}\b\.?{_ADDRESS_TAIL}",
                RULE_SCORE,
            ),
            # "we live at 4 station road": after "live at", a lower-case street counts too.
            Pattern(
                "street address after 'live at'",
                rf"(?i)(?<=\b(?:live|lives|living|lived|address\s+is|address:|moved\s+to|staying)\s+"
                rf"(?:at\s+)?(?:number\s+)?)\d{{1,3}}[a-z]?,?\s+(?:[a-z'’-]+\s+){{1,3}}{_STREET_SUFFIX}\b\.?"
                rf"{_ADDRESS_TAIL}",
                RULE_SCORE,
            ),
        ],
        global_regex_flags=re.MULTILINE,  # Presidio's default ignores case; these addresses need it
    )
    # UK sort codes and account numbers have no checksum anyone can run: their shape or the words before.
    bank = PatternRecognizer(
        "UK_BANK_ACCOUNT",
        name="UkBankAccountRecognizer",
        patterns=[
            Pattern("sort code", r"(?<![\d-])\d{2}-\d{2}-\d{2}(?![\d-])", RULE_SCORE),
            Pattern(
                "account number",
                r"(?<=\b(?:sort\s*code|account\s*(?:number|no\.?|num)|acc\s*no\.?|a/c(?:\s*no\.?)?)"
                r"\s*(?:is|:)?\s*)(?:\d[ -]?){5,9}\d(?!\d)",
                RULE_SCORE,
            ),
        ],
    )
    # "DOB: 12/03/1985": a date in figures after a birth cue (spaCy finds dates in words, see _births);
    # scored over Presidio's plain date, which the word "date" lifts to 0.95.
    birth = PatternRecognizer(
        "DATE_OF_BIRTH",
        name="DateOfBirthRecognizer",
        patterns=[
            Pattern(
                "date of birth in figures",
                rf"(?<={_BIRTH_CUE}(?:\s+on)?\s*(?:is|was|:|-)?\s*)\d{{1,4}}[/.-]\d{{1,2}}[/.-]\d{{2,4}}(?![\d/])",
                1.0,
            )
        ],
    )
    return [address, bank, birth]


# ---------------------------------------------------------------- names and dates of birth from spaCy

_BIRTH = re.compile(_BIRTH_CUE, re.IGNORECASE)
_BIRTH_JOIN = re.compile(r"\s*(?:(?:on|in|is|was)\b|[:-])?\s*", re.IGNORECASE)
# Entity labels the small model gives names beside a role: an unfamiliar one is often a place (GPE) or a group.
_NAME_LABELS = frozenset({"PERSON", "GPE", "NORP"})
MAX_NAME_WORDS = 3


@dataclass(frozen=True)
class Cues:
    """Phrases beside which words are read as a name (data/personal_cues.toml)."""

    roles: re.Pattern[str]
    introducers: re.Pattern[str]
    joiners: frozenset[str]
    possessives: frozenset[str]


def _phrases(data: dict[str, Any], key: str) -> list[str]:
    value = data.get(key)
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v.strip() for v in value):
        raise ValueError(f"{CUES_FILE}: {key!r} must be a non-empty list of phrases")
    return [" ".join(v.lower().split()) for v in value]


def _alternation(phrases: list[str]) -> re.Pattern[str]:
    parts = [
        re.escape(p).replace(r"\ ", r"\s+") + (r"\b" if p[-1].isalnum() else "")
        for p in sorted(phrases, key=len, reverse=True)
    ]
    return re.compile(rf"\b(?:{'|'.join(parts)})", re.IGNORECASE)


def parse_cues(data: dict[str, Any]) -> Cues:
    """Validate the cue lists; phrases become case-insensitive patterns."""
    return Cues(
        roles=_alternation(_phrases(data, "roles")),
        introducers=_alternation(_phrases(data, "introducers")),
        joiners=frozenset(_phrases(data, "joiners")),
        possessives=frozenset(_phrases(data, "possessives")),
    )


@lru_cache(maxsize=1)
def packaged_cues() -> Cues:
    """The packaged cue lists (read once)."""
    text = resources.files("plan_assistant").joinpath("data", CUES_FILE).read_text(encoding="utf-8")
    return parse_cues(tomllib.loads(text))


@dataclass(frozen=True)
class Lexicon:
    """English words by part of speech: WordNet's lists that spaCy's lemmatizer ships with the model."""

    nouns: frozenset[str]
    verbs: frozenset[str]
    adjectives: frozenset[str]
    adverbs: frozenset[str]

    @classmethod
    def of(cls, nlp: Any) -> Lexicon:
        """The lists of the model's rule lemmatizer (empty without one)."""
        index: Any = {}
        if "lemmatizer" in nlp.component_names:
            index = nlp.get_pipe("lemmatizer").lookups.get_table("lemma_index")
        words = {pos: frozenset(index.get(pos, ())) for pos in ("noun", "verb", "adj", "adv")}
        return cls(words["noun"], words["verb"], words["adj"], words["adv"])

    def knows(self, word: str) -> bool:
        """True for an ordinary English word (names such as "Ruth" or "Jack" are ordinary words too)."""
        return any(word in words for words in (self.nouns, self.verbs, self.adjectives, self.adverbs))

    def never_a_name(self, word: str) -> bool:
        """A word English knows, but never as a noun: "Summarise" (an order), "Artificial"."""
        known = word in self.verbs or word in self.adjectives or word in self.adverbs
        return known and word not in self.nouns


class SpacyRuleRecognizer(LocalRecognizer):
    """Names and dates of birth from the spaCy document the analyzer already made.

    A name of two or more words is taken as spaCy finds it, less any first words English never uses as nouns
    ("Summarise Outcome 3" is an order, "Artificial Intelligence" a subject, not a person). One word alone is too often a place or a
    topic, so a single word counts only beside a cue (a role, "my name is", a title). Beside a cue, words
    that are not ordinary English or that spaCy reads as a proper noun are a name; an ordinary noun ("my carer
    allowance") is one only if spaCy finds a name there with its first letter raised, since the small model
    barely sees lower-case names. Before a role, an inflected verb just ahead of the possessive ("caller says
    her son") makes the words a clause, not a name. A date spaCy finds just after "born" or "date of birth" is
    a date of birth.
    """

    def __init__(self, nlp: Any, cues: Cues | None = None) -> None:
        self.nlp = nlp
        self.cues = cues or packaged_cues()
        self.lexicon = Lexicon.of(nlp)
        super().__init__(supported_entities=["PERSON", "DATE_OF_BIRTH"], name="PlanAssistantSpacyRules")

    def load(self) -> None:
        """Nothing to load: the model is the analyzer's."""

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        """Names and dates of birth in the analysed document."""
        doc = getattr(nlp_artifacts, "tokens", None)
        if doc is None or not hasattr(doc, "ents"):
            return []  # an engine without spaCy (the output check) has no document to read
        spans: list[tuple[str, int, int]] = []
        if "PERSON" in entities:
            spans += [("PERSON", start, end) for start, end in self._names(doc)]
        if "DATE_OF_BIRTH" in entities:
            spans += [("DATE_OF_BIRTH", start, end) for start, end in _births(doc)]
        return [RecognizerResult(entity, start, end, RULE_SCORE) for entity, start, end in spans]

    def _names(self, doc: Any) -> Iterator[tuple[int, int]]:
        for ent in doc.ents:
            if ent.label_ != "PERSON":
                continue
            words = [token for token in ent if token.is_alpha or "'" in token.text or "-" in token.text]
            while words and self.lexicon.never_a_name(words[0].lower_):
                words = words[1:]
            if len(words) >= 2 and _one_case(words):
                yield words[0].idx, words[-1].idx + len(words[-1])
        yield from self._beside_cues(doc)

    def _beside_cues(self, doc: Any) -> Iterator[tuple[int, int]]:
        for pattern, before in ((self.cues.roles, True), (self.cues.introducers, False)):
            for match in pattern.finditer(doc.text):
                cue = doc.char_span(match.start(), match.end(), alignment_mode="expand")
                if cue is None:
                    continue
                runs = [self._run_after(doc, cue.end), self._run_before(doc, cue.start) if before else []]
                for run in runs:
                    if run and self._is_name(doc, run):
                        yield run[0].idx, run[-1].idx + len(run[-1])

    def _run_after(self, doc: Any, i: int) -> list[Any]:
        while i < len(doc) and doc[i].lower_ in self.cues.joiners:
            i += 1
        run: list[Any] = []
        while i < len(doc) and len(run) < MAX_NAME_WORDS and self._name_like(doc[i]):
            run.append(doc[i])
            i += 1
        return run

    def _run_before(self, doc: Any, i: int) -> list[Any]:
        # "Ann Lee, my carer": a possessive, perhaps a comma, then the name, which opens its clause.
        i -= 1
        run: list[Any] = []
        if i >= 1 and doc[i].tag_ == "POS":
            # "Ann Lee's carer": the name right before the possessive ending, wherever the clause began.
            i -= 1
            while i >= 0 and len(run) < MAX_NAME_WORDS and self._name_like(doc[i]):
                run.insert(0, doc[i])
                i -= 1
            return run if len(run) >= 2 or (run and not self._known(run[0])) else []
        if i < 0 or doc[i].lower_ not in self.cues.possessives:
            return []
        i -= 1
        if i >= 0 and doc[i].text == ",":
            i -= 1
        if i >= 0 and self._inflected_verb(doc[i]):
            return []  # "caller says her son ...": a clause, its subject and verb, not a name before a role
        # Here the tagger often reads the surname as a verb ("... price my carer"): any word but a stop word.
        while i >= 0 and len(run) < MAX_NAME_WORDS and doc[i].is_alpha and not doc[i].is_stop:
            run.insert(0, doc[i])
            i -= 1
        opens_clause = i < 0 or doc[i].is_punct or doc[i].lower_ in ("and", "but")
        return run if opens_clause else []

    def _known(self, token: Any) -> bool:
        """An ordinary English word as written, or an inflection of one of the kind the tagger says ("asked",
        "agencies"); "aled" is not, though "ale" is a noun."""
        lemma = token.lemma_.lower()
        return self.lexicon.knows(token.lower_) or any(
            token.tag_.startswith(tags) and lemma in getattr(self.lexicon, words) for tags, words in _CLASSES
        )

    def _inflected_verb(self, token: Any) -> bool:
        """A known verb with an inflection the tagger sees ("says", "asked", "wanting"); a surname the tagger
        misreads as a verb keeps its own form ("price")."""
        lemma = token.lemma_.lower()
        return (
            token.tag_ in ("VBZ", "VBD", "VBG", "VBN")
            and lemma != token.lower_
            and lemma in self.lexicon.verbs
        )

    def _name_like(self, token: Any) -> bool:
        """Could be part of a name: not a stop word, nor a word English knows in the role the tagger gives it."""
        if not token.is_alpha or token.is_stop or _contracted(token):
            return False
        if not self._known(token):
            return True  # the tagger guesses at words it does not know ("bethan" as a preposition)
        # A known verb, adverb or adjective ends a name; a known noun may be one ("ruth").
        for tags, words in _CLASSES[:3]:
            if token.tag_.startswith(tags):
                return token.lemma_.lower() not in getattr(self.lexicon, words)
        return not token.tag_.startswith(_CLOSED_TAGS)

    def _is_name(self, doc: Any, run: list[Any]) -> bool:
        first = run[0]
        if first.tag_ == "NNS" and first.lemma_.lower() != first.lower_ and self._known(first):
            return False  # a plural noun ("partner agencies") is not a person
        if first.tag_ in ("NNP", "NNPS") or not self._known(first) or _entity_over(doc, first.idx):
            return True
        if not first.text.islower():
            return False
        # An ordinary noun beside a role ("my carer allowance") is a name only if spaCy reads it as one
        # once capitalised ("my carer Ruth").
        chars = list(doc.text)
        for token in run:
            chars[token.idx] = chars[token.idx].upper()
        return _entity_over(self.nlp("".join(chars)), first.idx)


# Known words of closed classes never belong to a name; of open classes only when not known as such.
_CLOSED_TAGS = ("MD", "IN", "DT", "CC", "TO", "PRP", "WP", "WRB", "WDT", "CD", "UH", "EX", "RP", "POS")
_CLASSES = (("VB", "verbs"), ("RB", "adverbs"), ("JJ", "adjectives"), ("NN", "nouns"))


def _contracted(token: Any) -> bool:
    """The "wo" of "won't", the "ca" of "can't"."""
    following = token.nbor(1) if token.i + 1 < len(token.doc) else None
    return not token.whitespace_ and following is not None and following.lower_ in ("n't", "n’t")


def _one_case(words: list[Any]) -> bool:
    """All words capitalised, or all lower case: "Somerset ma" (a name beside another language) is neither."""
    return all(w.text[0].isupper() for w in words) or all(w.text.islower() for w in words)


def _entity_over(doc: Any, start: int) -> bool:
    return any(ent.label_ in _NAME_LABELS and ent.start_char <= start < ent.end_char for ent in doc.ents)


def _births(doc: Any) -> Iterator[tuple[int, int]]:
    for match in _BIRTH.finditer(doc.text):
        # From the first word after the cue: spaCy's date may leave out the day ("3rd [March 2015]").
        joined = _BIRTH_JOIN.match(doc.text, match.end())
        start = joined.end() if joined else match.end()
        for ent in doc.ents:
            if ent.label_ == "DATE" and start <= ent.start_char <= start + 8:
                yield start, ent.end_char
                break
