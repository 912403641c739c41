"""python -m evals.frames: do answers survive an adviser passing the question on in reported speech?

Community Connect advisers relay a caller's question ("Caller wants to know ...", "A caller is asking
..."). Every answerable single question of both sets is asked as an adviser as written and inside each
frame below; the figures are the share answered and the share quoting the answering sentence. Each frame
was written before the change it measured (the first three, then the last three), but all have been seen
while ``retrieval.topic_stems``'s frame grammar was written: none is held out (README, Measured).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from evals import DATASETS, load_dataset
from evals.metrics import evidence_in_citations

FRAMES: tuple[str, ...] = (
    "{question}",
    "Caller wants to know {lowered}",
    "A caller is asking {lowered}",
    "lady on the phone asking {lowered}",
    "Caller says she wants to know {lowered}",
    "Got a caller here, she wants to know {lowered}",
    "I have a gentleman who is asking {lowered}",
)


def framed(question: str) -> list[str]:
    """The question as written and inside each reporting frame."""
    question = question.strip()
    lowered = question[:1].lower() + question[1:]
    return [frame.format(question=question, lowered=lowered) for frame in FRAMES]


def main(argv: Sequence[str] | None = None) -> int:
    """Ask every answerable question in each frame and print the shares, set by set."""
    argparse.ArgumentParser(prog="python -m evals.frames", description=__doc__).parse_args(argv)
    from plan_assistant.config import Settings
    from plan_assistant.factory import build_assistant

    assistant = build_assistant(Settings())
    print(f"{'set':6s} {'frame':40s} {'questions':>9s} {'answered':>9s} {'quoted':>7s}")
    for name, path in DATASETS.items():
        items = [i for i in load_dataset(path) if i.kind == "answerable" and not i.history and i.evidence]
        answered = [0] * len(FRAMES)
        quoted = [0] * len(FRAMES)
        for item in items:
            for n, text in enumerate(framed(item.question)):
                answer = assistant.ask(text, audience="adviser")
                if answer.status == "answered":
                    answered[n] += 1
                    quoted[n] += evidence_in_citations([c.quote for c in answer.citations], item.evidence)
        for n, frame in enumerate(FRAMES):
            print(
                f"{name:6s} {frame:40s} {len(items):9d} {answered[n] / len(items):9.1%} "
                f"{quoted[n] / len(items):7.1%}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
