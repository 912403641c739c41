"""The guard's rules and examples are written in the domain's words, never in an eval question's.

A text is a *near-copy* of an eval question when, after lower-casing, dropping apostrophes and stop words
(the project's one stop list, plan_assistant.text), stemming, and dropping frame words (stems found in
FRAME_SHARE or more of all eval questions: "plan", "council", "say"...), what is left (content words) meets
one of:

- the two share a run of RUN_WORDS consecutive content words, or
- both have at least MIN_CONTENT_WORDS distinct content words, the longer has at most LENGTH_RATIO times as
  many, and SHARED_SHARE of the shorter's content words appear in the other.

So "When is my bin collection day?" copies "when is my bin collection day" and "How do I apply for a school
place?" copies a question that adds a year group and a month; two questions that only share a frame ("What
does the plan say about tourism?" and "... about autism?") are not copies. A *personal detail* is any value
an eval item lists in `personal_details` (a name, an address, a number), found as written, as digits, or as a
name word that is not an ordinary word of the plan.

Checked: every routing example and word list, every string literal and comment in
src/plan_assistant/guardrails/, and those of the guard's own tests. Eval questions include the user turns of their histories.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

import pytest

from evals import EVALS_DIR, load_dataset
from plan_assistant.config import PROJECT_ROOT
from plan_assistant.guardrails.examples import guard_examples, routing_words
from plan_assistant.text import STOP_WORDS, stem

RUN_WORDS = 4
MIN_CONTENT_WORDS = 3
LENGTH_RATIO = 2.0
SHARED_SHARE = 0.75
MIN_DETAIL_DIGITS = 6
FRAME_SHARE = 0.05

EVAL_SETS = (EVALS_DIR / "datasets" / "plan_questions.jsonl", EVALS_DIR / "datasets" / "blind-dev.jsonl")
GUARDRAILS = PROJECT_ROOT / "src" / "plan_assistant" / "guardrails"
GUARD_TESTS = (
    *sorted((PROJECT_ROOT / "tests" / "unit").glob("test_routing*.py")),
    *(
        PROJECT_ROOT / "tests" / "unit" / name
        for name in (
            "test_personal_data.py",
            "test_injection.py",
            "test_normalise.py",
            "test_output_checks.py",
        )
    ),
    PROJECT_ROOT / "tests" / "integration" / "test_routing.py",
)
CORPUS_TEXT = (PROJECT_ROOT / "corpus" / "somerset-county-council-business-plan-2021-2023.txt").read_text(
    encoding="utf-8"
)


# ---------------------------------------------------------------- the detector


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", re.sub(r"['’]", "", text.lower()))


@cache
def _stems(text: str) -> tuple[str, ...]:
    return tuple(stem(word) for word in _words(text) if word not in STOP_WORDS and len(word) > 1)


@lru_cache(maxsize=1)
def frame_words() -> frozenset[str]:
    """Stems so common across the eval questions that sharing them says nothing ("plan", "council")."""
    questions, _ = _eval_items()
    counts = Counter(stem_ for _, question in questions for stem_ in set(_stems(question)))
    return frozenset(stem_ for stem_, count in counts.items() if count >= FRAME_SHARE * len(questions))


@cache
def content_stems(text: str) -> tuple[str, ...]:
    """Stemmed content words in order: stop words, single characters and frame words dropped."""
    frames = frame_words()
    return tuple(stem_ for stem_ in _stems(text) if stem_ not in frames)


def _runs(stems: tuple[str, ...], size: int) -> set[tuple[str, ...]]:
    return {tuple(stems[i : i + size]) for i in range(len(stems) - size + 1)}


def near_copy(text: str, question: str) -> str | None:
    """Why the text is a near-copy of the question, or None when it is not."""
    a, b = content_stems(text), content_stems(question)
    shared_run = _runs(a, RUN_WORDS) & _runs(b, RUN_WORDS)
    if shared_run:
        return f"shares the run {' '.join(sorted(shared_run)[0])!r}"
    small, large = sorted((set(a), set(b)), key=len)
    if len(small) >= MIN_CONTENT_WORDS and len(large) <= LENGTH_RATIO * len(small):
        share = len(small & large) / len(small)
        if share >= SHARED_SHARE:
            return f"shares {share:.0%} of its content words"
    return None


_CORPUS_WORDS = frozenset(_words(CORPUS_TEXT))


def _digit_groups(text: str) -> list[str]:
    return ["".join(ch for ch in group if ch.isdigit()) for group in re.findall(r"\d[\d \-]*\d", text)]


def personal_detail_in(text: str, detail: str) -> str | None:
    """Which part of a personal detail the text holds, or None."""
    folded = " ".join(text.casefold().split())
    if " ".join(detail.casefold().split()) in folded:
        return detail
    digits = "".join(ch for ch in detail if ch.isdigit())
    if len(digits) >= MIN_DETAIL_DIGITS and any(digits in group for group in _digit_groups(text)):
        return digits
    if not digits and "@" not in detail and all(word[:1].isupper() for word in detail.split()):
        for word in detail.split():
            plain = word.lower()
            ordinary = len(plain) < 4 or plain in _CORPUS_WORDS or plain in STOP_WORDS
            if not ordinary and re.search(rf"\b{re.escape(plain)}\b", folded):
                return word
    return None


@dataclass(frozen=True)
class Finding:
    """One text in the project that copies an eval item."""

    where: str
    text: str
    item: str
    why: str


def eval_wording(
    texts: list[tuple[str, str]], questions: list[tuple[str, str]], details: list[tuple[str, str]]
) -> list[Finding]:
    """Every (where, text) that near-copies a question or holds a personal detail of an eval item."""
    findings: list[Finding] = []
    for where, text in texts:
        for item, question in questions:
            why = near_copy(text, question)
            if why:
                findings.append(Finding(where, text[:80], item, why))
        for item, detail in details:
            part = personal_detail_in(text, detail)
            if part:
                findings.append(Finding(where, text[:80], item, f"holds the personal detail {part!r}"))
    return findings


# ---------------------------------------------------------------- what is checked


@lru_cache(maxsize=1)
def _eval_items() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    questions: list[tuple[str, str]] = []
    details: list[tuple[str, str]] = []
    for path in EVAL_SETS:
        for item in load_dataset(path):
            questions.append((item.id, item.question))
            questions += [
                (f"{item.id} (history)", turn.content) for turn in item.history if turn.role == "user"
            ]
            details += [(item.id, detail) for detail in item.personal_details]
    return questions, details


def _string_literals(path: Path) -> Iterator[tuple[str, str]]:
    """Every string constant and every comment of a Python file, with where it is."""
    source = path.read_text(encoding="utf-8")
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.strip():
            yield f"{path.name}:{node.lineno}", node.value
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT:
            yield f"{path.name}:{token.start[0]}", token.string


def _examples_and_words() -> Iterator[tuple[str, str]]:
    examples = guard_examples()
    for route, texts in examples.routes.items():
        yield from ((f"routing_examples.toml [routes] {route}", text) for text in texts)
    yield from (("routing_examples.toml [injection] injection", text) for text in examples.injection)
    yield from (("routing_examples.toml [injection] benign", text) for text in examples.benign)
    for section, lists in routing_words().items():
        for name, words in lists.items():
            yield from ((f"routing_words.toml [{section}] {name}", word) for word in words)


@pytest.fixture(scope="module")
def eval_items() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    return _eval_items()


def test_no_routing_example_or_word_copies_an_eval_question_or_detail(eval_items):
    findings = eval_wording(list(_examples_and_words()), *eval_items)
    assert findings == [], "\n".join(map(str, findings))


def test_no_string_literal_in_the_guardrails_copies_an_eval_question_or_detail(eval_items):
    texts = [literal for path in sorted(GUARDRAILS.glob("*.py")) for literal in _string_literals(path)]
    findings = eval_wording(texts, *eval_items)
    assert findings == [], "\n".join(map(str, findings))


def test_no_glossary_wording_copies_an_eval_question_or_detail(eval_items):
    from plan_assistant.glossary import packaged_glossary

    # A term and what it stands for are the documents' own words and standard expansions; the everyday
    # wordings are ours, and must not come from an eval question.
    texts = [
        (f"glossary.toml {term.term}", text) for term in packaged_glossary().terms for text in term.everyday
    ]
    findings = eval_wording(texts, *eval_items)
    assert findings == [], "\n".join(map(str, findings))


def test_the_answer_engines_literals_do_not_copy_an_eval_question_or_detail(eval_items):
    engine = PROJECT_ROOT / "src" / "plan_assistant"
    texts = [literal for path in sorted(engine.glob("*.py")) for literal in _string_literals(path)]
    findings = eval_wording(texts, *eval_items)
    assert findings == [], "\n".join(map(str, findings))


ENGINE_TESTS = tuple(
    PROJECT_ROOT / "tests" / path
    # The engine tests that hold questions (fixtures quoting the plan's own sentences are left out: eval
    # questions quote the plan too).
    for path in ("unit/test_answer_types.py", "unit/test_structural.py", "integration/test_answers.py")
)


def test_the_answer_engines_own_tests_do_not_copy_an_eval_question_or_detail(eval_items):
    texts = [literal for path in ENGINE_TESTS if path.is_file() for literal in _string_literals(path)]
    findings = eval_wording(texts, *eval_items)
    assert findings == [], "\n".join(map(str, findings))


def test_the_guards_own_tests_do_not_copy_an_eval_question_or_detail(eval_items):
    texts = [literal for path in GUARD_TESTS if path.is_file() for literal in _string_literals(path)]
    findings = eval_wording(texts, *eval_items)
    assert findings == [], "\n".join(map(str, findings))


# ---------------------------------------------------------------- the detector itself


def test_every_eval_set_has_questions_and_details_to_check(eval_items):
    questions, details = eval_items
    assert len(questions) > 200 and len(details) >= 10


def test_a_planted_copy_of_an_eval_question_is_found(eval_items):
    questions, details = eval_items
    long_questions = [(item, q) for item, q in questions if len(content_stems(q)) >= 5]
    item, question = long_questions[len(long_questions) // 2]
    planted = [("planted", question.upper() + " please"), ("ok", "Tell me about the council's partnerships.")]
    findings = eval_wording(planted, questions, details)
    assert {finding.where for finding in findings} == {"planted"}
    assert item in {finding.item for finding in findings}


def test_a_planted_copy_hidden_in_a_guardrails_literal_fails_the_check(eval_items, tmp_path):
    questions, details = eval_items
    _, question = next((item, q) for item, q in questions if len(content_stems(q)) >= 5)
    module = tmp_path / "planted.py"
    module.write_text(
        f"EXAMPLES = ('What are the aims for transport?', {question.lower()!r})\n", encoding="utf-8"
    )
    findings = eval_wording(list(_string_literals(module)), questions, details)
    assert {finding.text for finding in findings} == {question.lower()[:80]}


@pytest.mark.parametrize(
    ("text", "question"),
    [
        ("When is my recycling collection day?", "when is my recycling collection day"),
        ("How do I apply for a library card?", "how do i apply for a library card for my son this summer"),
        (
            "Tell me the key priorities for adult social care funding",
            "adult social care funding key priorities",
        ),
        (
            "Is the council's flood defence investment rising?",
            "is council flood defence investment rising or not",
        ),
    ],
)
def test_near_copies_are_recognised(text, question):
    assert near_copy(text, question)


@pytest.mark.parametrize(
    ("text", "question"),
    [
        ("What does the plan say about tourism?", "What does the plan say about autism?"),
        ("How do I apply for a bus pass?", "how do i apply for a place at a primary school for september"),
        ("What is the council doing about roads?", "What is the council doing about the economy?"),
        ("Hello", "hello"),
    ],
)
def test_questions_that_only_share_a_frame_are_not_copies(text, question):
    assert near_copy(text, question) is None


@pytest.mark.parametrize(
    ("text", "detail"),
    [
        ("('social worker Ann Quixley', 'name')", "Ann Quixley"),
        ("a phone like 07700 900 999", "07700900999"),
        ("kind regards, Zebedee", "Zebedee Farquhar"),
        ("email zed@example.org", "zed@example.org"),
    ],
)
def test_personal_details_are_found_as_written_as_digits_and_as_name_words(text, detail):
    assert personal_detail_in(text, detail)


@pytest.mark.parametrize(
    ("text", "detail"),
    [
        ("the council will improve the road network", "14 Example Road"),
        ("a number like 2021", "TA1 2021"),
    ],
)
def test_ordinary_plan_words_and_short_numbers_are_not_personal_details(text, detail):
    assert personal_detail_in(text, detail) is None
