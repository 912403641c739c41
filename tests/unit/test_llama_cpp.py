"""The local generator's own logic, without the model: the fair queue, the answer cap, the focused prompt."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from plan_assistant.generators.base import GeneratorBusyError
from plan_assistant.generators.llama_cpp import LlamaCppGenerator, ModelQueue
from plan_assistant.prompts import focused_text
from plan_assistant.schemas import Passage
from tests.fakes import make_chunk

SENTENCES = [
    "Work with our partners towards making Somerset a Carbon Neutral County by 2030.",
    "Ensure flood prevention remains a focus for the protection of communities.",
    "Promote active travel to improve health and the environment.",
    "Develop a food strategy to address the issues causing people to rely on foodbanks.",
]


def test_questions_take_their_turn_on_the_model_in_the_order_they_arrived() -> None:
    queue = ModelQueue(limit=10)
    order: list[int] = []
    first_in = threading.Event()

    def ask(n: int) -> None:
        with queue.turn():
            if n == 0:
                first_in.set()
                time.sleep(0.3)  # the others line up meanwhile
            order.append(n)

    threads = [threading.Thread(target=ask, args=(0,))]
    threads[0].start()
    first_in.wait(5)
    for n in range(1, 6):
        thread = threading.Thread(target=ask, args=(n,))
        thread.start()
        threads.append(thread)
        while queue.waiting < n:  # each is queued before the next arrives
            time.sleep(0.005)
    for thread in threads:
        thread.join(5)
    assert order == [0, 1, 2, 3, 4, 5]


def test_a_question_beyond_the_queue_limit_is_refused_at_once_and_the_queue_recovers() -> None:
    queue = ModelQueue(limit=1)
    release = threading.Event()
    holding = threading.Event()

    def hold() -> None:
        with queue.turn():
            holding.set()
            release.wait(5)

    running = threading.Thread(target=hold)
    running.start()
    holding.wait(5)
    # One on the model and one waiting fill a queue of one: the next question is refused without waiting.
    second = threading.Thread(target=hold)
    second.start()
    while queue.waiting < 1:
        time.sleep(0.005)
    started = time.monotonic()
    with pytest.raises(GeneratorBusyError, match="limit 1"), queue.turn():
        pass
    assert time.monotonic() - started < 0.5
    release.set()
    running.join(5)
    second.join(5)
    with queue.turn():  # free again
        pass


def generator(**options: object) -> LlamaCppGenerator:
    return LlamaCppGenerator(Path("unused.gguf"), **options)  # type: ignore[arg-type]


def test_resident_answers_are_capped_and_the_other_audiences_are_not() -> None:
    capped = generator(max_tokens=320, resident_max_tokens=160)
    assert capped.answer_tokens("resident") == 160
    assert capped.answer_tokens("staff") == 320 and capped.answer_tokens("adviser") == 320
    assert generator(max_tokens=320).answer_tokens("resident") == 320


def passage(scores: tuple[float, ...]) -> Passage:
    return Passage(
        chunk=make_chunk("c-1", SENTENCES, outcome=2, priority="Climate"),
        score=0.5,
        similarity=0.6,
        sentence_scores=scores,
    )


def test_a_passage_is_cut_to_its_best_matching_sentences_in_the_plans_order() -> None:
    text = focused_text(passage((0.9, 0.1, 0.2, 0.8)), 2)
    assert text == f"{SENTENCES[0]} {SENTENCES[3]}"
    assert focused_text(passage((0.9, 0.1, 0.2, 0.8)), None) == " ".join(SENTENCES)
    assert focused_text(passage(()), 2) == " ".join(SENTENCES)  # no scores: the whole passage


def test_the_local_prompt_holds_only_the_best_passages() -> None:
    passages = [passage((0.9, 0.1, 0.2, 0.8)) for _ in range(5)]
    messages = generator(passages=3, sentences=2).messages(
        "When will Somerset be carbon neutral?", passages, "staff"
    )
    user = messages[1]["content"]
    assert user.count("<passage ") == 3
    assert SENTENCES[1] not in user and SENTENCES[0] in user
