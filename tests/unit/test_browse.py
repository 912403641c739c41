"""browse.py: the outline as one readable page, its stable ids, and the /browse page."""

from __future__ import annotations

import re
from datetime import date
from html.parser import HTMLParser

from plan_assistant.browse import anchor, browse_link, browse_page, outline_html, slug
from plan_assistant.config import Settings
from plan_assistant.outline import DocumentOutline, KeyPriority, LinkedDocument, Outcome, Outline, Section


def fixture_outline() -> Outline:
    return Outline(
        documents=[
            DocumentOutline(
                id="fixture-plan",
                title="Fixture Corporate Plan 2020-2022",
                kind="plan",
                period="2020-2022",
                publisher="Fixture County Council",
                outcomes=[
                    Outcome(
                        number=1,
                        title="Thriving <places>",
                        priorities=[
                            KeyPriority(
                                title="Mend the roads & bridges",
                                commitments=["Fill potholes", "Light bridges"],
                            ),
                            KeyPriority(title="Grow jobs"),
                        ],
                    ),
                    Outcome(
                        number=2, title="Healthy people", priorities=[KeyPriority(title="Support carers")]
                    ),
                ],
                sections=[Section(title="Finances", path="finances")],
                links=[
                    LinkedDocument(title="Lantern Strategy", document_id="fixture-lanterns"),
                    LinkedDocument(title="Fixture Ferry Plan"),
                ],
            ),
            DocumentOutline(
                id="fixture-lanterns",
                title="Lantern Strategy",
                kind="strategy",
                period="2024-2030",
                outcomes=[
                    Outcome(
                        number=1,
                        title="Lit streets",
                        priorities=[KeyPriority(title="Mend the roads & bridges")],
                    )
                ],
            ),
        ]
    )


class _Ids(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if found.get("id"):
            self.ids.append(str(found["id"]))
        if tag == "a" and found.get("href"):
            self.hrefs.append(str(found["href"]))


def test_an_id_is_made_from_the_outcome_number_and_the_priority_s_first_words() -> None:
    assert slug("Improve transport, infrastructure and digital connectivity") == (
        "improve-transport-infrastructure-and-digital-connectivity"
    )
    assert slug("Strategic leadership of local places and supportive providers, collaborate") == (
        "strategic-leadership-of-local-places-and"
    )
    assert anchor(3) == "outcome-3"
    assert anchor(3, "Support carers") == "outcome-3-support-carers"
    assert anchor(1, "Support carers", "fixture-lanterns") == "fixture-lanterns--outcome-1-support-carers"


def test_every_outcome_and_priority_is_on_the_page_with_a_unique_id_and_a_link_to_itself() -> None:
    page = outline_html(fixture_outline(), today=date(2026, 12, 1))
    parser = _Ids()
    parser.feed(page)
    assert len(parser.ids) == len(set(parser.ids))  # the same priority title in two documents stays apart
    for target in (
        "outcome-1",
        "outcome-1-mend-the-roads-bridges",
        "outcome-1-grow-jobs",
        "outcome-2-support-carers",
        "fixture-lanterns--outcome-1",
        "fixture-lanterns--outcome-1-mend-the-roads-bridges",
    ):
        assert target in parser.ids
        assert f"browse#{target}" in parser.hrefs
    assert "Thriving &lt;places&gt;" in page and "<places>" not in page  # the plan's words, escaped
    assert page.index("Fill potholes") < page.index("Light bridges")
    assert "The plan lists no separate commitments here." in page
    assert page.count('<p class="pa-context">Under Outcome 1: Thriving &lt;places&gt;</p>') == 2


def test_the_sections_and_linked_strategies_loaded_or_not_follow_the_outcomes() -> None:
    page = outline_html(fixture_outline(), today=date(2026, 12, 1))
    assert page.index("Healthy people") < page.index("Other sections of the plan") < page.index("Finances")
    assert "<li>Lantern Strategy</li>" in page
    assert re.search(r"<li>Fixture Ferry Plan <span[^>]*>\(text not available here\)</span></li>", page)
    assert "(plan, 2020-2022, Fixture County Council, period ended)" in page
    assert 'data-total="4"' in page and "Showing all 4 key priorities" in page


def test_a_citation_links_to_its_priority_in_its_own_document() -> None:
    outline = fixture_outline()
    assert browse_link(outline, "fixture-plan", 1, "Grow jobs") == "browse#outcome-1-grow-jobs"
    assert browse_link(outline, "fixture-lanterns", 1, "Mend the roads & bridges") == (
        "browse#fixture-lanterns--outcome-1-mend-the-roads-bridges"
    )
    assert browse_link(outline, "fixture-plan", 2, "Grow jobs") is None  # not under that outcome


def test_the_browse_page_carries_the_council_s_name_and_a_print_button() -> None:
    settings = Settings(council_name="Fixture & Sons Council", brand_colour="#5A1A6E")
    page = browse_page(fixture_outline(), settings, today=date(2026, 12, 1))
    assert page.startswith("<!doctype html>") and '<html lang="en-GB">' in page
    assert '<span class="pa-council">Fixture &amp; Sons Council</span>' in page
    assert "background: #5a1a6e" in page
    assert "Print this outline" in page and "@media print" in page
    assert "gradio" not in page.lower()
