"""Joining the local model from its parts: order, hash check, reuse, and no half-written files."""

from __future__ import annotations

import hashlib
import sys
import types
from collections.abc import Iterator
from pathlib import Path

import pytest

from plan_assistant.generators.model_files import ModelFileError, join_parts, part_paths

PIECES = [b"GGUF-head-", b"middle-bytes-", b"tail"]
WHOLE_SHA = hashlib.sha256(b"".join(PIECES)).hexdigest()


@pytest.fixture
def parts(tmp_path: Path) -> list[Path]:
    paths = []
    for number, piece in enumerate(PIECES, start=1):
        path = tmp_path / "parts" / f"part{number:02d}.bin"
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(piece)
        paths.append(path)
    return paths


def test_parts_are_joined_in_order_into_the_destination(parts: list[Path], tmp_path: Path) -> None:
    dest = tmp_path / "models" / "model.gguf"
    assert join_parts(parts, dest, WHOLE_SHA, progress=False) == dest
    assert dest.read_bytes() == b"".join(PIECES)


def test_a_wrong_hash_is_refused_and_leaves_no_file_behind(parts: list[Path], tmp_path: Path) -> None:
    dest = tmp_path / "models" / "model.gguf"
    with pytest.raises(ModelFileError, match="sha256"):
        join_parts(list(reversed(parts)), dest, WHOLE_SHA, progress=False)
    assert list(dest.parent.iterdir()) == []


def test_a_valid_joined_file_is_reused_without_reading_the_parts(parts: list[Path], tmp_path: Path) -> None:
    dest = tmp_path / "model.gguf"
    join_parts(parts, dest, WHOLE_SHA, progress=False)
    for part in parts:
        part.unlink()
    assert join_parts(parts, dest, WHOLE_SHA, progress=False).read_bytes() == b"".join(PIECES)


def test_a_corrupt_joined_file_is_joined_again(parts: list[Path], tmp_path: Path) -> None:
    dest = tmp_path / "model.gguf"
    dest.write_bytes(b"truncated")
    join_parts(parts, dest, WHOLE_SHA, progress=False)
    assert dest.read_bytes() == b"".join(PIECES)


@pytest.fixture
def fake_part_modules(parts: list[Path]) -> Iterator[str]:
    pattern = "fake_model_part{}"
    for number, path in enumerate(parts, start=1):
        module = types.ModuleType(pattern.format(number))
        module.get_part_path = lambda path=path: str(path)  # type: ignore[attr-defined]
        sys.modules[module.__name__] = module
    try:
        yield pattern
    finally:
        for number in range(1, len(parts) + 1):
            sys.modules.pop(pattern.format(number), None)


def test_part_paths_come_from_the_part_packages_in_number_order(
    fake_part_modules: str, parts: list[Path]
) -> None:
    assert part_paths(count=len(parts), module_pattern=fake_part_modules) == parts


def test_a_missing_part_package_says_how_to_install_it(fake_part_modules: str, parts: list[Path]) -> None:
    with pytest.raises(ModelFileError, match=r"fake_model_part4.*local-llm"):
        part_paths(count=len(parts) + 1, module_pattern=fake_part_modules)
