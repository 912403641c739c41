"""Find and redact UK personal data: names, contact details, identifiers, dates of birth, addresses.

Postcodes on their own are allowed: residents use them to say where they live.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass


def _words(text: str) -> frozenset[str]:
    """The set of whitespace-separated words in a string (long word lists read better this way)."""
    return frozenset(text.split())


MARKERS: dict[str, str] = {
    "email": "[email removed]",
    "phone": "[phone removed]",
    "nhs_number": "[NHS number removed]",
    "ni_number": "[NI number removed]",
    "date_of_birth": "[date of birth removed]",
    "date": "[date removed]",
    "card_number": "[card number removed]",
    "bank_details": "[bank details removed]",
    "address": "[address removed]",
    "name": "[name removed]",
}
"""The marker that replaces each kind of personal data."""
_ANY_MARKER = re.compile("|".join(re.escape(m) for m in MARKERS.values()))


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


# ---------------------------------------------------------------- checks on digits


def _digits(text: str) -> str:
    return "".join(char for char in text if char.isdigit())


def nhs_number_is_valid(number: str) -> bool:
    """True when ten digits carry a correct NHS mod-11 check digit."""
    digits = _digits(number)
    if len(digits) != 10 or len(set(digits)) == 1:
        return False
    total = sum(int(digit) * weight for digit, weight in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


def luhn_is_valid(number: str) -> bool:
    """True when the digits pass the Luhn checksum used by payment cards."""
    digits = _digits(number)
    if not 13 <= len(digits) <= 19 or len(set(digits)) == 1:
        return False
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


# ---------------------------------------------------------------- patterns

_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b")

# 13-19 digits, plain or in groups of four (Amex 4-6-5), spaces or dashes between groups.
_CARD = re.compile(
    r"(?<![\d-])(?:\d{13,19}|\d{4}(?:[ -]\d{4}){3}(?:[ -]?\d{1,3})?|\d{4}[ -]\d{6}[ -]\d{4,5})(?![\d])"
)
_YEARISH = re.compile(r"^(?:19|20)\d\d$")

# Ten digits, plain or spaced 3-3-4.
_TEN_DIGITS = re.compile(r"(?<![\d+])(?:\d{10}|\d{3}[ -]\d{3}[ -]\d{4})(?![\d])")
_NHS_CONTEXT = re.compile(
    r"\bNHS\s*(?:number|no\.?|num|#)?\s*(?:is|:)?\s*((?:\d[ -]?){9}\d)(?!\d)", re.IGNORECASE
)

_PHONE = re.compile(
    r"(?<![\w+])(?:"
    r"(?:\+|00)\s?44\s?(?:\(0\)\s?)?[1-9](?:[ -]?\d){8,9}"  # +44 7700 900123, +44 (0)1823 355455
    r"|\(0\d{3,4}\)\s?\d{3}[ -]?\d{3,4}"  # (01823) 355455
    r"|0[1235789](?:[ -]?\d){8,9}"  # 07700 900123, 01823 355455, 0300 123 4567
    r")(?![\d])"
)

_NI_NUMBER = re.compile(
    r"\b(?!BG|GB|NK|KN|TN|NT|ZZ)[A-CEGHJ-TW-Z][A-CEGHJ-NP-TW-Z]\s?\d{2}\s?\d{2}\s?\d{2}\s?[A-D]\b",
    re.IGNORECASE,
)

_SORT_CODE = re.compile(r"(?<![\d-])\d{2}-\d{2}-\d{2}(?![\d-])")
_BANK_CONTEXT = re.compile(
    r"\b(?:sort\s*code|account\s*(?:number|no\.?|num)|acc\s*no\.?|a/c(?:\s*no\.?)?)"
    r"\s*(?:is|:)?\s*((?:\d[ -]?){5,9}\d)(?!\d)",
    re.IGNORECASE,
)

_IBAN = re.compile(r"\bGB\d{2}\s?[A-Z]{4}(?:\s?\d){14}\b", re.IGNORECASE)

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_DAY = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?"
_ANY_DATE = (
    rf"(?:\d{{1,2}}[/.-]\d{{1,2}}[/.-](?:\d{{4}}|\d{{2}})"
    rf"|\d{{4}}-\d{{2}}-\d{{2}}"
    rf"|{_DAY}\s+(?:of\s+)?{_MONTH}\.?,?\s+\d{{2,4}}"
    rf"|{_MONTH}\.?\s+{_DAY},?\s+\d{{2,4}})"
)
_DOB = re.compile(
    rf"\b(?:d\.?o\.?b\.?|date\s+of\s+birth|birth\s*date|birthday|born(?:\s+on|\s+in)?)\s*(?:is|was|:|-)?\s*"
    rf"({_ANY_DATE})(?![\d/])",
    re.IGNORECASE,
)
_FULL_DATE = re.compile(r"(?<![\d/.-])(?:0?[1-9]|[12]\d|3[01])/(?:0?[1-9]|1[0-2])/\d{4}(?![\d/])")

_STREET_SUFFIX = (
    r"(?:Street|St|Road|Rd|Lane|Ln|Avenue|Ave|Close|Cl|Drive|Dr|Way|Court|Ct|Crescent|Cres|Place|Pl|"
    r"Gardens|Gdns|Grove|Terrace|Tce|Hill|Park|Row|Square|Sq|Mews|Walk|View|Rise|Green|Parade|Mead|"
    r"Meadow|Meadows|Yard|Wharf|Gate|Fields|Orchard|Paddock|Chase|Croft|Lea|Vale|Heights|Path|End)"
)
_NAME_WORD = r"[A-Z][a-z'’-]+"
# A postcode on its own is allowed (residents use it to say where they live); after a street address it
# is part of the address, and goes with it, as does the town between them.
_POSTCODE = r"[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b"
_ADDRESS_TAIL = rf"(?:,\s*{_NAME_WORD}(?:\s+{_NAME_WORD})?)?(?:,?\s+{_POSTCODE})?"
_ADDRESS = re.compile(
    rf"(?:\b(?:Flat|Apartment|Apt)\s+\d+[A-Za-z]?,?\s+)?"
    rf"(?<![\w£$€.,/-])\d{{1,3}}[A-Za-z]?,?\s+(?:{_NAME_WORD}\s+){{1,3}}{_STREET_SUFFIX}\b\.?{_ADDRESS_TAIL}"
)
_ADDRESS_INTRODUCED = re.compile(
    rf"\b(?:live|lives|living|lived|address\s+is|address:|moved\s+to|staying)\s+(?:at\s+)?(?:number\s+)?"
    rf"(\d{{1,3}}[a-z]?,?\s+(?:[A-Za-z'’-]+\s+){{1,3}}{_STREET_SUFFIX}\b\.?{_ADDRESS_TAIL})",
    re.IGNORECASE,
)

# Words that can follow "I'm" / "this is" with a capital letter without being a name.
_NOT_NAMES = _words(
    """
    a an the i im i'm not no yes so just very really quite also still only now here there currently
    writing trying looking asking calling ringing phoning emailing contacting hoping wondering worried
    concerned scared afraid angry upset annoyed frustrated disappointed confused sorry sure happy glad
    pleased unhappy sad tired fed disabled unemployed retired pregnant homeless single married divorced
    widowed elderly old young new local based living working studying from in at on with about for of
    to and or but if because as after before over under resident residents tenant parent mum dad mother
    father carer teacher student nurse doctor councillor member part one two three from english british
    welsh scottish irish polish romanian portuguese spanish french german italian european muslim
    christian somerset taunton yeovil bridgwater frome glastonbury wells minehead chard council county
    outcome priority plan business staff advisor adviser community connect going able unable interested
    disgusted appalled shocked desperate struggling finding getting having being doing told trying
    confident aware unaware sick ill fine well ok okay good great fine late early home back out away
    monday tuesday wednesday thursday friday saturday sunday january february march april may june july
    august september october november december what why how when where who which
    """
)
_NAME_TOKEN = r"[A-Z][a-zA-Z'’-]+"
_NAME_RUN = rf"(?:Mc|Mac|O['’])?{_NAME_TOKEN}(?:[ -](?:Mc|Mac|O['’])?{_NAME_TOKEN}){{0,2}}"
_LOWER_RUN = r"[a-z][a-z'’-]+(?:\s+[a-z][a-z'’-]+)?"
# After these a name may be written in lower case: "my name is john smith".
_NAME_STRONG = re.compile(
    r"(?i:\b(?:my\s+name\s+is|my\s+name's|my\s+name’s|name\s*:|(?:caller|client)'s\s+name\s+is|"
    r"i\s+am\s+called|i'm\s+called|i’m\s+called))\s+"
    rf"({_NAME_RUN}|{_LOWER_RUN})"
)
# After these only a capitalised name counts: "I'm worried" is not a name, "I'm Sarah" is.
_NAME_WEAK = re.compile(
    r"(?:\b(?:I'm|I’m|Im|I\s+am|[Mm]y\s+name\s+is)|(?i:\b(?:the\s+)?(?:caller|client|customer|resident|"
    r"service\s+user)\s+is(?:\s+called)?)|\b(?:called|named))\s+"
    rf"({_NAME_RUN})"
)
_NAME_THIS_IS = re.compile(
    rf"\b[Tt]his\s+is\s+({_NAME_RUN})(?=\s*(?:from|here|speaking|calling|on\s+behalf|[,.!]|$))"
)
_NAME_TITLE = re.compile(rf"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Mister)\.?\s+({_NAME_RUN})")
_NAME_RELATION = re.compile(
    r"(?i:\bmy\s+(?:son|daughter|child|mum|mom|mother|dad|father|husband|wife|partner|brother|sister|"
    r"grandson|granddaughter|nan|gran|grandma|grandad|grandfather|grandmother|neighbour|friend|carer|"
    r"boyfriend|girlfriend|aunt|uncle|nephew|niece|cousin|baby|stepson|stepdaughter))"
    rf",?\s+({_NAME_RUN})"
)
# A role followed by a first name and a surname: "support worker Ann Lee", "the tenant Ruth Oduya".
_NAME_ROLE = re.compile(
    r"(?i:\b(?:social\s+worker|support\s+worker|key\s+worker|case\s*worker|carer|gp|doctor|nurse|"
    r"tenant|patient|pupil|client|caller|resident|son|daughter|"
    r"mum|mom|mother|dad|father|husband|wife|neighbour|landlord|landlady))"
    rf",?\s+({_NAME_TOKEN}[ -](?:Mc|Mac|O['’])?{_NAME_TOKEN})"
)
_NAME_SIGNOFF = re.compile(
    r"(?:^|\n|[.!?]\s)\s*(?i:kind\s+regards|best\s+regards|warm\s+regards|regards|best\s+wishes|"
    r"many\s+thanks|thanks|thank\s+you|yours\s+sincerely|yours\s+faithfully|yours|sincerely|cheers|"
    rf"from)\s*[,\n-]?\s*({_NAME_RUN})\s*[.!]?\s*$"
)


def _plain_word(token: str) -> str:
    token = token.lower().strip("'’")
    for suffix in ("'s", "’s"):
        token = token.removesuffix(suffix)
    return token


def _name_span(match: re.Match[str]) -> tuple[int, int] | None:
    """Trim a captured name run to its leading tokens that are not ordinary words."""
    value = match.group(1)
    tokens = re.split(r"([ -]|\s+)", value)
    words = tokens[0::2]
    kept = 0
    for word in words:
        if not word or _plain_word(word) in _NOT_NAMES:
            break
        kept += 1
    if kept == 0:
        return None
    start = match.start(1)
    return start, start + len("".join(tokens[: 2 * kept - 1]))


def _find_regex(pattern: re.Pattern[str], kind: str, text: str, group: int = 0) -> Iterator[Finding]:
    for match in pattern.finditer(text):
        yield Finding(kind, match.start(group), match.end(group))


def _find_cards(text: str) -> Iterator[Finding]:
    for match in _CARD.finditer(text):
        groups = re.split(r"[ -]", match.group())
        if len(groups) > 1 and all(_YEARISH.match(group) for group in groups):
            continue  # "2021 2022 2023 2024" is a list of years
        if luhn_is_valid(match.group()):
            yield Finding("card_number", match.start(), match.end())


def _find_nhs(text: str) -> Iterator[Finding]:
    for match in _NHS_CONTEXT.finditer(text):
        if len(_digits(match.group(1))) == 10:
            yield Finding("nhs_number", match.start(1), match.end(1))
    for match in _TEN_DIGITS.finditer(text):
        if nhs_number_is_valid(match.group()):
            yield Finding("nhs_number", match.start(), match.end())


def _find_phones(text: str) -> Iterator[Finding]:
    for match in _PHONE.finditer(text):
        digits = _digits(match.group())
        if digits.startswith("44"):
            digits = digits[2:] if digits[2:3] == "0" else "0" + digits[2:]
        if 10 <= len(digits) <= 11 and digits.startswith("0"):
            yield Finding("phone", match.start(), match.end())


def _find_bank(text: str) -> Iterator[Finding]:
    yield from _find_regex(_SORT_CODE, "bank_details", text)
    yield from _find_regex(_BANK_CONTEXT, "bank_details", text, group=1)
    yield from _find_regex(_IBAN, "bank_details", text)


def _find_dates(text: str) -> Iterator[Finding]:
    yield from _find_regex(_DOB, "date_of_birth", text, group=1)
    yield from _find_regex(_FULL_DATE, "date", text)


def _find_addresses(text: str) -> Iterator[Finding]:
    yield from _find_regex(_ADDRESS, "address", text)
    yield from _find_regex(_ADDRESS_INTRODUCED, "address", text, group=1)


def _find_names(text: str) -> Iterator[Finding]:
    for pattern, span_of in (
        (_NAME_STRONG, _name_span),
        (_NAME_WEAK, _name_span),
        (_NAME_THIS_IS, _name_span),
        (_NAME_TITLE, _name_span),
        (_NAME_RELATION, _name_span),
        (_NAME_ROLE, _name_span),
        (_NAME_SIGNOFF, _name_span),
    ):
        for match in pattern.finditer(text):
            span = span_of(match)
            if span is not None:
                yield Finding("name", *span)


# Earlier finders win where findings overlap: the most specific shapes come first.
_FINDERS: tuple[Callable[[str], Iterator[Finding]], ...] = (
    lambda text: _find_regex(_EMAIL, "email", text),
    _find_cards,
    _find_bank,
    _find_nhs,
    lambda text: _find_regex(_NI_NUMBER, "ni_number", text),
    _find_dates,
    _find_phones,
    _find_addresses,
    _find_names,
)


def find_personal_data(text: str) -> list[Finding]:
    """Every piece of personal data in the text, earliest first, without overlaps."""
    chosen: list[Finding] = []
    for finder in _FINDERS:
        for finding in finder(text):
            if finding.end <= finding.start:
                continue
            if any(finding.start < other.end and other.start < finding.end for other in chosen):
                continue
            chosen.append(finding)
    return sorted(chosen, key=lambda finding: finding.start)


def _replace(text: str, findings: list[Finding]) -> str:
    pieces: list[str] = []
    cursor = 0
    for finding in findings:
        pieces.append(text[cursor : finding.start])
        pieces.append(MARKERS[finding.kind])
        cursor = finding.end
    pieces.append(text[cursor:])
    return "".join(pieces)


def redact(text: str) -> Redaction:
    """Replace personal data with markers such as '[email removed]'; report the kinds found."""
    kinds: list[str] = []
    # A replacement can bring two fragments together; a few passes reach a text with nothing left to find.
    for _ in range(4):
        findings = find_personal_data(text)
        if not findings:
            break
        for finding in findings:
            if finding.kind not in kinds:
                kinds.append(finding.kind)
        text = _replace(text, findings)
    return Redaction(text=text, kinds=tuple(kinds))
