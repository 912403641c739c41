"""Tuning the embedding model on the derived questions: real training of the real model, on a few pairs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ingest.__main__ import main
from ingest.derived import DerivedEntry, DerivedError, DerivedFile, ModelInfo, save_derived
from ingest.tune_embeddings import TuneSettings, derived_pairs, fine_tune, run_tune, tuned_path
from plan_assistant.embeddings import model_path
from tests.conftest import MakeSettings

PAIRS = [
    ("is anyone fixing the holes in the road?", "Maintain the highway network to a safe standard."),
    ("can my kid get help with school lunches?", "Provide free school meals to eligible pupils."),
    ("what about old people living alone?", "Reduce social isolation among older residents."),
    ("will there be more buses in the villages?", "Improve rural public transport connections."),
]


def write_derived(corpus: Path, pairs: list[tuple[str, str]]) -> None:
    entries = {
        f"k{i}": DerivedEntry(text=sentence, kind="sentence", questions=[question])
        for i, (question, sentence) in enumerate(pairs)
    }
    save_derived(
        DerivedFile(
            document_id="doc",
            model=ModelInfo(file="m.gguf", sha256="0" * 16),
            prompt_version="1",
            entries=entries,
        ),
        corpus / "derived" / "doc.json",
    )


def test_pairs_come_from_every_derived_question(tmp_path: Path) -> None:
    write_derived(tmp_path, PAIRS)
    assert derived_pairs(tmp_path) == PAIRS


def test_the_folder_names_its_inputs(tmp_path: Path) -> None:
    first = tuned_path(tmp_path, "base", PAIRS, TuneSettings())
    assert first == tuned_path(tmp_path, "base", list(PAIRS), TuneSettings())
    assert first != tuned_path(tmp_path, "base", PAIRS[:3], TuneSettings())
    assert first != tuned_path(tmp_path, "other", PAIRS, TuneSettings())
    assert first != tuned_path(tmp_path, "base", PAIRS, TuneSettings(epochs=2))


def test_training_pulls_each_question_towards_its_own_sentence(tmp_path: Path) -> None:
    from sentence_transformers import SentenceTransformer

    out = tmp_path / "tuned"
    # Enough steps to move four pairs visibly; the command runs the library's usual settings.
    fine_tune(model_path(""), PAIRS * 2, out, TuneSettings(epochs=2, batch_size=4, learning_rate=1e-4), False)

    def margins(model: SentenceTransformer) -> np.ndarray:
        questions = model.encode([q for q, _ in PAIRS], normalize_embeddings=True)
        sentences = model.encode([s for _, s in PAIRS], normalize_embeddings=True)
        similarity = questions @ sentences.T
        others = (similarity.sum(axis=1) - similarity.diagonal()) / (len(PAIRS) - 1)
        return similarity.diagonal() - others

    base = SentenceTransformer(str(model_path("")), device="cpu")
    tuned = SentenceTransformer(str(out), device="cpu")
    assert margins(tuned).mean() > margins(base).mean() + 0.1
    assert not out.with_name("tuned.partial").exists()


def test_a_second_run_over_the_same_data_reuses_the_model(
    tmp_path: Path, make_settings: MakeSettings
) -> None:
    settings = make_settings(tmp_path)
    write_derived(settings.corpus_dir, PAIRS)
    folder = tuned_path(settings.data_dir, "all-MiniLM-L6-v2", PAIRS, TuneSettings())
    folder.mkdir(parents=True)  # as a finished earlier run leaves it
    report = run_tune(settings)
    assert (report.path, report.trained) == (folder, False)
    assert "already trained" in report.summary()


def test_without_derived_questions_the_error_says_what_to_run(
    tmp_path: Path,
    make_settings: MakeSettings,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = make_settings(tmp_path)
    with pytest.raises(DerivedError, match="make enrich"):
        run_tune(settings)
    monkeypatch.setenv("PLAN_ASSISTANT_CORPUS_DIR", str(settings.corpus_dir))
    monkeypatch.setenv("PLAN_ASSISTANT_DATA_DIR", str(settings.data_dir))
    (settings.corpus_dir).mkdir(parents=True)
    assert main(["tune-embeddings", "--quiet"]) == 1
    assert "make enrich" in capsys.readouterr().err
