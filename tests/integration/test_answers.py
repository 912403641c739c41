"""Extractive answers end to end: the real MiniLM model, the real plan ingested into a temporary Chroma."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from plan_assistant.assistant import Assistant
from plan_assistant.config import Settings
from plan_assistant.factory import build_assistant
from plan_assistant.generators.extractive import resident_text
from plan_assistant.schemas import Answer, Audience, Turn

EXPECTED = json.loads((Path(__file__).parents[1] / "data" / "expected_outline.json").read_text())
AUDIENCES: tuple[Audience, ...] = ("resident", "staff", "adviser")

# Written for this test from a reading of the plan, in the words people might use: the question, the
# outcome and the start of the key priority whose commitment answers it, and words the answer must hold.
QUESTIONS: list[tuple[str, int, str, str]] = [
    ("When will Somerset be carbon neutral?", 2, "Work with people to build a climate resilient", "2030"),
    ("What sum is going into the fund for business recovery?", 1, "Drive economic recovery", "£6m"),
    ("What is the plan doing about food banks?", 2, "Grow and collaborate with safe", "food"),
    ("Which outcome is the food strategy under?", 2, "Grow and collaborate with safe", "food strategy"),
    ("Is there anything about apprenticeships for care leavers?", 3, "Improve the life chances", "Mencap"),
    (
        "What does the plan say about children with SEND?",
        3,
        "Improve outcomes for vulnerable children",
        "SEND",
    ),
    ("When is the vesting day for the new council?", 5, "Prepare for transition", "April 2023"),
    ("How will the council tackle digital poverty?", 3, "Improve the life chances", "digital poverty"),
    ("What is the Integrated Care System?", 4, "Embed a joint approach", "Integrated care System"),
    ("Does the plan mention fuel poverty?", 3, "Improve the life chances", "fuel poverty"),
    (
        "Will the council look after its staff's health and wellbeing?",
        5,
        "Introduce, embed and maximise",
        "wellbeing",
    ),
    (
        "Will visitor attractions and hotels get help after the pandemic?",
        2,
        "Work with local towns and parishes",
        "tourism",
    ),
]
NOT_COVERED = [
    "What does the plan say about the Glastonbury festival?",
    "Is the council going to build a new ice rink?",
]
DEBRIS = ("Improving Lives", "$", "\\circ", "\\odot")


@pytest.fixture(scope="module")
def assistant(built_index: Settings) -> Assistant:
    """The assistant as the app builds it, over the session's freshly ingested index."""
    return build_assistant(built_index)


@pytest.fixture(scope="module")
def answers(assistant: Assistant) -> dict[tuple[str, Audience], Answer]:
    """Every question of this module answered once for each audience."""
    return {
        (q, audience): assistant.ask(q, audience=audience) for q, *_ in QUESTIONS for audience in AUDIENCES
    }


def _collapse(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize(
    ("question", "outcome", "priority", "holds"), QUESTIONS, ids=[q for q, *_ in QUESTIONS]
)
def test_an_answer_cites_the_outcome_and_priority_that_answer_it(
    answers: dict[tuple[str, Audience], Answer], question: str, outcome: int, priority: str, holds: str
) -> None:
    for audience in AUDIENCES:
        answer = answers[(question, audience)]
        assert answer.status == "answered", (audience, answer.answer)
        assert answer.route == "plan"
        first = next(c for c in answer.citations if c.outcome is not None)
        assert first.outcome == outcome, (audience, answer.citations)
        assert first.priority is not None and first.priority.startswith(priority), (audience, first)
        assert holds.lower() in answer.answer.lower(), (audience, answer.answer)


def test_every_citation_quote_is_the_documents_own_words(
    answers: dict[tuple[str, Audience], Answer], corpus_text: str
) -> None:
    corpus = _collapse(corpus_text)
    checked = 0
    for key, answer in answers.items():
        for citation in answer.citations:
            for piece in citation.quote.split(" … "):
                assert _collapse(piece) in corpus, (key, piece)
                checked += 1
    assert checked >= len(answers)


def test_answers_carry_no_page_footers_or_extraction_debris(
    answers: dict[tuple[str, Audience], Answer],
) -> None:
    for key, answer in answers.items():
        for debris in DEBRIS:
            assert debris not in answer.answer, (key, debris, answer.answer)


def test_an_adviser_gets_call_ready_bullets_and_a_reference(
    answers: dict[tuple[str, Audience], Answer],
) -> None:
    for question, *_ in QUESTIONS:
        lines = [line for line in answers[(question, "adviser")].answer.splitlines() if line.strip()]
        bullets = [line for line in lines if line.startswith("- ")]
        assert 1 <= len(bullets) <= 4, (question, lines)
        assert lines[-1].startswith("**Reference:**"), (question, lines)


@pytest.mark.parametrize("question", NOT_COVERED)
def test_a_topic_the_plan_never_mentions_is_not_found(assistant: Assistant, question: str) -> None:
    answer = assistant.ask(question)
    assert answer.status == "not_found", answer.answer
    assert answer.citations == []
    assert assistant.settings.contact_url in answer.answer


def test_a_false_premise_is_answered_with_what_the_plan_says(assistant: Assistant) -> None:
    answer = assistant.ask("Is the county aiming for net zero by 2050?")
    assert answer.status == "answered"
    assert "2030" in answer.answer
    assert "2050" not in answer.answer


def _follow_up(assistant: Assistant, first_question: str, question: str) -> Answer:
    first = assistant.ask(first_question)
    history = (Turn(role="user", content=first_question), Turn(role="assistant", content=first.answer))
    return assistant.ask(question, history)


def test_residents_and_advisers_are_told_what_the_plans_abbreviations_stand_for(assistant: Assistant) -> None:
    note = "SEND means special educational needs and disabilities."
    question = "what is the council doing for children with SEND?"
    for audience in ("resident", "adviser"):
        answer = assistant.ask(question, audience=audience)
        assert answer.status == "answered"
        assert "SEND" in answer.answer.replace(note, "")  # the plan's sentence uses it
        assert note in answer.answer and note in answer.notices, answer.answer
    assert note not in assistant.ask(question, audience="staff").answer


@pytest.mark.parametrize(
    "question", ["List the challenges in the plan", "what are the challenges the plan lists"]
)
def test_a_request_to_list_is_answered_with_the_list(assistant: Assistant, question: str) -> None:
    answer = assistant.ask(question, audience="staff")
    assert answer.status == "answered", answer.answer
    assert "coastal erosion" in answer.answer and "aging population" in answer.answer


@pytest.mark.parametrize("name", ["Family Safeguarding", "Somerset Works"])
def test_a_programme_the_plan_names_is_found_not_taken_for_a_persons_name(
    assistant: Assistant, name: str
) -> None:
    answer = assistant.ask(f"What does the plan say about {name}?", audience="staff")
    assert "personal details" not in answer.answer
    assert answer.status == "answered" and name in answer.citations[0].quote, answer.answer


def test_only_a_name_of_two_words_or_more_as_the_documents_write_it_is_public(assistant: Assistant) -> None:
    assert assistant._public_name("Somerset Works")
    # One word is never public ("will" is in every document), nor a name the documents do not use as written.
    assert not any(assistant._public_name(n) for n in ("Will", "Somerset", "somerset works", "Ruth Oduya"))


def test_a_question_about_nothing_but_a_removed_name_says_so(assistant: Assistant) -> None:
    answer = assistant.ask("What does the plan say about Ruth Oduya?", audience="resident")
    assert answer.status == "not_found" and answer.route == "personal_data"
    assert answer.citations == [] and "Oduya" not in answer.answer
    assert "nothing left to look up" in answer.answer


def test_the_second_one_after_a_list_of_priorities_is_that_priority(assistant: Assistant) -> None:
    priorities = EXPECTED["outcomes"][3]["priorities"]
    answer = _follow_up(
        assistant, "What are the key priorities under Outcome 4?", "Tell me more about the second one"
    )
    assert answer.status == "answered"
    assert answer.citations[0].priority == priorities[1], answer.answer
    assert priorities[1] in answer.answer
    past = _follow_up(assistant, "What are the key priorities under Outcome 4?", "and the ninth one?")
    assert past.status == "not_found" and "no item 9" in past.answer, past.answer


def test_a_follow_up_is_resolved_against_the_earlier_question(assistant: Assistant) -> None:
    answer = _follow_up(assistant, "Is Somerset going to become carbon neutral?", "and by when?")
    assert answer.status == "answered"
    assert "2030" in answer.answer
    assert answer.citations[0].outcome == 2
    assert answer.citations[0].priority == EXPECTED["outcomes"][1]["priorities"][0]


def test_a_follow_up_to_a_broader_carbon_question_stays_on_the_topic(assistant: Assistant) -> None:
    answer = _follow_up(assistant, "What is the council doing to cut carbon emissions?", "and by when?")
    assert answer.status == "answered"
    assert all("carbon" in c.quote.lower() for c in answer.citations)


def test_a_when_follow_up_to_a_broader_carbon_question_gives_the_date(assistant: Assistant) -> None:
    answer = _follow_up(assistant, "What is the council doing to cut carbon emissions?", "and by when?")
    assert "2030" in answer.answer


def test_the_same_follow_up_alone_is_not_answered_with_the_carbon_date(assistant: Assistant) -> None:
    assert "Carbon Neutral" not in assistant.ask("and by when?").answer


def test_priorities_under_an_outcome_come_from_the_outline_whole_and_in_order(assistant: Assistant) -> None:
    answer = assistant.ask("List the key priorities under outcome 3", audience="staff")
    assert answer.route == "outline"
    expected = EXPECTED["outcomes"][2]["priorities"]
    positions = [answer.answer.index(title) for title in expected]
    assert positions == sorted(positions)
    assert [c.priority for c in answer.citations if c.priority] == expected


# ------------------------------------------------------------------ answers people can use


@pytest.mark.parametrize(
    "question",
    [
        "Who chairs the county council's cabinet?",
        "What is happening with the M5 junction upgrade?",
        "How much will the new leisure centre in the town cost?",
    ],
)
def test_a_person_project_or_sum_the_plan_never_gives_is_not_found(
    assistant: Assistant, question: str
) -> None:
    answer = assistant.ask(question)
    assert answer.status == "not_found", answer.answer
    assert answer.citations == []


def test_a_date_asked_for_by_name_is_answered_when_the_plan_gives_it_and_refused_when_not(
    assistant: Assistant,
) -> None:
    # "date" is not a word of the plan: a sentence holding a date covers it, so it does not count as unknown
    given = assistant.ask("what is the vesting day date", audience="staff")
    assert given.status == "answered" and "April 2023" in given.answer, given.answer
    # asked for as a noun, the date is checked like "when": the passages hold none for this meeting
    assert assistant.ask("what is the date of the next budget meeting").status == "not_found"


def test_people_named_by_what_they_do_find_the_plan_s_words_for_the_activity(assistant: Assistant) -> None:
    # the plan says "walking and cycling" and "teaching", never "walkers", "cyclists" or "teachers"
    travel = assistant.ask("what is there for walkers and cyclists")
    assert travel.status == "answered" and "cycling" in travel.citations[0].quote, travel.answer
    teaching = assistant.ask("what about teachers")
    assert teaching.status == "answered" and "teaching" in teaching.citations[0].quote, teaching.answer


def test_an_adviser_relaying_what_the_council_is_doing_gets_the_topic_not_the_council(
    assistant: Assistant,
) -> None:
    # "what the council is doing" carries no topic: left in, it matched "The council is a great place to work"
    answer = assistant.ask("caller asks what the council is doing on mental health", audience="adviser")
    assert answer.status == "answered"
    assert all("mental" in c.quote for c in answer.citations[:2]), answer.answer
    assert "great place to work" not in answer.answer, answer.answer


def test_one_topic_word_after_the_scaffolding_is_searched_alone(assistant: Assistant) -> None:
    # with "does the plan say anything about" kept, the plan's sentences about itself answered
    tourism = assistant.ask("what does the business plan say about tourism", audience="staff")
    assert tourism.status == "answered" and "tourism" in tourism.citations[0].quote, tourism.answer
    assert assistant.ask("does the plan say anything about libraries").status == "not_found"


def test_a_follow_up_naming_a_new_subject_is_answered_about_that_subject(assistant: Assistant) -> None:
    climate = [Turn(role="user", content="what is the council doing about climate change")]
    flooding = assistant.ask("what about flooding", climate)
    assert flooding.status == "answered" and "flood" in flooding.citations[0].quote, flooding.answer
    # joined to the earlier question, council tax was answered with the reorganisation sentence
    new_council = [Turn(role="user", content="tell me about the new council")]
    assert assistant.ask("what happens to my council tax", new_council).status == "not_found"


def test_the_plan_named_as_what_lists_a_topic_does_not_count_against_it(assistant: Assistant) -> None:
    # "list" and "plan" are the question's frame: the challenges themselves are in the plan
    challenges = assistant.ask("what challenges does the plan list", audience="staff")
    assert challenges.status == "answered" and "coastal erosion" in challenges.answer, challenges.answer
    about = assistant.ask("what is the plan")
    assert about.status == "answered" and "strategic direction" in about.answer, about.answer


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        (
            "what does the plan say about flooding and about active travel?",
            ["flood prevention", "active travel"],
        ),
        (
            "which priority covers fuel poverty, and which covers digital poverty?",
            ["fuel poverty", "digital poverty"],
        ),
        ("what does the plan commit to on reserves and on social value?", ["Reserves", "social value"]),
    ],
)
def test_a_question_asking_two_things_is_answered_on_both(
    assistant: Assistant, question: str, expected: list[str]
) -> None:
    answer = assistant.ask(question, audience="staff")
    quotes = " ".join(c.quote for c in answer.citations)
    assert all(phrase in quotes for phrase in expected), answer.answer


def test_a_callers_situation_before_the_question_does_not_count_against_it(assistant: Assistant) -> None:
    # "husband", "stroke" are the caller's situation; what she asks about is care at home
    message = "caller's husband has had a stroke and she wants to know about care at home"
    assert assistant.ask(message, audience="adviser").status == "answered"
    # asked in reported speech, a person the plan never names is still a person it never names
    assert (
        assistant.ask("he's asking who the leader of the council is", audience="adviser").status
        == "not_found"
    )


def test_a_list_question_gets_the_whole_list_in_the_plans_order(assistant: Assistant) -> None:
    answer = assistant.ask("What principles does the council say it will work to?", audience="staff")
    assert answer.status == "answered"
    principles = [
        "economic recovery and growth",
        "tackle inequalities",
        "best use of the money",
        "prevention and early intervention",
    ]
    positions = [answer.answer.find(p) for p in principles]
    assert -1 not in positions, answer.answer
    assert positions == sorted(positions)


def test_an_outcome_named_by_its_subject_is_answered_from_the_outline(assistant: Assistant) -> None:
    answer = assistant.ask("name the key priorities in the climate outcome", audience="staff")
    assert answer.route == "outline"
    assert {c.outcome for c in answer.citations} == {2}


def test_residents_read_plain_english_and_the_citation_keeps_the_plans_words(assistant: Assistant) -> None:
    sentences = {s.quote: s for c in assistant.retriever.index.chunks for s in c.sentences}
    question = "What does the plan say about the risk of flooding and coastal erosion?"
    resident = assistant.ask(question)
    staff = assistant.ask(question, audience="staff")
    cited = [sentences[piece] for c in resident.citations for piece in c.quote.split(" … ")]
    # The committed derived data holds plain renderings for the sentences this question is answered from.
    assert any(s.plain for s in cited), [s.text for s in cited]
    # Each is shown in plain English unless the rendering drops a word the question shares with the plan.
    shown = [resident_text(s, question) for s in cited]
    for text in shown:
        assert _collapse(text) in _collapse(resident.answer)
    assert any(s.plain and text == s.plain for text, s in zip(shown, cited, strict=True)), shown
    for citation in staff.citations:
        for piece in citation.quote.split(" … "):
            assert _collapse(sentences[piece].text) in _collapse(staff.answer)


def test_a_request_to_act_beside_a_plan_question_gets_the_answer_and_the_signpost(
    assistant: Assistant,
) -> None:
    answer = assistant.ask(
        "There's a pothole outside my house that needs filling. What is the council planning for transport?"
    )
    assert answer.status == "answered"
    assert assistant.settings.services_url in answer.answer


def test_a_misspelt_question_gets_the_answer_the_spelt_one_gets(assistant: Assistant) -> None:
    spelt = assistant.ask("Is the council helping people with fuel poverty?", audience="resident")
    misspelt = assistant.ask("Is the councel helping peeple with fuel povverty?", audience="resident")
    assert spelt.status == misspelt.status == "answered"
    assert [c.quote for c in misspelt.citations] == [c.quote for c in spelt.citations]
    assert misspelt.citations[0].outcome == 3


@pytest.mark.parametrize(
    "frame",
    [
        "caller wants to know about {}",
        "lady on the phone asking about {}",
        "caller says she wants to know about {}",
    ],
)
def test_a_question_passed_on_by_an_adviser_gets_the_answer_the_bare_question_gets(
    assistant: Assistant, frame: str
) -> None:
    bare = assistant.ask("help with energy bills", audience="adviser")
    passed_on = assistant.ask(frame.format("help with energy bills"), audience="adviser")
    assert bare.status == passed_on.status == "answered"
    assert passed_on.citations[0].quote == bare.citations[0].quote


def test_a_question_within_a_named_outcome_cites_only_that_outcome(assistant: Assistant) -> None:
    answer = assistant.ask("What does outcome 1 say about digital skills?", audience="staff")
    assert answer.status == "answered"
    assert answer.citations and {c.outcome for c in answer.citations} == {1}


def test_a_question_within_several_named_outcomes_cites_only_those(assistant: Assistant) -> None:
    # unscoped, the same question also cites Outcome 5
    answer = assistant.ask("What do outcomes 2 and 4 say about climate change?", audience="staff")
    assert answer.status == "answered" and answer.route == "plan"
    assert answer.citations and {c.outcome for c in answer.citations} <= {2, 4}


def test_a_question_asking_which_outcome_is_answered_from_a_key_priority(assistant: Assistant) -> None:
    # The plan's "How we will deliver the plan › Finances" section matches best, but names no outcome.
    answer = assistant.ask("what outcome deals with the council's finances", audience="staff")
    assert answer.status == "answered"
    assert answer.citations[0].outcome is not None and answer.citations[0].priority


def test_several_named_outcomes_list_each_ones_priorities(assistant: Assistant) -> None:
    answer = assistant.ask("compare outcome 1 and outcome 2", audience="staff")
    assert answer.status == "answered" and answer.route == "outline"
    assert "Outcome 1" in answer.answer and "Outcome 2" in answer.answer
    assert [c.outcome for c in answer.citations] == [1, 2]


@pytest.mark.parametrize(
    "question",
    [
        "How is the council going to cut flooding on the Levels?",
        "any plans to help people who cant afford heating",
    ],
)
def test_a_plain_question_costs_one_embedding_model_call(
    assistant: Assistant, question: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The guard's texts and the search query are embedded in one batch: retrieval finds its vector cached."""
    batches: list[list[str]] = []
    embed = assistant.embedder.embed

    def counting(texts: list[str], *args: object, **kwargs: object) -> object:
        batches.append(list(texts))
        return embed(texts, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(assistant.embedder, "embed", counting)
    answer = assistant.ask(question)
    assert answer.route == "plan"
    assert len(batches) == 1, batches
    assert assistant.retriever.query_text(question) in batches[0]


def _after(assistant: Assistant, question: str, audience: Audience) -> tuple[Answer, list[Turn]]:
    first = assistant.ask(question, audience=audience)
    return first, [Turn(role="user", content=question), Turn(role="assistant", content=first.answer)]


def test_what_else_gives_the_next_sentences_and_then_says_there_is_no_more(assistant: Assistant) -> None:
    first, history = _after(assistant, "caller asking about help for carers", "adviser")
    more = assistant.ask("what else is there for her?", history, audience="adviser")
    assert first.status == more.status == "answered"
    assert not {c.quote for c in more.citations} & {c.quote for c in first.citations}
    # The plan's period note was given with the first answer: once per conversation.
    assert "whose period has ended" in first.answer and "whose period has ended" not in more.answer
    history += [
        Turn(role="user", content="what else is there for her?"),
        Turn(role="assistant", content=more.answer),
    ]
    last = assistant.ask("anything else?", history, audience="adviser")
    assert last.status == "not_found" and last.answer.startswith("That is everything the plan says")


def test_make_that_shorter_keeps_the_first_lines_of_the_same_answer(assistant: Assistant) -> None:
    first, history = _after(assistant, "what does the plan say about apprenticeships", "staff")
    short = assistant.ask("can you make that shorter", history, audience="staff")
    assert short.status == "answered"
    bullets = [line for line in short.answer.splitlines() if line.startswith("- ")]
    assert 1 <= len(bullets) <= 2 < len([line for line in first.answer.splitlines() if line.startswith("- ")])
    # the same passages in the same order, each citation quoting only the sentences still shown
    assert [c.chunk_id for c in short.citations] == [c.chunk_id for c in first.citations][
        : len(short.citations)
    ]
    for kept, full in zip(short.citations, first.citations, strict=False):
        assert full.quote.startswith(kept.quote), (kept.quote, full.quote)


def test_what_does_that_mean_answers_again_in_plain_english(assistant: Assistant) -> None:
    first, history = _after(assistant, "what does the plan say about the ICS?", "staff")
    plain = assistant.ask("what does that mean?", history, audience="staff")
    assert plain.status == "answered"
    # the residents' answer: their lead line and the plan's sentences in plain English where prepared
    assert (
        "the council's plan" in plain.answer.lower()
        and "Somerset County Council Business Plan 2021-2023 under" not in plain.answer
    )
    assert "**Reference:**" in first.answer and "**Reference:**" not in plain.answer


def test_what_else_after_a_whole_list_from_the_outline_says_there_is_no_more(assistant: Assistant) -> None:
    first, history = _after(assistant, "what are the key priorities under outcome 4", "staff")
    assert first.route == "outline"
    more = assistant.ask("and what else?", history, audience="staff")
    assert more.status == "not_found" and more.answer.startswith("That is everything the plan says")


def test_which_outcome_is_that_under_names_the_places_of_the_last_answer(assistant: Assistant) -> None:
    first, history = _after(
        assistant, "caller asking about help for families struggling with food costs", "adviser"
    )
    where = assistant.ask("which outcome is that under?", history, audience="adviser")
    assert first.status == where.status == "answered"
    assert [c.quote for c in where.citations] == [c.quote for c in first.citations]
    places = list(dict.fromkeys(f"Outcome {c.outcome} › {c.priority}" for c in first.citations))
    assert all(f"**{place}**" in where.answer for place in places)
    assert "Tell the caller" not in where.answer and "whose period has ended" not in where.answer


def test_a_pointer_after_a_pointer_reads_the_same_list_of_priorities(assistant: Assistant) -> None:
    listed, history = _after(assistant, "list the priorities under outcome 1", "staff")
    second = assistant.ask("what does the second one say?", history, audience="staff")
    history += [
        Turn(role="user", content="what does the second one say?"),
        Turn(role="assistant", content=second.answer),
    ]
    fourth = assistant.ask("and the fourth?", history, audience="staff")
    titles = [c.priority for c in listed.citations]
    assert second.citations[0].priority == titles[1]
    assert fourth.status == "answered" and fourth.citations[0].priority == titles[3]


def test_which_priorities_mention_a_word_and_how_many_is_that(assistant: Assistant) -> None:
    listed, history = _after(assistant, "which priorities mention digital?", "staff")
    assert listed.status == "answered" and listed.route == "outline"
    titles = [c.priority for c in listed.citations]
    # every cited place uses the word, in its title or the commitment quoted
    assert titles and all("digital" in f"{c.priority} {c.quote}".lower() for c in listed.citations)
    count = assistant.ask("how many is that?", history, audience="staff")
    assert count.answer == f"That answer lists {len(titles)} items."
    assert [c.priority for c in count.citations] == titles
