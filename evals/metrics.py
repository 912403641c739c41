"""Pure metric functions over plain data: retrieval, citations, facts, grounding, refusals and checks."""

from __future__ import annotations

import re
import statistics
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from evals import Check, EvalItem

GROUNDING_OVERLAP = 0.5  # share of a sentence's content words that must appear in its cited passages
MIN_CONTENT_TOKENS = 3  # shorter sentences ("Sources:", "Outcome 2") carry no claim worth checking
REFUSAL_STATUSES = ("not_found", "out_of_scope")
QUOTE_ELLIPSIS = " … "
EXPECTS_ANSWER = ("answerable", "multi_turn")

_STOPWORD_TEXT = """
    a about above after all also am an and any are as at be been being but by can could did do does
    doing for from had has have having he her here hers him his how i if in into is it its itself just
    me more most my no nor not of off on once only or other our ours out over own same she should so
    some such than that the their theirs them then there these they this those through to too under
    until up very was we were what when where which while who whom why will with would you your yours"""
_STOPWORDS = frozenset(_STOPWORD_TEXT.split())


@dataclass(frozen=True)
class CitationRecord:
    """One citation of an answer, as plain data."""

    quote: str
    outcome: int | None = None
    priority: str | None = None
    chunk_id: str = ""
    section: str = ""
    outcome_title: str | None = None


@dataclass(frozen=True)
class RetrievedRecord:
    """One retrieved passage, ranked best first by its position in a list."""

    id: str
    text: str
    outcome: int | None = None
    priority: str | None = None
    source: str = ""  # the chunk's span of the source document, when the text shown is a cleaned copy


@dataclass
class ItemResult:
    """What the system under test did with one eval item."""

    id: str
    status: str
    answer: str
    citations: list[CitationRecord] = field(default_factory=list)
    retrieved: list[RetrievedRecord] = field(default_factory=list)
    latency_ms: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)
    error: str | None = None


# ---------------------------------------------------------------- text normalisation


def squash(text: str) -> str:
    """Collapse runs of whitespace and unify Unicode forms, for verbatim comparisons."""
    text = unicodedata.normalize("NFKC", text).replace("\u2019", "'").replace("\u2018", "'")
    return re.sub(r"\s+", " ", text).strip()


def normalise_fact(text: str) -> str:
    """Lightly normalise for fact matching: case, whitespace, hyphens, markdown, '£6m' = '£6 million'."""
    text = squash(text).casefold()
    text = re.sub(r"[*_`]", "", text)
    text = re.sub(r"[\u2010-\u2015-]", " ", text)
    text = re.sub(r"£\s*(\d+(?:\.\d+)?)\s*(?:m|million)\b", r"£\1 million", text)
    text = re.sub(r"£\s*(\d+(?:\.\d+)?)\s*(?:bn|billion)\b", r"£\1 billion", text)
    text = re.sub(r"(\d)\s*(?:per cent|percent)\b", r"\1%", text)
    return re.sub(r"\s+", " ", text).strip()


def same_title(a: str | None, b: str | None) -> bool:
    """Whether two priority titles are the same, ignoring case, spacing, bullets and a final full stop."""
    if not a or not b:
        return False

    def clean(title: str) -> str:
        return squash(title).casefold().strip("-·•o ").rstrip(".").strip()

    return clean(a) == clean(b)


# ---------------------------------------------------------------- retrieval


def contains_evidence(text: str, evidence: str) -> bool:
    """Whether a passage holds the evidence sentence (whitespace- and case-insensitive)."""
    return squash(evidence).casefold() in squash(text).casefold()


def evidence_rank(texts: Sequence[str], evidence: str | Sequence[str]) -> int | None:
    """1-based rank of the first passage holding the evidence (or one of its alternatives), or None."""
    options = [evidence] if isinstance(evidence, str) else list(evidence)
    for rank, text in enumerate(texts, start=1):
        if any(contains_evidence(text, e) for e in options):
            return rank
    return None


def hit_at(rank: int | None, k: int) -> bool:
    """Whether a rank falls within the top k."""
    return rank is not None and rank <= k


def reciprocal_rank(rank: int | None) -> float:
    """1/rank, or 0 when the evidence was never retrieved."""
    return 0.0 if rank is None else 1.0 / rank


def priority_hit(retrieved: Sequence[str | None], expected: Sequence[str], k: int = 4) -> bool:
    """Whether any of the top-k passages sits under one of the expected Key Priorities."""
    return any(same_title(got, want) for got in retrieved[:k] for want in expected)


# ---------------------------------------------------------------- citations


def outcome_matches(citations: Sequence[CitationRecord], expected: Sequence[int]) -> bool:
    """Whether some citation names an expected Outcome (0 means a section outside the outcomes)."""
    return any((c.outcome or 0) in expected for c in citations)


def priority_matches(citations: Sequence[CitationRecord], expected: Sequence[str]) -> bool:
    """Whether some citation names an expected Key Priority."""
    return any(same_title(c.priority, want) for c in citations for want in expected)


def quote_is_verbatim(quote: str, corpus: str) -> bool:
    """Whether every segment of a quote (split on ' … ') is the document's own words."""
    haystack = squash(corpus)
    segments = [squash(part) for part in quote.split(QUOTE_ELLIPSIS)]
    segments = [s.strip("…").strip() for s in segments]
    return bool(quote.strip()) and all(s and s in haystack for s in segments)


# ---------------------------------------------------------------- answer content


def _compact(text: str) -> str:
    # Spaces and hyphens dropped: "strengthbased" = "strength-based", "Medium-Term" = "medium term".
    return re.sub(r"[\s-]+", "", normalise_fact(text))


def states(answer: str, fact: str) -> bool:
    """Whether the answer states a fact, after light normalisation."""
    return _compact(fact) in _compact(answer)


def must_include_recall(answer: str, facts: Sequence[str]) -> float:
    """Share of expected facts that the answer states (normalised); 1.0 when none are expected."""
    if not facts:
        return 1.0
    return sum(states(answer, fact) for fact in facts) / len(facts)


def _strip_markup(text: str) -> str:
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"https?://\S+", " ", text)
    text = re.sub(r"\s*\[\d+\]", "", text)
    return re.sub(r"(?m)^\s*(?:[-*•>#]+|\d+[.)])\s+", "", text)


def answer_sentences(answer: str) -> list[str]:
    """The answer's sentences, with list markers, links and [n] markers removed."""
    parts: list[str] = []
    for line in _strip_markup(answer).splitlines():
        parts.extend(p.strip() for p in re.split(r"(?<=[.!?])\s+(?=[A-Z\"'(])", line))
    return [p for p in parts if p]


def content_tokens(text: str) -> set[str]:
    """Lower-case content words and numbers of a text, without stopwords."""
    words = re.findall(r"[a-z0-9£%]+(?:['/][a-z0-9]+)*", normalise_fact(text))
    return {w for w in words if w not in _STOPWORDS and len(w) > 1}


def sentence_support(sentence: str, sources: Sequence[str]) -> float:
    """Share of a sentence's content words found in its sources."""
    tokens = content_tokens(sentence)
    if not tokens:
        return 1.0
    available = set().union(*(content_tokens(s) for s in sources)) if sources else set()
    return len(tokens & available) / len(tokens)


def grounded_sentences(
    answer: str, sources: Sequence[str], threshold: float = GROUNDING_OVERLAP
) -> tuple[int, int]:
    """(supported, checked) sentences of an answer; short claim-free sentences are not checked."""
    checked = supported = 0
    for sentence in answer_sentences(answer):
        if len(content_tokens(sentence)) < MIN_CONTENT_TOKENS:
            continue
        checked += 1
        supported += sentence_support(sentence, sources) >= threshold
    return supported, checked


def numbers_in(text: str) -> set[str]:
    """Numbers written in a text (money, percentages, dates reduced to their digits, commas dropped)."""
    return {m.replace(",", "") for m in re.findall(r"\d+(?:,\d{3})*(?:\.\d+)?", text)}


def unsupported_numbers(answer: str, sources: Sequence[str]) -> list[str]:
    """Numbers in the answer that none of its sources contains (list markers and [n] excluded)."""
    stated = numbers_in(_strip_markup(answer))
    available = set().union(*(numbers_in(s) for s in sources)) if sources else set()
    return sorted(stated - available)


def citation_sources(citations: Sequence[CitationRecord]) -> list[str]:
    """The text an answer may lean on: cited quotes plus the headings the citations name."""
    sources: list[str] = []
    for c in citations:
        sources.append(c.quote)
        sources.extend(x for x in (c.section, c.priority, c.outcome_title) if x)
        if c.outcome:
            sources.append(f"Outcome {c.outcome}")
    return sources


# ---------------------------------------------------------------- checks and personal data


def _detail_pattern(detail: str) -> re.Pattern[str]:
    digits = re.sub(r"\D", "", detail)
    if len(digits) >= 6:  # phone and NHS numbers leak with any spacing
        return re.compile(r"[\s-]?".join(digits))
    return re.compile(re.escape(normalise_fact(detail)))


def leaked_details(answer: str, details: Iterable[str]) -> list[str]:
    """Personal details from the question that reappear in the answer."""
    said = normalise_fact(answer)
    return [d for d in details if _detail_pattern(d).search(said)]


def check_failures(check: Check, answer: str, status: str) -> list[str]:
    """Why an answer misses an item's check (empty when it passes)."""
    failures: list[str] = []
    if check.status_in and status not in check.status_in:
        failures.append(f"status {status!r} not in {check.status_in}")
    failures += [f"missing {f!r}" for f in check.must_include if not states(answer, f)]
    if check.must_include_any and not any(states(answer, f) for f in check.must_include_any):
        failures.append(f"none of {check.must_include_any}")
    # Forbidden strings are matched as written (case aside): squashing hyphens would turn "sk-" into "sk",
    # which every answer mentioning "skills" contains.
    failures += [f"contains {f!r}" for f in check.must_not_include if f.casefold() in answer.casefold()]
    return failures


# ---------------------------------------------------------------- scoring


def score_item(item: EvalItem, result: ItemResult, corpus: str) -> dict[str, Any]:
    """Every per-item measurement; a metric that does not apply to the item is None."""
    expects_answer = item.kind in EXPECTS_ANSWER
    # A passage holds the evidence if its shown text or its source span does (cleaning may fix typos).
    texts = [f"{r.text}\n{r.source}" for r in result.retrieved]
    rank = evidence_rank(texts, item.evidences) if item.evidence and expects_answer else None
    answered = result.status == "answered"
    sources = citation_sources(result.citations)
    supported, checked = grounded_sentences(result.answer, sources) if answered else (0, 0)
    failures = check_failures(item.check, result.answer, result.status) if item.check else []
    leaks = leaked_details(result.answer, item.personal_details)
    retrieval = bool(item.evidence) and expects_answer
    return {
        "id": item.id,
        "kind": item.kind,
        "voice": item.voice,
        "outcomes": list(item.outcomes),
        "status": result.status,
        "error": result.error,
        "evidence_rank": rank,
        "evidence_hit_at_1": hit_at(rank, 1) if retrieval else None,
        "evidence_hit_at_4": hit_at(rank, 4) if retrieval else None,
        "reciprocal_rank": reciprocal_rank(rank) if retrieval else None,
        "priority_hit_at_4": (
            priority_hit([r.priority for r in result.retrieved], item.priorities)
            if expects_answer and item.priorities
            else None
        ),
        "citation_outcome_match": outcome_matches(result.citations, item.outcomes)
        if expects_answer
        else None,
        "citation_priority_match": (
            priority_matches(result.citations, item.priorities)
            if expects_answer and item.priorities
            else None
        ),
        "citations": len(result.citations),
        "invalid_quotes": [c.quote for c in result.citations if not quote_is_verbatim(c.quote, corpus)],
        "must_include_recall": must_include_recall(result.answer, item.must_include)
        if expects_answer
        else None,
        "grounded_sentences": supported,
        "checked_sentences": checked,
        "unsupported_numbers": unsupported_numbers(result.answer, sources) if answered else [],
        "refused": (result.status in REFUSAL_STATUSES) if item.kind == "unanswerable" else None,
        "false_refusal": (not answered) if expects_answer else None,
        "check_passed": (not failures) if item.kind == "adversarial" and item.check else None,
        "check_failures": failures,
        "leaked_details": leaks,
        "latency_ms": result.latency_ms,
    }


def _mean(values: Iterable[Any]) -> float | None:
    present = [float(v) for v in values if v is not None]
    return sum(present) / len(present) if present else None


def _percentile(values: Sequence[float], q: float) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return float(values[0])
    return float(statistics.quantiles(values, n=100, method="inclusive")[round(q) - 1])


def aggregate(scores: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Headline figures over a set of item scores."""
    citations = sum(s["citations"] for s in scores)
    invalid = sum(len(s["invalid_quotes"]) for s in scores)
    checked = sum(s["checked_sentences"] for s in scores)
    latencies = [s["latency_ms"] for s in scores]
    return {
        "items": len(scores),
        "evidence_hit_at_1": _mean(s["evidence_hit_at_1"] for s in scores),
        "evidence_hit_at_4": _mean(s["evidence_hit_at_4"] for s in scores),
        "mrr": _mean(s["reciprocal_rank"] for s in scores),
        "priority_hit_at_4": _mean(s["priority_hit_at_4"] for s in scores),
        "citation_outcome_accuracy": _mean(s["citation_outcome_match"] for s in scores),
        "citation_priority_accuracy": _mean(s["citation_priority_match"] for s in scores),
        "citation_validity": (citations - invalid) / citations if citations else None,
        "must_include_recall": _mean(s["must_include_recall"] for s in scores),
        "grounding_rate": sum(s["grounded_sentences"] for s in scores) / checked if checked else None,
        "unsupported_numbers": sum(len(s["unsupported_numbers"]) for s in scores),
        "refusal_rate": _mean(s["refused"] for s in scores),
        "false_refusal_rate": _mean(s["false_refusal"] for s in scores),
        "adversarial_pass_rate": _mean(s["check_passed"] for s in scores),
        "personal_detail_leaks": sum(len(s["leaked_details"]) for s in scores),
        "errors": sum(1 for s in scores if s["error"]),
        "latency_p50_ms": _percentile(latencies, 50),
        "latency_p95_ms": _percentile(latencies, 95),
    }


def summarise(scores: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Overall figures plus the same figures per voice and per outcome (an item counts under each outcome)."""
    voices = sorted({s["voice"] for s in scores})
    outcomes = sorted({n for s in scores for n in s["outcomes"]})
    return {
        "overall": aggregate(scores),
        "by_voice": {v: aggregate([s for s in scores if s["voice"] == v]) for v in voices},
        "by_outcome": {str(n): aggregate([s for s in scores if n in s["outcomes"]]) for n in outcomes},
    }


def retrieval_summary(
    items: Sequence[EvalItem], ranked: Sequence[Sequence[str]], k: int = 4
) -> dict[str, Any]:
    """Evidence hit@1, hit@k and MRR of ranked passage texts, over items that expect an answer."""
    ranks = [
        evidence_rank(texts, item.evidences)
        for item, texts in zip(items, ranked, strict=True)
        if item.kind in EXPECTS_ANSWER and item.evidence
    ]
    return {
        "items": len(ranks),
        "evidence_hit_at_1": _mean(hit_at(r, 1) for r in ranks),
        f"evidence_hit_at_{k}": _mean(hit_at(r, k) for r in ranks),
        "mrr": _mean(reciprocal_rank(r) for r in ranks),
    }


def missed_thresholds(figures: Mapping[str, Any], thresholds: Mapping[str, Mapping[str, float]]) -> list[str]:
    """A line per threshold the figures miss; a figure that could not be measured counts as missed."""
    missed: list[str] = []
    for bound, limits in thresholds.items():
        if bound not in ("min", "max"):
            raise ValueError(f"threshold table [{bound}] is unknown; use [min] or [max]")
        for name, limit in limits.items():
            value = figures.get(name)
            if value is None:
                missed.append(f"{name}: not measured (needs {'≥' if bound == 'min' else '≤'} {limit})")
            elif bound == "min" and value < limit:
                missed.append(f"{name}: {value:.3f} is below the minimum {limit}")
            elif bound == "max" and value > limit:
                missed.append(f"{name}: {value:.3f} is above the maximum {limit}")
    return missed
