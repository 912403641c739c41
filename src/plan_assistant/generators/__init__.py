"""A small registry of answer generators, keyed by name."""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from plan_assistant.config import Settings
    from plan_assistant.generators.base import Generator

# name -> "module:factory"; a factory takes Settings and returns a Generator. Adding a backend is one line.
_REGISTRY: dict[str, str] = {
    "extractive": "plan_assistant.generators.extractive:from_settings",
    "llama-cpp": "plan_assistant.generators.llama_cpp:from_settings",
    "openai": "plan_assistant.generators.chat_models:openai_from_settings",
    "ollama": "plan_assistant.generators.chat_models:ollama_from_settings",
}


def available() -> list[str]:
    """Names of every registered generator."""
    return list(_REGISTRY)


def get_generator(name: str, settings: Settings) -> Generator:
    """Build the generator registered under ``name``."""
    try:
        target = _REGISTRY[name]
    except KeyError:
        raise ValueError(f"generator {name!r} is unknown; choose one of {', '.join(_REGISTRY)}") from None
    module_name, _, attr = target.partition(":")
    factory: Callable[[Settings], Generator] = getattr(import_module(module_name), attr)
    return factory(settings)
