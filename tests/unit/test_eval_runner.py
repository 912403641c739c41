"""The eval runner asks through the public interface, scores, and writes a report people can read."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pytest

from evals import BLIND_DATASET_PATH, CORPUS_FILE, EvalItem, load_dataset
from evals.__main__ import _parser, ask_item, evaluate, spread, write_report
from evals.report import terminal_table
from plan_assistant.schemas import Answer, Audience, Chunk, Citation, Turn

CORPUS = (Path(__file__).resolve().parents[2] / "corpus" / CORPUS_FILE).read_text(encoding="utf-8")
CLIMATE = "Work with people to build a climate resilient Somerset"
QUOTE = "Work with our partners towards making Somerset a Carbon Neutral County by 2030."
NOTICE = "I've ignored instructions in your message that tried to change how I work."
THRESHOLDS = {
    "gate": {
        "min": {"citation_validity": 1.0, "refusal_rate": {"own": 0.9, "blind": 0.0}},
        "max": {"errors": 0},
    },
    "goal": {
        "max_gap_points": 5,
        "min": {"answered_when_answerable": 0.95},
        "max": {"unsupported_numbers": 0},
    },
}
DECISIONS = [{"name": "min_relevance", "value": "0.32", "how": "by hand", "measured": "in-sample"}]


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
        return Answer(
            answer=f"{NOTICE}\n\nThe plan says: {QUOTE}",
            status="answered",
            citations=[citation],
            notices=[NOTICE],
        )

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


@pytest.fixture(scope="module")
def sets(items: list[EvalItem]) -> dict[str, list[EvalItem]]:
    return {"own": spread(items, 12), "blind": spread(load_dataset(BLIND_DATASET_PATH), 8)}


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
    assert result.notices == [NOTICE]


def test_a_crashing_question_is_recorded_as_an_error_not_raised(items: list[EvalItem]) -> None:
    result = ask_item(FakeAssistant(fail_on=items[0].question), items[0])
    assert result.status == "error" and result.error == "RuntimeError: boom"


def test_evaluate_scores_both_sets_side_by_side_and_gates_each(sets: dict[str, list[EvalItem]]) -> None:
    report = evaluate(FakeAssistant(), sets, CORPUS, THRESHOLDS, "fake", decisions=DECISIONS)
    own, blind = (report["sets"][name]["summary"]["overall"] for name in ("own", "blind"))
    assert own["items"] == 12 and len(report["sets"]["own"]["items"]) == 12
    assert blind["items"] == 8 and len(report["sets"]["blind"]["items"]) == 8
    assert own["citation_validity"] == 1.0
    assert own["refusal_rate"] == 0.0  # the fake answers everything, so it never refuses
    assert report["missed"] == ["own: refusal_rate: 0.000 is below the minimum 0.9"]  # blind's bound is 0
    row = report["comparison"]["refusal_rate"]
    assert row["own"] == 0.0 and row["blind"] == blind["refusal_rate"] and "gap_points" in row
    assert {g["set"] for g in report["goals"]} == {"own", "blind", "gap"}
    assert report["decisions"] == DECISIONS
    assert report["readability"]["library"] == "textstat" and report["readability"]["version"] == "0.7.3"


def test_evaluate_scores_one_set_alone_without_a_gap(sets: dict[str, list[EvalItem]]) -> None:
    report = evaluate(FakeAssistant(), {"own": sets["own"]}, CORPUS, THRESHOLDS, "fake")
    assert list(report["sets"]) == ["own"] and "gap_points" not in report["comparison"]["refusal_rate"]
    assert "blind" not in terminal_table(report)


def test_the_cli_asks_both_sets_by_default_and_one_when_told() -> None:
    assert _parser().parse_args([]).set == "all"
    assert _parser().parse_args(["--set", "blind", "--limit", "5"]).set == "blind"
    with pytest.raises(SystemExit):
        _parser().parse_args(["--set", "other"])


def test_write_report_leaves_json_markdown_and_charts(
    sets: dict[str, list[EvalItem]], tmp_path: Path
) -> None:
    figures = {"evidence_hit_at_1": 0.5, "evidence_hit_at_4": 0.7, "mrr": 0.6}
    baselines = {name: {"naive LangChain": figures} for name in sets}
    report = evaluate(FakeAssistant(), sets, CORPUS, THRESHOLDS, "fake", baselines, DECISIONS)
    path = write_report(report, tmp_path)
    markdown = path.read_text(encoding="utf-8")
    written = json.loads((tmp_path / "latest.json").read_text(encoding="utf-8"))
    assert written["generator"] == "fake" and set(written["sets"]) == {"own", "blind"}
    assert {"summary", "items", "baselines"} <= set(written["sets"]["blind"]) and written["comparison"]
    for chart in ("sets.png", "by_outcome.png", "by_voice.png", "latency.png", "baselines.png"):
        assert (tmp_path / chart).read_bytes().startswith(b"\x89PNG")
        assert f"]({chart})" in markdown
    assert "Gate missed (1)" in markdown and "naive LangChain" in markdown
    assert "| Own set | Blind set | Gap (points) |" in markdown
    assert "## How the numbers were chosen" in markdown and "`min_relevance`" in markdown
    assert "textstat 0.7.3" in markdown
    table = terminal_table(report)
    assert "Says so when the plan doesn't cover it" in table and "gap pts" in table
