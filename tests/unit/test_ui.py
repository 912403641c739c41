"""ui.py's pure helpers: the Browse tab's list of documents and their linked strategies."""

from __future__ import annotations

from datetime import date

from plan_assistant.outline import DocumentOutline, LinkedDocument, Outline
from plan_assistant.ui import documents_markdown


def test_the_browse_tab_lists_documents_their_state_and_linked_strategies() -> None:
    outline = Outline(
        documents=[
            DocumentOutline(
                id="fixture-plan",
                title="Fixture Corporate Plan 2020-2022",
                kind="plan",
                period="2020-2022",
                publisher="Fixture County Council",
                links=[
                    LinkedDocument(title="Lantern Strategy", document_id="fixture-lanterns"),
                    LinkedDocument(title="Fixture Ferry Plan"),
                ],
            ),
            DocumentOutline(
                id="fixture-lanterns", title="Lantern Strategy", kind="strategy", period="2024-2030"
            ),
        ]
    )
    text = documents_markdown(outline, today=date(2026, 12, 1))
    assert (
        "**Fixture Corporate Plan 2020-2022** (plan, 2020-2022, Fixture County Council, period ended)" in text
    )
    assert "- Lantern Strategy\n" in text
    assert "- Fixture Ferry Plan (text not available here)" in text
    assert "**Lantern Strategy** (strategy, 2024-2030)" in text
