"""The generation pointer: written atomically, read back exactly, and a bad one named with its cause."""

from __future__ import annotations

from pathlib import Path

import pytest

from plan_assistant.generations import (
    GenerationError,
    current_generation,
    generation_numbers,
    legacy_generation,
    new_generation,
    pointer_path,
    read_pointer,
    write_pointer,
)


def test_a_written_pointer_reads_back_as_the_same_generation(tmp_path: Path) -> None:
    generation = new_generation("plan_chunks", 7, chunks=120)
    write_pointer(tmp_path, generation)
    assert read_pointer(tmp_path) == generation
    assert generation.name == "g000007"
    assert generation.collections == (
        "plan_chunks_g000007",
        "plan_chunks_g000007_sentences",
        "plan_chunks_g000007_questions",
    )
    assert generation.outline_path(tmp_path) == tmp_path / "outlines" / "outline-g000007.json"
    assert [p.name for p in tmp_path.iterdir()] == ["generation.json"]  # no temporary file left behind


def test_no_pointer_means_no_generation_unless_an_index_from_before_generations_exists(
    tmp_path: Path,
) -> None:
    assert read_pointer(tmp_path) is None
    assert current_generation(tmp_path, "plan_chunks", ["other"]) is None
    legacy = current_generation(tmp_path, "plan_chunks", ["plan_chunks", "plan_chunks_sentences"])
    assert legacy == legacy_generation("plan_chunks")
    assert legacy is not None and legacy.name == "legacy" and legacy.outline == "outline.json"


def test_the_pointer_wins_over_an_index_from_before_generations(tmp_path: Path) -> None:
    write_pointer(tmp_path, new_generation("plan_chunks", 2, chunks=1))
    generation = current_generation(tmp_path, "plan_chunks", ["plan_chunks", "plan_chunks_g000002"])
    assert generation is not None and generation.number == 2


@pytest.mark.parametrize("text", ["{not json", '{"number": "two"}', "[]", ""])
def test_a_damaged_pointer_is_an_error_naming_the_file_and_the_cure(tmp_path: Path, text: str) -> None:
    pointer_path(tmp_path).write_text(text, encoding="utf-8")
    with pytest.raises(
        GenerationError, match=r"generation\.json: not a valid index pointer .*python -m ingest"
    ):
        read_pointer(tmp_path)


def test_generation_numbers_find_every_collection_of_each_generation_and_nothing_else() -> None:
    names = [
        "plan_chunks",
        "plan_chunks_sentences",
        "plan_chunks_g000001",
        "plan_chunks_g000001_sentences",
        "plan_chunks_g000001_questions",
        "plan_chunks_g000003_sentences",  # an ingest killed half-way
        "other_g000002",
        "plan_chunks_g000004_extra",
    ]
    found = generation_numbers("plan_chunks", names)
    assert {n: sorted(v) for n, v in found.items()} == {
        1: ["plan_chunks_g000001", "plan_chunks_g000001_questions", "plan_chunks_g000001_sentences"],
        3: ["plan_chunks_g000003_sentences"],
    }
