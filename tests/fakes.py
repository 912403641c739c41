"""Fakes at our own boundaries: a scripted chat-model generator, deterministic embeddings, hand-made chunks."""

from __future__ import annotations

import hashlib
import re
from collections import deque
from collections.abc import Iterator, Sequence

import numpy as np

from plan_assistant.embeddings import Embedder
from plan_assistant.schemas import Answer, Audience, Chunk, Citation, Passage, Sentence

_WORD = re.compile(r"[a-z0-9£%]+")
# Words that carry no topic, left out so a bag-of-words cosine reflects shared subject matter.
_STOP = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "can",
        "do",
        "does",
        "for",
        "from",
        "how",
        "i",
        "in",
        "is",
        "it",
        "its",
        "me",
        "my",
        "of",
        "on",
        "or",
        "our",
        "should",
        "so",
        "that",
        "the",
        "their",
        "there",
        "they",
        "this",
        "to",
        "was",
        "we",
        "what",
        "when",
        "which",
        "who",
        "will",
        "with",
        "you",
        "your",
        "about",
    ]
)


class FakeGenerator:
    """A scripted chat model: ``enqueue(text)`` queues a reply, each ``generate`` yields the next as deltas."""

    name = "fake-chat"

    def __init__(self, delta_chars: int = 7) -> None:
        self.replies: deque[str | tuple[str, Exception]] = deque()
        self.calls: list[tuple[str, tuple[Passage, ...], Audience]] = []
        self.delta_chars = delta_chars

    def enqueue(self, text: str) -> FakeGenerator:
        """Queue the next reply; returns self so replies can be chained."""
        self.replies.append(text)
        return self

    def fail(self, error: Exception, after: str = "") -> FakeGenerator:
        """Queue a reply that streams ``after`` and then raises ``error``, as a failing model server would."""
        self.replies.append((after, error))
        return self

    def generate(self, question: str, passages: Sequence[Passage], audience: Audience) -> Iterator[str]:
        """Yield the next queued reply in small pieces, as a streaming model would (lines split mid-word)."""
        self.calls.append((question, tuple(passages), audience))
        if not self.replies:
            raise AssertionError(f"FakeGenerator was asked to answer {question!r} with nothing queued")
        reply = self.replies.popleft()
        text, error = reply if isinstance(reply, tuple) else (reply, None)
        for start in range(0, len(text), self.delta_chars):
            yield text[start : start + self.delta_chars]
        if error is not None:
            raise error


def _bucket(word: str, dimension: int) -> int:
    return int.from_bytes(hashlib.sha256(word.encode()).digest()[:4], "big") % dimension


class FakeEmbedder(Embedder):
    """Bag-of-words vectors hashed into a fixed space, L2-normalised: cosine similarity = word overlap.

    Deterministic across processes (sha256, not ``hash``); stop words are skipped and a crude plural
    strip lets "banks" and "bank" meet. It subclasses Embedder only to be accepted where one is typed;
    no model is loaded.
    """

    name = "fake-bag-of-words"

    def __init__(self, dimension: int = 512) -> None:  # no super().__init__: there is no model to load
        self.dimension = dimension
        self.texts: list[str] = []

    def _vector(self, text: str) -> np.ndarray:
        vector = np.zeros(self.dimension, dtype=np.float32)
        for word in _WORD.findall(text.lower()):
            if word in _STOP:
                continue
            if len(word) > 3 and word.endswith("s"):
                word = word[:-1]
            vector[_bucket(word, self.dimension)] += 1.0
        norm = float(np.linalg.norm(vector))
        return vector / norm if norm else vector

    def embed(self, texts: Sequence[str], batch_size: int = 32, progress: bool = False) -> np.ndarray:
        """Embed many texts as rows of a float32 matrix."""
        self.texts.extend(texts)
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.stack([self._vector(t) for t in texts])

    def embed_query(self, text: str) -> np.ndarray:
        """Embed one query."""
        return self.embed([text])[0]


def make_chunk(
    chunk_id: str,
    sentences: Sequence[str],
    *,
    outcome: int | None = None,
    outcome_title: str | None = None,
    priority: str | None = None,
    section: str | None = None,
    kind: str = "commitment",
    position: int = 0,
    quotes: Sequence[str] | None = None,
) -> Chunk:
    """A hand-made chunk whose sentences are their own quotes (unless quotes are given)."""
    quotes = list(quotes) if quotes is not None else list(sentences)
    text = " ".join(sentences)
    if section is None:
        section = (
            f"Outcome {outcome} › {priority}" if outcome and priority else (outcome_title or "Introduction")
        )
    return Chunk(
        id=chunk_id,
        document_id="test-plan",
        document_title="Test Business Plan 2021-2023",
        document_version="1",
        text=text,
        outcome=outcome,
        outcome_title=outcome_title,
        priority=priority,
        section=section,
        position=position,
        start=position * 1000,
        end=position * 1000 + len(text),
        content_hash=hashlib.sha256(text.encode()).hexdigest()[:16],
        kind=kind,  # type: ignore[arg-type]
        sentences=[Sentence(text=s, quote=q) for s, q in zip(sentences, quotes, strict=True)],
    )


def make_passage(chunk: Chunk, scores: Sequence[float] | None = None, similarity: float = 0.5) -> Passage:
    """A retrieved passage with chosen sentence scores (default: every sentence 0.5)."""
    scores = tuple(scores) if scores is not None else tuple(0.5 for _ in chunk.sentences)
    return Passage(chunk=chunk, score=1.0, similarity=similarity, sentence_scores=scores)


# An answered question with one citation, as the question log and its tests see it.
CITATION = Citation(
    document="Business Plan 2021-2023",
    document_id="plan",
    outcome=2,
    outcome_title="A greener Somerset",
    priority="Work with people to build a climate resilient Somerset",
    section="Outcome 2 › Work with people to build a climate resilient Somerset",
    quote="Ensure flood prevention remains a focus.",
    chunk_id="c1",
)
ANSWERED = Answer(answer="The plan...", status="answered", citations=[CITATION], route="plan")
