"""Checks on a generated answer: no contact details or personal data that the sources do not hold."""

from __future__ import annotations

import re

from plan_assistant.guardrails.personal_data import MARKERS, find_personal_data

_URL = re.compile(r"\b(?:https?://|www\.)[^\s<>()\[\]\"']+", re.IGNORECASE)
_MARKDOWN_LINK = re.compile(r"\[([^\]\n]{1,200})\]\(([^)\s]+)\)")
_TRAILING = ".,;:!?'\""
LINK_MARKER = "[link removed]"


def _url_allowed(url: str, allowed_text: str) -> bool:
    url = url.rstrip(_TRAILING)
    bare = url.rstrip("/")
    allowed = allowed_text.lower()
    return bool(bare) and (url.lower() in allowed or bare.lower() in allowed)


def _digits(text: str) -> str:
    return "".join(char for char in text if char.isdigit())


def check_output(text: str, allowed_text: str) -> tuple[str, list[str]]:
    """Remove URLs, emails, phone numbers and personal data not found in `allowed_text`.

    Returns the cleaned text and the kinds removed (never the values), one entry per removal.
    """
    removed: list[str] = []
    allowed_digits = " ".join(_digits(match) for match in re.findall(r"[\d][\d ()+-]{5,}\d", allowed_text))

    def link(match: re.Match[str]) -> str:
        label, url = match.group(1), match.group(2)
        if _url_allowed(url, allowed_text):
            return match.group()
        removed.append("url")
        return label

    text = _MARKDOWN_LINK.sub(link, text)

    def bare_url(match: re.Match[str]) -> str:
        url = match.group()
        if _url_allowed(url, allowed_text):
            return url
        removed.append("url")
        trailing = url[len(url.rstrip(_TRAILING)) :]
        return LINK_MARKER + trailing

    text = _URL.sub(bare_url, text)

    pieces: list[str] = []
    cursor = 0
    # Without names: an answer is made of the documents' own words, which spaCy would sometimes take for
    # names ("Somerset", an outcome's title), and the question it answers was redacted before it was asked.
    for finding in find_personal_data(text, names=False):
        value = text[finding.start : finding.end]
        if value in allowed_text:
            continue
        digits = _digits(value)
        if (
            finding.kind in ("phone", "nhs_number", "card_number", "bank_details")
            and digits
            and digits in allowed_digits
        ):
            continue
        pieces.append(text[cursor : finding.start])
        pieces.append(MARKERS[finding.kind])
        cursor = finding.end
        removed.append(finding.kind)
    pieces.append(text[cursor:])
    return "".join(pieces), removed
