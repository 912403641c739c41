"""Entity labels are set on every sentence, and the model loads only for sentences it has not labelled."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ingest.entities import entity_model_id, label_entities
from tests.fakes import make_chunk


class CountingLabeller:
    """A fake labeller: 'MONEY' for a sentence with £, 'GPE' for Somerset; counts loads and texts."""

    def __init__(self) -> None:
        self.loads = 0
        self.texts: list[str] = []

    def factory(self) -> CountingLabeller:
        self.loads += 1
        return self

    def __call__(self, texts: Sequence[str]) -> list[list[str]]:
        self.texts.extend(texts)
        return [
            sorted(label for label, word in (("MONEY", "£"), ("GPE", "Somerset")) if word in t) for t in texts
        ]


def chunks() -> list:  # type: ignore[type-arg]
    return [
        make_chunk("a", ["Spend £2m in Somerset.", "Grit the roads."]),
        make_chunk("b", ["Grit the roads.", "Plant trees."], kind="section"),
    ]


def test_every_sentence_gets_its_labels_and_each_text_is_labelled_once() -> None:
    labeller = CountingLabeller()
    made = chunks()
    assert label_entities(made, labeller.factory) == 4
    assert made[0].sentences[0].entities == ["GPE", "MONEY"]
    assert made[1].sentences[0].entities == [] and labeller.texts.count("Grit the roads.") == 1


def test_the_model_is_not_loaded_when_every_label_is_in_the_cache(tmp_path: Path) -> None:
    cache = tmp_path / "cache" / "entities.json"
    label_entities(chunks(), CountingLabeller().factory, cache)
    again, labeller = chunks(), CountingLabeller()
    label_entities(again, labeller.factory, cache)
    assert labeller.loads == 0
    assert again[0].sentences[0].entities == ["GPE", "MONEY"]

    changed = [make_chunk("a", ["Spend £2m in Somerset.", "Grit every road."])]
    label_entities(changed, labeller.factory, cache)
    assert labeller.texts == ["Grit every road."]  # only the new sentence; the others come from the cache


def test_no_sentence_no_model_and_the_model_id_names_the_package_version() -> None:
    assert label_entities([], CountingLabeller().factory) == 0
    assert entity_model_id().startswith("en_core_web_sm")
