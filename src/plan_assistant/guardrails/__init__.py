"""Guardrails around generation: normalise, redact personal data, detect injection, route, check output."""

from plan_assistant.guardrails.guard import Guard, Screening
from plan_assistant.guardrails.injection import InjectionClassifier, check_injection
from plan_assistant.guardrails.language import detect_language
from plan_assistant.guardrails.normalise import extract_question, normalise
from plan_assistant.guardrails.output_checks import check_output
from plan_assistant.guardrails.personal_data import Redaction, redact, without_markers
from plan_assistant.guardrails.routing import ROUTES, Router

__all__ = [
    "ROUTES",
    "Guard",
    "InjectionClassifier",
    "Redaction",
    "Router",
    "Screening",
    "check_injection",
    "check_output",
    "detect_language",
    "extract_question",
    "normalise",
    "redact",
    "without_markers",
]
