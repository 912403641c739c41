"""ingest/links.py: the documents a document lists, found by the list's structure, matched to the manifest."""

from __future__ import annotations

import tomllib

from ingest.links import _NOUNS_FILE, document_nouns, linked_names, matches_title, resolve_links, split_names
from ingest.manifest import DocumentEntry


def entry(id_: str, title: str, links: tuple[str, ...] = ()) -> DocumentEntry:
    return DocumentEntry(
        id_, f"{id_}.md", title, "Fixture Council", "strategy", "2024-2030", "provided", True, links
    )


def test_the_plan_lists_its_strategies_in_its_own_order(corpus_text: str) -> None:
    names = linked_names(corpus_text)
    assert names[0] == "Climate Emergency Strategy"
    assert "Local Transport Plan" in names
    assert names[-1] == "Economic Recovery and Growth Plan"
    assert len(names) == 7
    assert all(len(n.split()) <= 6 for n in names)


def test_names_run_together_split_after_each_word_ending_a_name() -> None:
    run = "Fixture Parks Strategy Fixture Rivers Framework and Fixture Roads Plan"
    assert split_names(run) == ["Fixture Parks Strategy", "Fixture Rivers Framework", "Fixture Roads Plan"]


def test_a_list_of_bullets_under_a_label_is_read_item_by_item() -> None:
    text = (
        "Delivery\n\nThe fixture plan is carried out through other work.\n\n"
        "Related strategies and plans:\n\n- Fixture Lanterns Strategy\n- Fixture Meadows Framework\n\n"
        "Next steps follow here.\n"
    )
    assert linked_names(text) == ["Fixture Lanterns Strategy", "Fixture Meadows Framework"]


def test_a_label_that_names_no_documents_lists_nothing() -> None:
    assert linked_names("Our Partners: We will work closely with the fixture volunteer sector.\n") == []


def test_a_title_matches_a_listed_name_inside_it_or_nearly_equal() -> None:
    assert matches_title("Lantern Strategy", "Fixture County Lantern Strategy 2024-2030")
    assert matches_title("Children and Young Peoples Plan", "Children and Young People's Plan")
    assert not matches_title("Lantern Strategy", "Meadow Strategy")


def test_each_listed_name_goes_to_the_closest_title_or_an_explicit_link() -> None:
    names = ["Recovery and Growth Plan", "Economic Recovery and Growth Plan", "Lantern Strategy"]
    entries = [
        entry("plan", "Fixture Plan"),
        entry("growth", "Economic Recovery and Growth Plan"),
        entry("lights", "Fixture Street Lighting Strategy", links=("Lantern Strategy",)),
    ]
    assert resolve_links(names, entries, "plan") == [
        ("Recovery and Growth Plan", None),
        ("Economic Recovery and Growth Plan", "growth"),
        ("Lantern Strategy", "lights"),
    ]


def test_the_document_nouns_file_is_well_formed() -> None:
    data = tomllib.loads(_NOUNS_FILE.read_text(encoding="utf-8"))
    ending, listing = document_nouns()
    assert "Strategy" in ending and "Plan" in ending
    assert all(w[:1].isupper() for w in data["ending"])
    assert "strategies" in listing and "plans" in listing
