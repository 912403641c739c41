"""Remote chat models through LangChain: any OpenAI-compatible server, or Ollama."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from langchain_core.language_models import BaseChatModel

from plan_assistant.prompts import build_messages, condense_messages
from plan_assistant.schemas import Audience, Passage, Turn

if TYPE_CHECKING:
    from plan_assistant.config import Settings

_NO_KEY = "not-needed"  # local OpenAI-compatible servers ignore the key, but the client insists on one


class ChatModelGenerator:
    """Streams answers from a LangChain chat model built for one backend."""

    def __init__(self, name: str, model: BaseChatModel, char_budget: int | None = None) -> None:
        self.name = name
        self.model = model
        self.char_budget = char_budget

    def generate(self, question: str, passages: Sequence[Passage], audience: Audience) -> Iterator[str]:
        """Yield the answer as text deltas, streamed from the chat model."""
        messages = build_messages(question, passages, audience, char_budget=self.char_budget)
        for chunk in self.model.stream([dict(m) for m in messages]):
            if text := chunk.text:
                yield text

    def condense(self, question: str, history: Sequence[Turn]) -> str:
        """Rewrite a follow-up as a standalone question (a search query; never shown as an answer)."""
        reply = self.model.invoke([dict(m) for m in condense_messages(question, history)])
        return str(reply.text).strip().splitlines()[0] if str(reply.text).strip() else ""


def openai_from_settings(settings: Settings) -> ChatModelGenerator:
    """A generator on an OpenAI-compatible server: OpenAI, Azure OpenAI, vLLM, LM Studio, llama.cpp."""
    from langchain_openai import ChatOpenAI
    from pydantic import SecretStr

    if not settings.openai_base_url and not settings.openai_api_key:
        raise ValueError(
            'generator "openai" needs PLAN_ASSISTANT_OPENAI_BASE_URL (a compatible server) '
            "or PLAN_ASSISTANT_OPENAI_API_KEY (OpenAI itself)"
        )
    model = ChatOpenAI(
        base_url=settings.openai_base_url or None,
        model=settings.openai_model,
        api_key=SecretStr(settings.openai_api_key or _NO_KEY),
        temperature=settings.llm_temperature,
        max_completion_tokens=settings.llm_max_tokens,
        streaming=True,
        timeout=settings.llm_timeout,
        # No retry: a failed call is answered from the plan's own sentences at once, not after a second wait.
        max_retries=0,
    )
    return ChatModelGenerator("openai", model, char_budget=_char_budget(settings))


def ollama_from_settings(settings: Settings) -> ChatModelGenerator:
    """A generator on an Ollama server."""
    from langchain_ollama import ChatOllama

    model = ChatOllama(
        base_url=settings.ollama_base_url,
        model=settings.ollama_model,
        temperature=settings.llm_temperature,
        num_predict=settings.llm_max_tokens,
        num_ctx=settings.llm_context,
        client_kwargs={"timeout": settings.llm_timeout},
    )
    return ChatModelGenerator("ollama", model, char_budget=_char_budget(settings))


def _char_budget(settings: Settings) -> int:
    # The same rough sizing as llama-cpp: leave room for the prompt and the answer in the context.
    return max(1000, (settings.llm_context - settings.llm_max_tokens - 450) * 3)
