"""The Gradio chat and plan browser, mounted on the API app at /, and the embed demo page."""

from __future__ import annotations

import html
import logging
from collections.abc import Iterator, Sequence
from datetime import date
from time import perf_counter
from typing import Any, Literal
from uuid import uuid4

import gradio as gr
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse

from plan_assistant.accessibility import A11Y_CSS, A11Y_JS, ACCESSIBILITY_PATH, statement_page, theme
from plan_assistant.api import AssistantLike
from plan_assistant.compose import unavailable_text
from plan_assistant.config import Settings
from plan_assistant.documents import currency
from plan_assistant.feedback import FeedbackStore
from plan_assistant.logging_setup import REQUEST_LOGGER, request_record
from plan_assistant.outline import Outline
from plan_assistant.question_log import QuestionLog, entry_for
from plan_assistant.schemas import Answer, Audience, Citation, Turn
from plan_assistant.store import StoreUnavailableError

logger = logging.getLogger(REQUEST_LOGGER)

AUDIENCES: dict[str, Audience] = {"Resident": "resident", "Staff": "staff", "Adviser": "adviser"}
EXAMPLES: dict[Audience, list[str]] = {
    "resident": [
        "What is the council doing about climate change?",
        "Will there be help for young people to find work?",
        "How will the council improve roads and broadband?",
    ],
    "staff": [
        "What are the key priorities under Outcome 3?",
        "What does the plan commit to on adult social care?",
        "How will delivery of the plan be evidenced?",
    ],
    "adviser": [
        "A caller asks what the plan says about flooding.",
        "A caller asks how the council supports carers.",
        "A caller asks about school places and education.",
    ],
}
NOTICE = (
    "**This assistant answers only from Somerset County Council's Business Plan 2021-2023**, and shows "
    "where in the plan each answer comes from. It cannot look up your own case. "
    "**Please do not type personal details** such as your name, address, phone number or email."
)
SOURCES_MARKER = '<div class="pa-sources">'
UNAVAILABLE = "Sorry, the assistant is not available just now. Please try again in a minute."
CSS = """
.pa-sources { margin-top: 0.75em; border-top: 1px solid #767676; padding-top: 0.5em; }
.pa-sources h4 { margin: 0 0 0.25em 0; font-size: 0.95em; }
.pa-source { margin: 0.4em 0; }
.pa-label { display: inline-block; border-radius: 4px; padding: 0 0.4em; margin-right: 0.3em;
            font-size: 0.85em; font-weight: 600; }
.pa-outcome { background: #0b3d91; color: #ffffff; }
.pa-priority { background: #e8eef8; color: #0b1f40; border: 1px solid #0b3d91; }
.pa-document { font-size: 0.85em; color: inherit; }
.pa-ref { font-weight: 600; }
#pa-notice { border-left: 4px solid #0b3d91; padding-left: 0.75em; }
"""
FEEDBACK_THANKS = "Thank you: your feedback has been recorded."


# ---------------------------------------------------------------- pure rendering helpers


def citation_html(citation: Citation, number: int | None = None) -> str:
    """One source: its number, outcome and priority as labels, the document name, the quote behind a summary."""
    labels = [f'<span class="pa-ref">[{number}]</span> '] if number is not None else []
    if citation.outcome is not None:
        title = f": {citation.outcome_title}" if citation.outcome_title else ""
        labels.append(
            f'<span class="pa-label pa-outcome" title="{html.escape(citation.outcome_title or "")}">'
            f"Outcome {citation.outcome}</span>"
            f'<span class="pa-visually-hidden">{html.escape(title)}</span>'
        )
    if citation.priority:
        labels.append(f'<span class="pa-label pa-priority">{html.escape(citation.priority)}</span>')
    if not labels:
        labels.append(f'<span class="pa-label pa-priority">{html.escape(citation.section)}</span>')
    page = f", page {citation.page}" if citation.page else ""
    return (
        f'<div class="pa-source">{"".join(labels)}'
        f'<span class="pa-document">{html.escape(citation.document)}{page}</span>'
        f"<details><summary>Quote from the plan</summary><blockquote>{html.escape(citation.quote)}"
        f"</blockquote></details></div>"
    )


def sources_html(citations: Sequence[Citation]) -> str:
    """The sources block shown under an answer (empty when there are none)."""
    if not citations:
        return ""
    # Numbered like the [1], [2] markers the answer text carries.
    items = "".join(citation_html(c, n) for n, c in enumerate(citations, start=1))
    return f"\n\n{SOURCES_MARKER}<h4>Sources in the plan</h4>{items}</div>"


def answer_markdown(answer: Answer) -> str:
    """The text of an answer with its sources underneath."""
    return answer.answer + sources_html(answer.citations)


def announcement(content: Any, citations: Sequence[Citation] = ()) -> str:
    """What a screen reader hears when an answer is finished: its text, and where its sources are."""
    text = message_text(content)
    if not citations:
        return text
    if len(citations) == 1:
        return f"{text}\n\nOne source from the plan, with its quote, is listed under the answer."
    return (
        f"{text}\n\n{len(citations)} sources from the plan, with their quotes, are listed under the answer."
    )


def message_text(content: Any) -> str:
    """Plain text of a chat message as Gradio passes it (a string, or a list of parts), without sources."""
    if isinstance(content, str):
        text = content
    elif isinstance(content, list):
        text = "".join(part.get("text", "") for part in content if isinstance(part, dict))
    elif isinstance(content, dict):
        text = str(content.get("text", ""))
    else:
        text = ""
    return text.split(SOURCES_MARKER, 1)[0].strip()


def history_turns(messages: Sequence[dict[str, Any]], max_turns: int) -> list[Turn]:
    """The chat so far as Turns for the assistant: the latest ``max_turns`` with text, sources stripped."""
    turns = [
        Turn(role=m["role"], content=message_text(m.get("content")))
        for m in messages
        if m.get("role") in ("user", "assistant") and message_text(m.get("content"))
    ]
    return turns[-max_turns:] if max_turns else []


def outcome_choices(outline: Outline) -> list[tuple[str, str]]:
    """(label, key) for every outcome, for the Browse tab's first choice."""
    several = len([d for d in outline.documents if d.outcomes]) > 1
    choices = []
    for document in outline.documents:
        for outcome in document.outcomes:
            prefix = f"{document.title} – " if several else ""
            choices.append(
                (f"{prefix}Outcome {outcome.number}: {outcome.title}", f"{document.id}::{outcome.number}")
            )
    return choices


def _find_outcome(outline: Outline, key: str | None) -> tuple[str, Any] | None:
    for document in outline.documents:
        for outcome in document.outcomes:
            if key == f"{document.id}::{outcome.number}":
                return document.title, outcome
    return None


def priority_choices(outline: Outline, outcome_key: str | None) -> list[str]:
    """Titles of the key priorities under the chosen outcome."""
    found = _find_outcome(outline, outcome_key)
    return [p.title for p in found[1].priorities] if found else []


def commitments_markdown(outline: Outline, outcome_key: str | None, priority: str | None) -> str:
    """The commitments under one key priority, as a Markdown list."""
    found = _find_outcome(outline, outcome_key)
    if not found:
        return "Choose an outcome to see its key priorities."
    document_title, outcome = found
    chosen = next((p for p in outcome.priorities if p.title == priority), None)
    if chosen is None:
        heading = f"**Outcome {outcome.number}: {outcome.title}**"
        return f"{heading}\n\nChoose a key priority to see what the plan commits to."
    lines = [f"### {chosen.title}", f"*{document_title} › Outcome {outcome.number}: {outcome.title}*", ""]
    if chosen.commitments:
        lines.append("The plan commits to:")
        lines.extend(f"- {c}" for c in chosen.commitments)
    else:
        lines.append("The plan lists no separate commitments under this priority.")
    return "\n".join(lines)


def sections_markdown(outline: Outline) -> str:
    """The parts of each document outside the outcomes, as a Markdown list."""
    lines = []
    for document in outline.documents:
        if document.sections:
            lines.append(f"**{document.title}** also has these sections:")
            lines.extend(f"- {s.title}" for s in document.sections)
    return "\n".join(lines)


def documents_markdown(outline: Outline, today: date | None = None) -> str:
    """Every indexed document with what the manifest says of it, and the documents it lists as linked."""
    today = today or date.today()
    lines = []
    for document in outline.documents:
        facts = [document.kind, document.period, document.publisher]
        state = currency(document, today)
        if state != "current":
            facts.append("no longer current" if state == "withdrawn" else "period ended")
        lines.append(f"**{document.title}** ({', '.join(f for f in facts if f)})")
        if document.links:
            lines.append("")
            lines.append("It lists these strategic and partnership plans:")
            lines.extend(
                f"- {link.title}" + ("" if link.loaded else " (text not available here)")
                for link in document.links
            )
        lines.append("")
    return "\n".join(lines).strip()


def embed_snippet(base_url: str) -> str:
    """The HTML a council web page pastes in to show the assistant."""
    url = base_url.rstrip("/") + "/"
    return (
        f'<iframe src="{html.escape(url)}" title="Ask about the Council Business Plan"\n'
        '        style="box-sizing:border-box; width:100%; max-width:900px; height:760px; '
        'border:1px solid #767676;"\n'
        '        loading="lazy" allow="clipboard-write"></iframe>'
    )


def embed_demo_page(base_url: str) -> str:
    """A small council-style page showing the embed snippet at work."""
    snippet = embed_snippet(base_url)
    return f"""<!doctype html>
<html lang="en-GB"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Embed demo – Plan Assistant</title>
<style>body {{ font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 960px; color: #0b0c0c; }}
pre {{ background: #f3f2f1; padding: 1rem; overflow-x: auto; }}</style></head>
<body><main>
<h1>Our Business Plan 2021-2023</h1>
<p>This page shows how the plan assistant looks when embedded in a council web page.
Paste this snippet where it should appear:</p>
<pre><code>{html.escape(snippet)}</code></pre>
{snippet}
</main></body></html>"""


# ---------------------------------------------------------------- the Blocks


def build_ui(
    assistant: AssistantLike,
    feedback: FeedbackStore,
    settings: Settings,
    questions: QuestionLog | None = None,
) -> gr.Blocks:
    """The chat (streamed answers with sources), audience switch, feedback and the Browse tab."""
    # The outline is read when it is used: a server that switches to a new index generation shows its
    # outline in the Browse tab from the next page load, without a restart.
    outline = assistant.outline
    generator_name = _generator(assistant)

    def respond(
        message: str, messages: list[dict[str, Any]] | None, audience_label: str, request_ids: dict[int, str]
    ) -> Iterator[tuple[list[dict[str, Any]], str, dict[int, str], str]]:
        messages = list(messages or [])
        question = (message or "").strip()
        if not question:
            yield messages, "", request_ids, ""
            return
        audience = AUDIENCES.get(audience_label, "resident")
        turns = history_turns(messages, settings.max_history_turns)
        messages.append({"role": "user", "content": question})
        if len(question) > settings.max_question_chars:
            reply = (
                f"That message is {len(question):,} characters long; the most I can read is "
                f"{settings.max_question_chars:,}. Please shorten it to the part about the Business Plan."
            )
            yield [*messages, {"role": "assistant", "content": reply}], "", request_ids, reply
            return
        messages.append({"role": "assistant", "content": "…"})
        # The status region is emptied while the answer is written, so the same answer twice is heard twice.
        yield messages, "", request_ids, ""
        request_id, started, text, final = uuid4().hex, perf_counter(), "", None
        failure, error = UNAVAILABLE, None
        try:
            for item in assistant.stream(question, turns, audience):
                if isinstance(item, Answer):
                    final = item
                else:
                    text += item
                    messages[-1] = {"role": "assistant", "content": text}
                    yield messages, "", request_ids, ""
        except StoreUnavailableError as exc:
            failure, error = unavailable_text(settings), str(exc)
        except Exception:
            logging.getLogger(__name__).exception("assistant failed in the UI")
        messages[-1] = {"role": "assistant", "content": answer_markdown(final) if final else failure}
        request_ids = {**request_ids, len(messages) - 1: request_id}
        logger.info(
            request_record(
                request_id=request_id,
                route="ui:chat",
                status=200 if final else 503,
                latency_ms=(perf_counter() - started) * 1000,
                answer_status=final.status if final else None,
                chunk_ids=[c.chunk_id for c in final.citations] if final else None,
                generator=generator_name,
                question=question,
                extra={"audience": audience, **({"error": error} if error else {})},
            )
        )
        if final is not None and questions is not None:
            latency_ms = (perf_counter() - started) * 1000
            try:
                questions.add(
                    entry_for(
                        question,
                        final,
                        request_id=request_id,
                        audience=audience,
                        channel="ui",
                        latency_ms=latency_ms,
                    )
                )
            except Exception:
                logging.getLogger(__name__).exception("could not write the question log")
        spoken = announcement(messages[-1]["content"], final.citations if final else ())
        yield messages, "", request_ids, spoken

    def on_like(data: gr.LikeData, request_ids: dict[int, str]) -> str:
        index = data.index if isinstance(data.index, int) else data.index[0]
        request_id = request_ids.get(index)
        if request_id is None or data.liked not in (True, False):
            return ""
        feedback.add(request_id, "up" if data.liked else "down", source="ui")
        # A line of our own rather than gr.Info: Gradio's toast nests its close button inside another
        # button, which axe reports (nested-interactive) and screen readers cannot tell apart.
        return FEEDBACK_THANKS

    def show_examples(audience_label: str) -> list[Any]:
        examples = EXAMPLES[AUDIENCES.get(audience_label, "resident")]
        return [gr.Button(value=example) for example in examples]

    def start_again() -> tuple[list[Any], str, dict[int, str], str, str]:
        return [], "", {}, "", ""

    def choose_outcome(key: str | None) -> tuple[Any, str]:
        now = assistant.outline
        return gr.Radio(choices=priority_choices(now, key), value=None), commitments_markdown(now, key, None)

    def browse_as_served() -> tuple[Any, Any, str, str, str]:
        """The Browse tab's choices and texts from the outline served now (run at each page load)."""
        now = assistant.outline
        return (
            gr.Dropdown(choices=outcome_choices(now), value=None),
            gr.Radio(choices=[], value=None),
            commitments_markdown(now, None, None),
            documents_markdown(now),
            sections_markdown(now),
        )

    with gr.Blocks(
        title="Plan Assistant – Somerset County Council Business Plan", analytics_enabled=False
    ) as ui:
        gr.Markdown("# Ask about the Council's Business Plan 2021-2023")
        gr.Markdown(NOTICE, elem_id="pa-notice")
        # Wrapped, not folded into a "More tabs" menu, when the page is narrow (400% zoom): a folded tab's
        # name is clipped once chosen.
        with gr.Tabs(elem_id="pa-tabs", overflow_behavior="wrap"):
            with gr.Tab("Ask a question", id="chat"):
                audience = gr.Radio(
                    list(AUDIENCES),
                    value="Resident",
                    label="Who is asking?",
                    info="Residents get plain answers, staff get complete ones, advisers get short bullets.",
                    elem_id="audience",
                )
                chatbot = gr.Chatbot(
                    label="Conversation",
                    height=460,
                    elem_id="chat",
                    placeholder="Ask a question about the plan, or choose an example below.",
                    feedback_options=("Like", "Dislike"),
                    buttons=["copy"],
                )
                # Not shown: the finished answer, for screen readers (see A11Y_JS).
                announcer = gr.Markdown("", elem_id="pa-announcer", elem_classes=["pa-visually-hidden"])
                question = gr.Textbox(
                    label="Your question",
                    placeholder="For example: what is the council doing about climate change?",
                    lines=1,
                    max_lines=8,
                    submit_btn="Ask",
                    elem_id="question",
                )
                with gr.Row():
                    gr.Markdown("**Examples:**")
                    example_buttons = [
                        gr.Button(example, size="sm", variant="secondary", elem_classes=["pa-example"])
                        for example in EXAMPLES["resident"]
                    ]
                with gr.Row():
                    start = gr.Button("Start again", variant="secondary", elem_id="start-again", scale=0)
                feedback_note = gr.Markdown("", elem_id="pa-feedback-note")
                request_ids = gr.State({})

            with gr.Tab("Browse the plan", id="browse"):
                gr.Markdown("Choose an outcome, then a key priority, to see what the plan commits to.")
                outcome = gr.Dropdown(
                    choices=outcome_choices(outline), value=None, label="Outcome", elem_id="browse-outcome"
                )
                priority = gr.Radio(choices=[], label="Key priority", elem_id="browse-priority")
                commitments = gr.Markdown(
                    commitments_markdown(outline, None, None), elem_id="browse-commitments"
                )
                with gr.Accordion("Documents and linked strategies", open=False):
                    documents = gr.Markdown(documents_markdown(outline), elem_id="browse-documents")
                with gr.Accordion("Other sections of the plan", open=False):
                    sections = gr.Markdown(sections_markdown(outline), elem_id="browse-sections")

        # Our own link: Gradio's Markdown opens every link in a new window. Relative, so it also works
        # under a path prefix.
        gr.HTML(
            f'<p><a href="{ACCESSIBILITY_PATH.lstrip("/")}">Accessibility statement</a></p>',
            elem_id="pa-footer",
            js_on_load=None,
        )

        # No Gradio progress on any event: its overlay would sit inside the status regions, and its own
        # screen-reader messages are untranslated keys ("common.loading", "common.complete"). The "…"
        # answer shows that one is coming, and #pa-announcer says when it has.
        quiet: Literal["hidden"] = "hidden"
        outputs = [chatbot, question, request_ids, announcer]
        question.submit(respond, [question, chatbot, audience, request_ids], outputs, show_progress=quiet)
        for button in example_buttons:
            button.click(respond, [button, chatbot, audience, request_ids], outputs, show_progress=quiet)
        audience.change(show_examples, audience, example_buttons, show_progress=quiet)
        start.click(start_again, None, [*outputs, feedback_note], show_progress=quiet)
        chatbot.like(on_like, [request_ids], feedback_note, show_progress=quiet)
        outcome.change(choose_outcome, outcome, [priority, commitments], show_progress=quiet)
        priority.change(
            lambda key, title: commitments_markdown(assistant.outline, key, title),
            [outcome, priority],
            commitments,
            show_progress=quiet,
        )
        ui.load(
            browse_as_served, None, [outcome, priority, commitments, documents, sections], show_progress=quiet
        )
    return ui


def _generator(assistant: AssistantLike) -> str | None:
    try:
        return str(assistant.health().get("generator") or "") or None
    except Exception:
        return None


def mount_ui(app: FastAPI, assistant: AssistantLike, settings: Settings) -> FastAPI:
    """Add the embed demo page and mount the Gradio UI at / on the API app."""

    @app.get("/embed-demo", response_class=HTMLResponse, include_in_schema=False)
    def embed_demo(request: Request) -> HTMLResponse:
        return HTMLResponse(embed_demo_page(str(request.base_url)))

    @app.get(ACCESSIBILITY_PATH, response_class=HTMLResponse, include_in_schema=False)
    def accessibility_statement() -> HTMLResponse:
        return HTMLResponse(statement_page(settings))

    ui = build_ui(assistant, app.state.feedback, settings, getattr(app.state, "questions", None))
    return gr.mount_gradio_app(
        app,
        ui,
        path="/",
        footer_links=[],
        ssr_mode=False,
        theme=theme(),
        css=CSS + A11Y_CSS,
        js=A11Y_JS,
    )
