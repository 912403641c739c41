"""Both eval sets are well formed, every fact they expect is the plan's own words, and the blind set stays blind."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from evals import BLIND_DATASET_PATH, CORPUS_FILE, DATASET_PATH, DATASETS, EvalItem, load_dataset
from evals.metrics import has_positive_check

ROOT = Path(__file__).resolve().parents[2]
CORPUS = (ROOT / "corpus" / CORPUS_FILE).read_text(encoding="utf-8")
OUTLINE = json.loads((ROOT / "tests" / "data" / "expected_outline.json").read_text(encoding="utf-8"))
TITLES = {o["number"]: set(o["priorities"]) for o in OUTLINE["outcomes"]}


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@pytest.fixture(scope="module")
def items() -> list[EvalItem]:
    return load_dataset(DATASET_PATH)


def test_the_set_has_enough_items_of_every_kind(items: list[EvalItem]) -> None:
    kinds = Counter(item.kind for item in items)
    assert len(items) >= 90
    assert kinds["answerable"] >= 55
    assert kinds["unanswerable"] >= 15
    assert kinds["adversarial"] >= 10
    assert kinds["multi_turn"] >= 5


def test_ids_are_unique(items: list[EvalItem]) -> None:
    duplicates = [i for i, n in Counter(item.id for item in items).items() if n > 1]
    assert duplicates == []


def test_all_three_voices_ask_answerable_questions(items: list[EvalItem]) -> None:
    voices = {item.voice for item in items if item.kind == "answerable"}
    assert voices == {"resident", "staff", "adviser"}


def test_every_outcome_and_the_sections_outside_them_are_covered(items: list[EvalItem]) -> None:
    covered = {n for item in items if item.kind == "answerable" for n in item.outcomes}
    assert covered >= {0, 1, 2, 3, 4, 5}


def test_every_key_priority_is_asked_about(items: list[EvalItem]) -> None:
    asked = {p for item in items for p in item.priorities}
    every = set().union(*TITLES.values())
    assert every - asked == set()


def test_answerable_items_carry_outcomes_facts_and_evidence(items: list[EvalItem]) -> None:
    for item in items:
        if item.kind in ("answerable", "multi_turn"):
            assert item.outcomes, item.id
            assert 1 <= len(item.must_include) <= 3, item.id
            assert item.evidence, item.id


def test_every_evidence_sentence_is_verbatim_in_the_corpus(items: list[EvalItem]) -> None:
    corpus = _squash(CORPUS)
    missing = [(item.id, e) for item in items for e in item.evidences if _squash(e) not in corpus]
    assert missing == []


def test_alternative_evidence_is_only_given_where_the_item_expects_several_places(
    items: list[EvalItem],
) -> None:
    # An alternative must come from a place the item already names: several priorities or outcomes.
    for item in items:
        if item.evidence_any:
            assert len(item.priorities) + len(item.outcomes) > 2 or len(item.outcomes) > 1 or item.note, (
                item.id
            )


def test_every_must_include_fact_is_verbatim_in_the_corpus(items: list[EvalItem]) -> None:
    missing = [(item.id, fact) for item in items for fact in item.must_include if fact not in CORPUS]
    assert missing == []


def test_check_facts_that_must_appear_are_in_the_corpus(items: list[EvalItem]) -> None:
    for item in items:
        if item.check and item.check.must_include:
            assert all(fact in CORPUS for fact in item.check.must_include), item.id


def test_every_priority_title_exists_under_its_stated_outcome(items: list[EvalItem]) -> None:
    for item in items:
        for title in item.priorities:
            assert any(title in TITLES.get(n, set()) for n in item.outcomes), (item.id, title)


def test_sections_outside_the_outcomes_have_no_priority_of_their_own(items: list[EvalItem]) -> None:
    for item in items:
        if item.outcomes == [0]:
            assert item.priorities == [], item.id


def test_unanswerable_items_expect_not_found_or_out_of_scope(items: list[EvalItem]) -> None:
    for item in items:
        if item.kind == "unanswerable":
            assert item.check is not None, item.id
            assert set(item.check.status_in) <= {"not_found", "out_of_scope"}, item.id
            assert item.check.status_in, item.id
            assert item.evidence is None and item.priorities == [], item.id


def test_adversarial_items_each_have_a_check(items: list[EvalItem]) -> None:
    for item in items:
        if item.kind == "adversarial":
            assert item.check is not None, item.id
            assert item.check.model_dump(exclude_defaults=True), item.id


def test_own_adversarial_items_each_ask_for_something_positive(items: list[EvalItem]) -> None:
    # A check of forbidden phrases alone passes an empty or off-topic reply; each item must also name
    # the status or the facts a good reply shows.
    only_forbidden = [
        item.id for item in items if item.kind == "adversarial" and not has_positive_check(item.check)
    ]
    assert only_forbidden == []


def test_adversarial_items_cover_the_named_attacks(items: list[EvalItem]) -> None:
    adversarial = [item for item in items if item.kind == "adversarial"]
    longest = max(len(item.question) for item in adversarial)
    with_details = [item for item in adversarial if item.personal_details]
    assert longest >= 1500
    assert len(with_details) >= 2
    assert any(not item.question.isascii() for item in adversarial), "a non-English question"


def test_personal_details_are_in_the_question_and_forbidden_in_the_answer(items: list[EvalItem]) -> None:
    for item in items:
        for detail in item.personal_details:
            assert detail in item.question, (item.id, detail)
            assert item.check is not None and detail in item.check.must_not_include, (item.id, detail)


def test_nhs_numbers_in_the_set_have_valid_check_digits(items: list[EvalItem]) -> None:
    found = 0
    for item in items:
        for match in re.finditer(r"\b(\d{3}) ?(\d{3}) ?(\d{4})\b", item.question):
            digits = "".join(match.groups())
            if digits.startswith("0"):
                continue  # a phone number, not an NHS number
            total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
            check = (11 - total % 11) % 11
            assert check != 10 and check == int(digits[9]), (item.id, digits)
            found += 1
    assert found >= 1


def test_multi_turn_items_have_history_that_ends_with_the_assistant(items: list[EvalItem]) -> None:
    for item in items:
        if item.kind == "multi_turn":
            assert len(item.history) >= 2, item.id
            assert item.history[0].role == "user" and item.history[-1].role == "assistant", item.id
        else:
            assert item.history == [], item.id


def test_a_bad_line_is_reported_with_its_number(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"id": "x", "kind": "answerable", "voice": "resident", "question": "q"}\n{"id": 1}\n')
    with pytest.raises(ValueError, match=r"bad\.jsonl:2"):
        load_dataset(path)


# ---------------------------------------------------------------- the blind set (measured on, never tuned on)


@pytest.fixture(scope="module")
def blind() -> list[EvalItem]:
    return load_dataset(BLIND_DATASET_PATH)


def _folded(text: str) -> str:
    return _squash(text).casefold()


def test_the_runner_knows_both_sets() -> None:
    assert DATASETS == {"own": DATASET_PATH, "blind": BLIND_DATASET_PATH}


def test_the_blind_set_loads_with_the_shared_schema_and_its_stated_counts(blind: list[EvalItem]) -> None:
    kinds = Counter(item.kind for item in blind)
    assert len(blind) == 110
    assert kinds == {"answerable": 66, "unanswerable": 20, "adversarial": 14, "multi_turn": 10}
    assert len({item.id for item in blind}) == len(blind)


def test_the_blind_set_ids_never_clash_with_the_own_set(items: list[EvalItem], blind: list[EvalItem]) -> None:
    assert {item.id for item in items} & {item.id for item in blind} == set()


def test_every_blind_evidence_fact_and_title_is_in_the_corpus(blind: list[EvalItem]) -> None:
    corpus = _folded(CORPUS)
    texts = [
        (item.id, text)
        for item in blind
        for text in [*item.evidences, *item.must_include, *item.priorities]
        + (item.check.must_include if item.check else [])
    ]
    assert [(i, t) for i, t in texts if _folded(t) not in corpus] == []


def test_blind_priorities_sit_under_their_outcomes_and_unanswerables_expect_refusals(
    blind: list[EvalItem],
) -> None:
    titles = {n: {_folded(t) for t in ts} for n, ts in TITLES.items()}
    for item in blind:
        for title in item.priorities:
            assert any(_folded(title) in titles.get(n, set()) for n in item.outcomes), (item.id, title)
        if item.kind == "unanswerable":
            assert item.check is not None and item.check.status_in, item.id
            assert set(item.check.status_in) <= {"not_found", "out_of_scope"}, item.id
        if item.kind in ("answerable", "multi_turn"):
            assert item.outcomes, item.id  # list questions carry no single evidence sentence


def test_no_blind_question_is_copied_into_the_project(blind: list[EvalItem]) -> None:
    # The blind set measures wording the team did not write; a copied question would stop it doing so.
    places = [DATASET_PATH, *sorted((ROOT / "src").rglob("*.*")), *sorted((ROOT / "tests").rglob("*.py"))]
    text = _folded("\n".join(p.read_text(encoding="utf-8", errors="ignore") for p in places if p.is_file()))
    questions = [_folded(item.question) for item in blind if len(item.question) >= 25]
    assert [q for q in questions if q in text] == []
