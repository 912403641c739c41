"""The README stays true: every setting and every command it promises is documented."""

from __future__ import annotations

import re
from pathlib import Path

from plan_assistant.config import Settings

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
MAKEFILE = (ROOT / "Makefile").read_text(encoding="utf-8")


def test_every_setting_is_in_the_readme_settings_table() -> None:
    rows = set(re.findall(r"^\| `(PLAN_ASSISTANT_[A-Z_]+)` \|", README, flags=re.M))
    expected = {f"PLAN_ASSISTANT_{name.upper()}" for name in Settings.model_fields}
    assert expected - rows == set(), "settings missing from the README table"
    assert rows - expected == set(), "README documents settings that do not exist"


def test_the_readme_opens_with_the_two_commands() -> None:
    first_block = README.split("```")[1]
    assert "make run" in first_block
    assert "make test" in first_block


def test_every_make_target_is_documented_or_internal() -> None:
    targets = set(re.findall(r"^([a-z][a-z-]*):", MAKEFILE, flags=re.M))
    internal = {"install", "browser-deps", "clean", "test-fast"}
    missing = [t for t in sorted(targets - internal) if f"make {t}" not in README]
    assert missing == []


def test_every_ingest_command_is_documented() -> None:
    from ingest.__main__ import main  # noqa: F401  (the CLI's commands are its argparse choices)

    for command in ("build", "rebuild", "status", "python -m ingest add"):
        assert command in README
    assert "python -m ingest" in README


def test_ci_runs_the_readme_test_command() -> None:
    assert "make test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
