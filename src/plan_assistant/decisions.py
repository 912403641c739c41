"""The numbers the assistant runs on, with how each was chosen and on what it was measured.

Values are read from the modules that use them, so this list cannot drift from the code; the eval report
renders it under "How the numbers were chosen".
"""

from __future__ import annotations

from plan_assistant import grounding
from plan_assistant.config import Settings
from plan_assistant.guardrails import routing

_BY_HAND_OWN_SET = "set by hand while reading answers to the team's own question set"
_IN_SAMPLE = "in-sample only: the own set it was set on; no held-out figure yet"


def describe() -> list[dict[str, str]]:
    """Every tuned number of the runtime and the eval gate: name, value, how it was chosen, how measured."""
    similarity = ", ".join(f"{route} {value}" for route, value in routing.ROUTE_SIMILARITY.items())
    return [
        {
            "name": "min_relevance (setting)",
            "value": str(Settings.model_fields["min_relevance"].default),
            "how": f"{_BY_HAND_OWN_SET}: below it the answer is not_found (used when no fitted "
            "answerability model is shipped)",
            "measured": _IN_SAMPLE,
        },
        {
            "name": "guardrails.routing.ROUTE_SIMILARITY",
            "value": similarity,
            "how": f"{_BY_HAND_OWN_SET} and the routing examples: least similarity to leave the plan route",
            "measured": _IN_SAMPLE,
        },
        {
            "name": "guardrails.routing.ROUTE_MARGIN",
            "value": str(routing.ROUTE_MARGIN),
            "how": f"{_BY_HAND_OWN_SET}: how far a route must beat the plan examples",
            "measured": _IN_SAMPLE,
        },
        {
            "name": "grounding.LEXICAL_SUPPORT",
            "value": str(grounding.LEXICAL_SUPPORT),
            "how": f"{_BY_HAND_OWN_SET}: share of a sentence's content words its support must hold",
            "measured": _IN_SAMPLE,
        },
        {
            "name": "grounding.SEMANTIC_SUPPORT",
            "value": str(grounding.SEMANTIC_SUPPORT),
            "how": f"{_BY_HAND_OWN_SET}: cosine similarity that counts as support on its own",
            "measured": _IN_SAMPLE,
        },
        {
            "name": "grounding.SEMANTIC_WITH_WORDS",
            "value": str(grounding.SEMANTIC_WITH_WORDS),
            "how": f"{_BY_HAND_OWN_SET}: share of words that, with a fair similarity, counts as support",
            "measured": _IN_SAMPLE,
        },
        {
            "name": "eval gate (evals/thresholds.toml [gate])",
            "value": "per figure and set, in evals/thresholds.toml",
            "how": "a ratchet: the figures the system met on each set when measured, only ever raised",
            "measured": "both sets, own and blind-dev, by python -m evals --check in make test",
        },
    ]
