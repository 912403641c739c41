"""What residents ask, from the question log and feedback: volume, where questions land in the plan, topics.

Topics come from clustering the questions' embeddings (the model the assistant already loaded).
Identical redacted questions are embedded once. Up to ``EXACT_LIMIT`` distinct questions are clustered
by **agglomerative clustering, average linkage, cosine distance, cut at a distance threshold**: the
number of topics is not fixed in advance (a quiet month has few, a storm many), a topic is a group whose
questions are on average similar rather than a chain of neighbours (single linkage) or a ball of fixed
size (k-means), and the result does not depend on a random start. Its cost grows with the square of the
distinct questions, so beyond the limit they are first gathered into ``EXACT_LIMIT // 2`` micro-clusters by
MiniBatchKMeans and the micro-clusters' centres are clustered the same way.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from time import perf_counter

import numpy as np
from pydantic import BaseModel, Field

from plan_assistant.embeddings import Embedder
from plan_assistant.feedback import FeedbackRow
from plan_assistant.guardrails.personal_data import without_markers
from plan_assistant.question_log import WITHHELD, LoggedQuestion, QuestionLog
from plan_assistant.text import STOP_WORDS, words

EmbedFn = Callable[[Sequence[str]], np.ndarray]

# Average cosine distance within a topic. Chosen by reading the topics of the two eval sets' 227 questions
# at 0.4, 0.5 and 0.6: at 0.4, 165 topics, most of one question (the list-the-priorities questions apart);
# at 0.6, 73, the largest (29) mixing business, care and council finance; at 0.5, 115 topics whose largest
# each hold one subject (flooding, lists of priorities, young people and schooling).
TOPIC_DISTANCE = 0.5
EXACT_LIMIT = 4000
EMBED_BATCH = 64
NOT_IN_PLAN = "not in the plan"
# The words of asking, not of a subject: they would label every topic.
_SCAFFOLDING = frozenset(
    [
        "plan",
        "plans",
        "council",
        "councils",
        "somerset",
        "say",
        "says",
        "said",
        "tell",
        "know",
        "caller",
        "asks",
        "asking",
        "ask",
        "asked",
        "want",
        "wants",
        "doing",
        "going",
        "help",
        "question",
        "does",
    ]
)
_TOPIC_STOP = STOP_WORDS | _SCAFFOLDING


class Count(BaseModel):
    """One bar of a chart."""

    label: str
    count: int


class Topic(BaseModel):
    """Questions that mean much the same, labelled and placed against the plan."""

    id: int
    label: str = Field(description="The topic's most central question (redacted).")
    words: list[str] = Field(description="Its top words by TF-IDF against the other topics.")
    questions: int = Field(description="Logged questions in the topic, repeats included.")
    distinct: int = Field(description="Distinct questions in the topic.")
    examples: list[str] = Field(description="Up to five of its questions, most asked first (redacted).")
    placement: str = Field(description="'Outcome 2 › priority', a document, 'not in the plan', or a route.")
    in_plan: bool
    not_in_plan: bool
    outcome: int | None = None
    priority: str | None = None
    statuses: dict[str, int]
    ratings: int = 0
    downs: int = 0
    down_rate: float | None = None
    comments: list[str] = Field(
        default_factory=list, description="Comments left with thumbs-down (redacted)."
    )
    members: list[str] = Field(
        default_factory=list, exclude=True, description="Every distinct question, as compared (not sent)."
    )


class DownAnswer(BaseModel):
    """One question and the place its answer cited, with the thumbs-down it received."""

    question: str
    placement: str
    status: str
    downs: int
    ratings: int
    comments: list[str]


class Insights(BaseModel):
    """Everything the staff page, its JSON and the report show."""

    created: str
    since: str | None
    questions: int
    distinct_questions: int
    by_day: list[Count]
    by_status: list[Count]
    by_outcome: list[Count]
    by_priority: list[Count]
    topics: list[Topic]
    not_in_plan: list[Topic] = Field(description="Topics the plan does not cover, largest first.")
    down_by_topic: list[Topic] = Field(description="Rated topics, most thumbs-down first.")
    most_down: list[DownAnswer]
    seconds: dict[str, float] = Field(default_factory=dict, description="Time spent on each step.")


# ---------------------------------------------------------------- embedding questions


def question_embedder(embedder: Embedder, batch_size: int = EMBED_BATCH) -> EmbedFn:
    """Embed logged questions with the loaded model, redaction markers taken out, in batches."""
    return lambda texts: embedder.embed([without_markers(t) for t in texts], batch_size=batch_size)


def cached_embed(log: QuestionLog, embed: EmbedFn, model: str) -> EmbedFn:
    """``embed`` through the log's kept vectors: only questions never embedded before reach the model."""

    def run(texts: Sequence[str]) -> np.ndarray:
        known = log.vectors(texts, model)
        missing = [t for t in dict.fromkeys(texts) if t not in known]
        if missing:
            fresh = dict(zip(missing, embed(missing), strict=True))
            log.keep_vectors(fresh, model)
            known.update(fresh)
        return np.stack([known[t] for t in texts]) if texts else np.zeros((0, 1), dtype=np.float32)

    return run


# ---------------------------------------------------------------- pure helpers


def parse_since(text: str, now: datetime | None = None) -> datetime:
    """'30d', '12h', '2w' or an ISO date as the moment from which questions count."""
    now = now or datetime.now(UTC)
    text = text.strip().lower()
    units = {"h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}
    if text[-1:] in units and text[:-1].isdigit():
        try:
            return now - int(text[:-1]) * units[text[-1]]
        except (OverflowError, ValueError):  # further back than the calendar goes
            raise ValueError(f"{text!r} reaches back further than any date") from None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(
            f"{text!r} is neither a period like 30d, 12h or 2w nor a date like 2026-05-01"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def question_key(text: str) -> str:
    """The form in which two logged questions count as the same question."""
    return " ".join(text.split()).casefold()


def place(outcome: int | None, priority: str | None, document: str | None) -> str:
    """Where a citation sits, in the plan's words."""
    if outcome is not None:
        return f"Outcome {outcome} › {priority}" if priority else f"Outcome {outcome}"
    return document or "no citation"


def volume_by_day(rows: Sequence[LoggedQuestion]) -> list[Count]:
    """Questions per day, days without any included, oldest first."""
    days = Counter(row.created_at[:10] for row in rows)
    if not days:
        return []
    first, last = date.fromisoformat(min(days)), date.fromisoformat(max(days))
    span = (last - first).days
    return [
        Count(label=d, count=days[d]) for d in ((first + timedelta(n)).isoformat() for n in range(span + 1))
    ]


def _agglomerate(vectors: np.ndarray, threshold: float) -> np.ndarray:
    from sklearn.cluster import AgglomerativeClustering

    if len(vectors) < 2:
        return np.zeros(len(vectors), dtype=int)
    model = AgglomerativeClustering(
        n_clusters=None, distance_threshold=threshold, metric="cosine", linkage="average"
    )
    return np.asarray(model.fit_predict(vectors), dtype=int)


def cluster(
    vectors: np.ndarray,
    weights: np.ndarray | None = None,
    threshold: float = TOPIC_DISTANCE,
    exact_limit: int = EXACT_LIMIT,
) -> np.ndarray:
    """A topic number for each (L2-normalised) vector; see the module's docstring for the method."""
    if len(vectors) <= exact_limit:
        return _agglomerate(vectors, threshold)
    from sklearn.cluster import MiniBatchKMeans

    micro = MiniBatchKMeans(
        n_clusters=exact_limit // 2, random_state=0, n_init=1, batch_size=4096, max_iter=20
    ).fit(vectors, sample_weight=weights)
    centres = micro.cluster_centers_ / np.maximum(
        np.linalg.norm(micro.cluster_centers_, axis=1, keepdims=True), 1e-12
    )
    return _agglomerate(centres, threshold)[np.asarray(micro.labels_, dtype=int)]


def top_words(documents: Sequence[str], count: int = 5) -> list[list[str]]:
    """Each document's highest TF-IDF words against the others (stop words and asking words left out)."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    vocabulary_holders = [
        " ".join(w for w in words(d) if w not in _TOPIC_STOP and len(w) > 2) for d in documents
    ]
    if not any(vocabulary_holders):
        return [[] for _ in documents]
    matrix = TfidfVectorizer(tokenizer=str.split, token_pattern=None, sublinear_tf=True).fit(
        vocabulary_holders
    )
    scores = matrix.transform(vocabulary_holders).toarray()
    names = matrix.get_feature_names_out()
    return [[str(names[i]) for i in np.argsort(-row)[:count] if row[i] > 0] for row in scores]


# ---------------------------------------------------------------- the whole computation


def _placement(rows: Sequence[LoggedQuestion]) -> tuple[str, bool, bool, int | None, str | None]:
    statuses = Counter(row.status for row in rows)
    refused, answered = statuses.get("not_found", 0), statuses.get("answered", 0)
    if refused and refused > answered and refused >= max(statuses.values()):
        return NOT_IN_PLAN, False, True, None, None
    cited = Counter(
        (row.outcome, row.priority, row.document)
        for row in rows
        if row.status == "answered" and (row.outcome is not None or row.document)
    )
    if cited:
        (outcome, priority, document), _ = cited.most_common(1)[0]
        return place(outcome, priority, document), True, False, outcome, priority
    route = Counter(row.route for row in rows).most_common(1)[0][0]
    return f"outside the plan ({route})", False, False, None, None


def build_insights(
    rows: Sequence[LoggedQuestion],
    feedback: Iterable[FeedbackRow],
    embed: EmbedFn,
    *,
    since: datetime | None = None,
    outcome_titles: Mapping[int, str] | None = None,
    threshold: float = TOPIC_DISTANCE,
    exact_limit: int = EXACT_LIMIT,
) -> Insights:
    """Volume, plan coverage, topics and thumbs-down from logged questions and the feedback on their answers."""
    started = perf_counter()
    seconds: dict[str, float] = {}
    titles = outcome_titles or {}

    # Distinct questions, embedded once each; withheld and marker-only texts have no words to group.
    key_of = [question_key(row.question) for row in rows]
    counts = Counter(k for k, row in zip(key_of, rows, strict=True) if row.question != WITHHELD)
    shown: dict[str, str] = {}
    for key, row in zip(key_of, rows, strict=True):
        shown.setdefault(key, " ".join(row.question.split()))
    keys = [k for k in counts if without_markers(shown[k]).strip()]
    tick = perf_counter()
    vectors = (
        np.asarray(embed([shown[k] for k in keys]), dtype=np.float32)
        if keys
        else np.zeros((0, 1), dtype=np.float32)
    )
    seconds["embed"] = perf_counter() - tick
    tick = perf_counter()
    weights = np.array([counts[k] for k in keys], dtype=np.float64)
    labels = cluster(vectors, weights, threshold, exact_limit) if keys else np.zeros(0, dtype=int)
    seconds["cluster"] = perf_counter() - tick
    topic_of_key = dict(zip(keys, labels.tolist(), strict=True))

    tick = perf_counter()
    members: dict[int, list[int]] = defaultdict(list)  # topic -> indexes into keys
    for index, label in enumerate(labels.tolist()):
        members[label].append(index)
    rows_of: dict[int, list[LoggedQuestion]] = defaultdict(list)
    for key, row in zip(key_of, rows, strict=True):
        if key in topic_of_key:
            rows_of[topic_of_key[key]].append(row)

    ratings_by_request: dict[str, list[FeedbackRow]] = defaultdict(list)
    for rating in feedback:
        ratings_by_request[rating.request_id].append(rating)

    order = sorted(members, key=lambda t: (-len(rows_of[t]), min(members[t])))
    words_of = top_words([" ".join(without_markers(shown[keys[i]]) for i in members[t]) for t in order])
    topics: list[Topic] = []
    for number, (label, top) in enumerate(zip(order, words_of, strict=True), start=1):
        indexes = members[label]
        centre = (vectors[indexes] * weights[indexes, None]).sum(axis=0)
        central = indexes[int(np.argmax(vectors[indexes] @ centre))]
        by_count = sorted(indexes, key=lambda i: (-weights[i], i))
        placement, in_plan, not_in_plan, outcome, priority = _placement(rows_of[label])
        rated = [r for row in rows_of[label] for r in ratings_by_request.get(row.request_id, [])]
        downs = [r for r in rated if r.rating == "down"]
        topics.append(
            Topic(
                id=number,
                label=shown[keys[central]],
                words=top,
                questions=len(rows_of[label]),
                distinct=len(indexes),
                examples=[shown[keys[i]] for i in by_count[:5]],
                placement=placement,
                in_plan=in_plan,
                not_in_plan=not_in_plan,
                outcome=outcome,
                priority=priority,
                statuses=dict(Counter(row.status for row in rows_of[label])),
                ratings=len(rated),
                downs=len(downs),
                down_rate=round(len(downs) / len(rated), 3) if rated else None,
                comments=[r.comment for r in downs if r.comment][:10],
                members=[keys[i] for i in indexes],
            )
        )

    # The answers most often marked down: one question and the place its answer cited.
    answers: dict[tuple[str, str, str], list[FeedbackRow]] = defaultdict(list)
    shown_answer: dict[tuple[str, str, str], str] = {}
    for key, row in zip(key_of, rows, strict=True):
        for rating in ratings_by_request.get(row.request_id, []):
            where = (key, place(row.outcome, row.priority, row.document), row.status)
            answers[where].append(rating)
            shown_answer.setdefault(where, shown[key])
    most_down = sorted(
        (
            DownAnswer(
                question=shown_answer[where],
                placement=where[1],
                status=where[2],
                downs=sum(r.rating == "down" for r in rated),
                ratings=len(rated),
                comments=[r.comment for r in rated if r.rating == "down" and r.comment][:5],
            )
            for where, rated in answers.items()
        ),
        key=lambda a: (-a.downs, -a.ratings, a.question),
    )
    outcomes = Counter(row.outcome for row in rows if row.status == "answered" and row.outcome is not None)
    priorities = Counter(
        (row.outcome, row.priority) for row in rows if row.status == "answered" and row.priority
    )
    seconds["topics"] = perf_counter() - tick
    seconds["total"] = perf_counter() - started
    return Insights(
        created=datetime.now(UTC).isoformat(timespec="seconds"),
        since=since.isoformat(timespec="seconds") if since else None,
        questions=len(rows),
        distinct_questions=len(keys),
        by_day=volume_by_day(rows),
        by_status=[Count(label=s, count=n) for s, n in Counter(r.status for r in rows).most_common()],
        by_outcome=[
            Count(label=f"Outcome {n}: {titles[n]}" if n in titles else f"Outcome {n}", count=c)
            for n, c in sorted(outcomes.items())
        ],
        by_priority=[
            Count(label=place(o, p, None), count=c)
            for (o, p), c in sorted(priorities.items(), key=lambda item: (-item[1], str(item[0][0])))
        ],
        topics=topics,
        not_in_plan=[t for t in topics if t.not_in_plan],
        down_by_topic=sorted(
            (t for t in topics if t.ratings), key=lambda t: (-t.downs, -(t.down_rate or 0), t.id)
        ),
        most_down=[a for a in most_down if a.downs][:10],
        seconds={k: round(v, 3) for k, v in seconds.items()},
    )
