"""Serve the newest index generation without a restart: watch the pointer, load beside, swap between requests."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from plan_assistant.assistant import Assistant
from plan_assistant.generations import Generation, GenerationError
from plan_assistant.outline import Outline
from plan_assistant.schemas import Answer, Audience, Turn

logger = logging.getLogger(__name__)


class LiveAssistant:
    """The assistant of the generation being served, swapped for a newer one as soon as it is loaded.

    A request takes the (assistant, generation) pair once, at its start, and keeps it to its end; a swap
    replaces that one reference, so a request never mixes two generations and never waits for a load.
    """

    def __init__(
        self,
        assistant: Assistant,
        generation: Generation,
        load: Callable[[Generation], Assistant],
        read_pointer: Callable[[], Generation | None],
        interval: float = 1.0,
        store_check: Callable[[], bool] | None = None,
    ) -> None:
        self._serving = (assistant, generation)
        self._store_check = store_check
        self._load = load
        self._read_pointer = read_pointer
        self.interval = interval
        self._reloading = threading.Lock()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._reported: str = ""  # the last problem logged, so a lasting one is logged once

    @property
    def assistant(self) -> Assistant:
        """The assistant of the generation served now."""
        return self._serving[0]

    @property
    def generation(self) -> Generation:
        """The generation served now."""
        return self._serving[1]

    @property
    def outline(self) -> Outline:
        """The outline of the generation served now."""
        return self._serving[0].outline

    def ask(self, question: str, history: Sequence[Turn] = (), audience: Audience = "resident") -> Answer:
        """Answer one question from the generation served when the question arrived."""
        return self._serving[0].ask(question, history, audience)

    def stream(
        self, question: str, history: Sequence[Turn] = (), audience: Audience = "resident"
    ) -> Iterator[str | Answer]:
        """Stream one answer from the generation served when the stream started."""
        assistant = self._serving[0]
        yield from assistant.stream(question, history, audience)

    def health(self) -> dict[str, Any]:
        """Counts for /healthz, with the generation they come from and whether the index store answers."""
        assistant, generation = self._serving
        store = "ok" if self._store_check is None or self._store_check() else "unreachable"
        return {**assistant.health(), "generation": generation.name, "store": store}

    def refresh(self) -> bool:
        """Load the generation the pointer names if it is not the one served, and swap; True if swapped."""
        with self._reloading:
            try:
                pointed = self._read_pointer()
            except GenerationError as exc:
                self._report(f"keeping generation {self.generation.name}: {exc}")
                return False
            if pointed is None or (pointed.number, pointed.base) == (
                self.generation.number,
                self.generation.base,
            ):
                return False
            started = time.perf_counter()
            try:
                assistant = self._load(pointed)
            except Exception as exc:  # whatever went wrong, the generation in hand keeps serving
                self._report(f"keeping generation {self.generation.name}: cannot load {pointed.name}: {exc}")
                return False
            previous = self.generation.name
            self._serving = (assistant, pointed)
            self._reported = ""
            logger.info(
                "now serving index generation %s (%d chunks; was %s; loaded in %.1f s)",
                pointed.name,
                len(assistant.retriever.index.chunks),
                previous,
                time.perf_counter() - started,
            )
            return True

    def start(self) -> None:
        """Check the pointer every ``interval`` seconds in a background thread (0: never)."""
        if self.interval <= 0 or self._thread is not None:
            return
        self._thread = threading.Thread(target=self._watch, name="index-generation-watch", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop watching (the generation in hand keeps serving)."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def _watch(self) -> None:
        while not self._stopping.wait(self.interval):
            try:
                self.refresh()
            except Exception as exc:  # the watcher must outlive any one failure
                self._report(f"index generation check failed: {exc}")

    def _report(self, message: str) -> None:
        if message != self._reported:
            logger.error(message)
            self._reported = message
