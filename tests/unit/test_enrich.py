"""Enrichment with a scripted model: checked entries, stricter retries, checkpoints and reruns."""

from __future__ import annotations

import json
from collections import deque
from pathlib import Path
from typing import Any

import pytest

from ingest.derived import DerivedEntry, ModelInfo, Target, load_derived, sentence_key
from ingest.enrich import MAX_PLAIN_ATTEMPTS, enrich_document, enrich_target, recheck
from ingest.enrich_prompts import PROBLEMS, PROMPT_VERSION, plain_messages, questions_messages
from plan_assistant.prompts import ChatMessage

SOURCE = (
    "Create the conditions for businesses to recover, safeguard employment and enable new jobs to be "
    "created via an initial £6m investment in an economic recovery fund in Somerset."
)
GOOD = "The council will put £6m into a fund to help businesses in Somerset recover. It will protect jobs."
QUESTIONS = {
    "questions": [
        "1. How will the council help businesses recover?",
        "How big is the recovery fund?",
        "Will new jobs be made?",
    ],
    "keywords": ["jobs", "business support", "recovery fund", "economy", "employment", "Jobs"],
}
MODEL = ModelInfo(file="fixture.gguf", sha256="0123456789abcdef")


class ScriptedModel:
    """A fake chat model: replies are queued JSON objects; every call is recorded."""

    def __init__(self, *replies: dict[str, Any]) -> None:
        self.replies = deque(json.dumps(r) for r in replies)
        self.calls: list[list[ChatMessage]] = []

    def __call__(self, messages: list[ChatMessage], schema: dict[str, Any], max_tokens: int) -> str:
        self.calls.append(messages)
        if not self.replies:
            raise AssertionError("the scripted model has no reply queued")
        return self.replies.popleft()


class EchoModel:
    """A fake chat model for whole documents: the same questions for every sentence, the sentence as plain."""

    def __init__(self, fail_after: int | None = None) -> None:
        self.sentences: list[str] = []
        self.fail_after = fail_after

    def __call__(self, messages: list[ChatMessage], schema: dict[str, Any], max_tokens: int) -> str:
        sentence = json.loads(messages[-1]["content"].split("Sentence: ", 1)[1])
        if "questions" in schema["properties"]:
            if self.fail_after is not None and len(self.sentences) >= self.fail_after:
                raise KeyboardInterrupt  # the run is stopped half way
            self.sentences.append(sentence)
            return json.dumps(QUESTIONS)
        return json.dumps({"plain": sentence})


def target(text: str = SOURCE, kind: str = "sentence") -> Target:
    return Target(sentence_key(text), text, kind, "Drive economic recovery through inclusive growth")  # type: ignore[arg-type]


def test_a_good_first_rendering_is_kept_with_clean_questions_and_keywords() -> None:
    model = ScriptedModel(QUESTIONS, {"plain": GOOD})
    made = enrich_target(target(), model, set())
    assert made.plain == GOOD
    assert made.questions == [
        "How will the council help businesses recover?",
        "How big is the recovery fund?",
        "Will new jobs be made?",
    ]
    assert made.keywords == ["jobs", "business support", "recovery fund", "economy", "employment"]
    assert made.checks["plain"] and made.checks["figures"] and made.checks["names"]
    assert made.checks["attempts"] == 1 and made.checks["questions"] and made.checks["keywords"]
    assert made.checks["grade_plain"] <= 8 < made.checks["grade_source"]


def test_a_failed_rendering_goes_back_to_the_model_with_what_went_wrong() -> None:
    wrong = GOOD.replace("£6m", "£7m")
    model = ScriptedModel(QUESTIONS, {"plain": wrong}, {"plain": GOOD})
    made = enrich_target(target(), model, set())
    assert made.plain == GOOD and made.checks["attempts"] == 2
    first, retry = model.calls[1], model.calls[2]
    assert retry[: len(first)] == first  # the same conversation, continued
    assert json.loads(retry[-2]["content"]) == {"plain": wrong}
    assert PROBLEMS["figures"] in retry[-1]["content"] and PROBLEMS["names"] not in retry[-1]["content"]


def test_no_rendering_is_stored_when_every_attempt_fails_and_the_checks_say_why() -> None:
    bad = [{"plain": GOOD.replace("Somerset", town)} for town in ("Taunton", "Yeovil", "Frome")]
    model = ScriptedModel(QUESTIONS, *bad)
    made = enrich_target(target(), model, set())
    assert made.plain is None
    assert made.checks["plain"] is False and made.checks["names"] is False
    assert made.checks["attempts"] == MAX_PLAIN_ATTEMPTS
    assert made.questions  # the questions stand on their own


def test_a_model_repeating_itself_is_not_asked_a_third_time() -> None:
    bad = {"plain": GOOD.replace("Somerset", "Taunton")}
    model = ScriptedModel(QUESTIONS, bad, bad)
    made = enrich_target(target(), model, set())
    assert made.plain is None and made.checks["attempts"] == 2 and not model.replies


def test_a_rendering_above_grade_8_is_kept_only_if_three_grades_simpler_after_every_attempt() -> None:
    harder = (
        "The council will create the conditions for businesses to recover and safeguard employment, "
        "enabling new jobs via an initial £6m investment in an economic recovery fund in Somerset."
    )
    simpler = (
        "The council will put an initial £6m into an economic recovery fund in Somerset, so businesses "
        "recover and safeguard employment and new jobs."
    )
    model = ScriptedModel(QUESTIONS, {"plain": harder}, {"plain": simpler}, {"plain": harder + " Jobs."})
    made = enrich_target(target(), model, set())
    assert made.plain == simpler
    assert not made.checks["grade"] and made.checks["attempts"] == MAX_PLAIN_ATTEMPTS
    assert made.checks["grade_plain"] <= made.checks["grade_source"] - 3


def test_the_prompts_quote_the_sentence_as_data_and_titles_ask_for_a_short_name() -> None:
    messages = questions_messages(target())
    assert messages[-1]["content"].endswith(json.dumps(SOURCE, ensure_ascii=False))
    title = plain_messages(target("Drive economic recovery through inclusive growth", kind="title"))
    assert "short plain name" in title[0]["content"]


def sentences(n: int) -> list[Target]:
    return [target(f"Fixture sentence number {i} says the council will mend roads.") for i in range(n)]


def test_an_interrupted_run_keeps_what_it_made_and_a_rerun_makes_only_the_rest(tmp_path: Path) -> None:
    path = tmp_path / "derived" / "fixture.json"
    wanted = sentences(4)
    with pytest.raises(KeyboardInterrupt):
        enrich_document("fixture", wanted, path, MODEL, lambda: EchoModel(fail_after=2), progress=False)
    saved = load_derived(path)
    assert saved is not None and list(saved.entries) == [t.key for t in wanted[:2]]

    model = EchoModel()
    report = enrich_document("fixture", wanted, path, MODEL, lambda: model, progress=False)
    assert model.sentences == [t.text for t in wanted[2:]]
    assert (report.generated, report.kept, report.dropped) == (2, 2, 0)
    saved = load_derived(path)
    assert saved is not None and list(saved.entries) == [t.key for t in wanted]
    assert saved.prompt_version == PROMPT_VERSION and saved.model == MODEL


def test_a_rerun_with_nothing_missing_never_loads_the_model_and_drops_stale_entries(tmp_path: Path) -> None:
    path = tmp_path / "fixture.json"
    wanted = sentences(3)
    enrich_document("fixture", wanted, path, MODEL, EchoModel, progress=False)

    def never() -> EchoModel:
        raise AssertionError("the model was loaded although nothing was missing")

    report = enrich_document("fixture", wanted[:2], path, MODEL, never, progress=False)
    assert (report.generated, report.kept, report.dropped) == (0, 2, 1)
    saved = load_derived(path)
    assert saved is not None and list(saved.entries) == [t.key for t in wanted[:2]]


def test_limit_stops_after_that_many_new_entries(tmp_path: Path) -> None:
    path = tmp_path / "fixture.json"
    report = enrich_document("fixture", sentences(5), path, MODEL, EchoModel, limit=2, progress=False)
    assert (report.generated, report.left) == (2, 3)
    saved = load_derived(path)
    assert saved is not None and len(saved.entries) == 2


def test_an_entry_kept_from_an_earlier_run_meets_todays_checks() -> None:
    old = DerivedEntry(
        text=SOURCE,
        kind="sentence",
        questions=["How big is the fund?", "Is Sommerset getting money?", "Who gets the £9m?"],
        keywords=["jobs", "sommerset", "recovery fund", "street lights"],
        plain=GOOD.replace("£6m", "£7m"),
        checks={"plain": True, "questions": True, "keywords": True, "attempts": 1},
    )
    now = recheck(old, {"somerset"})
    assert now.questions == ["How big is the fund?"] and now.keywords == ["jobs", "recovery fund"]
    assert now.plain is None and now.checks["plain"] is False and now.checks["figures"] is False
    assert now.checks["questions"] is False and now.checks["keywords"] is False
    assert recheck(now, {"somerset"}) == now
