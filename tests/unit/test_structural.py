"""Structural questions answered exactly from the outline: outcomes, priorities, commitments."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from plan_assistant.outline import DocumentOutline, KeyPriority, Outcome, Outline
from plan_assistant.schemas import Turn
from plan_assistant.structural import (
    answer_structural,
    described_priority,
    find_priority,
    listed_items,
    missing_item,
    named_outcome,
    outcome_numbers,
    resolve_pointer,
    spelled,
)

EXPECTED = json.loads((Path(__file__).parents[1] / "data" / "expected_outline.json").read_text())
CLIMATE = "Work with people to build a climate resilient Somerset"
CLIMATE_COMMITMENTS = [
    "To decarbonise Local Authorities, the wider public sector estates and reduce our carbon footprint.",
    "Work with our partners towards making Somerset a Carbon Neutral County by 2030.",
    "Promote active travel to improve health, quality of life and the environment.",
]


@pytest.fixture
def outline() -> Outline:
    """The plan's real outline (titles from tests/data), with the climate priority's commitments."""
    outcomes = []
    for o in EXPECTED["outcomes"]:
        priorities = [
            KeyPriority(
                title=p,
                commitments=CLIMATE_COMMITMENTS if p == CLIMATE else [],
                chunk_ids=[f"p-{o['number']}-{n}"],
            )
            for n, p in enumerate(o["priorities"], start=1)
        ]
        outcomes.append(
            Outcome(
                number=o["number"], title=o["title"], priorities=priorities, chunk_ids=[f"o-{o['number']}"]
            )
        )
    return Outline(
        documents=[
            DocumentOutline(
                id=EXPECTED["document_id"], title="Business Plan 2021-2023", kind="plan", outcomes=outcomes
            )
        ]
    )


def _positions(text: str, titles: list[str]) -> list[int]:
    return [text.index(t) for t in titles]


def test_what_are_the_outcomes_lists_all_five_in_the_plans_order(outline: Outline) -> None:
    found = answer_structural("What are the outcomes of the plan?", outline)
    assert found is not None
    titles = [o["title"] for o in EXPECTED["outcomes"]]
    positions = _positions(found.text, titles)
    assert positions == sorted(positions)
    for o in EXPECTED["outcomes"]:
        assert f"{o['number']}. {o['title']}" in found.text


@pytest.mark.parametrize(
    "question",
    [
        "List the key priorities under outcome 4",
        "what are the priorities for outcome four?",
        "Priorities of the fourth outcome",
        "outcome 4",
    ],
)
def test_priorities_under_an_outcome_are_listed_whole_and_in_order(outline: Outline, question: str) -> None:
    found = answer_structural(question, outline)
    assert found is not None
    assert found.outcome is not None and found.outcome.number == 4
    expected = EXPECTED["outcomes"][3]["priorities"]
    assert [p.title for p in found.priorities] == expected
    positions = _positions(found.text, expected)
    assert positions == sorted(positions)
    assert all(f"{n}. {title}" in found.text for n, title in enumerate(expected, start=1))


def test_which_outcome_is_about_a_subject_its_title_states_names_that_outcome(outline: Outline) -> None:
    found = answer_structural("which outcome is about health?", outline)
    assert found is not None and found.outcome is not None and found.outcome.number == 4
    assert found.text.startswith("Outcome 4 is “Improved health")
    # no title (or several) states the subject: left to the search over the commitments
    assert answer_structural("which outcome covers apprenticeships", outline) is None
    assert answer_structural("which outcome is about people", outline) is None  # Outcomes 4 and 5


def test_an_outcome_the_plan_does_not_have_is_said_plainly(outline: Outline) -> None:
    found = answer_structural("List the key priorities under outcome 9", outline)
    assert found is not None
    assert "there is no outcome 9" in found.text
    assert found.outcome is None and found.priorities == []


def test_all_key_priorities_are_listed_outcome_by_outcome(outline: Outline) -> None:
    found = answer_structural("What are all the key priorities?", outline)
    assert found is not None
    every = [p for o in EXPECTED["outcomes"] for p in o["priorities"]]
    assert len(every) == 21
    assert [p.title for p in found.priorities] == every
    positions = _positions(found.text, every)
    assert positions == sorted(positions)


def test_what_a_priority_commits_to_lists_its_commitments_in_order(outline: Outline) -> None:
    found = answer_structural(f"What does the priority '{CLIMATE}' commit to?", outline)
    assert found is not None
    assert [p.title for p in found.priorities] == [CLIMATE]
    assert found.outcome is not None and found.outcome.number == 2
    assert "Outcome 2" in found.text
    positions = _positions(found.text, CLIMATE_COMMITMENTS)
    assert positions == sorted(positions)
    assert all(f"- {c}" in found.text for c in CLIMATE_COMMITMENTS)


def test_a_priority_title_with_small_slips_is_still_found(outline: Outline) -> None:
    doc = outline.documents[0]
    found = find_priority(doc, "work with people to build a climate resiliant somerset")
    assert found is not None
    assert found[1].title == CLIMATE


def test_a_question_not_about_a_priority_title_finds_none(outline: Outline) -> None:
    assert find_priority(outline.documents[0], "When is my bin collected?") is None


@pytest.mark.parametrize(
    "question",
    [
        "When will Somerset be carbon neutral?",
        "What is the plan doing about food banks?",
        "What does outcome 2 say about flooding and the natural environment?",
    ],
)
def test_a_topical_question_goes_to_retrieval_not_the_outline(outline: Outline, question: str) -> None:
    assert answer_structural(question, outline) is None


def test_an_outline_without_outcomes_answers_nothing() -> None:
    empty = Outline(documents=[DocumentOutline(id="x", title="X", kind="other")])
    assert answer_structural("What are the outcomes?", empty) is None


def test_an_outcome_named_by_its_subject_lists_its_priorities(outline: Outline) -> None:
    fourth = outline.documents[0].outcomes[3]
    found = answer_structural(
        "name the key priorities in the wellbeing outcome", outline, lambda question, outcomes: fourth
    )
    assert found is not None and found.outcome is fourth
    assert [p.title for p in found.priorities] == [p.title for p in fourth.priorities]


def test_a_question_about_where_a_topic_sits_is_not_taken_for_a_list_of_priorities(outline: Outline) -> None:
    def never(question: str, outcomes: object) -> None:
        raise AssertionError("no outcome is being described")

    assert (
        answer_structural("Which outcome and priority does digital inclusion sit under?", outline, never)
        is None
    )


def test_an_outcome_the_plan_does_not_have_is_not_found(outline: Outline) -> None:
    found = answer_structural("what is the sixth outcome about?", outline)
    assert found is not None and not found.found
    assert "there is no outcome 6" in found.text


def test_the_third_one_after_a_question_about_outcomes_is_outcome_three(outline: Outline) -> None:
    found = answer_structural(
        "and the priorities under the third one?", outline, context="what are the outcomes? and the third one"
    )
    assert found is not None and found.outcome is not None and found.outcome.number == 3


def test_a_question_within_a_named_outcome_is_scoped_to_it_but_one_about_the_outcome_is_not() -> None:
    from plan_assistant.structural import named_outcome

    assert named_outcome("What does Outcome 2 say about flooding?") == 2
    assert named_outcome("under the third outcome, what happens to bus services") == 3
    assert named_outcome("what is the third outcome for?") is None  # about the outcome itself
    assert named_outcome("what is in outcome 4") is None
    assert named_outcome("what does the plan say about flooding") is None


def _after(answer: str) -> list[Turn]:
    return [Turn(role="user", content="an earlier question"), Turn(role="assistant", content=answer)]


PRIORITY_LIST = (
    "The key priorities under Outcome 4 are:\n\n1. Covid response\n2. Joint approach\n3. Quality of life\n"
)
BULLETS = "Here's what the plan says:\n\n- Flood prevention stays a focus. [1]\n- **Carbon neutral** by 2030. [2]\n\nMore text"


def test_the_items_of_an_answers_first_list_are_read_without_markers() -> None:
    assert listed_items(PRIORITY_LIST) == ["Covid response", "Joint approach", "Quality of life"]
    assert listed_items(BULLETS) == ["Flood prevention stays a focus.", "Carbon neutral by 2030."]
    assert listed_items("No list here.") == []


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Tell me more about the second one", "Tell me more about Joint approach"),
        ("what does the last one commit to?", "what does Quality of life commit to?"),
        ("and number 1?", "and Covid response?"),
        ("what about no. 2", "what about Joint approach"),
        ("expand on the third item please", "expand on Quality of life please"),
        ("and the second?", "and Joint approach"),
        ("what about the last", "what about Quality of life"),
    ],
)
def test_a_pointer_into_the_previous_list_is_replaced_by_its_item(
    outline: Outline, question: str, expected: str
) -> None:
    assert resolve_pointer(question, _after(PRIORITY_LIST), outline) == expected


def test_a_listed_outcome_stands_as_its_number_even_when_copied_with_small_differences(
    outline: Outline,
) -> None:
    titles = [o["title"] for o in EXPECTED["outcomes"]]
    copied = "The plan has five outcomes:\n" + "\n".join(
        f"{n}. {t.replace('vibrant and', 'vibrant, and')}" for n, t in enumerate(titles, start=1)
    )
    assert resolve_pointer("the priorities under the second one", _after(copied), outline) == (
        "the priorities under Outcome 2"
    )


@pytest.mark.parametrize(
    ("question", "answer"),
    [
        ("Tell me more about the fifth one", PRIORITY_LIST),  # the list has three
        ("what is outcome number 2 about?", PRIORITY_LIST),  # an outcome's number, not a list item
        ("Tell me more about the second one", "A sentence without a list."),
        ("What about climate change?", PRIORITY_LIST),
        ("so there are no 10,000 new homes?", PRIORITY_LIST),  # a figure, not "no. 10"
        (
            "Is Somerset the first one in the country to declare a climate emergency, as the plan says?",
            PRIORITY_LIST,
        ),
    ],
)
def test_no_pointer_or_nothing_to_point_at_leaves_the_question_alone(
    outline: Outline, question: str, answer: str
) -> None:
    assert resolve_pointer(question, _after(answer), outline) is None


def test_a_pointer_past_the_end_of_the_list_is_answered_with_how_many_there_were() -> None:
    reply = missing_item("what does the fifth one commit to?", _after(PRIORITY_LIST))
    assert reply is not None and not reply.found
    assert "has 3 items" in reply.text and "no item 5" in reply.text
    assert missing_item("and the second one?", _after(PRIORITY_LIST)) is None  # it exists
    assert missing_item("and the fifth one?", _after("No list in this answer.")) is None
    # a figure or a long question that happens to hold "no 10" or "the first one" points at nothing
    assert missing_item("so there are no 10,000 new homes?", _after(PRIORITY_LIST)) is None
    long = "Is Somerset really the first one in the whole country to declare a climate emergency, as the plan says?"
    assert resolve_pointer(long, _after(PRIORITY_LIST), Outline(documents=[])) is None


def test_a_pointer_reaches_back_past_an_answer_without_a_list() -> None:
    history = [
        *_after(PRIORITY_LIST),
        Turn(role="user", content="the fifth one?"),
        Turn(role="assistant", content="No list."),
    ]
    assert resolve_pointer("ok, the third one", history, Outline(documents=[])) == "ok, Quality of life"


def test_which_priorities_mention_a_word_lists_every_one_whose_title_or_commitments_use_it(
    outline: Outline,
) -> None:
    found = answer_structural("which priorities mention digital?", outline)
    assert found is not None
    assert found.text.startswith("2 of the 21 key priorities mention “digital”:")
    assert [p.title for p in found.priorities] == [
        "Improve transport, infrastructure and digital connectivity",
        "Continue to Maximise the use of digital, data and technology to drive efficiency, intelligence, "
        "innovation and deliver better services for our customers",
    ]
    # a commitment's words count too, and each place cites the chunk that uses them (here the title's)
    carbon = answer_structural("list the priorities that talk about carbon", outline)
    assert carbon is not None and [p.title for p in carbon.priorities] == [CLIMATE]
    assert carbon.text.startswith("1 of the 21 key priorities mentions “carbon”:")
    assert carbon.chunk_ids == [
        next(
            p.chunk_ids[0] for o in outline.documents[0].outcomes for p in o.priorities if p.title == CLIMATE
        )
    ]
    by_outcome = answer_structural("Which outcomes mention climate?", outline)
    assert by_outcome is not None and by_outcome.text.startswith("1 of the 5 outcomes has a key priority")
    # no priority uses the word: nothing from the outline, so the question is searched as usual
    assert answer_structural("which priorities mention libraries", outline) is None


@pytest.mark.parametrize(
    "question",
    [
        "list every commitment under the climate priority",
        "what does the key priority on climate resilience commit to?",
    ],
)
def test_a_priority_named_by_its_subject_is_answered_with_its_commitments(
    outline: Outline, question: str
) -> None:
    found = answer_structural(question, outline)
    assert found is not None and [p.title for p in found.priorities] == [CLIMATE]
    assert all(c in found.text for c in CLIMATE_COMMITMENTS)


def test_a_subject_that_fits_several_priorities_names_none(outline: Outline) -> None:
    # "communities" is in the titles of three key priorities: no guess
    assert described_priority(outline.documents[0], "what does the communities priority commit to") is None


def test_an_officers_shorthand_for_an_outcome_names_it() -> None:
    assert spelled("what does O4 say about covid") == "what does Outcome 4 say about covid"
    assert named_outcome("what does O4 say about covid") == 4
    assert outcome_numbers("compare O1 and O2") == [1, 2]
    assert named_outcome("does the plan mention o2 or phone signal") is None  # only the capital O


def test_a_pointer_after_a_pointer_points_into_the_same_list() -> None:
    # "what does the second one say?" was answered with that priority's commitments, itself a list; the next
    # pointer still means the list the first one pointed into
    history = [
        *_after(PRIORITY_LIST),
        Turn(role="user", content="what does the second one say?"),
        Turn(role="assistant", content="It commits to:\n\n- Work as one system. [1]\n- Share data. [2]\n"),
    ]
    assert resolve_pointer("and the third?", history, Outline(documents=[])) == "and Quality of life"
    assert resolve_pointer("and the third?", _after(BULLETS), Outline(documents=[])) is None


def test_how_many_is_answered_with_the_count_before_the_list(outline: Outline) -> None:
    outcomes = EXPECTED["outcomes"]
    total = sum(len(o["priorities"]) for o in outcomes)
    found = answer_structural("How many key priorities are there?", outline)
    assert (
        found is not None and f"has {total} key priorities across its {len(outcomes)} outcomes" in found.text
    )
    found = answer_structural("how many outcomes are there", outline)
    assert found is not None and f"has {len(outcomes)} outcomes:" in found.text
    found = answer_structural("How many key priorities does Outcome 3 have?", outline)
    assert found is not None and f"has {len(outcomes[2]['priorities'])} key priorities:" in found.text
    found = answer_structural("What are the outcomes?", outline)
    assert found is not None and "has" not in found.text.splitlines()[0]


@pytest.mark.parametrize(
    ("question", "numbers"),
    [
        ("compare outcome 1 and outcome 2", [1, 2]),
        ("what are the priorities under outcomes 2 and 4", [2, 4]),
        ("Outcomes 3, 4 & five", [3, 4, 5]),
        ("what does outcome 2 say about flooding", []),  # one outcome: not several
        ("outcome 1 and the climate", []),
    ],
)
def test_several_outcomes_named_together_are_all_read(question: str, numbers: list[int]) -> None:
    from plan_assistant.structural import outcome_numbers

    assert outcome_numbers(question) == numbers


def test_several_outcomes_each_get_their_priorities_in_the_order_asked(outline: Outline) -> None:
    found = answer_structural("compare outcome 4 and outcome 2", outline)
    assert found is not None and found.found
    four, two = EXPECTED["outcomes"][3], EXPECTED["outcomes"][1]
    assert found.text.index(four["title"]) < found.text.index(two["title"])
    for outcome in (four, two):
        assert _positions(found.text, outcome["priorities"]) == sorted(
            _positions(found.text, outcome["priorities"])
        )
    assert [p.title for p in found.priorities] == four["priorities"] + two["priorities"]
    assert found.chunk_ids == ["o-4", "o-2"]


def test_of_several_outcomes_one_the_plan_lacks_is_said_plainly(outline: Outline) -> None:
    found = answer_structural("priorities of outcomes 3 and 7", outline)
    assert found is not None and found.found
    assert EXPECTED["outcomes"][2]["title"] in found.text
    assert "there is no outcome 7" in found.text


def test_a_question_within_several_named_outcomes_is_scoped_to_them() -> None:
    from plan_assistant.structural import named_outcomes

    assert named_outcomes("what do outcome 1 and outcome 3 say about apprenticeships") == [1, 3]
    assert named_outcomes("What does Outcome 2 say about flooding?") == [2]
    assert named_outcomes("what do outcome 1 and outcome 2 say") == []  # about the outcomes themselves


@pytest.mark.parametrize(
    ("question", "asks"),
    [
        ("which outcome covers flooding", True),
        ("What key priority covers food banks?", True),
        ("under which priority is the food strategy", True),
        ("which outcomes are there", False),  # the list of outcomes: the outline answers it
        ("what does the plan say about flooding", False),
    ],
)
def test_a_question_asking_which_outcome_or_priority_is_recognised(question: str, asks: bool) -> None:
    from plan_assistant.structural import asks_which_place

    assert asks_which_place(question) is asks
