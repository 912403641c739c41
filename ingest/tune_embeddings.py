"""python -m ingest tune-embeddings: adapt the embedding model to the corpus, offline, from derived data.

The local model wrote everyday questions for every sentence (``corpus/derived/``); each (question,
sentence) pair teaches the embedding model that people ask that way about that sentence. Training is
sentence-transformers' MultipleNegativesRankingLoss (the other sentences of a batch are the negatives)
at the library's usual settings, fixed in advance and never chosen on an eval set: no eval question is
in the data, so both eval sets measure the tuned model out of sample.

The tuned model is written to ``data/models/embedder-tuned-<digest>/``; the digest covers the base
model, the pairs and the settings, so a new run over unchanged data finds the folder and stops. It is
opt-in: set ``PLAN_ASSISTANT_EMBEDDING_MODEL`` to the folder and rebuild the index (the README gives
what it buys and costs).
"""

from __future__ import annotations

import hashlib
import json
import random
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from tqdm import tqdm

from ingest.derived import DERIVED_DIR, DerivedError, load_derived
from plan_assistant.config import Settings
from plan_assistant.embeddings import embedding_name, model_path


@dataclass(frozen=True)
class TuneSettings:
    """The training settings: sentence-transformers' defaults for this loss, fixed before measuring."""

    epochs: int = 1
    batch_size: int = 32
    learning_rate: float = 2e-5
    warmup_share: float = 0.1
    scale: float = 20.0  # MultipleNegativesRankingLoss's default
    seed: int = 0


@dataclass(frozen=True)
class TuneReport:
    """What a run did."""

    path: Path
    pairs: int
    trained: bool
    seconds: float = 0.0

    def summary(self) -> str:
        """The closing line of a run."""
        did = f"trained on {self.pairs} pairs in {self.seconds:.0f} s" if self.trained else "already trained"
        return (
            f"{did}: {self.path}\nUse it: PLAN_ASSISTANT_EMBEDDING_MODEL={self.path} make index "
            "(the index is rebuilt for a new model)"
        )


def derived_pairs(corpus_dir: Path) -> list[tuple[str, str]]:
    """(question, sentence) for every prepared question of every document's derived file, in file order."""
    pairs: list[tuple[str, str]] = []
    for path in sorted((corpus_dir / DERIVED_DIR).glob("*.json")):
        derived = load_derived(path)
        if derived is None:  # pragma: no cover - the glob found it
            continue
        for entry in derived.entries.values():
            pairs.extend((question, entry.text) for question in entry.questions)
    return pairs


def tuned_path(data_dir: Path, base: str, pairs: Sequence[tuple[str, str]], tune: TuneSettings) -> Path:
    """The folder a run over these pairs and settings writes: the same inputs always name the same one."""
    digest = hashlib.sha256(
        json.dumps([base, list(pairs), asdict(tune)], ensure_ascii=False).encode("utf-8")
    ).hexdigest()[:12]
    return data_dir / "models" / f"embedder-tuned-{digest}"


def _batches(pairs: Sequence[tuple[str, str]], size: int, rng: random.Random) -> list[list[tuple[str, str]]]:
    """Shuffled batches in which no sentence appears twice (an in-batch negative must be another sentence)."""
    order = list(pairs)
    rng.shuffle(order)
    batches: list[list[tuple[str, str]]] = []
    for start in range(0, len(order), size):
        seen: set[str] = set()
        batch = []
        for question, sentence in order[start : start + size]:
            if sentence not in seen:
                seen.add(sentence)
                batch.append((question, sentence))
        if len(batch) > 1:
            batches.append(batch)
    return batches


def fine_tune(
    base: Path,
    pairs: Sequence[tuple[str, str]],
    out: Path,
    tune: TuneSettings = TuneSettings(),
    progress: bool = True,
) -> None:
    """Train a copy of the model at ``base`` on the pairs and save it to ``out`` (CPU, seeded)."""
    import torch
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.losses import MultipleNegativesRankingLoss
    from transformers import get_linear_schedule_with_warmup

    torch.manual_seed(tune.seed)
    rng = random.Random(tune.seed)
    model = SentenceTransformer(str(base), device="cpu", local_files_only=True)
    loss = MultipleNegativesRankingLoss(model, scale=tune.scale)
    epochs = [_batches(pairs, tune.batch_size, rng) for _ in range(tune.epochs)]
    steps = sum(len(batches) for batches in epochs)
    optimizer = torch.optim.AdamW(model.parameters(), lr=tune.learning_rate)
    schedule = get_linear_schedule_with_warmup(optimizer, int(tune.warmup_share * steps), steps)
    model.train()
    with tqdm(total=steps, desc="Tuning the embedding model", unit="batch", disable=not progress) as bar:
        for batches in epochs:
            for batch in batches:
                features = [
                    model.preprocess([question for question, _ in batch]),
                    model.preprocess([sentence for _, sentence in batch]),
                ]
                value = loss(features, torch.empty(0))
                optimizer.zero_grad()
                value.backward()
                optimizer.step()
                schedule.step()
                bar.update(1)
    model.eval()
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    model.save(str(partial))
    partial.replace(out)  # a folder that exists is a whole model


def run_tune(settings: Settings, tune: TuneSettings = TuneSettings(), progress: bool = True) -> TuneReport:
    """Tune the configured embedding model on the corpus's derived questions (skipped when already done)."""
    pairs = derived_pairs(settings.corpus_dir)
    if len(pairs) < 2:
        raise DerivedError(
            f"no prepared questions in {settings.corpus_dir / DERIVED_DIR}: run `make enrich` first"
        )
    out = tuned_path(settings.data_dir, embedding_name(settings), pairs, tune)
    if out.is_dir():
        return TuneReport(out, len(pairs), trained=False)
    started = time.perf_counter()
    fine_tune(model_path(settings.embedding_model), pairs, out, tune, progress=progress)
    return TuneReport(out, len(pairs), trained=True, seconds=time.perf_counter() - started)
