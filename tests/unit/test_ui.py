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


def test_the_browse_tab_is_rebuilt_from_the_outline_served_at_each_page_load(tmp_path) -> None:
    """A server that switched to a new index generation shows the new outline without a restart."""
    from types import SimpleNamespace

    from plan_assistant.config import Settings
    from plan_assistant.feedback import FeedbackStore
    from plan_assistant.ui import build_ui

    before = Outline(documents=[DocumentOutline(id="fixture-plan", title="Fixture Plan 2020", kind="plan")])
    after = Outline(
        documents=[
            *before.documents,
            DocumentOutline(id="fixture-lanterns", title="Lantern Strategy", kind="strategy"),
        ]
    )
    served = SimpleNamespace(outline=before, generator=None)
    ui = build_ui(served, FeedbackStore(tmp_path / "feedback.sqlite3"), Settings(data_dir=tmp_path))  # type: ignore[arg-type]
    on_load = [f.fn for f in ui.fns.values() if f.name == "browse_as_served"]
    assert len(on_load) == 1
    assert "Lantern Strategy" not in on_load[0]()[3]
    served.outline = after  # the server swapped generations
    assert "**Lantern Strategy** (strategy" in on_load[0]()[3]


def test_a_finished_answer_is_announced_with_its_text_and_where_its_sources_are() -> None:
    from plan_assistant.schemas import Citation
    from plan_assistant.ui import SOURCES_MARKER, announcement

    citation = Citation(
        chunk_id="c1",
        document="Fixture Plan",
        document_id="fixture-plan",
        section="Roads",
        quote="We will mend roads.",
    )
    content = f"The plan says it will mend roads. [1]\n\n{SOURCES_MARKER}<h4>Sources in the plan</h4></div>"
    assert announcement(content, [citation]) == (
        "The plan says it will mend roads. [1]\n\nOne source from the plan, with its quote, is listed under "
        "the answer."
    )
    assert announcement(content, [citation, citation]).endswith(
        "2 sources from the plan, with their quotes, are listed under the answer."
    )
    assert announcement("Sorry, the assistant is not available just now.") == (
        "Sorry, the assistant is not available just now."
    )


def test_a_question_while_the_index_store_is_unreachable_gets_the_unavailable_reply_with_the_signpost(
    tmp_path,
) -> None:
    from types import SimpleNamespace

    from plan_assistant.config import Settings
    from plan_assistant.feedback import FeedbackStore
    from plan_assistant.store import StoreUnavailableError
    from plan_assistant.ui import build_ui

    def stream(*args: object) -> None:
        raise StoreUnavailableError("Chroma server 127.0.0.1:8000 unreachable (ReadTimeout: timed out)")

    outline = Outline(documents=[DocumentOutline(id="fixture-plan", title="Fixture Plan 2020", kind="plan")])
    served = SimpleNamespace(outline=outline, generator=None, stream=stream)
    ui = build_ui(served, FeedbackStore(tmp_path / "feedback.sqlite3"), Settings(data_dir=tmp_path))  # type: ignore[arg-type]
    respond = next(f.fn for f in ui.fns.values() if f.name == "respond")
    *_, (messages, _, _, _) = respond("What about roads?", [], "Resident", {})
    reply = messages[-1]["content"]
    assert "temporarily unavailable" in reply
    assert "(https://www.somerset.gov.uk/contact-us/)" in reply
    assert "Traceback" not in reply and "Chroma" not in reply
