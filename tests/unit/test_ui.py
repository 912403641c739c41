"""ui.py: the Browse tab's reload, the audience choice, an answer's sources, copy text and announcement."""

from __future__ import annotations

from pathlib import Path

from plan_assistant.outline import DocumentOutline, Outline
from plan_assistant.schemas import Answer, Citation


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
    on_load = [f.fn for f in ui.fns.values() if f.name == "on_load"]
    assert len(on_load) == 1
    request = SimpleNamespace(query_params={})
    assert "Lantern Strategy" not in on_load[0]("", request)[1]
    served.outline = after  # the server swapped generations
    assert "<strong>Lantern Strategy</strong> (strategy" in on_load[0]("", request)[1]


def test_the_session_s_own_audience_wins_over_the_embedding_page_s_and_nonsense_means_resident() -> None:
    from plan_assistant.ui import audience_from

    assert audience_from(None, "adviser") == "Adviser"
    assert audience_from("", "ADVISER ") == "Adviser"
    assert audience_from("staff", "adviser") == "Staff"
    assert audience_from(None, None) == "Resident"
    assert audience_from("nonsense", "<script>") == "Resident"


def _citations() -> list[Citation]:
    return [
        Citation(
            chunk_id="c1",
            document="Fixture Plan",
            document_id="fixture-plan",
            outcome=2,
            outcome_title="Safe places",
            priority="Mend the roads",
            section="Outcome 2",
            quote="We will mend roads. ",
        ),
        Citation(
            chunk_id="c2",
            document="Lantern Strategy",
            document_id="fixture-lanterns",
            section="Lighting",
            quote="Lanterns on every bridge.",
        ),
    ]


def test_an_answer_copies_as_plain_text_with_each_reference_on_its_own_line() -> None:
    from plan_assistant.ui import plain_answer

    answer = Answer(
        answer="**Tell the caller:**\n- The council will mend roads. [1]\n- See [the page](https://x.test/a). [2]",
        status="answered",
        citations=_citations(),
    )
    assert plain_answer(answer) == (
        "Tell the caller:\n- The council will mend roads. [1]\n- See the page (https://x.test/a). [2]\n\n"
        "References:\n"
        "[1] Outcome 2 › Mend the roads — “We will mend roads.”\n"
        "[2] Lantern Strategy › Lighting — “Lanterns on every bridge.”"
    )
    refused = Answer(answer="The plan doesn't cover that.", status="not_found", citations=[])
    assert plain_answer(refused) == "The plan doesn't cover that."


def test_an_answer_s_sources_link_the_cited_priority_in_browse_and_carry_the_copy_text() -> None:
    from plan_assistant.outline import KeyPriority, Outcome
    from plan_assistant.ui import SOURCES_MARKER, answer_markdown, message_text

    plan = DocumentOutline(
        id="fixture-plan",
        title="Fixture Plan",
        kind="plan",
        outcomes=[Outcome(number=2, title="Safe places", priorities=[KeyPriority(title="Mend the roads")])],
    )
    outline = Outline(documents=[plan])
    answer = Answer(answer="Roads get mended. [1]\n\nAnd lit. [2]", status="answered", citations=_citations())
    rendered = answer_markdown(answer, outline)
    assert rendered.count('class="pa-browse-link"') == 1  # the strategy's section has no priority
    assert 'href="browse#outcome-2-mend-the-roads"' in rendered
    assert '<span class="pa-label pa-priority">Lighting</span>' in rendered  # a strategy's section
    # A priority the outline does not hold gets no link rather than a broken one.
    elsewhere = answer.model_copy(update={"citations": [_citations()[0].model_copy(update={"outcome": 3})]})
    assert "pa-browse-link" not in answer_markdown(elsewhere, outline)
    # The copy text sits in one HTML block: its newlines are character references, never a blank line.
    block = rendered.split(SOURCES_MARKER, 1)[1]
    assert "\n" not in block and "References:&#10;[1] Outcome 2 › Mend the roads" in block
    assert message_text(rendered) == "Roads get mended. [1]\n\nAnd lit. [2]"


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


def test_the_council_s_colour_must_carry_white_text_and_the_logo_be_an_address() -> None:
    import pytest
    from pydantic import ValidationError

    from plan_assistant.branding import contrast_with_white, header_html
    from plan_assistant.config import Settings

    assert round(contrast_with_white("#0b3d91"), 1) == 10.0
    assert round(contrast_with_white("#ffffff"), 1) == 1.0
    with pytest.raises(ValidationError, match=r"4\.5:1"):
        Settings(brand_colour="#ffdd00")
    with pytest.raises(ValidationError, match="like #0b3d91"):
        Settings(brand_colour="navy")
    with pytest.raises(ValidationError, match="must start with"):
        Settings(logo_url="javascript:alert(1)")
    header = header_html(Settings(council_name="Fixture Council", logo_url="https://x.test/logo.svg"))
    assert '<img class="pa-logo" src="https://x.test/logo.svg" alt="Fixture Council"' in header


def test_chat_messages_count_against_the_clients_rate_limit(tmp_path: Path) -> None:
    from types import SimpleNamespace

    from gradio.helpers import special_args

    from plan_assistant.config import Settings
    from plan_assistant.feedback import FeedbackStore
    from plan_assistant.outline import DocumentOutline, Outline
    from plan_assistant.ratelimit import RateLimit
    from plan_assistant.store import StoreUnavailableError
    from plan_assistant.ui import build_ui

    asked: list[object] = []

    def stream(*args: object) -> None:
        asked.append(args)
        raise StoreUnavailableError("Chroma server 127.0.0.1:8000 unreachable")

    outline = Outline(documents=[DocumentOutline(id="fixture-plan", title="Fixture Plan 2020", kind="plan")])
    served = SimpleNamespace(outline=outline, generator=None, stream=stream)
    limit = RateLimit("2/minute")
    ui = build_ui(served, FeedbackStore(tmp_path / "f.sqlite3"), Settings(data_dir=tmp_path), None, limit)  # type: ignore[arg-type]
    respond = next(f.fn for f in ui.fns.values() if f.name == "respond")
    # Gradio hands the page's request to the handler: it sees the gr.Request parameter.
    marker = object()
    inputs, *_ = special_args(respond, ["q", [], "Resident", {}], request=marker)  # type: ignore[arg-type]
    assert inputs[4] is marker

    def ask(host: str) -> str:
        *_, (messages, _, _, _) = respond(
            "What about roads?", [], "Resident", {}, SimpleNamespace(client=SimpleNamespace(host=host))
        )  # type: ignore[arg-type]
        return str(messages[-1]["content"])

    replies = [ask("203.0.113.7") for _ in range(3)]
    assert "Please wait" not in replies[0] and "Please wait" not in replies[1]
    assert "Please wait" in replies[2] and "seconds and try again" in replies[2]
    assert len(asked) == 2  # the third message never reached the assistant
    assert "Please wait" not in ask("198.51.100.9")  # another client has its own budget
