"""The eval runner asks through the public interface, scores, and writes a report people can read."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pytest

from evals import CORPUS_FILE, EvalItem, load_dataset
from evals.__main__ import ask_item, evaluate, spread, write_report
from evals.report import terminal_table
from plan_assistant.schemas import Answer, Audience, Chunk, Citation, Turn

CORPUS = (Path(__file__).resolve().parents[2] / "corpus" / CORPUS_FILE).read_text(encoding="utf-8")
CLIMATE = "Work with people to build a climate resilient Somerset"
QUOTE = "Work with our partners towards making Somerset a Carbon Neutral County by 2030."
THRESHOLDS = {"min": {"citation_validity": 1.0, "refusal_rate": 0.9}, "max": {"errors": 0}}


class FakeAssistant:
    """Answers every question with the same Outcome 2 passage, and records what it was asked."""

    def __init__(self, fail_on: str = "") -> None:
        self.asked: list[tuple[str, int, Audience]] = []
        self.fail_on = fail_on

    def ask(self, question: str, history: Sequence[Turn] = (), audience: Audience = "resident") -> Answer:
        if self.fail_on and self.fail_on in question:
            raise RuntimeError("boom")
        self.asked.append((question, len(history), audience))
        citation = Citation(
            document="Plan",
            document_id="plan",
            outcome=2,
            priority=CLIMATE,
            section="Outcome 2",
            quote=QUOTE,
            chunk_id="c2",
        )
        return Answer(answer=f"The plan says: {QUOTE}", status="answered", citations=[citation])

    def retrieve(self, question: str, history: Sequence[Turn] = ()) -> list[Chunk]:
        chunk = Chunk(
            id="c2",
            document_id="plan",
            document_title="Plan",
            document_version="1",
            text=QUOTE,
            outcome=2,
            priority=CLIMATE,
            section="Outcome 2",
            position=0,
            start=0,
            end=len(QUOTE),
            content_hash="x",
        )
        return [chunk]


@pytest.fixture(scope="module")
def items() -> list[EvalItem]:
    return load_dataset()


def test_spread_takes_items_from_every_kind_in_turn(items: list[EvalItem]) -> None:
    chosen = spread(items, 8)
    assert len(chosen) == 8
    assert {item.kind for item in chosen} == {"answerable", "unanswerable", "adversarial", "multi_turn"}
    assert spread(items, None) == items


def test_ask_item_passes_history_and_the_voice_as_audience(items: list[EvalItem]) -> None:
    assistant = FakeAssistant()
    follow_up = next(item for item in items if item.kind == "multi_turn" and item.voice == "adviser")
    result = ask_item(assistant, follow_up)
    assert assistant.asked == [(follow_up.question, len(follow_up.history), "adviser")]
    assert result.status == "answered" and result.citations[0].priority == CLIMATE
    assert result.retrieved[0].text == QUOTE and result.latency_ms > 0


def test_a_crashing_question_is_recorded_as_an_error_not_raised(items: list[EvalItem]) -> None:
    result = ask_item(FakeAssistant(fail_on=items[0].question), items[0])
    assert result.status == "error" and result.error == "RuntimeError: boom"


def test_evaluate_scores_every_item_and_names_missed_thresholds(items: list[EvalItem]) -> None:
    chosen = spread(items, 12)
    report = evaluate(FakeAssistant(), chosen, CORPUS, THRESHOLDS, "fake")
    overall = report["summary"]["overall"]
    assert overall["items"] == 12 and len(report["items"]) == 12
    assert overall["citation_validity"] == 1.0
    assert overall["refusal_rate"] == 0.0  # the fake answers everything, so it never refuses
    assert report["missed"] == ["refusal_rate: 0.000 is below the minimum 0.9"]


def test_write_report_leaves_json_markdown_and_charts(items: list[EvalItem], tmp_path: Path) -> None:
    baselines = {"naive LangChain": {"evidence_hit_at_1": 0.5, "evidence_hit_at_4": 0.7, "mrr": 0.6}}
    report = evaluate(FakeAssistant(), spread(items, 12), CORPUS, THRESHOLDS, "fake", baselines)
    path = write_report(report, tmp_path)
    markdown = path.read_text(encoding="utf-8")
    assert json.loads((tmp_path / "latest.json").read_text(encoding="utf-8"))["generator"] == "fake"
    for chart in ("by_outcome.png", "by_voice.png", "latency.png", "baselines.png"):
        assert (tmp_path / chart).read_bytes().startswith(b"\x89PNG")
        assert f"]({chart})" in markdown
    assert "1 target(s) missed" in markdown and "naive LangChain" in markdown
    assert "Says so when the plan doesn't cover it" in terminal_table(report)
