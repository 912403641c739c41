"""The reporting frames of ``python -m evals.frames``."""

from __future__ import annotations

from evals.frames import FRAMES, framed


def test_each_frame_holds_the_question_once_and_the_first_is_the_question_itself() -> None:
    asked = framed("What is the council doing about flooding?")
    assert len(asked) == len(FRAMES)
    assert asked[0] == "What is the council doing about flooding?"
    assert asked[1] == "Caller wants to know what is the council doing about flooding?"
    assert all(a.lower().count("what is the council doing about flooding?") == 1 for a in asked)
