"""The verifier keeps only sentences a passage supports, and remembers which passage sentence."""

from __future__ import annotations

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
