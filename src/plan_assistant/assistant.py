"""The answer chain: guard -> condense -> retrieve (or outline lookup) -> decide -> compose -> verify -> Answer.

Each step lives in its own module, readable one at a time: ``guardrails`` screens the message,
``structural`` answers questions about the plan's shape, ``retrieval`` finds passages,
``answerability`` decides whether they answer the question, a generator writes, ``verify`` keeps only
supported sentences, ``cite`` attaches the plan's own words and ``compose`` adds the lead and replies.
"""

from __future__ import annotations

import itertools
import logging
import re
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

import numpy as np
from langchain_core.runnables import RunnableLambda

from plan_assistant import compose, documents
from plan_assistant.answer_types import states_asked_figure
from plan_assistant.answerability import AnswerabilityModel, features
from plan_assistant.cite import citation, cite_sentences, reference_line, title_chunks
from plan_assistant.config import Settings
from plan_assistant.embeddings import Embedder
from plan_assistant.generators.base import Generator, GeneratorBusyError
from plan_assistant.generators.extractive import ExtractiveGenerator
from plan_assistant.generators.failures import failure_line
from plan_assistant.grounding import strip_markers
from plan_assistant.guardrails import (
    Guard,
    Screening,
    extract_question,
    normalise,
    redact,
    replies,
    without_markers,
)
from plan_assistant.guardrails.normalise import is_question_like, split_sentences
from plan_assistant.outline import Outcome, Outline
from plan_assistant.prompts import says_not_covered
from plan_assistant.repair import MORE_BAND, SHORT_LINES, Repair, already_shown, counted_noun, read_repair
from plan_assistant.retrieval import HybridRetriever, RetrievalSignals, has_topic
from plan_assistant.schemas import Answer, Audience, Chunk, Passage, Status, Turn
from plan_assistant.structural import (
    StructuralAnswer,
    answer_structural,
    asks_which_place,
    listed_items,
    missing_item,
    named_outcomes,
    resolve_pointer,
    spelled,
)
from plan_assistant.text import content_words, words
from plan_assistant.verify import Verifier

NOT_FOUND_LEAD = compose.NOT_FOUND_LEAD
logger = logging.getLogger(__name__)
MAX_CONDENSED_CHARS = 300
# Words that point back to something said before: "is it free?", "the same for her", "what about those?"
_REFERS_BACK = re.compile(
    r"\b(?:it|its|this|that|they|them|their|these|those|there|he|she|her|him|his|ones?|else|same)\b", re.I
)
_EXISTENTIAL = re.compile(r"\b(?:is|are|was|were|any)\s+there\b", re.I)  # "is there ..." points at nothing
# "... in the climate outcome", "... the outcome about how the council runs itself"
_DESCRIBED_OUTCOME = (
    re.compile(r"\boutcome\s+(?:about|on|for|covering|that\s+covers|dealing\s+with)\s+(.+?)[?.!]*$", re.I),
    re.compile(r"\b(?:under|in|for|of|within|beneath|below)\s+the\s+(.+?)\s+outcome\b", re.I),
)
OUTCOME_MATCH_MARGIN = 0.03
"""An outcome named by its subject must beat the next best outcome by this much cosine similarity."""


@dataclass
class _State:
    """What flows through the chain for one question."""

    question: str
    history: Sequence[Turn]
    audience: Audience
    started: float = field(default_factory=time.perf_counter)
    timings: dict[str, float] = field(default_factory=dict)
    screening: Screening | None = None
    standalone: str = ""
    pointed: bool = False  # the question points into the last answer's list; standalone names the item
    structural: StructuralAnswer | None = None
    passages: list[Passage] = field(default_factory=list)
    signals: dict[str, float] = field(default_factory=dict)
    answerable: bool = True
    document_id: str | None = None  # the document a question names, when several are loaded
    generator_failed: bool = False  # the model server failed once: the rest of this answer is extractive
    repair: Repair | None = None  # "what else?", "make that shorter": the earlier question, answered anew

    def lap(self, step: str, since: float) -> float:
        now = time.perf_counter()
        self.timings[step] = round((now - since) * 1000, 2)
        return now


def _plain_words(text: str) -> str:
    """Words as written, separated by single spaces: "Burnham-on-Sea's" -> "Burnham on Sea s"."""
    return " ".join(re.sub(r"[^\w]+", " ", text).split())


# "(and) for older people?", "what about in West Somerset?": a phrase that narrows the earlier question.
_NARROWS = re.compile(
    r"^\W*(?:(?:and|but|also|so|ok(?:ay)?)\s+)?(?:(?:what|how)\s+about\s+)?(?:just\s+|only\s+|especially\s+)?"
    r"(?:for|in|at|with|to|from|among|by|on|near|around|within|under|over|during)\b",
    re.I,
)


def refers_back(text: str) -> bool:
    """Whether a message points back to something said before ("it", "those", "the same"; not "is there")."""
    return bool(_REFERS_BACK.search(_EXISTENTIAL.sub(" ", text)))


def is_follow_up(question: str, history: Sequence[Turn]) -> bool:
    """Whether a question leans on earlier turns: it points back ("it", "that", "the same"), narrows the earlier
    question ("and for older people?") or names no topic of its own ("and by when?"). A question naming its
    own subject ("what about flooding?", "and transport?") does not."""
    if not any(t.role == "user" and t.content.strip() for t in history):
        return False
    return refers_back(question) or bool(_NARROWS.search(question)) or not has_topic(question)


def condense(question: str, history: Sequence[Turn]) -> str:
    """A follow-up made standalone with the previous user question's topic words (no LLM needed).

    The new message leads and the earlier question adds only its content words, in order: a follow-up
    that names a new subject ("and the schools themselves?") is searched for that subject within the
    earlier topic, not drowned by the earlier question's wording.
    """
    if not is_follow_up(question, history):
        return question
    previous = [t.content for t in history if t.role == "user" and t.content.strip()]
    keep = content_words(previous[-1])
    topic = list(dict.fromkeys(w for w in words(previous[-1]) if w in keep))
    return f"{question} {' '.join(topic)}".strip()


# Where one message may start asking a second thing: "X, and what about Y?", "on X and on Y", "X and also Y".
# Without a comma only a question word opens a second question, so "people who are disabled and are looking
# for work" stays one topic.
_PARTS = re.compile(
    r"(,\s*(?:and\s+)?(?=(?:what|how|which|when|who|where|why|is|are|does|do|will|can)\b)"
    r"|\s+and\s+(?=(?:what|how|which|when|who|where|why)\b)"
    r"|\s+and\s+(?=(?:on|about|for)\s)|,?\s+and\s+also\s+|,\s*also\s+)",
    re.I,
)
_ON_TOPIC = re.compile(r"^(?:on|about|for)\s", re.I)


def question_parts(question: str) -> list[str]:
    """The parts of a message asking two or more things, each with a topic of its own; none otherwise.

    A second question is a part of its own when the first is a question too ("when is vesting day, and what
    happens to staff?"); a phrase naming a second topic ("... on reserves and on social value") always is.
    A part leaning on the one before ("what is X, and how could it affect us?") and a question after the
    asker's situation ("my husband has just lost his job, is there anything for him") stay one question.
    """
    pieces = _PARTS.split(question)
    parts = [pieces[0].strip(" ,;?")]
    for piece in pieces[2::2]:
        piece = piece.strip(" ,;?")
        new_part = not refers_back(piece) and (
            _ON_TOPIC.search(piece) or (is_question_like(piece) and is_question_like(parts[-1]))
        )
        if new_part:
            parts.append(piece)
        else:
            parts[-1] = f"{parts[-1]}, {piece}"
    parts = [p for p in parts if has_topic(p)]
    return parts if len(parts) >= 2 else []


LONG_MESSAGE_WORDS = 30
"""A message longer than this may hold several questions; each is tried on its own."""
MAX_SUB_QUESTIONS = 4


def sub_questions(text: str) -> list[str]:
    """The sentences of a long message that ask something, each with the sentence before it when it leans
    on it ("What is being done about it?"); none for a short message."""
    if len(text.split()) <= LONG_MESSAGE_WORDS:
        return []
    sentences = split_sentences(text)
    if len(sentences) < 2:
        return []
    asked = []
    for n, sentence in enumerate(sentences):
        if not is_question_like(sentence) or len(content_words(sentence)) < 2:
            continue
        leans = n > 0 and refers_back(sentence)
        asked.append(f"{sentences[n - 1]} {sentence}" if leans else sentence)
    return asked[-MAX_SUB_QUESTIONS:]


class _Recorded:
    """A generator's output stream, remembered as it passes (to recognise a model's own refusal).

    A model server that fails (down, timed out, refusing the key) ends the stream instead of the request;
    the failure is kept in ``error`` for the caller to fall back on.
    """

    def __init__(self, deltas: Iterator[str]) -> None:
        self._deltas = deltas
        self.text = ""
        self.error: Exception | None = None

    def __iter__(self) -> Iterator[str]:
        try:
            for delta in self._deltas:
                self.text += delta
                yield delta
        except GeneratorBusyError:
            raise  # a full queue is the API's 503, not a failed server
        except Exception as exc:
            self.error = exc


class Assistant:
    """Answers questions about the plan from the plan only, citing Outcome and Key Priority."""

    def __init__(
        self,
        settings: Settings,
        embedder: Embedder,
        retriever: HybridRetriever,
        generator: Generator,
        outline: Outline,
        guard: Guard | None,
        answerability: AnswerabilityModel | None = None,
        today: Callable[[], date] = date.today,
    ) -> None:
        self.settings = settings
        self.embedder = embedder
        self.retriever = retriever
        self.generator = generator
        self.outline = outline
        self.guard = guard
        self.answerability = answerability
        self.today = today  # when a document's period has ended depends on the day of the question
        self._fallback = ExtractiveGenerator(settings.rank_weight)
        self._outcome_vectors: dict[int, np.ndarray] = {}
        self._plain_titles: dict[str, str | None] | None = None
        self._public_words: str | None = None  # the documents' words as written, for _public_name
        self._prepare = (
            RunnableLambda(self._screen, name="guard")
            | RunnableLambda(self._condense, name="condense")
            | RunnableLambda(self._retrieve, name="retrieve")
        )

    # Public entry points -------------------------------------------------------------------------

    def ask(self, question: str, history: Sequence[Turn] = (), audience: Audience = "resident") -> Answer:
        """Answer one question, given the conversation so far."""
        final: Answer | None = None
        for item in self.stream(question, history, audience):
            if isinstance(item, Answer):
                final = item
        assert final is not None
        return final

    def stream(
        self, question: str, history: Sequence[Turn] = (), audience: Audience = "resident"
    ) -> Iterator[str | Answer]:
        """Yield the answer as text deltas, then the final Answer."""
        repair = read_repair(question, history)
        if repair is not None:
            # A reply about the last answer ("what else?") asks the earlier question again, differently.
            question, history = repair.question, repair.history
            audience = "resident" if repair.kind == "simpler" else audience
        state: _State = self._prepare.invoke(_State(question, tuple(history), audience, repair=repair))
        if repair is None or repair.kind not in ("where", "count"):
            yield from self._compose(state)
            return
        # "Which outcome is that under?", "how many is that?": about the earlier answer, cited as before.
        final = next(item for item in self._compose(state) if isinstance(item, Answer))
        items = listed_items(final.answer)
        if final.status == "answered" and final.citations and (repair.kind == "where" or items):
            text = (
                compose.places_text(final.citations)
                if repair.kind == "where"
                else compose.count_text(len(items), counted_noun(repair.message))
            )
            final = final.model_copy(update={"answer": text, "notices": []})
        yield final.answer
        yield final

    def retrieve(self, question: str, history: Sequence[Turn] = ()) -> list[Chunk]:
        """The ranked chunks the assistant would answer from (outline lookups: the chunks they name)."""
        state: _State = self._prepare.invoke(_State(question, tuple(history), "staff"))
        if state.structural is not None:
            by_id = self.retriever.index.by_id
            return [by_id[c] for c in title_chunks(state.structural) if c in by_id]
        return [p.chunk for p in state.passages]

    def assess(self, question: str, history: Sequence[Turn] = ()) -> dict[str, Any]:
        """How the question was routed and the signals the answerability decision weighs (for calibration)."""
        state: _State = self._prepare.invoke(_State(question, tuple(history), "staff"))
        route = state.screening.route if state.screening else "plan"
        if state.structural is not None:
            route = "outline"
        return {
            "route": route,
            "standalone": state.standalone,
            "signals": dict(state.signals),
            "answerable": state.answerable,
        }

    def health(self) -> dict[str, Any]:
        """Counts for /healthz."""
        index = self.retriever.index
        return {"documents": index.documents, "chunks": len(index.chunks), "generator": self.generator.name}

    # Chain steps ---------------------------------------------------------------------------------

    @staticmethod
    def _only_a_name(state: _State) -> StructuralAnswer | None:
        """The reply when a name was removed and nothing else is asked: no guess at what it was."""
        assert state.screening is not None
        if "name" not in state.screening.redacted_kinds or has_topic(without_markers(state.standalone)):
            return None
        return StructuralAnswer(replies.only_a_name(), found=False, signpost=True, route="personal_data")

    def _public_name(self, name: str) -> bool:
        """Whether the documents use this name as written, two words or more ("Somerset Works"): a programme
        or body they name is public. One word never is ("my son Will": "will" is in every document)."""
        if self._public_words is None:
            chunks = self.retriever.index.chunks
            texts = [c.text for c in chunks] + sorted({c.document_title for c in chunks})
            self._public_words = f" {_plain_words(' '.join(texts))} "
        words = _plain_words(name)
        return len(words.split()) >= 2 and f" {words} " in self._public_words

    def _search_texts(self, question: str) -> list[str]:
        """What a screened question is searched as, when it needs no follow-up rewrite (see _retrieve)."""
        return [self.retriever.query_text(without_markers(question) or question)]

    def _screen(self, state: _State) -> _State:
        t = time.perf_counter()
        if self.guard is not None:
            state.screening = self.guard.screen(state.question, self._search_texts, self._public_name)
        else:
            state.screening = Screening(
                question=" ".join(state.question.split()), route="plan", status=None, reply=None
            )
        state.lap("guard", t)
        return state

    def _condense(self, state: _State) -> _State:
        assert state.screening is not None
        t = time.perf_counter()
        history = [
            Turn(
                role=turn.role,
                # Earlier questions only need their personal details removed; routing them again would
                # cost a model call per turn on every request.
                content=extract_question(redact(normalise(turn.content)).text)
                if turn.role == "user"
                else turn.content,
            )
            for turn in state.history[-6:]
        ]
        # "Tell me more about the second one" after a list: the item itself, exactly; else the topic words.
        pointed = resolve_pointer(state.screening.question, history, self.outline)
        state.pointed = pointed is not None
        state.standalone = pointed or condense(state.screening.question, history)
        rewrite = getattr(self.generator, "condense", None)
        if rewrite is not None and not state.pointed and state.standalone != state.screening.question:
            # An LLM generator can rewrite the follow-up more naturally; its rewrite is only a search query
            # (the answer is still grounded in the passages), and a failed or odd one keeps the heuristic.
            try:
                rewritten = " ".join(str(rewrite(state.screening.question, history)).split())
            except GeneratorBusyError:
                raise
            except Exception as exc:  # a model server that is down must not stop the answer
                self._generator_failed(state, exc)
                rewritten = ""
            if 0 < len(rewritten) <= MAX_CONDENSED_CHARS:
                state.standalone = rewritten
        state.lap("condense", t)
        return state

    def _retrieve(self, state: _State) -> _State:
        assert state.screening is not None
        if state.screening.status is not None:
            return state
        t = time.perf_counter()
        context = state.standalone if state.standalone != state.screening.question else ""
        question = state.standalone if state.pointed else state.screening.question
        state.structural = (
            missing_item(question, state.history)
            or self._only_a_name(state)
            or documents.answer_about_document(
                question, self.outline, self.today(), self.settings.replaced_by
            )
            or answer_structural(question, self.outline, self._describe_outcome, context)
        )
        named = documents.named_document(state.standalone, self.outline)
        if named is not None and named.document is not None and len(self.outline.documents) > 1:
            # A question naming one document is answered from that document only.
            state.document_id = named.document.id
        if state.structural is None:
            query = spelled(without_markers(state.standalone) or state.standalone)
            # "What does Outcome 2 say about flooding?" is answered from that outcome only, and a question
            # naming a document from that document only.
            numbers = named_outcomes(question)
            scope: list[dict[str, Any]] = [
                *([{"outcome": numbers[0]}] if len(numbers) == 1 else []),
                *([{"outcome": {"$in": numbers}}] if len(numbers) > 1 else []),
                # "Which outcome covers ...?" is answered from the key priorities' commitments.
                *([{"kind": "commitment"}] if asks_which_place(question) else []),
                *([{"document_id": state.document_id}] if state.document_id else []),
            ]
            where: dict[str, Any] | None = (
                None if not scope else scope[0] if len(scope) == 1 else {"$and": scope}
            )
            best: tuple[float, list[Passage], RetrievalSignals, dict[str, float]] | None = None
            chosen = query
            for candidate in [query, *sub_questions(query)]:
                # A long message may hold several sentences that ask something: answer the one the plan
                # answers best (one more query embedding per candidate, for long messages only).
                passages, signals = self.retriever.search_with_signals(
                    candidate, k=self.settings.top_k, where=where
                )
                # The candidate the plan matches best (its best sentence's similarity, words included) wins.
                match = max((max(p.sentence_scores, default=0.0) for p in passages), default=0.0)
                if best is None or match > best[0]:
                    values = features(candidate, passages, signals, self.retriever.index)
                    best = (match, passages, signals, values)
                    chosen = candidate
            assert best is not None
            _, state.passages, signals, state.signals = best
            state.answerable = self._decide(state.passages, signals, state.signals)
            # A message asking two things is answered on each the plan answers (not for a long message's
            # sub-question, which already is one of its parts).
            parts = question_parts(query) if chosen == query else []
            if parts and state.answerable:
                state.passages = self._with_parts(state.passages, parts, where)
        state.lap("retrieve", t)
        return state

    def _with_parts(
        self, passages: list[Passage], parts: list[str], where: dict[str, Any] | None
    ) -> list[Passage]:
        """The passages for a question asking two things ("X, and what about Y?"), with the passages that answer
        each part the plan answers. A part's sentence scores are raised so that its best sentence scores as
        the whole question's best: the answer states each part, not only the one the whole wording favours."""
        top = max((max(p.sentence_scores, default=0.0) for p in passages), default=0.0)
        merged = {p.chunk.id: p for p in passages}
        for part in parts:
            found, signals = self.retriever.search_with_signals(part, k=self.settings.top_k, where=where)
            if not found or not self._decide(
                found, signals, features(part, found, signals, self.retriever.index)
            ):
                continue
            lift = top - max(max(p.sentence_scores, default=0.0) for p in found)
            for p in found:
                scores = tuple(score + lift for score in p.sentence_scores)
                if p.chunk.id in merged:
                    known = merged[p.chunk.id].sentence_scores
                    scores = tuple(max(a, b) for a, b in zip(known, scores, strict=False))
                merged[p.chunk.id] = replace(merged.get(p.chunk.id, p), sentence_scores=scores)
        return list(merged.values())

    def _confidence(
        self, passages: list[Passage], signals: RetrievalSignals, values: dict[str, float]
    ) -> float:
        if not passages:
            return 0.0
        if self.answerability is not None:
            return self.answerability.probability(values)
        return max(signals.dense, signals.sentence)

    def _decide(self, passages: list[Passage], signals: RetrievalSignals, values: dict[str, float]) -> bool:
        if not passages:
            return False
        if self.answerability is not None:
            return self.answerability.answerable(values)
        # Without a fitted model, the plain similarity floor.
        return max(signals.dense, signals.sentence) >= self.settings.min_relevance

    def _describe_outcome(self, question: str, outcomes: Sequence[Outcome]) -> Outcome | None:
        """The outcome a question names by its subject, when one clearly fits best."""
        missing = [o for o in outcomes if o.number not in self._outcome_vectors]
        for outcome in missing:
            # An outcome is described by its own title or by what its key priorities say.
            self._outcome_vectors[outcome.number] = self.embedder.embed(
                [outcome.title, *(p.title for p in outcome.priorities)]
            )
        matches = (m for pattern in _DESCRIBED_OUTCOME if (m := pattern.search(question)))
        described = next(matches, None)
        query = self.embedder.embed_query(described.group(1) if described else question)
        scored = sorted(
            ((float(np.max(self._outcome_vectors[o.number] @ query)), o) for o in outcomes),
            key=lambda pair: pair[0],
            reverse=True,
        )
        if not scored:
            return None
        if len(scored) > 1 and scored[0][0] - scored[1][0] < OUTCOME_MATCH_MARGIN:
            return None
        return scored[0][1]

    # Composition ---------------------------------------------------------------------------------

    def _compose(self, state: _State) -> Iterator[str | Answer]:
        screening = state.screening
        assert screening is not None
        if screening.status is not None:
            reply = screening.reply or ""
            yield reply
            yield self._answer(state, reply, screening.status, [], route=screening.route)
            return
        if state.structural is not None:
            if state.repair is not None and state.repair.kind == "more" and state.structural.found:
                # An exact answer from the outline was whole: there is no more to give.
                yield from self._nothing_more(state)
                return
            yield from self._compose_structural(state, state.structural)
            return
        if not state.answerable:
            yield from self._not_found(state)
            return
        yield from self._compose_passages(state)

    def _signpost(self, state: _State) -> str | None:
        """Where the message's request to act is handled, when it also asked about the plan."""
        kind = state.screening.signpost if state.screening else None
        return replies.signpost(kind, self.settings) if kind else None

    def _not_found(self, state: _State) -> Iterator[str | Answer]:
        language = state.screening.language if state.screening else None
        if language:
            # Nothing found for a message in another language most likely means it could not be read.
            text = replies.language_reply(language, self.settings)
            yield text
            yield self._answer(state, text, "out_of_scope", [], route="language")
            return
        text = compose.not_found_text(self.settings, self._notices(state), self._signpost(state))
        yield text
        yield self._answer(state, text, "not_found", [], route="plan")

    def _nothing_more(self, state: _State) -> Iterator[str | Answer]:
        """After "what else?": the plan says nothing beyond the answer already given."""
        text = compose.nothing_more_text(self.settings)
        yield text
        yield self._answer(state, text, "not_found", [], route="plan")

    def _notices(self, state: _State) -> list[str]:
        notices = list(state.screening.notices) if state.screening else []
        if state.generator_failed:
            notices.append(replies.generator_unavailable_notice())
        return notices

    def _generator_failed(self, state: _State, exc: Exception) -> None:
        """Log a model server's failure (a 502 from upstream) and answer the rest extractively."""
        if not state.generator_failed:
            logger.warning(failure_line(self.generator.name, exc))
        state.generator_failed = True

    def _compose_structural(self, state: _State, found: StructuralAnswer) -> Iterator[str | Answer]:
        by_id = self.retriever.index.by_id
        citations = [citation(by_id[c], quote=by_id[c].quote) for c in title_chunks(found) if c in by_id]
        signpost = []
        if found.signpost:
            # A listed document whose text is not here: where to ask for it.
            signpost = [
                f"For help with this, please see [{self.settings.contact_text}]({self.settings.contact_url})."
            ]
        text = "\n\n".join([*self._notices(state), found.text, *found.notes, *signpost])
        yield text
        status: Status = "answered" if found.found else "not_found"
        yield self._answer(
            state, text, status, citations, route=found.route, notices=[*found.notes, *signpost]
        )

    def _compose_passages(self, state: _State) -> Iterator[str | Answer]:
        t = time.perf_counter()
        passages = state.passages
        if state.repair is not None and state.repair.kind == "more":
            passages = _unshown(passages, state.repair.shown)
            if not passages:
                yield from self._nothing_more(state)
                return
        verifier = Verifier(passages, self.embedder.embed)
        generator: Generator = self._fallback if state.generator_failed else self.generator
        recorded = _Recorded(generator.generate(state.standalone, passages, state.audience))
        # A sentence at a time: a model's first sentence shows while it writes the second.
        lines = verifier.pieces(iter(recorded))
        first = next(lines, None)
        if recorded.error is not None:
            self._generator_failed(state, recorded.error)
        if first is None and recorded.error is None and says_not_covered(recorded.text):
            if self.settings.llm_refusal == "model":
                # The model's own "the plan doesn't cover that" is a refusal, not a sentence to replace.
                yield from self._not_found(state)
                return
            # The fitted answerability decision said the passages answer: the plan's own sentences do.
            logger.info(
                "%s refused a question the answerability model passed; answered extractively", generator.name
            )
        if first is None and generator.name != self._fallback.name:
            verifier.reset()
            lines = verifier.pieces(self._fallback.generate(state.standalone, passages, state.audience))
            first = next(lines, None)
        if first is None:
            more = state.repair is not None and state.repair.kind == "more"
            yield from self._nothing_more(state) if more else self._not_found(state)
            return
        body: Iterator[str] = itertools.chain([first], lines)
        if state.repair is not None and state.repair.kind == "shorter":
            body = _first_lines(body, SHORT_LINES)
        if not states_asked_figure(state.standalone, ""):
            # Hold the lines back: only an answer that states a figure answers "how many".
            held = list(body)
            if not states_asked_figure(state.standalone, " ".join(held)) and generator is not self._fallback:
                # A model may leave the figure out; the passages' own sentences may not.
                verifier.reset()
                held = list(
                    verifier.lines(self._fallback.generate(state.standalone, passages, state.audience))
                )
            if not held or not states_asked_figure(state.standalone, " ".join(held)):
                yield from self._not_found(state)
                return
            body = iter(held)
        by_id = {p.chunk.id: p.chunk for p in passages}
        plan = documents.main_plan(self.outline)
        plan_id = plan.id if plan else None
        if len({p.chunk.document_id for p in passages}) > 1:
            # Several documents may answer: the plan's lines come first, so its citations do.
            whole = "".join(body).splitlines(keepends=True)
            body = iter(_plan_first(whole, verifier, passages, plan_id))
        # Nothing is shown until a first supported sentence exists, so a refusal never follows a lead line,
        # and the lead names where that first cited sentence sits.
        top = by_id[verifier.order[0]]
        asked = state.screening.question if state.screening else ""
        premise = compose.premise_note(asked, passages) or compose.claim_note(asked, passages)
        cited = list(dict.fromkeys(by_id[c].document_id for c in verifier.order))
        also = [by_id[c].document_title for c in verifier.order if by_id[c].document_id in cited[1:]]
        currency = self._currency_notes(state, cited)
        lead = compose.lead(
            state.audience,
            top,
            [*self._notices(state), *currency],
            premise,
            self._plain_place(top),
            from_plan=top.document_id == plan_id,
            also=list(dict.fromkeys(also)),
        )
        yield lead
        parts: list[str] = [lead]
        failed_before = state.generator_failed
        for line in body:
            yield line
            parts.append(line)
        if recorded.error is not None and not failed_before:
            # The server failed mid-answer: what was verified stands, and the reader is told it stopped short.
            self._generator_failed(state, recorded.error)
            notice = f"\n{replies.generator_unavailable_notice()}\n"
            yield notice
            parts.append(notice)
        explained = (
            compose.abbreviations("".join(parts[1:]), self.retriever.index.acronyms)
            if state.audience in compose.EXPLAINED_FOR
            else ""
        )
        if explained:
            # The plan's jargon, spelled out after the answer (a note, not one of the plan's sentences).
            yield f"\n{explained}\n"
            parts.append(f"\n{explained}\n")
        citations = cite_sentences(by_id, verifier.order, verifier.used)
        if state.audience in ("adviser", "staff") and citations:
            # Advisers read the reference out; staff want every place in the plan the answer draws on.
            ref = reference_line(citations, plan_id)
            yield ref
            parts.append(ref)
        signpost = self._signpost(state)
        if signpost:
            # The plan's commitment answers the question; the request itself goes where it is handled.
            yield f"\n{signpost}\n"
            parts.append(f"\n{signpost}\n")
        text = "".join(parts).strip()
        removed = verifier.removed
        if self.guard is not None:
            # The configured pointer to a replacement document is the council's own link, like a signpost.
            allowed = "\n".join([*(p.chunk.text for p in passages), *currency])
            text, dropped = self.guard.check_output(text, allowed)
            removed.extend(dropped)
        state.lap("compose", t)
        yield self._answer(
            state,
            text,
            "answered",
            citations,
            route="plan",
            removed=removed,
            # The note on a question's premise is the assistant's own fixed text, like the period note.
            notices=[
                *currency,
                *premise,
                *([explained] if explained else []),
                *([signpost] if signpost else []),
            ],
        )

    def _currency_notes(self, state: _State, document_ids: Sequence[str]) -> list[str]:
        """Notes for the cited documents that are no longer current, each once per conversation."""
        said = " ".join(t.content for t in state.history if t.role == "assistant")
        if state.repair is not None:
            said += (
                f" {state.repair.shown}"  # the answers the repair follows were said in this conversation too
            )
        notes = []
        for document_id in document_ids:
            doc = self.outline.document(document_id)
            note = documents.currency_note(doc, self.today(), self.settings.replaced_by) if doc else None
            if note and note not in said:
                notes.append(note)
        return notes

    def _plain_place(self, chunk: Chunk) -> str | None:
        """The plain-English name of the chunk's key priority, when one was prepared for residents."""
        if self._plain_titles is None:
            self._plain_titles = {
                c.priority: c.sentences[0].plain
                for c in self.retriever.index.chunks
                if c.kind == "priority" and c.priority and c.sentences and c.sentences[0].plain
            }
        return self._plain_titles.get(chunk.priority or "")

    def _answer(
        self,
        state: _State,
        text: str,
        status: Status,
        citations: list[Any],
        route: str,
        removed: list[str] | None = None,
        notices: Sequence[str] = (),
    ) -> Answer:
        state.timings["total"] = round((time.perf_counter() - state.started) * 1000, 2)
        return Answer(
            answer=text.strip(),
            status=status,
            citations=citations,
            removed=removed or [],
            timings=dict(state.timings),
            route=route,
            # Fixed guardrail texts in the answer (notices before it, a signpost after it), listed so that
            # clients and the eval can tell them from what the plan says.
            notices=[*self._notices(state), *notices],
        )


def _first_lines(pieces: Iterator[str], count: int) -> Iterator[str]:
    """The pieces (sentences) of the answer's first ``count`` lines."""
    for piece in pieces:
        yield piece
        count -= piece.endswith("\n")
        if count <= 0:
            return


def _unshown(passages: Sequence[Passage], shown: str) -> list[Passage]:
    """The passages with the sentences an earlier answer showed scored 0 (no generator picks them), and
    those further than MORE_BAND from the best sentence too; a passage left with nothing to say is dropped."""
    best = max((max(p.sentence_scores, default=0.0) for p in passages), default=0.0)
    out = []
    for passage in passages:
        scores = tuple(
            0.0 if score < best - MORE_BAND or already_shown(sentence.text, sentence.plain, shown) else score
            for sentence, score in zip(passage.chunk.sentences, passage.sentence_scores, strict=False)
        )
        if any(scores):
            out.append(replace(passage, sentence_scores=scores))
    return out


PLAN_FIRST_BAND = 0.12
"""The plan's lines lead an answer drawn from several documents when its best cited sentence is this close
(cosine similarity to the question) to the best one: it answers too, rather than filling a line."""


def _plan_first(
    lines: list[str], verifier: Verifier, passages: Sequence[Passage], plan_id: str | None
) -> list[str]:
    """The verified lines with the plan's first (stable otherwise), verified again so markers run in order."""
    by_id = {p.chunk.id: p for p in passages}

    def document(line: str) -> str | None:
        found = re.search(r"\[(\d+)\]", line)
        n = int(found.group(1)) - 1 if found else -1
        return by_id[verifier.order[n]].chunk.document_id if 0 <= n < len(verifier.order) else None

    best: dict[str, float] = {}
    for chunk_id, used in verifier.used.items():
        passage = by_id[chunk_id]
        score = max(
            (passage.sentence_scores[i] for i in used if i < len(passage.sentence_scores)), default=0.0
        )
        best[passage.chunk.document_id] = max(best.get(passage.chunk.document_id, 0.0), score)
    if plan_id not in best or best[plan_id] < max(best.values()) - PLAN_FIRST_BAND:
        return lines
    ordered = sorted(lines, key=lambda line: document(line) != plan_id)
    if ordered == lines:
        return lines
    verifier.reset()
    return list(verifier.lines(iter(strip_markers(line) for line in ordered)))
