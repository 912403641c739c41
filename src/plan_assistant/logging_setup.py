"""Structured JSON logging: one line per request, with personal data redacted from questions."""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

REQUEST_LOGGER = "plan_assistant.requests"

try:  # The guardrails package owns personal-data redaction.
    from plan_assistant.guardrails.personal_data import redact as _guardrails_redact
except ImportError:  # pragma: no cover - only while the guardrails issue is open
    _guardrails_redact = None  # type: ignore[assignment]

# TODO(guardrails issue): drop this fallback once plan_assistant.guardrails.personal_data is committed.
# Until then, mask the obvious identifiers so that nothing personal reaches a log or the feedback store.
_FALLBACK_PATTERNS = (
    re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"),  # e-mail addresses
    re.compile(r"(?:\+44\s?|\b0)(?:\d[\s-]?){9,10}\b"),  # UK phone numbers
    re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b", re.IGNORECASE),  # postcodes
)


def redact_text(text: str) -> str:
    """Return ``text`` with personal data (names of people, e-mails, phone numbers, addresses) masked."""
    if _guardrails_redact is not None:
        return _guardrails_redact(text).text
    for pattern in _FALLBACK_PATTERNS:
        text = pattern.sub("[redacted]", text)
    return text


def request_record(
    *,
    request_id: str,
    route: str,
    status: int,
    latency_ms: float,
    method: str = "",
    answer_status: str | None = None,
    chunk_ids: Sequence[str] | None = None,
    generator: str | None = None,
    question: str | None = None,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Build the log record of one request; the question is redacted here so no caller can forget."""
    record: dict[str, Any] = {
        "request_id": request_id,
        "route": route,
        "method": method,
        "status": status,
        "latency_ms": round(latency_ms, 1),
    }
    if answer_status is not None:
        record["answer_status"] = answer_status
    if chunk_ids is not None:
        record["chunk_ids"] = list(chunk_ids)
    if generator is not None:
        record["generator"] = generator
    if question is not None:
        record["question"] = redact_text(question)
    if extra:
        record.update(extra)
    return record


class JsonFormatter(logging.Formatter):
    """Format a record as one JSON object per line; a dict message becomes top-level fields."""

    def format(self, record: logging.LogRecord) -> str:
        """Render the record as JSON."""
        payload: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
        }
        if isinstance(record.msg, dict):
            payload.update(record.msg)
        else:
            payload["message"] = record.getMessage()
        if record.exc_info:
            payload["exception"] = self.formatException(record.exc_info)
        return json.dumps(payload, ensure_ascii=False, default=str)


def configure_logging(level: str = "INFO") -> None:
    """Send plan_assistant logs to stderr as JSON lines (idempotent)."""
    logger = logging.getLogger("plan_assistant")
    logger.setLevel(level)
    if not any(getattr(h, "_plan_assistant", False) for h in logger.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonFormatter())
        handler._plan_assistant = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
    logger.propagate = False
