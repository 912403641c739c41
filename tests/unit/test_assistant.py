"""The answer chain with a scripted fake chat model and bag-of-words embeddings over a small temp Chroma."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from plan_assistant.answer_types import states_asked_figure
from plan_assistant.assistant import NOT_FOUND_LEAD, Assistant, condense, question_parts
from plan_assistant.compose import CLAIM_NOTE, PREMISE_NOTE
from plan_assistant.config import Settings
from plan_assistant.generators.base import Generator
from plan_assistant.generators.extractive import MAX_SENTENCES, ExtractiveGenerator
from plan_assistant.guardrails import replies
from plan_assistant.outline import DocumentOutline, KeyPriority, Outcome, Outline
from plan_assistant.retrieval import HybridRetriever, IndexSnapshot, embed_text
from plan_assistant.schemas import Answer, Chunk, Turn
from plan_assistant.store import chunk_metadata, make_client, sentences_collection_name
from tests.fakes import FakeEmbedder, FakeGenerator, make_chunk

ECONOMY = "Drive economic recovery through inclusive growth"
CLIMATE = "Work with people to build a climate resilient Somerset"
COMMUNITIES = "Grow and collaborate with safe, strong and resilient communities"
CHILDREN = "Improve outcomes for vulnerable children"
OUTCOMES = {
    1: "A County Infrastructure that drives recovery and economic prosperity",
    2: "Safe vibrant communities addressing climate change",
    3: "Fairer life chances and opportunity for all",
}
PRIORITIES = {1: [ECONOMY], 2: [CLIMATE, COMMUNITIES], 3: [CHILDREN]}

FUND = "Create the conditions for businesses to recover via an initial £6m investment in an economic recovery fund."
SKILLS = "Support individuals to get the education and skills they need to access job opportunities."
CARBON = "Work with our partners towards making Somerset a Carbon Neutral County by 2030."
DECARBONISE = "To decarbonise the public sector estate and reduce our carbon footprint."
FLOOD = "Ensure flood prevention remains a focus for the protection of communities."
TRAVEL = "Promote active travel to improve health and the environment."
FOOD = "Develop a food strategy to address the issues causing people to rely on foodbanks."
SAFE = "Promote an environment where people are safe from discrimination and abuse."
SEND = "Improve outcomes for children with SEND through the Written Statement of Action."
SCHOOLS = "Increase the inclusivity of schools through better partnerships."

COMMITMENTS = {
    "c-econ": (1, ECONOMY, [FUND, SKILLS]),
    "c-climate": (2, CLIMATE, [CARBON, DECARBONISE, FLOOD, TRAVEL]),
    "c-food": (2, COMMUNITIES, [FOOD, SAFE]),
    "c-send": (3, CHILDREN, [SEND, SCHOOLS]),
}
CONTACT_TEXT = "the Test Council help desk"
CONTACT_URL = "https://help.example.gov.uk/contact"


def _chunks() -> list[Chunk]:
    chunks: list[Chunk] = []
    position = 0
    for number, title in OUTCOMES.items():
        chunks.append(
            make_chunk(
                f"o-{number}",
                [title],
                outcome=number,
                outcome_title=title,
                section=f"Outcome {number}",
                kind="outcome",
                position=position,
            )
        )
        position += 1
        for n, priority in enumerate(PRIORITIES[number], start=1):
            chunks.append(
                make_chunk(
                    f"p-{number}-{n}",
                    [priority],
                    outcome=number,
                    outcome_title=title,
                    priority=priority,
                    kind="priority",
                    position=position,
                )
            )
            position += 1
            for chunk_id, (o, p, sentences) in COMMITMENTS.items():
                if (o, p) == (number, priority):
                    chunks.append(
                        make_chunk(
                            chunk_id,
                            sentences,
                            outcome=o,
                            outcome_title=title,
                            priority=p,
                            position=position,
                        )
                    )
                    position += 1
    return chunks


def _outline() -> Outline:
    outcomes = [
        Outcome(
            number=number,
            title=title,
            chunk_ids=[f"o-{number}"],
            priorities=[
                KeyPriority(
                    title=priority,
                    chunk_ids=[f"p-{number}-{n}", *[c for c, v in COMMITMENTS.items() if v[1] == priority]],
                    commitments=[s for v in COMMITMENTS.values() if v[1] == priority for s in v[2]],
                )
                for n, priority in enumerate(PRIORITIES[number], start=1)
            ],
        )
        for number, title in OUTCOMES.items()
    ]
    return Outline(
        documents=[
            DocumentOutline(id="test-plan", title="Test Business Plan", kind="plan", outcomes=outcomes)
        ]
    )


@dataclass
class MiniPlan:
    """Everything an Assistant needs over the small hand-made plan."""

    settings: Settings
    embedder: FakeEmbedder
    retriever: HybridRetriever
    outline: Outline

    def assistant(self, generator: Generator) -> Assistant:
        """The real chain with this generator and no guard."""
        return Assistant(self.settings, self.embedder, self.retriever, generator, self.outline, guard=None)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def mini_plan(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MiniPlan]:
    """A temp Chroma filled with the hand-made chunks and bag-of-words vectors, as the ingest lays it out."""
    data_dir: Path = tmp_path_factory.mktemp("mini-plan")
    settings = Settings(
        data_dir=data_dir,
        chroma_host="",
        collection="plan_chunks",
        generator="extractive",
        top_k=4,
        candidates=20,
        rrf_k=60,
        min_relevance=0.32,
        contact_text=CONTACT_TEXT,
        contact_url=CONTACT_URL,
    )
    embedder = FakeEmbedder()
    chunks = _chunks()
    client = make_client(settings)
    meta = {"hnsw:space": "cosine"}
    collection = client.get_or_create_collection(settings.collection, metadata=meta)
    collection.upsert(
        ids=[c.id for c in chunks],
        embeddings=embedder.embed([embed_text(c) for c in chunks]).tolist(),
        documents=[c.text for c in chunks],
        metadatas=[chunk_metadata(c) for c in chunks],
    )
    sentences = client.get_or_create_collection(sentences_collection_name(settings), metadata=meta)
    rows = [
        (f"{c.id}:{n}", s.text, {"chunk_id": c.id, "n": n}) for c in chunks for n, s in enumerate(c.sentences)
    ]
    sentences.upsert(
        ids=[r[0] for r in rows],
        embeddings=embedder.embed([r[1] for r in rows]).tolist(),
        documents=[r[1] for r in rows],
        metadatas=[r[2] for r in rows],
    )
    index = IndexSnapshot.load(collection, sentences)
    retriever = HybridRetriever(index=index, embedder=embedder, collection=collection)  # type: ignore[arg-type]
    yield MiniPlan(settings, embedder, retriever, _outline())


def _collect(assistant: Assistant, question: str, history: tuple[Turn, ...] = (), audience="resident"):  # type: ignore[no-untyped-def]
    items = list(assistant.stream(question, history, audience))
    return items[:-1], items[-1]


def _marker_chunk(answer: Answer, sentence_start: str) -> str:
    """The chunk id the engine's [n] marker after the sentence starting so points to."""
    m = re.search(re.escape(sentence_start) + r"[^\[\n]*\[(\d+)\]", answer.answer)
    assert m, f"no marked sentence starting {sentence_start!r} in {answer.answer!r}"
    return answer.citations[int(m.group(1)) - 1].chunk_id


# ------------------------------------------------------------------ condensing follow-ups


def test_a_question_without_history_is_left_as_it_is() -> None:
    assert condense("and by when?", ()) == "and by when?"


def test_a_short_follow_up_is_joined_to_the_previous_user_question() -> None:
    history = (
        Turn(role="user", content="What is the plan doing about carbon?"),
        Turn(role="assistant", content="It aims for a Carbon Neutral County."),
    )
    standalone = condense("and by when?", history)
    assert "carbon" in standalone
    assert "by when" in standalone
    assert "Carbon Neutral County" not in standalone  # the assistant's words are not the question


def test_the_most_recent_user_question_is_the_one_followed_up() -> None:
    history = (
        Turn(role="user", content="What about food banks?"),
        Turn(role="assistant", content="..."),
        Turn(role="user", content="What is the plan doing about flooding?"),
        Turn(role="assistant", content="..."),
    )
    standalone = condense("what about it for children?", history)
    assert standalone.startswith("what about it for children?")
    assert "flooding" in standalone
    assert "food" not in standalone


def test_a_follow_up_leads_and_the_earlier_question_adds_only_its_topic_words() -> None:
    history = (Turn(role="user", content="What is the council doing about apprenticeships?"),)
    standalone = condense("and for older people?", history)
    assert standalone.startswith("and for older people? ")
    added = standalone.removeprefix("and for older people? ").split()
    assert "apprenticeships" in added
    assert not {"what", "is", "the", "about"} & set(added)


@pytest.mark.parametrize(
    "question", ["what about flooding?", "and transport?", "what happens to my council tax"]
)
def test_a_short_follow_up_naming_its_own_subject_is_searched_on_its_own(question: str) -> None:
    history = (Turn(role="user", content="What is the council doing about climate change?"),)
    assert condense(question, history) == question


@pytest.mark.parametrize(
    "question", ["and in west somerset?", "what about for disabled people", "is it free?"]
)
def test_a_follow_up_narrowing_or_pointing_back_keeps_the_earlier_topic(question: str) -> None:
    history = (Turn(role="user", content="are there apprenticeships"),)
    assert condense(question, history) == f"{question} apprenticeships"


@pytest.mark.parametrize(
    ("message", "parts"),
    [
        (
            "when is vesting day, and what will happen to staff?",
            ["when is vesting day", "what will happen to staff"],
        ),
        (
            "what does the plan say on libraries and on parks?",
            ["what does the plan say on libraries", "on parks"],
        ),
        (
            "caller asks about bus passes and also about parking",
            ["caller asks about bus passes", "about parking"],
        ),
    ],
)
def test_a_message_asking_two_things_has_two_parts(message: str, parts: list[str]) -> None:
    assert question_parts(message) == parts


@pytest.mark.parametrize(
    "message",
    [
        "what is the new transport body and how will it change our grants?",  # leans on the first part
        "my son is struggling at school, is there any help",  # the asker's situation, then one question
        "support for people who are disabled and are looking for work",  # one topic
        "what is being done, and why?",  # no second topic
    ],
)
def test_one_question_is_one_part(message: str) -> None:
    assert question_parts(message) == []


def test_a_long_standalone_question_is_not_rewritten() -> None:
    history = (Turn(role="user", content="What about food banks?"),)
    question = "What does the business plan say about apprenticeships for young people leaving care?"
    assert condense(question, history) == question


def test_a_follow_up_is_answered_about_the_earlier_topic(mini_plan: MiniPlan) -> None:
    assistant = mini_plan.assistant(ExtractiveGenerator())
    history = (
        Turn(role="user", content="Will Somerset become a carbon neutral county?"),
        Turn(role="assistant", content="Yes, the plan says so."),
    )
    answer = assistant.ask("and by when?", history)
    assert answer.status == "answered"
    assert answer.citations[0].chunk_id == "c-climate"
    assert "2030" in answer.answer


def test_the_generator_is_given_the_condensed_question(mini_plan: MiniPlan) -> None:
    fake = FakeGenerator().enqueue(CARBON)
    history = (Turn(role="user", content="Will Somerset become a carbon neutral county?"),)
    mini_plan.assistant(fake).ask("and by when?", history)
    asked, passages, _ = fake.calls[0]
    assert "carbon neutral county" in asked and "by when" in asked
    assert passages[0].chunk.id == "c-climate"


class CondensingFakeGenerator(FakeGenerator):
    """A scripted chat model that can also rewrite follow-ups, as the LLM generators do."""

    def __init__(self, rewrite: str | Exception) -> None:
        super().__init__()
        self.rewrite = rewrite
        self.condensed: list[tuple[str, tuple[Turn, ...]]] = []

    def condense(self, question: str, history: tuple[Turn, ...]) -> str:
        self.condensed.append((question, tuple(history)))
        if isinstance(self.rewrite, Exception):
            raise self.rewrite
        return self.rewrite


def test_an_llm_generator_rewrites_a_follow_up_before_retrieval(mini_plan: MiniPlan) -> None:
    fake = CondensingFakeGenerator("When will Somerset be a carbon neutral county?").enqueue(CARBON)
    history = (Turn(role="user", content="Tell me about the climate work."),)
    answer = mini_plan.assistant(fake).ask("and by when?", history)
    asked, passages, _ = fake.calls[0]
    assert fake.condensed[0][0] == "and by when?"
    assert asked == "When will Somerset be a carbon neutral county?"
    assert passages[0].chunk.id == "c-climate"
    assert answer.status == "answered"


def test_a_failed_llm_rewrite_falls_back_to_the_heuristic_and_skips_the_model(mini_plan: MiniPlan) -> None:
    # A server that failed the rewrite is not asked again for the answer (a second wait for nothing).
    fake = CondensingFakeGenerator(ConnectionError("model server down"))  # nothing queued
    history = (Turn(role="user", content="Will Somerset become a carbon neutral county?"),)
    answer = mini_plan.assistant(fake).ask("and by when?", history)
    assert fake.calls == []
    assert answer.status == "answered" and "2030" in answer.answer
    assert answer.citations[0].chunk_id == "c-climate"
    assert replies.generator_unavailable_notice() in answer.notices


def test_a_standalone_question_is_not_sent_for_rewriting(mini_plan: MiniPlan) -> None:
    fake = CondensingFakeGenerator("something else entirely").enqueue(CARBON)
    history = (Turn(role="user", content="Hello"),)
    mini_plan.assistant(fake).ask(
        "What does the plan say about making Somerset a carbon neutral county?", history
    )
    assert fake.condensed == []


# ------------------------------------------------------------------ outline lookups


def test_what_are_the_outcomes_is_answered_from_the_outline_in_the_plans_order(mini_plan: MiniPlan) -> None:
    fake = FakeGenerator()
    answer = mini_plan.assistant(fake).ask("What are the outcomes?", audience="staff")
    assert answer.route == "outline"
    assert answer.status == "answered"
    positions = [answer.answer.index(f"{n}. {title}") for n, title in OUTCOMES.items()]
    assert positions == sorted(positions)
    assert [c.chunk_id for c in answer.citations] == ["o-1", "o-2", "o-3"]
    assert fake.calls == []  # no model is asked for a list the outline holds


def test_priorities_under_an_outcome_come_whole_and_in_order_with_their_title_citations(
    mini_plan: MiniPlan,
) -> None:
    answer = mini_plan.assistant(FakeGenerator()).ask("List the key priorities under outcome two")
    assert answer.route == "outline"
    assert answer.answer.index(f"1. {CLIMATE}") < answer.answer.index(f"2. {COMMUNITIES}")
    ids = [c.chunk_id for c in answer.citations]
    assert sorted(ids) == ["o-2", "p-2-1", "p-2-2"]  # the outcome's and each priority's title chunk
    assert [i for i in ids if i.startswith("p-")] == ["p-2-1", "p-2-2"]
    assert all(c.outcome == 2 for c in answer.citations)
    assert next(c for c in answer.citations if c.chunk_id == "p-2-1").quote == CLIMATE


def test_what_a_priority_commits_to_lists_every_commitment(mini_plan: MiniPlan) -> None:
    answer = mini_plan.assistant(FakeGenerator()).ask(f"What does the priority {CLIMATE} commit to?")
    assert answer.route == "outline"
    positions = [answer.answer.index(f"- {s}") for s in (CARBON, DECARBONISE, FLOOD, TRAVEL)]
    assert positions == sorted(positions)
    assert sorted(c.chunk_id for c in answer.citations) == ["o-2", "p-2-1"]  # its outcome and the priority
    assert [c.priority for c in answer.citations if c.priority] == [CLIMATE]


def test_an_outline_answer_streams_its_text_then_the_answer(mini_plan: MiniPlan) -> None:
    deltas, final = _collect(mini_plan.assistant(FakeGenerator()), "What are the outcomes?")
    assert isinstance(final, Answer)
    assert " ".join("".join(deltas).split()) == " ".join(final.answer.split())


# ------------------------------------------------------------------ refusal


def test_a_question_the_plan_does_not_cover_is_not_found_with_the_configured_signpost(
    mini_plan: MiniPlan,
) -> None:
    fake = FakeGenerator()
    answer = mini_plan.assistant(fake).ask("Which day is my bin collected?")
    assert answer.status == "not_found"
    assert NOT_FOUND_LEAD in answer.answer
    assert f"[{CONTACT_TEXT}]({CONTACT_URL})" in answer.answer
    assert answer.citations == []
    assert fake.calls == []  # nothing relevant is never handed to a model


def test_the_relevance_bar_is_the_min_relevance_setting(mini_plan: MiniPlan) -> None:
    strict = MiniPlan(
        mini_plan.settings.model_copy(update={"min_relevance": 0.99}),
        mini_plan.embedder,
        mini_plan.retriever,
        mini_plan.outline,
    )
    question = "What will be done on flood prevention for communities?"
    assert mini_plan.assistant(ExtractiveGenerator()).ask(question).status == "answered"
    assert strict.assistant(ExtractiveGenerator()).ask(question).status == "not_found"


# ------------------------------------------------------------------ grounding


def test_an_invented_sentence_is_removed_and_the_supported_one_kept_with_its_citation(
    mini_plan: MiniPlan,
) -> None:
    invented = "The council will also open a football stadium in Taunton next spring."
    fake = FakeGenerator().enqueue(
        f"Somerset will work with partners towards being a Carbon Neutral County by 2030. {invented}"
    )
    answer = mini_plan.assistant(fake).ask("When will Somerset be a carbon neutral county?")
    assert answer.status == "answered"
    assert answer.removed == [invented]
    assert "stadium" not in answer.answer
    assert _marker_chunk(answer, "Somerset will work with partners") == "c-climate"
    assert answer.citations[0].priority == CLIMATE
    assert answer.citations[0].outcome == 2
    assert answer.citations[0].quote == CARBON


def test_a_sentence_with_an_invented_figure_is_removed(mini_plan: MiniPlan) -> None:
    invented = "There is an initial £9m investment in an economic recovery fund for businesses."
    fake = FakeGenerator().enqueue(f"- {FUND}\n- {invented}\n")
    answer = mini_plan.assistant(fake).ask("How much is the economic recovery fund for businesses?")
    assert answer.status == "answered"
    assert invented in answer.removed
    assert "£9m" not in answer.answer
    assert "£6m" in answer.answer


def test_a_figure_in_other_words_is_kept(mini_plan: MiniPlan) -> None:
    fake = FakeGenerator().enqueue(
        "Businesses can recover with an initial £6 million investment in an economic recovery fund."
    )
    answer = mini_plan.assistant(fake).ask("How much is the economic recovery fund for businesses?")
    assert answer.removed == []
    assert "£6 million" in answer.answer
    assert answer.citations[0].chunk_id == "c-econ"


def test_an_entirely_unsupported_reply_falls_back_to_the_extractive_answer(mini_plan: MiniPlan) -> None:
    invented = "Residents can park for free at every library on Sundays."
    fake = FakeGenerator().enqueue(invented)
    question = "When will Somerset be a carbon neutral county?"
    answer = mini_plan.assistant(fake).ask(question)
    extractive = mini_plan.assistant(ExtractiveGenerator()).ask(question)
    assert answer.status == "answered"
    assert answer.removed == [invented]
    assert "library" not in answer.answer
    assert answer.answer == extractive.answer
    assert [c.chunk_id for c in answer.citations] == [c.chunk_id for c in extractive.citations]


def test_the_models_own_scaffolding_line_is_dropped_quietly(mini_plan: MiniPlan) -> None:
    fake = FakeGenerator().enqueue(f"Here is what the plan says:\n- {CARBON}\n")
    answer = mini_plan.assistant(fake).ask("When will Somerset be a carbon neutral county?")
    assert "Here is what the plan says" not in answer.answer
    assert answer.removed == []
    assert CARBON in answer.answer


# ------------------------------------------------------------------ citations come from the engine


def test_a_models_own_citation_marker_is_replaced_by_the_engines(mini_plan: MiniPlan) -> None:
    fake = FakeGenerator().enqueue(
        "Somerset will work with partners towards being a Carbon Neutral County by 2030 [7].\n"
    )
    answer = mini_plan.assistant(fake).ask("When will Somerset be a carbon neutral county?")
    assert answer.removed == []
    assert "[7]" not in answer.answer
    assert "Somerset will work with partners towards being a Carbon Neutral County by 2030" in answer.answer
    assert _marker_chunk(answer, "Somerset will work with partners") == "c-climate"


def test_citations_follow_the_supporting_passage_not_the_models_numbering(mini_plan: MiniPlan) -> None:
    fake = FakeGenerator().enqueue(
        "- Develop a food strategy to address why people rely on foodbanks.\n"
        "- Work with our partners towards making Somerset a Carbon Neutral County.\n"
    )
    answer = mini_plan.assistant(fake).ask("What about foodbanks and a carbon neutral county?")
    assert answer.removed == []
    assert _marker_chunk(answer, "- Develop a food strategy") == "c-food"
    assert _marker_chunk(answer, "- Work with our partners") == "c-climate"
    by_id = {c.chunk_id: c for c in answer.citations}
    assert by_id["c-food"].priority == COMMUNITIES
    assert by_id["c-food"].quote == FOOD
    assert by_id["c-climate"].quote == CARBON


def test_each_citation_quotes_only_the_sentences_used_in_the_documents_order(mini_plan: MiniPlan) -> None:
    fake = FakeGenerator().enqueue(f"- {FLOOD}\n- {CARBON}\n")
    answer = mini_plan.assistant(fake).ask("What about flood prevention and a carbon neutral county?")
    assert [c.chunk_id for c in answer.citations] == ["c-climate"]
    assert answer.citations[0].quote == f"{CARBON} … {FLOOD}"


# ------------------------------------------------------------------ streaming


@pytest.mark.parametrize("audience", ["resident", "staff", "adviser"])
def test_stream_yields_text_deltas_then_exactly_one_answer_matching_them(
    mini_plan: MiniPlan, audience: str
) -> None:
    fake = FakeGenerator().enqueue(f"{CARBON} The stadium opens in 2031.\n{FLOOD}")
    deltas, final = _collect(
        mini_plan.assistant(fake), "carbon neutral county and flood prevention", (), audience
    )
    assert deltas and all(isinstance(d, str) for d in deltas)
    assert isinstance(final, Answer)
    streamed = "".join(deltas)
    assert " ".join(streamed.split()) == " ".join(final.answer.split())
    assert "stadium" not in streamed  # nothing unverified is ever shown, even for a moment


def test_a_refusal_streams_its_text_then_the_answer(mini_plan: MiniPlan) -> None:
    deltas, final = _collect(mini_plan.assistant(FakeGenerator()), "Which day is my bin collected?")
    assert isinstance(final, Answer) and final.status == "not_found"
    assert all(isinstance(d, str) for d in deltas)
    assert " ".join("".join(deltas).split()) == " ".join(final.answer.split())


# ------------------------------------------------------------------ audiences


def _bullets(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("- ")]


def test_an_adviser_gets_two_to_four_bullets_then_a_reference_line(mini_plan: MiniPlan) -> None:
    answer = mini_plan.assistant(ExtractiveGenerator()).ask(
        "What should I tell a caller about flood prevention and a carbon neutral county?", audience="adviser"
    )
    assert answer.status == "answered"
    lines = [line for line in answer.answer.splitlines() if line.strip()]
    assert 2 <= len(_bullets(answer.answer)) <= 4
    assert lines[-1].startswith("**Reference:**")
    assert "Outcome 2 › " + CLIMATE in lines[-1]
    assert lines[0] == "**Tell the caller:**"
    assert lines[1:-1] == _bullets(answer.answer)  # nothing but bullets between the lead and the reference


def test_a_resident_gets_a_short_answer_naming_where_it_sits(mini_plan: MiniPlan) -> None:
    answer = mini_plan.assistant(ExtractiveGenerator()).ask("When will Somerset be a carbon neutral county?")
    assert answer.status == "answered"
    assert f"Outcome 2 › {CLIMATE}" in answer.answer
    assert "Reference" not in answer.answer
    body = [line for line in answer.answer.splitlines()[1:] if line.strip()]
    assert 1 <= len(body) <= MAX_SENTENCES["resident"]
    assert len(answer.answer.split()) < 80


def test_staff_are_told_the_outcome_and_priority(mini_plan: MiniPlan) -> None:
    answer = mini_plan.assistant(ExtractiveGenerator()).ask(
        "What is planned on foodbanks and a food strategy?", audience="staff"
    )
    assert f"**Outcome 2 › {COMMUNITIES}**" in answer.answer
    assert answer.citations[0].chunk_id == "c-food"


# ------------------------------------------------------------------ premises and figures


def test_a_false_date_in_the_question_is_met_with_what_the_plan_says(mini_plan: MiniPlan) -> None:
    answer = mini_plan.assistant(ExtractiveGenerator()).ask(
        "Will Somerset be a carbon neutral county by 2050?"
    )
    assert answer.status == "answered"
    assert "doesn't give the figure or date in your question" in answer.answer
    assert "2030" in answer.answer
    assert "2050" not in answer.answer
    assert PREMISE_NOTE in answer.notices  # the assistant's own text, not a claim from the plan


def test_a_claim_that_the_council_drops_something_the_plan_commits_to_is_met_with_what_it_says(
    mini_plan: MiniPlan,
) -> None:
    answer = mini_plan.assistant(ExtractiveGenerator()).ask(
        "I heard the council dropped making Somerset a carbon neutral county by 2030?"
    )
    assert answer.status == "answered"
    assert answer.answer.count(CLAIM_NOTE) == 1 and CLAIM_NOTE in answer.notices
    assert "2030" in answer.answer


def test_a_how_much_question_a_model_answers_without_the_figure_falls_back_to_the_passages(
    mini_plan: MiniPlan,
) -> None:
    fake = FakeGenerator().enqueue(SKILLS)
    answer = mini_plan.assistant(fake).ask("How much money is in the economic recovery fund?")
    assert answer.status == "answered"
    assert "£6m" in answer.answer


@pytest.mark.parametrize(
    ("question", "answer", "states"),
    [
        ("How much money is in the fund?", "An initial £6m investment.", True),
        ("How much money is in the fund?", "An investment in a fund. [1]", False),
        ("What percentage of homes?", "About 20% of homes.", True),
        ("How many reserves are there?", "There are 15 reserves.", True),
        ("How many reserves are there?", "The plan mentions reserves by 2030.", False),
        ("When will it be carbon neutral?", "By 2030.", True),
    ],
)
def test_states_asked_figure_needs_the_kind_of_figure_asked_for(
    question: str, answer: str, states: bool
) -> None:
    assert states_asked_figure(question, answer) is states


# ------------------------------------------------------------------ the rest of the public surface


def test_health_counts_documents_and_chunks_and_names_the_generator(mini_plan: MiniPlan) -> None:
    health = mini_plan.assistant(FakeGenerator()).health()
    assert health == {"documents": 1, "chunks": len(_chunks()), "generator": "fake-chat"}


def test_retrieve_returns_the_chunks_an_answer_would_use(mini_plan: MiniPlan) -> None:
    assistant = mini_plan.assistant(FakeGenerator())
    assert assistant.retrieve("carbon neutral county")[0].id == "c-climate"
    question = "List the key priorities under outcome 2"
    assert [c.id for c in assistant.retrieve(question)] == [
        c.chunk_id for c in assistant.ask(question).citations
    ]


def test_the_models_own_refusal_becomes_not_found_with_the_signpost(mini_plan: MiniPlan) -> None:
    fake = FakeGenerator().enqueue("The Business Plan doesn't cover that.")
    answer = mini_plan.assistant(fake).ask("When will Somerset be a carbon neutral county?")
    assert answer.status == "not_found"
    assert answer.answer.startswith(NOT_FOUND_LEAD)
    assert CONTACT_URL in answer.answer
    assert answer.citations == []


def test_with_refusals_left_to_the_evidence_a_models_refusal_is_answered_from_the_plans_sentences(
    mini_plan: MiniPlan,
) -> None:
    fake = FakeGenerator().enqueue("The Business Plan doesn't cover that.")
    settings = mini_plan.settings.model_copy(update={"llm_refusal": "evidence"})
    assistant = Assistant(
        settings, mini_plan.embedder, mini_plan.retriever, fake, mini_plan.outline, guard=None
    )  # type: ignore[arg-type]
    answer = assistant.ask("When will Somerset be a carbon neutral county?")
    assert answer.status == "answered"
    assert "doesn't cover" not in answer.answer
    assert answer.citations and answer.citations[0].chunk_id == "c-climate"


def test_a_wrapped_refusal_from_the_model_is_still_a_refusal(mini_plan: MiniPlan) -> None:
    fake = FakeGenerator().enqueue("Sorry, the Business Plan doesn't cover that.")
    answer = mini_plan.assistant(fake).ask("When will Somerset be a carbon neutral county?")
    assert answer.status == "not_found"


@pytest.mark.parametrize(
    "reply",
    [
        "The passages do not provide information about when Somerset will be carbon neutral.",
        "I'm sorry, but there is no information about that in the plan.",
    ],
)
def test_a_refusal_in_the_models_own_words_becomes_not_found_with_the_signpost(
    mini_plan: MiniPlan, reply: str
) -> None:
    # Without the model's refusal the extractive fallback would answer this from the climate passage.
    fake = FakeGenerator().enqueue(reply)
    answer = mini_plan.assistant(fake).ask("When will Somerset be a carbon neutral county?")
    assert answer.status == "not_found"
    assert answer.answer.startswith(NOT_FOUND_LEAD)
    assert CONTACT_URL in answer.answer
    assert answer.citations == []


class ServerDown(ConnectionError):
    """What a chat client raises when its model server refuses the connection."""


def test_a_model_server_that_fails_gives_the_extractive_answer_with_a_notice_and_a_log_line(
    mini_plan: MiniPlan, caplog: pytest.LogCaptureFixture
) -> None:
    fake = FakeGenerator().fail(ServerDown("Connection refused"))
    with caplog.at_level("WARNING", logger="plan_assistant.assistant"):
        answer = mini_plan.assistant(fake).ask("When will Somerset be a carbon neutral county?")
    assert answer.status == "answered"
    assert "2030" in answer.answer and answer.citations
    notice = replies.generator_unavailable_notice()
    assert notice in answer.answer and notice in answer.notices
    [record] = [r for r in caplog.records if "502" in r.getMessage()]
    assert '"fake-chat"' in record.getMessage() and "could not be reached" in record.getMessage()
    assert "carbon" not in record.getMessage().lower()  # nothing of the question reaches the log


def test_a_server_failing_mid_answer_keeps_the_checked_lines_and_says_it_stopped(
    mini_plan: MiniPlan,
) -> None:
    fake = FakeGenerator().fail(TimeoutError("read timed out"), after=f"{CARBON}\nThe council will ")
    answer = mini_plan.assistant(fake).ask("When will Somerset be a carbon neutral county?")
    assert answer.status == "answered"
    assert "Carbon Neutral County by 2030" in answer.answer
    assert "The council will" not in answer.answer
    assert answer.answer.rstrip().endswith(replies.generator_unavailable_notice())


def test_a_long_message_offers_each_sentence_that_asks_something() -> None:
    from plan_assistant.assistant import sub_questions

    message = (
        "I have lived in the village for years and the lanes flood every winter now. "
        "My neighbours and I have sandbags ready but it never seems to be enough for us. "
        "Is the council doing anything about it? Also what about the bus service to town?"
    )
    assert sub_questions(message) == [
        "My neighbours and I have sandbags ready but it never seems to be enough for us. "
        "Is the council doing anything about it?",
        "Also what about the bus service to town?",
    ]
    assert sub_questions("Is the council doing anything about flooding?") == []
