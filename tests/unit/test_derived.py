"""Derived data is keyed by the sentence's hash: unchanged sentences keep their entry, others are redone."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from ingest.derived import (
    DerivedEntry,
    DerivedError,
    DerivedFile,
    ModelInfo,
    Target,
    apply_derived,
    derived_path,
    load_derived,
    ordered,
    plan_work,
    save_derived,
    sentence_key,
    targets,
)
from tests.fakes import make_chunk

MODEL = ModelInfo(file="model.gguf", sha256="0123456789abcdef")


def target(text: str, kind: str = "sentence") -> Target:
    return Target(sentence_key(text), text, kind, "Fixture priority")  # type: ignore[arg-type]


def entry(text: str, kind: str = "sentence", plain: str | None = "Plain.") -> DerivedEntry:
    return DerivedEntry(text=text, kind=kind, questions=["Why?"], keywords=["roads"], plain=plain)  # type: ignore[arg-type]


def derived(*texts: str, prompt_version: str = "1", model: ModelInfo = MODEL) -> DerivedFile:
    return DerivedFile(
        document_id="fixture",
        model=model,
        prompt_version=prompt_version,
        entries={sentence_key(t): entry(t) for t in texts},
    )


def test_the_key_is_the_first_16_hex_digits_of_the_sha256_of_the_cleaned_text() -> None:
    assert sentence_key("Mend the roads.") == hashlib.sha256(b"Mend the roads.").hexdigest()[:16]
    assert sentence_key("Mend the roads.") != sentence_key("Mend the roads")


def test_targets_are_the_distinct_sentences_of_searchable_chunks_and_titles_in_order() -> None:
    chunks = [
        make_chunk("t", ["Mend the county's roads"], kind="priority", priority="Mend the county's roads"),
        make_chunk("a", ["Fill potholes within a week.", "Grit main roads in winter."]),
        make_chunk("b", ["Grit main roads in winter.", "1.", "Plant trees in every park."], kind="section"),
    ]
    found = targets(chunks)
    assert [(t.text, t.kind) for t in found] == [
        ("Mend the county's roads", "title"),
        ("Fill potholes within a week.", "sentence"),
        ("Grit main roads in winter.", "sentence"),
        ("Plant trees in every park.", "sentence"),
    ]
    assert found[1].key == sentence_key("Fill potholes within a week.")


def test_unchanged_sentences_are_kept_changed_and_new_ones_are_to_do_and_stale_ones_dropped() -> None:
    wanted = [target("Kept sentence one."), target("A brand new sentence."), target("Kept sentence two.")]
    existing = derived("Kept sentence one.", "Kept sentence two.", "A sentence since deleted.")
    kept, todo = plan_work(wanted, existing, MODEL, "1")
    assert [e.text for e in kept.values()] == ["Kept sentence one.", "Kept sentence two."]
    assert [t.text for t in todo] == ["A brand new sentence."]
    assert list(ordered(kept, wanted)) == [wanted[0].key, wanted[2].key]


def test_a_new_prompt_version_or_model_redoes_everything() -> None:
    wanted = [target("Kept sentence one.")]
    for existing in (
        derived("Kept sentence one.", prompt_version="0"),
        derived("Kept sentence one.", model=ModelInfo(file="other.gguf", sha256="ffffffffffffffff")),
    ):
        kept, todo = plan_work(wanted, existing, MODEL, "1")
        assert not kept and todo == wanted


def test_an_entry_of_another_kind_is_redone() -> None:
    wanted = [target("Mend the roads", kind="title")]
    kept, todo = plan_work(wanted, derived("Mend the roads"), MODEL, "1")
    assert not kept and todo == wanted


def test_the_file_round_trips_and_is_written_atomically(tmp_path: Path) -> None:
    path = derived_path(tmp_path / "corpus", "fixture")
    assert path == tmp_path / "corpus" / "derived" / "fixture.json"
    assert load_derived(path) is None
    data = derived("One sentence here.")
    save_derived(data, path)
    assert load_derived(path) == data
    assert [p.name for p in path.parent.iterdir()] == ["fixture.json"]  # no temporary file left
    on_disk = json.loads(path.read_text(encoding="utf-8"))
    assert on_disk["model"] == {"file": "model.gguf", "sha256": "0123456789abcdef"}
    assert on_disk["prompt_version"] == "1"
    assert on_disk["entries"][sentence_key("One sentence here.")]["text"] == "One sentence here."


def test_a_malformed_file_is_named(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{"entries": 3}', encoding="utf-8")
    with pytest.raises(DerivedError, match=r"broken\.json: not a valid derived-data file"):
        load_derived(path)


def test_apply_fills_the_sentences_that_have_an_entry_and_leaves_the_others() -> None:
    chunk = make_chunk("a", ["Fill potholes within a week.", "Grit main roads in winter."])
    assert apply_derived([chunk], None) == 0
    assert apply_derived([chunk], derived("Grit main roads in winter.")) == 1
    first, second = chunk.sentences
    assert (first.plain, first.questions, first.keywords) == (None, [], [])
    assert (second.plain, second.questions, second.keywords) == ("Plain.", ["Why?"], ["roads"])
