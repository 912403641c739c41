"""python -m ingest enrich: the local model prepares questions, keywords and plain English, once, offline.

Each entry is checked as it is made (ingest/checks.py) and written to corpus/derived/ after every
sentence, so a long run can stop and resume; only missing or changed sentences are generated.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

from tqdm import tqdm

from ingest.checks import (
    KEYWORDS,
    QUESTIONS,
    PlainChecks,
    check_plain,
    clean_keywords,
    clean_questions,
    names,
)
from ingest.derived import (
    DerivedEntry,
    DerivedFile,
    ModelInfo,
    Target,
    derived_path,
    load_derived,
    ordered,
    plan_work,
    save_derived,
    targets,
)
from ingest.enrich_prompts import (
    EXAMPLE_TOPIC,
    PLAIN_SCHEMA,
    PROMPT_VERSION,
    QUESTIONS_SCHEMA,
    plain_messages,
    questions_messages,
)
from plan_assistant.config import Settings
from plan_assistant.prompts import ChatMessage
from plan_assistant.text import stems

MAX_PLAIN_ATTEMPTS = 3
SEED = 0
_MAX_TOKENS = {"questions": 320, "plain": 200}


class Complete(Protocol):
    """A chat model: messages and a JSON schema in, the model's JSON text out."""

    def __call__(self, messages: list[ChatMessage], schema: dict[str, Any], max_tokens: int) -> str: ...


@dataclass
class EnrichReport:
    """What an enrichment run did."""

    generated: int = 0
    kept: int = 0
    dropped: int = 0
    left: int = 0
    seconds: float = 0.0
    documents: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """The closing line of a run."""
        per = f" ({self.seconds / self.generated:.1f} s each)" if self.generated else ""
        left = f", {self.left} left for the next run" if self.left else ""
        return (
            f"{len(self.documents)} documents: generated {self.generated}, kept {self.kept}, "
            f"dropped {self.dropped} stale{left}; {self.seconds:.0f} s{per}"
        )


def _json(text: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _strings(value: Any) -> list[str]:
    return [str(v) for v in value if isinstance(v, str | int | float)] if isinstance(value, list) else []


_EXAMPLE_STEMS = frozenset(stems(EXAMPLE_TOPIC))


def from_example(text: str, source: str) -> bool:
    """Whether the text names the worked example's subject, which the source sentence does not."""
    return bool((set(stems(text)) & _EXAMPLE_STEMS) - set(stems(source)))


def render_plain(
    target: Target, complete: Complete, known_names: set[str]
) -> tuple[str | None, PlainChecks | None, int]:
    """A plain rendering that passes the checks, asking up to three times; None when none does.

    A failed rendering goes back to the model with what was wrong. One over the target grade but at
    least MIN_GRADE_DROP grades simpler than the source is kept if no try reaches the target.
    Returns the rendering, the checks of the rendering kept (or of the last try) and the tries made.
    """
    fallback: tuple[str, PlainChecks] | None = None
    last: PlainChecks | None = None
    tries: list[tuple[str, list[str]]] = []
    attempt = 0
    for attempt in range(1, MAX_PLAIN_ATTEMPTS + 1):
        reply = _json(complete(plain_messages(target, tries), PLAIN_SCHEMA, _MAX_TOKENS["plain"]))
        plain = " ".join(str(reply.get("plain") or "").split())
        if target.kind == "title":
            plain = plain.rstrip(".")
        if not plain or any(plain == earlier for earlier, _ in tries):
            break  # the model repeats itself: asking again would change nothing
        last = check_plain(plain, target.text, known_names)
        if from_example(plain, target.text):
            last = replace(last, overlap=False)
        if last.passed:
            return plain, last, attempt
        if last.passed_but_grade and (fallback is None or last.plain_grade < fallback[1].plain_grade):
            fallback = (plain, last)
        tries.append((plain, [p for p in ("figures", "names", "grade", "overlap") if not getattr(last, p)]))
    if fallback is not None:
        return fallback[0], fallback[1], attempt
    return None, last, attempt


def enrich_target(target: Target, complete: Complete, known_names: set[str]) -> DerivedEntry:
    """Questions, keywords and a plain rendering of one sentence, each checked, with the checks' results."""
    reply = _json(complete(questions_messages(target), QUESTIONS_SCHEMA, _MAX_TOKENS["questions"]))
    own = [q for q in _strings(reply.get("questions")) if not from_example(q, target.text)]
    questions = clean_questions(own, target.text, known_names)
    own = [k for k in _strings(reply.get("keywords")) if not from_example(k, target.text)]
    keywords = clean_keywords(own, target.text, known_names)
    plain, checks, attempts = render_plain(target, complete, known_names)
    results: dict[str, bool | int | float] = {
        "questions": QUESTIONS[0] <= len(questions) <= QUESTIONS[1],
        "keywords": KEYWORDS[0] <= len(keywords) <= KEYWORDS[1],
        "plain": plain is not None,
        "attempts": attempts,
    }
    if checks is not None:
        results |= {
            "figures": checks.figures,
            "names": checks.names,
            "grade": checks.grade,
            "overlap": checks.overlap,
            "grade_source": checks.source_grade,
            "grade_plain": checks.plain_grade,
        }
    return DerivedEntry(
        text=target.text,
        kind=target.kind,
        questions=questions,
        keywords=keywords,
        plain=plain,
        checks=results,
    )


def recheck(entry: DerivedEntry, known_names: set[str]) -> DerivedEntry:
    """An entry kept from an earlier run, put through today's checks (they only ever remove things)."""
    own = [q for q in entry.questions if not from_example(q, entry.text)]
    questions = clean_questions(own, entry.text, known_names)
    own = [k for k in entry.keywords if not from_example(k, entry.text)]
    keywords = clean_keywords(own, entry.text, known_names)
    checks = dict(entry.checks)
    checks["questions"] = QUESTIONS[0] <= len(questions) <= QUESTIONS[1]
    checks["keywords"] = KEYWORDS[0] <= len(keywords) <= KEYWORDS[1]
    plain = entry.plain
    if plain is not None:
        now = check_plain(plain, entry.text, known_names)
        if from_example(plain, entry.text):
            now = replace(now, overlap=False)
        if not (now.passed or now.passed_but_grade):
            plain = None
            checks |= {name: getattr(now, name) for name in ("figures", "names", "grade", "overlap")}
            checks["plain"] = False
    return entry.model_copy(
        update={"questions": questions, "keywords": keywords, "plain": plain, "checks": checks}
    )


def document_names(wanted: Sequence[Target]) -> set[str]:
    """Names written mid-sentence anywhere in the document: a sentence may open with one of them."""
    return {n for t in wanted for n in names(t.text)}


def enrich_document(
    document_id: str,
    wanted: Sequence[Target],
    path: Path,
    model: ModelInfo,
    complete: Callable[[], Complete],
    limit: int | None = None,
    progress: bool = True,
) -> EnrichReport:
    """Bring one document's derived file in line with its sentences, saving after every new entry."""
    existing = load_derived(path)
    kept, todo = plan_work(wanted, existing, model, PROMPT_VERSION)
    known = document_names(wanted)
    kept = {key: recheck(entry, known) for key, entry in kept.items()}
    report = EnrichReport(kept=len(kept), documents=[document_id])
    report.dropped = len(existing.entries) - len(kept) if existing else 0
    if limit is not None:
        report.left = max(0, len(todo) - limit)
        todo = todo[:limit]
    derived = DerivedFile(document_id=document_id, model=model, prompt_version=PROMPT_VERSION)
    derived.entries = ordered(kept, wanted)
    if existing is None or derived != existing:
        save_derived(derived, path)
    if not todo:
        return report
    model_fn = complete()  # loaded only when something needs generating
    started = time.perf_counter()
    for target in tqdm(todo, desc=f"Enriching {document_id}", unit="sentence", disable=not progress):
        derived.entries[target.key] = enrich_target(target, model_fn, known)
        derived.entries = ordered(derived.entries, wanted)
        save_derived(derived, path)  # a checkpoint: an interrupted run resumes from here
        report.generated += 1
    report.seconds = time.perf_counter() - started
    return report


def run_enrich(
    settings: Settings,
    document: str | None = None,
    limit: int | None = None,
    progress: bool = True,
    complete_factory: Callable[[], Complete] | None = None,
    model: ModelInfo | None = None,
) -> EnrichReport:
    """Enrich every document (or one) of the corpus; the local model loads only if something is missing."""
    from ingest.index import IngestError, prepare

    prepared = prepare(settings)
    if document is not None:
        prepared = [d for d in prepared if d.entry.id == document]
        if not prepared:
            raise IngestError(f"no document {document!r} in {settings.corpus_dir / 'manifest.toml'}")
    if model is None or complete_factory is None:
        local = LocalModel.from_settings(settings)
        model, complete_factory = local.info, local.load
    total = EnrichReport()
    remaining = limit
    for doc in prepared:
        wanted = targets(d.chunk for d in doc.drafts)
        path = derived_path(settings.corpus_dir, doc.entry.id)
        report = enrich_document(
            doc.entry.id, wanted, path, model, complete_factory, remaining, progress=progress
        )
        total.generated += report.generated
        total.kept += report.kept
        total.dropped += report.dropped
        total.left += report.left
        total.seconds += report.seconds
        total.documents += report.documents
        if remaining is not None:
            remaining -= report.generated
    return total


class LocalModel:
    """The local GGUF model through llama-cpp-python, greedy (temperature 0, fixed seed): repeatable.

    Each kind of prompt (questions, plain sentence, plain title) gets its own llama.cpp context over the
    same memory-mapped weights, so its long opening (instructions and worked example) stays evaluated
    from one sentence to the next and each call reads only what is new. (llama-cpp-python's RAM cache
    would do the same, but its size limit ignores the logits it copies: it grew past 20 GB here.)
    """

    def __init__(self, path: Path, info: ModelInfo, threads: int = 0, context: int = 2048) -> None:
        self.path = path
        self.info = info
        self.threads = threads or os.cpu_count() or 1
        self.context = context
        self._contexts: dict[str, Any] = {}

    @classmethod
    def from_settings(cls, settings: Settings) -> LocalModel:
        """The model the settings name (joined from its part packages by default); fails fast if absent."""
        import importlib.util

        from plan_assistant.generators.llama_cpp import resolve_model_path
        from plan_assistant.generators.model_files import (
            DEFAULT_MODEL_FILE,
            DEFAULT_MODEL_SHA256,
            ModelFileError,
            sha256_file,
        )

        if importlib.util.find_spec("llama_cpp") is None:
            raise ModelFileError(
                'enrich needs llama-cpp-python; install the extra: make install-llm (pip install -e ".[local-llm]")'
            )
        path = resolve_model_path(settings)
        # The default file was verified against its known hash when it was joined.
        digest = DEFAULT_MODEL_SHA256 if path.name == DEFAULT_MODEL_FILE else sha256_file(path)
        return cls(path, ModelInfo(file=path.name, sha256=digest[:16]), threads=settings.llm_threads)

    def load(self) -> LocalModel:
        """Load the weights now (they otherwise load on the first call); returns self, a Complete."""
        if not self._contexts:
            self._context("")
        return self

    def _context(self, system: str) -> Any:
        if system not in self._contexts:
            from llama_cpp import Llama

            if "" in self._contexts:  # the one loaded up front serves the first kind of prompt
                self._contexts[system] = self._contexts.pop("")
            else:
                with _without_amx_repack():
                    self._contexts[system] = Llama(
                        model_path=str(self.path),
                        n_ctx=self.context,
                        n_threads=self.threads,
                        n_threads_batch=self.threads,
                        seed=SEED,
                        verbose=False,
                    )
        return self._contexts[system]

    def __call__(self, messages: list[ChatMessage], schema: dict[str, Any], max_tokens: int) -> str:
        """The model's reply, constrained to JSON of the schema."""
        llm = self._context(messages[0]["content"] if messages else "")
        reply = llm.create_chat_completion(
            messages=messages,
            temperature=0.0,
            seed=SEED,
            max_tokens=max_tokens,
            response_format={"type": "json_object", "schema": schema},
        )
        return str(reply["choices"][0]["message"].get("content") or "")


@contextmanager
def _without_amx_repack() -> Iterator[None]:
    # The generator's work-around for llama.cpp's AMX repack crash on this VM (see llama_cpp.py).
    from plan_assistant.generators.llama_cpp import no_amx_repack

    with no_amx_repack():
        yield
