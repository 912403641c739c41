"""The extractive generator: which sentences it picks, and how it lays them out."""

from __future__ import annotations

import pytest

from plan_assistant.config import Settings
from plan_assistant.generators.extractive import (
    MAX_SENTENCES,
    RANK_WEIGHT,
    SENTENCE_FLOOR,
    ExtractiveGenerator,
    from_settings,
    select_sentences,
)
from tests.fakes import make_chunk, make_passage

# Ten distinct sentences, no two sharing most of their words.
DISTINCT = [
    "Ensure flood prevention remains a focus for the protection of communities.",
    "Work with our partners towards making Somerset a Carbon Neutral County by 2030.",
    "Promote active travel to improve health, quality of life and the environment.",
    "Develop a food strategy to address reliance on foodbanks.",
    "Launch an Accessible Apprenticeship programme with Mencap.",
    "Work to address areas of digital poverty so nobody is left behind.",
    "Publish a quarterly performance report.",
    "Support our staff health and wellbeing to enhance productivity.",
    "Prepare for an April 2023 Vesting Day.",
    "Address fuel poverty and access to energy efficiency initiatives.",
]


def _one_passage(scores: list[float], sentences: list[str] | None = None):  # type: ignore[no-untyped-def]
    sentences = sentences or DISTINCT[: len(scores)]
    return [make_passage(make_chunk("c1", sentences, outcome=2, priority="P"), scores)]


def test_the_most_relevant_sentence_comes_first() -> None:
    picks = select_sentences(_one_passage([0.40, 0.70, 0.35]), "resident")
    assert picks[0].sentence == 1


@pytest.mark.parametrize("audience", ["resident", "staff", "adviser"])
def test_no_audience_gets_more_sentences_than_its_maximum(audience: str) -> None:
    picks = select_sentences(_one_passage([0.6] * len(DISTINCT)), audience)  # type: ignore[arg-type]
    assert len(picks) == MAX_SENTENCES[audience]


def test_residents_get_a_shorter_answer_than_staff() -> None:
    assert MAX_SENTENCES["resident"] < MAX_SENTENCES["staff"]
    assert 2 <= MAX_SENTENCES["adviser"] <= 4


def test_near_duplicate_sentences_are_kept_once() -> None:
    twin = "Work with our partners towards making Somerset a Carbon Neutral County by 2030."
    near_twin = "Work with partners towards making Somerset a Carbon Neutral County by 2030."
    passages = [
        make_passage(make_chunk("a", [twin, DISTINCT[0]], outcome=2, priority="P"), [0.8, 0.75]),
        make_passage(make_chunk("b", [near_twin], outcome=5, priority="Q"), [0.79]),
    ]
    picks = select_sentences(passages, "staff")
    texts = [passages[p.passage].chunk.sentences[p.sentence].text for p in picks]
    assert texts == [twin, DISTINCT[0]]


def test_sentences_far_below_the_best_are_dropped_for_residents() -> None:
    picks = select_sentences(_one_passage([0.80, 0.40, 0.30]), "resident")
    assert [p.sentence for p in picks] == [0]


def test_an_adviser_gets_at_least_two_bullets_when_a_second_sentence_clears_the_floor() -> None:
    picks = select_sentences(_one_passage([0.80, 0.40, 0.30]), "adviser")
    assert [p.sentence for p in picks] == [0, 1]


def test_sentences_below_the_floor_are_never_used() -> None:
    assert select_sentences(_one_passage([SENTENCE_FLOOR - 0.05] * 3), "adviser") == []


def test_no_passages_means_no_sentences() -> None:
    assert select_sentences([], "staff") == []


def test_a_single_sentence_is_written_as_a_plain_line_in_the_documents_words() -> None:
    passages = _one_passage([0.8, 0.1])
    assert list(ExtractiveGenerator().generate("q", passages, "resident")) == [DISTINCT[0] + "\n"]


def test_several_sentences_are_written_as_a_list() -> None:
    passages = _one_passage([0.8, 0.78, 0.1])
    lines = list(ExtractiveGenerator().generate("q", passages, "staff"))
    assert lines == [f"- {DISTINCT[0]}\n", f"- {DISTINCT[1]}\n"]


def test_an_adviser_always_gets_bullets() -> None:
    passages = _one_passage([0.8, 0.1])
    assert list(ExtractiveGenerator().generate("q", passages, "adviser")) == [f"- {DISTINCT[0]}\n"]


def test_the_registry_factory_builds_the_extractive_generator() -> None:
    generator = from_settings(Settings())
    assert isinstance(generator, ExtractiveGenerator)
    assert generator.name == "extractive"


def _listed(item_flags: list[bool], sentences: list[str]):  # type: ignore[no-untyped-def]
    chunk = make_chunk("c-list", sentences, section="Introduction", kind="section")
    for sentence, flag in zip(chunk.sentences, item_flags, strict=True):
        sentence.item = flag
    return [make_passage(chunk, [0.3] * len(sentences))]


def test_a_list_question_gets_every_item_of_the_list_without_its_introduction() -> None:
    sentences = ["There are also challenges to overcome.", DISTINCT[0], DISTINCT[3], DISTINCT[9]]
    passages = _listed([False, True, True, True], sentences)
    passages[0] = make_passage(passages[0].chunk, [0.6, 0.3, 0.2, 0.1])
    picks = select_sentences(passages, "resident", "what are the challenges?")
    assert [p.sentence for p in picks] == [1, 2, 3]


def test_a_list_question_about_running_prose_gets_the_whole_paragraph_in_order() -> None:
    passages = [
        make_passage(
            make_chunk("c", DISTINCT[:4], section="Principles", kind="section"), [0.2, 0.6, 0.1, 0.3]
        )
    ]
    picks = select_sentences(passages, "resident", "what are the principles?")
    assert [p.sentence for p in picks] == [0, 1, 2, 3]


def test_a_chosen_sentence_that_introduces_a_list_is_replaced_by_the_list() -> None:
    sentences = ["The Vision set out these tenets.", DISTINCT[1], DISTINCT[2]]
    passages = _listed([False, True, True], sentences)
    passages[0] = make_passage(passages[0].chunk, [0.7, 0.1, 0.1])
    picks = select_sentences(passages, "resident", "what is the vision?")
    assert [p.sentence for p in picks] == [1, 2]


def test_residents_read_the_plain_rendering_and_staff_the_plans_words() -> None:
    chunk = make_chunk("c", [DISTINCT[0]], outcome=2, priority="P")
    chunk.sentences[0].plain = "The council will keep working to stop floods."
    passages = [make_passage(chunk, [0.8])]
    resident = "".join(ExtractiveGenerator().generate("flooding?", passages, "resident"))
    staff = "".join(ExtractiveGenerator().generate("flooding?", passages, "staff"))
    assert resident.strip() == "The council will keep working to stop floods."
    assert staff.strip() == DISTINCT[0]


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("what about the parish councils?", DISTINCT[0].replace("communities", "parish and town councils")),
        ("what about local councils?", "The council will keep listening to local councils."),
    ],
)
def test_a_rendering_that_drops_a_word_the_resident_asked_with_gives_way_to_the_plans_words(
    question: str, expected: str
) -> None:
    source = DISTINCT[0].replace("communities", "parish and town councils")
    chunk = make_chunk("c", [source], outcome=2, priority="P")
    chunk.sentences[0].plain = "The council will keep listening to local councils."
    passages = [make_passage(chunk, [0.8])]
    assert "".join(ExtractiveGenerator().generate(question, passages, "resident")).strip() == expected


def test_an_answer_leads_with_a_commitment_and_follows_with_context_from_outside_the_priorities() -> None:
    context = make_chunk("intro", [DISTINCT[1]], kind="section", section="The Plan for Somerset")
    commitment = make_chunk("c", [DISTINCT[0]], outcome=2, priority="P")
    passages = [make_passage(context, [0.8]), make_passage(commitment, [0.75])]
    picks = select_sentences(passages, "resident", "floods?")
    assert [passages[p.passage].chunk.id for p in picks] == ["c", "intro"]


def test_the_rank_weight_lets_the_fused_ranking_outweigh_a_slightly_closer_sentence() -> None:
    passages = [
        make_passage(make_chunk("first", [DISTINCT[0]], outcome=2, priority="P"), [0.60]),
        make_passage(make_chunk("second", [DISTINCT[1]], outcome=5, priority="Q"), [0.62]),
    ]
    by_similarity = select_sentences(passages, "resident", rank_weight=0.0)
    by_rank = select_sentences(passages, "resident", rank_weight=0.1)
    assert [p.passage for p in by_similarity][:1] == [1]
    assert [p.passage for p in by_rank][:1] == [0]
    assert from_settings(Settings(rank_weight=0.1)).rank_weight == 0.1
    assert Settings().rank_weight == RANK_WEIGHT  # the generator's own default is the fitted setting
