"""The manifest and the corpus folder must agree; any disagreement stops the ingest naming the culprit."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.manifest import ManifestError, read_manifest
from tests.conftest import CORPUS_DIR


def entry(id_: str, file: str, kind: str = "strategy", current: str = "true") -> str:
    return (
        "[[documents]]\n"
        f'id = "{id_}"\n'
        f'file = "{file}"\n'
        'title = "Fixture Strategy"\n'
        'publisher = "Fixture Council"\n'
        f'kind = "{kind}"\n'
        'period = "2021-2023"\n'
        'source = "provided"\n'
        f"current = {current}\n\n"
    )


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "roads.md").write_text("# Fixture Strategy for Roads\n\nMade-up text.\n", encoding="utf-8")
    (folder / "manifest.toml").write_text(entry("fixture-roads", "roads.md"), encoding="utf-8")
    return folder


def test_the_real_corpus_manifest_describes_the_plan() -> None:
    entries = read_manifest(CORPUS_DIR)
    assert [(e.id, e.kind, e.period, e.current) for e in entries] == [
        ("scc-business-plan-2021-2023", "plan", "2021-2023", True)
    ]
    assert entries[0].path(CORPUS_DIR).is_file()


def test_a_well_formed_manifest_is_read(corpus: Path) -> None:
    (entry_,) = read_manifest(corpus)
    assert entry_.id == "fixture-roads"
    assert entry_.file == "roads.md"
    assert entry_.current is True


def test_a_file_the_manifest_does_not_describe_stops_the_ingest(corpus: Path) -> None:
    (corpus / "stray.txt").write_text("A file nobody described.\n", encoding="utf-8")
    with pytest.raises(ManifestError, match=r"stray\.txt.*not described"):
        read_manifest(corpus)


def test_an_entry_without_its_file_stops_the_ingest(corpus: Path) -> None:
    manifest = corpus / "manifest.toml"
    manifest.write_text(manifest.read_text() + entry("fixture-gone", "gone.pdf"), encoding="utf-8")
    with pytest.raises(ManifestError, match=r"fixture-gone names gone\.pdf, which is not in"):
        read_manifest(corpus)


def test_a_bad_kind_stops_the_ingest_naming_the_entry(corpus: Path) -> None:
    (corpus / "manifest.toml").write_text(entry("fixture-roads", "roads.md", kind="leaflet"))
    with pytest.raises(ManifestError, match=r"document 1 \(fixture-roads\): kind 'leaflet' is not one of"):
        read_manifest(corpus)


def test_bad_toml_stops_the_ingest_naming_the_manifest(corpus: Path) -> None:
    (corpus / "manifest.toml").write_text('[[documents]]\nid = "unterminated\n', encoding="utf-8")
    with pytest.raises(ManifestError, match=r"manifest\.toml: not valid TOML"):
        read_manifest(corpus)


def test_a_missing_field_stops_the_ingest_naming_the_field(corpus: Path) -> None:
    text = entry("fixture-roads", "roads.md").replace('publisher = "Fixture Council"\n', "")
    (corpus / "manifest.toml").write_text(text, encoding="utf-8")
    with pytest.raises(ManifestError, match=r"document 1 lacks publisher"):
        read_manifest(corpus)


def test_current_must_be_a_boolean(corpus: Path) -> None:
    (corpus / "manifest.toml").write_text(entry("fixture-roads", "roads.md", current='"yes"'))
    with pytest.raises(ManifestError, match=r"fixture-roads\): current must be true or false"):
        read_manifest(corpus)


def test_an_id_used_twice_stops_the_ingest(corpus: Path) -> None:
    (corpus / "other.md").write_text("# Other fixture\n\nText.\n", encoding="utf-8")
    (corpus / "manifest.toml").write_text(
        entry("fixture-roads", "roads.md") + entry("fixture-roads", "other.md")
    )
    with pytest.raises(ManifestError, match=r"document id used twice: fixture-roads"):
        read_manifest(corpus)


def test_a_missing_manifest_stops_the_ingest(corpus: Path) -> None:
    (corpus / "manifest.toml").unlink()
    with pytest.raises(ManifestError, match=r"manifest\.toml: missing"):
        read_manifest(corpus)


def test_an_unsupported_file_type_stops_the_ingest(corpus: Path) -> None:
    (corpus / "sheet.xlsx").write_bytes(b"PK fixture")
    (corpus / "manifest.toml").write_text(
        entry("fixture-roads", "roads.md") + entry("fixture-sheet", "sheet.xlsx")
    )
    with pytest.raises(ManifestError, match=r"sheet\.xlsx: unsupported file type '\.xlsx'"):
        read_manifest(corpus)


def test_hidden_files_and_folders_are_ignored(corpus: Path) -> None:
    (corpus / ".DS_Store").write_bytes(b"\x00")
    (corpus / "drafts").mkdir()
    assert [e.id for e in read_manifest(corpus)] == ["fixture-roads"]


def test_the_derived_data_folder_is_not_taken_for_a_document(corpus: Path) -> None:
    derived = corpus / "derived"
    derived.mkdir()
    (derived / "fixture-roads.json").write_text("{}", encoding="utf-8")
    assert [e.id for e in read_manifest(corpus)] == ["fixture-roads"]
