"""The answer chain: guard -> condense -> retrieve (or outline lookup) -> compose -> verify -> Answer."""

from __future__ import annotations

import itertools
import re
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from langchain_core.runnables import RunnableLambda

from plan_assistant.config import Settings
from plan_assistant.embeddings import Embedder
from plan_assistant.generators.base import Generator
from plan_assistant.generators.extractive import ExtractiveGenerator
from plan_assistant.grounding import (
    Embed,
    figures,
    find_support,
    split_line,
    states_asked_figure,
    strip_markers,
)
from plan_assistant.guardrails import Guard, Screening, extract_question, normalise, redact
from plan_assistant.outline import Outline
from plan_assistant.retrieval import HybridRetriever
from plan_assistant.schemas import Answer, Audience, Chunk, Citation, Passage, Turn
from plan_assistant.structural import StructuralAnswer, answer_structural

# A follow-up that only makes sense with what came before: short, or leaning on "it", "that", "and ...".
_FOLLOW_UP = re.compile(
    r"^\s*(?:and|but|also|what about|how about|so|then|ok(?:ay)?|and what|why|when|by when|how|who)\b"
    r"|\b(?:it|that|this|those|these|they|them|there|its|their)\b",
    re.I,
)
NOT_FOUND_LEAD = "The Business Plan doesn't cover that."
# A question asking for a quantity is only answered by a sentence that states one.


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
    structural: StructuralAnswer | None = None
    passages: list[Passage] = field(default_factory=list)

    def lap(self, step: str, since: float) -> float:
        now = time.perf_counter()
        self.timings[step] = round((now - since) * 1000, 2)
        return now


def is_follow_up(question: str, history: Sequence[Turn]) -> bool:
    """Whether a question leans on earlier turns: short, or opening with "and", or using "it", "that"."""
    if not any(t.role == "user" and t.content.strip() for t in history):
        return False
    return len(question.split()) <= 8 or bool(_FOLLOW_UP.search(question))


def condense(question: str, history: Sequence[Turn]) -> str:
    """A follow-up made standalone by prefixing the previous user question (no LLM needed)."""
    if not is_follow_up(question, history):
        return question
    previous = [t.content for t in history if t.role == "user" and t.content.strip()]
    return f"{previous[-1].strip()} {question}"


MAX_CONDENSED_CHARS = 300


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
    ) -> None:
        self.settings = settings
        self.embedder = embedder
        self.retriever = retriever
        self.generator = generator
        self.outline = outline
        self.guard = guard
        self._fallback = ExtractiveGenerator()
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
        state: _State = self._prepare.invoke(_State(question, tuple(history), audience))
        yield from self._compose(state)

    def retrieve(self, question: str, history: Sequence[Turn] = ()) -> list[Chunk]:
        """The ranked chunks the assistant would answer from (outline lookups: the chunks they name)."""
        state: _State = self._prepare.invoke(_State(question, tuple(history), "staff"))
        if state.structural is not None:
            by_id = self.retriever.index.by_id
            return [by_id[c] for c in _title_chunks(state.structural) if c in by_id]
        return [p.chunk for p in state.passages]

    def health(self) -> dict[str, Any]:
        """Counts for /healthz."""
        index = self.retriever.index
        return {"documents": index.documents, "chunks": len(index.chunks), "generator": self.generator.name}

    # Chain steps ---------------------------------------------------------------------------------

    def _screen(self, state: _State) -> _State:
        t = time.perf_counter()
        if self.guard is not None:
            state.screening = self.guard.screen(state.question)
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
        state.standalone = condense(state.screening.question, history)
        rewrite = getattr(self.generator, "condense", None)
        if rewrite is not None and state.standalone != state.screening.question:
            # An LLM generator can rewrite the follow-up more naturally; its rewrite is only a search query
            # (the answer is still grounded in the passages), and a failed or odd one keeps the heuristic.
            try:
                rewritten = " ".join(str(rewrite(state.screening.question, history)).split())
            except Exception:  # a model server that is down must not stop the answer
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
        state.structural = answer_structural(state.screening.question, self.outline)
        if state.structural is None:
            state.passages = self.retriever.search(state.standalone, k=self.settings.top_k)
        state.lap("retrieve", t)
        return state

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
            yield from self._compose_structural(state, state.structural)
            return
        if not self._relevant(state.passages):
            yield from self._not_found(state)
            return
        yield from self._compose_passages(state)

    def _relevant(self, passages: list[Passage]) -> bool:
        if not passages:
            return False
        best_sentence = max((max(p.sentence_scores, default=0.0) for p in passages), default=0.0)
        return max(passages[0].similarity, best_sentence) >= self.settings.min_relevance

    def _not_found(self, state: _State) -> Iterator[str | Answer]:
        s = self.settings
        text = "\n\n".join(
            [
                *self._notices(state),
                f"{NOT_FOUND_LEAD} I can only answer from Somerset County Council's Business Plan 2021-2023, "
                "and it doesn't say anything about this.",
                f"For help with this, please see [{s.contact_text}]({s.contact_url}).",
            ]
        )
        yield text
        yield self._answer(state, text, "not_found", [], route="plan")

    def _notices(self, state: _State) -> list[str]:
        return list(state.screening.notices) if state.screening else []

    def _compose_structural(self, state: _State, found: StructuralAnswer) -> Iterator[str | Answer]:
        by_id = self.retriever.index.by_id
        citations = [
            self._citation(by_id[c], quote=by_id[c].quote) for c in _title_chunks(found) if c in by_id
        ]
        text = "\n\n".join([*self._notices(state), found.text])
        yield text
        yield self._answer(state, text, "answered", citations, route="outline")

    def _compose_passages(self, state: _State) -> Iterator[str | Answer]:
        t = time.perf_counter()
        passages = state.passages
        used: dict[str, list[int]] = {}
        removed: list[str] = []
        order: list[str] = []
        lines = self._grounded_lines(state, self.generator, passages, used, removed, order)
        first = next(lines, None)
        if first is None and self.generator.name != self._fallback.name:
            lines = self._grounded_lines(state, self._fallback, passages, used, removed, order)
            first = next(lines, None)
        if first is None:
            yield from self._not_found(state)
            return
        body: Iterator[str] = itertools.chain([first], lines)
        if not states_asked_figure(state.standalone, ""):
            # Hold the lines back: only an answer that states a figure answers "how many".
            held = list(body)
            if (
                not states_asked_figure(state.standalone, " ".join(held))
                and self.generator is not self._fallback
            ):
                # A model may leave the figure out; the passages' own sentences may not.
                used.clear()
                order.clear()
                held = list(self._grounded_lines(state, self._fallback, passages, used, removed, order))
            if not held or not states_asked_figure(state.standalone, " ".join(held)):
                yield from self._not_found(state)
                return
            body = iter(held)
        # Nothing is shown until a first supported sentence exists, so a refusal never follows a lead line,
        # and the lead names where that first cited sentence sits.
        lead = self._lead(state, next(p.chunk for p in passages if p.chunk.id == order[0]))
        yield lead
        parts: list[str] = [lead]
        for line in body:
            yield line
            parts.append(line)
        citations = []
        by_id = {p.chunk.id: p.chunk for p in passages}
        for chunk_id in order:
            chunk = by_id[chunk_id]
            quote = " … ".join(chunk.sentences[i].quote for i in sorted(set(used[chunk_id])))
            citations.append(self._citation(chunk, quote=quote))
        if state.audience in ("adviser", "staff") and citations:
            # Advisers read the reference out; staff want every place in the plan the answer draws on.
            ref = self._reference(citations)
            yield ref
            parts.append(ref)
        text = "".join(parts).strip()
        if self.guard is not None:
            allowed = "\n".join(p.chunk.text for p in passages)
            text, dropped = self.guard.check_output(text, allowed)
            removed.extend(dropped)
        state.lap("compose", t)
        yield self._answer(state, text, "answered", citations, route="plan", removed=removed)

    def _grounded_lines(
        self,
        state: _State,
        generator: Generator,
        passages: list[Passage],
        used: dict[str, list[int]],
        removed: list[str],
        order: list[str],
    ) -> Iterator[str]:
        """Verify each line of the generator's output as it completes; yield only supported sentences."""
        embed = self.embedder.embed
        buffer = ""
        for delta in generator.generate(state.standalone, passages, state.audience):
            buffer += delta
            while "\n" in buffer:
                line, buffer = buffer.split("\n", 1)
                out = self._verify_line(line, passages, embed, used, removed, order)
                if out:
                    yield out + "\n"
        if buffer.strip():
            out = self._verify_line(buffer, passages, embed, used, removed, order)
            if out:
                yield out + "\n"

    def _verify_line(
        self,
        line: str,
        passages: list[Passage],
        embed: Embed,
        used: dict[str, list[int]],
        removed: list[str],
        order: list[str],
    ) -> str:
        """Keep the line's supported sentences, each with its citation marker; record the others."""
        marker, sentences = split_line(strip_markers(line))
        kept: list[str] = []
        for sentence in sentences:
            if sentence.strip().rstrip(":") == "" or (sentence.endswith(":") and len(sentence) < 60):
                continue  # a model's own "Here is what the plan says:" scaffolding adds nothing
            support = find_support(sentence, passages, embed)
            if support is None:
                removed.append(sentence)
                continue
            chunk_id = passages[support.passage].chunk.id
            if chunk_id not in used:
                used[chunk_id] = []
                order.append(chunk_id)
            used[chunk_id].append(support.sentence)
            kept.append(f"{sentence} [{order.index(chunk_id) + 1}]")
        return f"{marker}{' '.join(kept)}" if kept else ""

    def _lead(self, state: _State, top: Chunk) -> str:
        notices = self._notices(state)
        where = _where(top)
        premise = self._premise_note(state)
        if state.audience == "adviser":
            lead = "**Tell the caller:**"
        elif state.audience == "staff":
            lead = f"This is covered in the Business Plan under **{where}**."
        else:
            lead = f"Here's what the Business Plan says (**{where}**):"
        return "\n\n".join([*notices, *premise, lead]) + "\n\n"

    def _premise_note(self, state: _State) -> list[str]:
        """When the question states a figure or date the passages don't, say so before answering."""
        asked = figures(state.screening.question if state.screening else state.question)
        if not asked:
            return []
        text = " ".join(p.chunk.text for p in state.passages)
        have = figures(text)
        missing = sorted(f for f in asked if f not in have)
        if not missing or not have:
            return []
        # The figure is not repeated: a council answer should not echo a number it cannot stand behind.
        return ["The plan doesn't give the figure or date in your question. This is what it does say:"]

    def _reference(self, citations: list[Citation]) -> str:
        refs = []
        for n, c in enumerate(citations, start=1):
            refs.append(f"[{n}] {_where(c)}")
        return "\n**Reference:** " + "; ".join(refs) + "\n"

    def _citation(self, chunk: Chunk, quote: str) -> Citation:
        return Citation(
            document=chunk.document_title,
            document_id=chunk.document_id,
            outcome=chunk.outcome,
            outcome_title=chunk.outcome_title,
            priority=chunk.priority,
            section=chunk.section,
            quote=quote,
            chunk_id=chunk.id,
            page=chunk.page,
        )

    def _answer(
        self,
        state: _State,
        text: str,
        status: Any,
        citations: list[Citation],
        route: str,
        removed: list[str] | None = None,
    ) -> Answer:
        state.timings["total"] = round((time.perf_counter() - state.started) * 1000, 2)
        screening = state.screening
        return Answer(
            answer=text.strip(),
            status=status,
            citations=citations,
            removed=removed or [],
            timings=dict(state.timings),
            route=route,
            notices=list(screening.notices) if screening else [],
        )


def _title_chunks(found: StructuralAnswer) -> list[str]:
    """The title chunks an outline answer rests on: its outcome's, then each priority's (or every outcome's)."""
    # A question about an outcome's priorities ranks the priorities first; one about the outcome, the outcome.
    outcome_last = bool(found.priorities) and "priorit" in found.question.lower()
    outcomes = (
        [found.outcome]
        if found.outcome
        else ([] if found.priorities else found.document.outcomes if found.document else [])
    )
    outcome_ids = [c for outcome in outcomes for c in outcome.chunk_ids[:1]]
    priority_ids = [c for priority in found.priorities for c in priority.chunk_ids[:1]]
    return priority_ids + outcome_ids if outcome_last else outcome_ids + priority_ids


def _where(place: Chunk | Citation) -> str:
    if place.outcome is not None:
        return f"Outcome {place.outcome} › {place.priority}" if place.priority else f"Outcome {place.outcome}"
    return place.section
