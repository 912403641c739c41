"""A local GGUF model through llama-cpp-python (the optional ``local-llm`` extra)."""

from __future__ import annotations

import importlib.util
import os
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from plan_assistant.generators.model_files import ModelFileError, default_model_path
from plan_assistant.prompts import build_messages, condense_messages
from plan_assistant.schemas import Audience, Passage, Turn

if TYPE_CHECKING:
    from plan_assistant.config import Settings

_PROMPT_OVERHEAD_TOKENS = 450  # system prompt, question and chat template around the passages
_CHARS_PER_TOKEN = 3  # conservative for English prose, so the passages never overflow the context
_PATCH_LOCK = threading.Lock()


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
    ) -> None:
        self.model_path = model_path
        self.threads = threads or os.cpu_count() or 1
        self.context = context
        self.max_tokens = max_tokens
        self.temperature = temperature
        self._llm: Any = None
        # One llama.cpp context cannot serve two generations at once: requests take turns.
        self._lock = threading.Lock()

    @property
    def passage_char_budget(self) -> int:
        """Characters of passage text that fit the context beside the prompt and the answer."""
        return max(1000, (self.context - self.max_tokens - _PROMPT_OVERHEAD_TOKENS) * _CHARS_PER_TOKEN)

    def load(self) -> None:
        """Load the model now (it otherwise loads on the first question)."""
        with self._lock:
            self._ensure_loaded()

    def _ensure_loaded(self) -> Any:
        if self._llm is None:
            from llama_cpp import Llama

            with _no_amx_repack():
                # n_threads is set explicitly: llama-cpp-python's default uses only half the cores.
                self._llm = Llama(
                    model_path=str(self.model_path),
                    n_ctx=self.context,
                    n_threads=self.threads,
                    n_threads_batch=self.threads,
                    verbose=False,
                )
        return self._llm

    def generate(self, question: str, passages: Sequence[Passage], audience: Audience) -> Iterator[str]:
        """Yield the answer as text deltas, streamed from the local model."""
        messages = build_messages(question, passages, audience, char_budget=self.passage_char_budget)
        with self._lock:
            llm = self._ensure_loaded()
            stream = llm.create_chat_completion(
                messages=messages,
                stream=True,
                max_tokens=self.max_tokens,
                temperature=self.temperature,
            )
            for chunk in stream:
                delta = chunk["choices"][0]["delta"].get("content")
                if delta:
                    yield delta

    def condense(self, question: str, history: Sequence[Turn]) -> str:
        """Rewrite a follow-up as a standalone question (a search query; never shown as an answer)."""
        with self._lock:
            llm = self._ensure_loaded()
            reply = llm.create_chat_completion(
                messages=condense_messages(question, history), max_tokens=60, temperature=0.0
            )
        text = str(reply["choices"][0]["message"].get("content") or "").strip()
        return text.splitlines()[0] if text else ""


@contextmanager
def _no_amx_repack() -> Iterator[None]:
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
    )
