"""The numbers the assistant runs on, with how each was chosen and on what it was measured.

Values are read from the modules that use them, so this list cannot drift from the code; the eval report
renders it under "How the numbers were chosen".
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from plan_assistant import assistant, grounding, insights, repair, retrieval, spelling, structural
from plan_assistant.answerability import packaged_model
from plan_assistant.config import Settings
from plan_assistant.generators import extractive
from plan_assistant.guardrails import language, personal_data, routing

_BY_HAND_OWN_SET = "set by hand while reading answers to the team's own question set"
_IN_SAMPLE = "in-sample only: the own set it was set on; no held-out figure yet"


def tuning() -> dict[str, Any]:
    """What ``python -m evals.tune`` chose, and how (src/plan_assistant/data/tuning.json)."""
    path = resources.files("plan_assistant").joinpath("data", "tuning.json")
    return dict(json.loads(path.read_text(encoding="utf-8"))) if path.is_file() else {}


def _fitted() -> list[dict[str, str]]:
    out = []
    model = packaged_model()
    if model is not None:
        chosen = model.chosen_by
        figures = "; ".join(
            f"{name}: unanswerable refused {f['unanswerable_refused']:.0%}, answerable refused "
            f"{f['answerable_refused']:.0%}"
            for name, f in chosen.get("questions", {}).items()
        )
        out.append(
            {
                "name": "answerability model (data/answerability.json)",
                "value": f"{len(model.features)} signals, threshold {model.threshold:.3f}",
                "how": f"{chosen.get('method', 'fitted')} ({chosen.get('command', '')})",
                "measured": f"out-of-fold, both sets: {figures}; ROC AUC {chosen.get('roc_auc_out_of_fold')}",
            }
        )
    for name, entry in tuning().items():
        oof = ", ".join(f"{k} {v:.3f}" for k, v in entry.get("out_of_fold", {}).items())
        out.append(
            {
                "name": f"{name} (setting)",
                "value": f"{entry['value']:g} (setting default {Settings.model_fields[name].default})",
                "how": f"grid {entry['grid']} by repeated 5-fold cross-validation over both sets "
                f"({entry['command']}); objective: {entry['objective']}",
                "measured": f"out-of-fold score {oof}",
            }
        )
    return out


def describe() -> list[dict[str, str]]:
    """Every tuned number of the runtime and the eval gate: name, value, how it was chosen, how measured."""
    similarity = ", ".join(f"{route} {value}" for route, value in routing.ROUTE_SIMILARITY.items())
    return [
        *_fitted(),
        {
            "name": "extractive answer length and band",
            "value": f"sentences {dict(extractive.MAX_SENTENCES)}, band {extractive.RELATIVE_BAND}, "
            f"floor {extractive.SENTENCE_FLOOR}, list items {extractive.MAX_LIST_ITEMS}",
            "how": f"{_BY_HAND_OWN_SET}: how many sentences each audience gets",
            "measured": _IN_SAMPLE,
        },
        {
            "name": "assistant.OUTCOME_MATCH_MARGIN",
            "value": str(assistant.OUTCOME_MATCH_MARGIN),
            "how": "set by hand on phrasings written for the unit tests: how clearly an outcome named by its "
            "subject must beat the next",
            "measured": _IN_SAMPLE,
        },
        {
            "name": "assistant.PLAN_FIRST_BAND",
            "value": str(assistant.PLAN_FIRST_BAND),
            "how": "set by hand to the extractive answer's relevance band, on the fictional strategies of "
            "tests/fixtures/strategies: how close the plan's best cited sentence must be to the best for the "
            "plan to lead an answer drawn from several documents (not measured by the eval: its sets hold "
            "the plan only)",
            "measured": "tests/integration/test_strategies.py",
        },
        {
            "name": "retrieval.NAMED_MAX_PASSAGES",
            "value": str(retrieval.NAMED_MAX_PASSAGES),
            "how": "set by hand before measuring, below the 4 passages an answer reads: a name the question quotes "
            "from the documents ranks the passages using it only when it singles a few out (the council's own "
            "name, in most passages, does not)",
            "measured": "no eval item changes; tests/integration/test_answers.py ('Somerset Works')",
        },
        {
            "name": "structural.POINTER_LOOKBACK, POINTER_MAX_WORDS, OUTCOME_TITLE_MATCH",
            "value": f"the last {structural.POINTER_LOOKBACK} answers; questions of up to "
            f"{structural.POINTER_MAX_WORDS} words; title similarity ≥ {structural.OUTCOME_TITLE_MATCH}",
            "how": "set by hand on conversations written for tests/unit/test_structural.py: how far back 'the "
            "second one' may find a list, how long a question may be and still point into it, and how closely a listed item (a client's copy of an answer) must "
            "match an outcome's title to stand for it",
            "measured": "no eval item changes (the one eval pointer, to a list of outcomes, is answered as before)",
        },
        {
            "name": "repair.MORE_BAND, SHORT_LINES",
            "value": f"'what else?' reaches {repair.MORE_BAND:.2f} below the best sentence (twice the answer "
            f"band); 'make that shorter' keeps {repair.SHORT_LINES} lines",
            "how": "set before measuring, as product choices: twice the band an answer keeps, and the "
            "lower end of an adviser's 2-4 bullets",
            "measured": "no eval item asks for more, shorter or plainer, so no eval figure; conversations "
            "written for tests/integration/test_answers.py (two eval items, one per set, ask 'which outcome is "
            "that under?': the repair gives the places the earlier answer cites; no figure moves)",
        },
        {
            "name": "answerability.VETO",
            "value": "a name of two or more capitalised words that no document uses refuses the question "
            "(unless most of the question's words are capitalised)",
            "how": "set by hand, as the issue's 'a question about a project the plan never mentions gets "
            "not_found': such names are too rare in either set to fit a weight that carries",
            "measured": "no eval answer changes (every question of both sets with such a name is unanswerable or "
            "adversarial, and each was refused already); out of fold, with the veto applied in every fold, "
            "unchanged: 87.7% / 1.8%",
        },
        {
            "name": "retrieval.MIN_INITIALS, MAX_INITIALS",
            "value": f"names of {retrieval.MIN_INITIALS} to {retrieval.MAX_INITIALS} capitalised words give "
            "initials a question may use ('LCNs')",
            "how": "set by hand: two letters match many names by chance; a name of more than five words is "
            "not shortened in speech; initials two names share are never used",
            "measured": "no eval item changes; tests/unit/test_acronyms.py",
        },
        {
            "name": "spelling.SHORTHAND",
            "value": f"{len(spelling.SHORTHAND)} chat abbreviations ('u', 'wat', 'doin', 'ppl')",
            "how": "common English chat shorthand, written from the language, not from any question set",
            "measured": "one own-set question changes (refused before, answered after); refusal model refitted, "
            "out of fold within one question of before",
        },
        {
            "name": "insights.TOPIC_DISTANCE",
            "value": f"{insights.TOPIC_DISTANCE} (average-linkage cosine distance; exact clustering up to "
            f"{insights.EXACT_LIMIT} distinct questions)",
            "how": "set by hand reading the topics of both eval sets' 227 questions at 0.4, 0.5 and 0.6: 165 "
            "topics of mostly one question at 0.4, a 29-question topic mixing subjects at 0.6",
            "measured": "tests/integration/test_insights_demo.py (refused unanswerable questions in topics "
            "marked not in the plan)",
        },
        {
            "name": "public-sector glossary (data/glossary.toml)",
            "value": "hand-written UK local-government jargon with everyday wordings",
            "how": "written from the domain; entries whose wording copied an eval question were removed "
            "(tests/unit/test_no_eval_wording.py checks it)",
            "measured": "retrieval figures with and without it in the closing note of the change that added it",
        },
        {
            "name": "spelling.MIN_LENGTH, LONG_WORD, MAX_UNKNOWN_SHARE",
            "value": f"words of {spelling.MIN_LENGTH}+ letters; two edits from {spelling.LONG_WORD} letters; "
            f"left alone above {spelling.MAX_UNKNOWN_SHARE:.0%} unknown words",
            "how": "set by hand on misspellings written for tests/unit/test_spelling.py; a correction is made only "
            "when every closest document word is a form of one word",
            "measured": "own set: one misspelt question (refused before, answered after); the blind set has no "
            "misspelt topic word, so its figures are unchanged",
        },
        {
            "name": "guardrails.language.MAX_ENGLISH, MIN_CONFIDENCE, RELIABLE_WORDS",
            "value": f"English probability ≤ {language.MAX_ENGLISH}, other language ≥ {language.MIN_CONFIDENCE} "
            f"below {language.RELIABLE_WORDS} words",
            "how": "set by hand on py3langid's probabilities for short English phrases and short messages in "
            "other languages written for tests/unit/test_language.py",
            "measured": "every question of both sets: only the messages written in another language are flagged",
        },
        {
            "name": "guardrails.personal_data.SCORE_THRESHOLD, MIN_PHONE_DIGITS",
            "value": f"Presidio score ≥ {personal_data.SCORE_THRESHOLD}, phone numbers of "
            f"{personal_data.MIN_PHONE_DIGITS}+ digits after +44 or 0",
            "how": "set by hand from Presidio's recogniser scores (a phone number 0.4 without context words, a "
            "passport number 0.45 beside 'passport') and the lengths of UK numbers (9-10 digits; 999, 111 and "
            "116 123 are shorter)",
            "measured": "tests/integration/test_privacy.py: 0 leaks over both sets' personal details and the "
            "written cases; of both sets' questions without listed details, 2 of 244 texts change (a "
            "premium-rate number, three words of a Polish message)",
        },
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
