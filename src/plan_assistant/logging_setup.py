"""Structured JSON logging: one line per request, with personal data redacted from questions."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from plan_assistant.guardrails.normalise import normalise
from plan_assistant.guardrails.personal_data import redact

REQUEST_LOGGER = "plan_assistant.requests"


def redact_text(text: str) -> str:
    """Return ``text`` with personal data (names, e-mails, phone numbers, addresses...) masked.

    The text is normalised first, as the guard does: a name with an invisible character inside is still found
    (and the guard's redaction of the same question is reused from the detector's cache).
    """
    return redact(normalise(text)).text


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
