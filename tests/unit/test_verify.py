"""The verifier keeps only sentences a passage supports, and remembers which passage sentence."""

from __future__ import annotations

from collections.abc import Iterator

from plan_assistant.verify import Verifier
from tests.fakes import make_chunk, make_passage

FLOOD = "Ensure flood prevention remains a focus for the protection of communities."
CARBON = "Work with our partners towards making Somerset a Carbon Neutral County by 2030."


def _verifier() -> Verifier:
    chunk = make_chunk("c1", [FLOOD, CARBON], outcome=2, priority="P")
    chunk.sentences[0].plain = "The council will keep working to stop floods. This protects communities."
    return Verifier([make_passage(chunk)])


def test_a_plan_sentence_is_kept_with_its_marker_and_recorded() -> None:
    verifier = _verifier()
    assert verifier.line(f"- {CARBON}") == f"- {CARBON} [1]"
    assert verifier.order == ["c1"] and verifier.used == {"c1": [1]}


def test_an_unsupported_sentence_or_figure_is_removed() -> None:
    verifier = _verifier()
    assert verifier.line("The council will build a new stadium by 2025.") == ""
    assert verifier.removed == ["The council will build a new stadium by 2025."]


def test_each_sentence_of_a_prepared_plain_rendering_stands_on_its_source() -> None:
    verifier = _verifier()
    out = verifier.line("The council will keep working to stop floods. This protects communities.")
    assert out.count("[1]") == 2
    assert verifier.used == {"c1": [0, 0]}


def test_streamed_deltas_are_verified_line_by_line() -> None:
    verifier = _verifier()
    deltas = [CARBON[:10], CARBON[10:] + "\n", "Made up claim about parking permits.\n"]
    assert list(verifier.lines(iter(deltas))) == [f"{CARBON} [1]\n"]


def _words(text: str) -> list[str]:
    """A model's output as it streams: a word (and its space) at a time."""
    return [word + " " for word in text.split(" ")[:-1]] + [text.split(" ")[-1]]


def test_a_sentence_is_shown_once_the_next_has_begun_not_at_the_end_of_its_line() -> None:
    answer = f"- {FLOOD} Made up claim about parking permits. {CARBON}\n- {CARBON}"
    shown: list[tuple[int, str]] = []  # (words the model had written, the piece shown then)
    deltas = _words(answer)
    verifier = _verifier()

    def written() -> Iterator[str]:
        for n, delta in enumerate(deltas, start=1):
            written.count = n  # type: ignore[attr-defined]
            yield delta

    for piece in verifier.pieces(written()):
        shown.append((written.count, piece))  # type: ignore[attr-defined]
    assert shown[0][1] == f"- {FLOOD} [1]"
    assert shown[0][0] == len(_words(f"- {FLOOD} Made")), "shown as soon as the next sentence began"
    assert verifier.removed == ["Made up claim about parking permits."]
    # The pieces are exactly the lines the whole output gives, sentence by sentence.
    pieces = "".join(piece for _, piece in shown)
    assert pieces == "".join(_verifier().lines(iter(_words(answer))))
    assert pieces == f"- {FLOOD} [1] {CARBON} [1]\n- {CARBON} [1]\n"
