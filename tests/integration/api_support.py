"""Helpers for the API tests: the assistant under test, a scripted fake for error paths, an SSE reader."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from plan_assistant.generators.base import GeneratorBusyError
from plan_assistant.outline import DocumentOutline, KeyPriority, Outcome, Outline
from plan_assistant.schemas import Answer, Audience, Citation, Turn
from plan_assistant.store import StoreUnavailableError

ROOT = Path(__file__).resolve().parents[2]
EXPECTED = json.loads((ROOT / "tests" / "data" / "expected_outline.json").read_text())


def expected_outline() -> Outline:
    """The plan's outline as the tests expect it (titles only, no commitments)."""
    outcomes = [
        Outcome(
            number=o["number"], title=o["title"], priorities=[KeyPriority(title=p) for p in o["priorities"]]
        )
        for o in EXPECTED["outcomes"]
    ]
    document = DocumentOutline(
        id=EXPECTED["document_id"], title="Business Plan 2021-2023", kind="plan", outcomes=outcomes
    )
    return Outline(documents=[document])


class FakeAssistant:
    """A scripted stand-in at our own boundary, for error paths the real chain cannot be made to take."""

    def __init__(
        self,
        *,
        fail: bool = False,
        fail_after_deltas: int | None = None,
        chunks: int = 7,
        store_down: bool = False,
        busy: bool = False,
    ) -> None:
        self.fail = fail
        self.busy = busy  # as the real chain behaves when the local model's queue is full
        self.store_down = store_down  # as the real chain behaves when the Chroma server does not answer
        self.fail_after_deltas = fail_after_deltas
        self.chunks = chunks
        self.outline = expected_outline()
        self.questions: list[tuple[str, tuple[Turn, ...], Audience]] = []

    def _answer(self) -> Answer:
        outcome = self.outline.documents[0].outcomes[1]
        citation = Citation(
            document="Business Plan 2021-2023",
            document_id=EXPECTED["document_id"],
            outcome=outcome.number,
            outcome_title=outcome.title,
            priority=outcome.priorities[0].title,
            section=f"Outcome {outcome.number} › {outcome.priorities[0].title}",
            quote="Work with people to build a climate resilient Somerset.",
            chunk_id="fake-chunk-1",
        )
        return Answer(
            answer="The plan commits to working with people to build a climate resilient Somerset.",
            status="answered",
            citations=[citation],
        )

    def ask(self, question: str, history: Sequence[Turn] = (), audience: Audience = "resident") -> Answer:
        """Return the scripted answer, or fail when told to."""
        self.questions.append((question, tuple(history), audience))
        if self.fail:
            raise RuntimeError("scripted failure")
        if self.busy:
            raise GeneratorBusyError("4 questions are already waiting for the local model (limit 4)")
        if self.store_down:
            raise StoreUnavailableError(
                "Chroma server 127.0.0.1:8000 unreachable (ConnectError: [Errno 111] Connection refused)"
            )
        return self._answer()

    def stream(
        self, question: str, history: Sequence[Turn] = (), audience: Audience = "resident"
    ) -> Iterator[str | Answer]:
        """Yield the scripted answer word by word, then the Answer (or fail part-way)."""
        answer = self.ask(question, history, audience)
        for number, word in enumerate(answer.answer.split(" ")):
            if self.fail_after_deltas is not None and number >= self.fail_after_deltas:
                raise RuntimeError("scripted failure part-way")
            yield word + " "
        yield answer

    def health(self) -> dict[str, Any]:
        """Counts as the real assistant reports them, and whether the index store answers."""
        store = "unreachable" if self.store_down else "ok"
        return {"documents": 1, "chunks": self.chunks, "generator": "extractive", "store": store}


def parse_sse(lines: Iterable[str]) -> list[tuple[str, Any]]:
    """Read a Server-Sent Events stream into (event, decoded data) pairs, skipping keep-alive comments."""
    text = "".join(lines)
    events: list[tuple[str, Any]] = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        kind, data = "message", []
        for line in block.split("\n"):
            if line.startswith("event:"):
                kind = line[6:].strip()
            elif line.startswith("data:"):
                data.append(line[5:].removeprefix(" "))
        if data:
            events.append((kind, json.loads("\n".join(data))))
    return events


def build_index(data_dir: Path, extra_env: dict[str, str] | None = None) -> None:
    """Build the real index from the corpus into ``data_dir`` with ``python -m ingest``."""
    env = {**os.environ, "PLAN_ASSISTANT_DATA_DIR": str(data_dir), "HF_HUB_OFFLINE": "1", **(extra_env or {})}
    subprocess.run(
        [sys.executable, "-m", "ingest"], cwd=ROOT, env=env, check=True, capture_output=True, timeout=600
    )


_ASSISTANTS: dict[str, Any] = {}


def real_assistant(data_dir: Path) -> Any:
    """The real chain (extractive generator) over a fresh index in ``data_dir``, built once per process."""
    if "real" not in _ASSISTANTS:
        from plan_assistant.config import Settings
        from plan_assistant.factory import build_assistant

        build_index(data_dir)
        _ASSISTANTS["real"] = build_assistant(Settings(data_dir=data_dir, generator="extractive"))
    return _ASSISTANTS["real"]


def assistant_under_test(data_dir: Path) -> Any:
    """The real chain (extractive generator) over a fresh index in ``data_dir``."""
    return real_assistant(data_dir)
