"""A local GGUF model through llama-cpp-python (the optional ``local-llm`` extra)."""

from __future__ import annotations

import importlib.util
import os
import threading
from collections import deque
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from plan_assistant.generators.base import GeneratorBusyError
from plan_assistant.generators.model_files import ModelFileError, default_model_path
from plan_assistant.prompts import ChatMessage, build_messages, condense_messages
from plan_assistant.schemas import Audience, Passage, Turn

if TYPE_CHECKING:
    from plan_assistant.config import Settings

_PROMPT_OVERHEAD_TOKENS = 450  # system prompt, question and chat template around the passages
_CHARS_PER_TOKEN = 3  # conservative for English prose, so the passages never overflow the context
_PATCH_LOCK = threading.Lock()


class ModelQueue:
    """Questions take turns on the one model in the order they arrived; past ``limit`` waiting, one is refused.

    One llama.cpp context cannot serve two generations at once. A plain lock lets any waiter in next (a
    question can wait behind later ones); this queue is first come, first served, and a question that
    would wait behind ``limit`` others gets ``GeneratorBusyError`` (the API's 503) instead of a long wait.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._turns: deque[object] = deque()  # the question on the model first, then those waiting
        self._changed = threading.Condition()

    @property
    def waiting(self) -> int:
        """Questions waiting for the model (not counting the one on it)."""
        return max(0, len(self._turns) - 1)

    @contextmanager
    def turn(self) -> Iterator[None]:
        """Wait for this question's turn on the model (or be refused at once when the queue is full)."""
        ticket = object()
        with self._changed:
            if len(self._turns) > self.limit:
                raise GeneratorBusyError(
                    f"{self.waiting} questions are already waiting for the local model (limit {self.limit})"
                )
            self._turns.append(ticket)
            while self._turns[0] is not ticket:
                self._changed.wait()
        try:
            yield
        finally:
            with self._changed:
                self._turns.popleft()
                self._changed.notify_all()


class LlamaCppGenerator:
    """Streams answers from a local GGUF model; the model loads on first use and is reused after."""

    name = "llama-cpp"

    def __init__(
        self,
        model_path: Path,
        threads: int = 0,
        context: int = 4096,
        max_tokens: int = 320,
        temperature: float = 0.1,
        passages: int | None = None,
        sentences: int | None = None,
        resident_max_tokens: int | None = None,
        queue_limit: int = 4,
    ) -> None:
        self.model_path = model_path
        self.threads = threads or os.cpu_count() or 1
        self.context = context
        self.max_tokens = max_tokens
        self.temperature = temperature
        self.passages = passages
        self.sentences = sentences
        self.resident_max_tokens = resident_max_tokens
        self._llm: Any = None
        self.queue = ModelQueue(queue_limit)
        self._loading = threading.Lock()

    @property
    def passage_char_budget(self) -> int:
        """Characters of passage text that fit the context beside the prompt and the answer."""
        return max(1000, (self.context - self.max_tokens - _PROMPT_OVERHEAD_TOKENS) * _CHARS_PER_TOKEN)

    def answer_tokens(self, audience: Audience) -> int:
        """Most tokens to write for this audience: residents read two to four short sentences."""
        if audience == "resident" and self.resident_max_tokens:
            return min(self.max_tokens, self.resident_max_tokens)
        return self.max_tokens

    def messages(self, question: str, passages: Sequence[Passage], audience: Audience) -> list[ChatMessage]:
        """The prompt for one question: the best passages, each cut to its best-matching sentences."""
        chosen = list(passages)[: self.passages] if self.passages else list(passages)
        return build_messages(
            question, chosen, audience, char_budget=self.passage_char_budget, sentences=self.sentences
        )

    def load(self) -> None:
        """Load the model now (it otherwise loads on the first question)."""
        with self.queue.turn():
            self._ensure_loaded()

    def _ensure_loaded(self) -> Any:
        with self._loading:
            if self._llm is None:
                from llama_cpp import Llama

                with no_amx_repack():
                    # n_threads is set explicitly: llama-cpp-python's default uses only half the cores.
                    llm = Llama(
                        model_path=str(self.model_path),
                        n_ctx=self.context,
                        n_threads=self.threads,
                        n_threads_batch=self.threads,
                        verbose=False,
                    )
                _warm_prefix(llm)
                self._llm = llm
        return self._llm

    def generate(self, question: str, passages: Sequence[Passage], audience: Audience) -> Iterator[str]:
        """Yield the answer as text deltas, streamed from the local model."""
        messages = self.messages(question, passages, audience)
        with self.queue.turn():
            llm = self._ensure_loaded()
            stream = llm.create_chat_completion(
                messages=messages,
                stream=True,
                max_tokens=self.answer_tokens(audience),
                temperature=self.temperature,
            )
            for chunk in stream:
                delta = chunk["choices"][0]["delta"].get("content")
                if delta:
                    yield delta

    def condense(self, question: str, history: Sequence[Turn]) -> str:
        """Rewrite a follow-up as a standalone question (a search query; never shown as an answer)."""
        with self.queue.turn():
            llm = self._ensure_loaded()
            reply = llm.create_chat_completion(
                messages=condense_messages(question, history), max_tokens=60, temperature=0.0
            )
            _warm_prefix(llm)  # the rewrite's own prompt replaced the cached answer prefix: restore it
        text = str(reply["choices"][0]["message"].get("content") or "").strip()
        return text.splitlines()[0] if text else ""


def _warm_prefix(llm: Any) -> None:
    """Evaluate the fixed start of every answer prompt (chat template and rules) so the next question reuses it.

    llama-cpp-python keeps the tokens it evaluated last and only evaluates what differs, so the rules, which
    every answer prompt opens with, are read once here instead of on the first question (and again after a
    follow-up rewrite, whose prompt differs from the first token of its system message).
    """
    llm.create_chat_completion(messages=build_messages("", [], "resident"), max_tokens=1, temperature=0.0)


@contextmanager
def no_amx_repack() -> Iterator[None]:
    """Load weights without llama.cpp's extra (repacking) buffers when the build uses Intel AMX.

    With AMX, llama.cpp repacks Q4_K weights into an AMX buffer and then segfaults in the first
    decode on some CPUs (ggml-org/llama.cpp#20824; seen here on a 2-core Sapphire Rapids VM).
    llama-cpp-python does not expose ``use_extra_bufts``, so its default model parameters are
    wrapped for the duration of the load. Without AMX nothing changes.
    """
    import llama_cpp.llama_cpp as lib

    if b"AMX_INT8 = 1" not in lib.llama_print_system_info():
        yield
        return
    with _PATCH_LOCK:
        original = lib.llama_model_default_params

        def without_extra_buffers() -> Any:
            params = original()
            params.use_extra_bufts = False
            return params

        lib.llama_model_default_params = without_extra_buffers
        try:
            yield
        finally:
            lib.llama_model_default_params = original


def resolve_model_path(settings: Settings) -> Path:
    """The GGUF file to load: the configured one, or the default joined from its part packages."""
    if settings.llm_model_path:
        path = Path(settings.llm_model_path).expanduser()
        if not path.is_file():
            raise ModelFileError(f"PLAN_ASSISTANT_LLM_MODEL_PATH={path} does not exist or is not a file")
        return path
    return default_model_path(settings.data_dir)


def from_settings(settings: Settings) -> LlamaCppGenerator:
    """Build the llama-cpp generator; fails fast when the extra or the model file is missing."""
    if importlib.util.find_spec("llama_cpp") is None:
        raise ModelFileError(
            'generator "llama-cpp" needs llama-cpp-python; install the extra: pip install -e ".[local-llm]"'
        )
    return LlamaCppGenerator(
        model_path=resolve_model_path(settings),
        threads=settings.llm_threads,
        context=settings.llm_context,
        max_tokens=settings.llm_max_tokens,
        temperature=settings.llm_temperature,
        passages=settings.llm_passages or None,
        sentences=settings.llm_passage_sentences or None,
        resident_max_tokens=settings.llm_resident_max_tokens or None,
        queue_limit=settings.llm_queue_limit,
    )
