"""Labelled example phrasings and word lists for the guard, read from the package's data files."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

EXAMPLES_FILE = "routing_examples.toml"
WORDS_FILE = "routing_words.toml"


@dataclass(frozen=True)
class GuardExamples:
    """Example phrasings per route, and the injection classifier's injections and benign near misses."""

    routes: dict[str, tuple[str, ...]]
    injection: tuple[str, ...]
    benign: tuple[str, ...]

    @property
    def all_benign(self) -> tuple[str, ...]:
        """Everything the classifier should take as benign: every route example, then the near misses."""
        return (*(text for texts in self.routes.values() for text in texts), *self.benign)


def _read(name: str) -> dict[str, Any]:
    return tomllib.loads(resources.files("plan_assistant").joinpath("data", name).read_text(encoding="utf-8"))


def _texts(table: dict[str, Any], key: str) -> tuple[str, ...]:
    """A list of non-empty strings from a table, failing with the key's name otherwise."""
    value = table.get(key, [])
    if not isinstance(value, list) or not all(isinstance(item, str) and item.strip() for item in value):
        raise ValueError(f"{key!r} must be a list of non-empty strings")
    return tuple(value)


def parse_examples(data: dict[str, Any]) -> GuardExamples:
    """Validate the parsed examples file: route lists under [routes], two lists under [injection]."""
    routes = data.get("routes", {})
    injection = data.get("injection", {})
    return GuardExamples(
        routes={name: _texts(routes, name) for name in routes},
        injection=_texts(injection, "injection"),
        benign=_texts(injection, "benign"),
    )


@lru_cache(maxsize=1)
def guard_examples() -> GuardExamples:
    """The packaged examples (read once)."""
    return parse_examples(_read(EXAMPLES_FILE))


def _word_list(value: Any, key: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return tuple(value.split())
    if isinstance(value, list) and all(isinstance(item, str) and item.strip() for item in value):
        return tuple(value)
    raise ValueError(f"{key!r} must be a list of words or phrases, or one whitespace-separated string")


@lru_cache(maxsize=1)
def routing_words() -> dict[str, dict[str, tuple[str, ...]]]:
    """The packaged word lists, by section and name (read once)."""
    return {
        section: {key: _word_list(value, f"{section}.{key}") for key, value in table.items()}
        for section, table in _read(WORDS_FILE).items()
    }
