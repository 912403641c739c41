"""The Gradio chat and plan browser, mounted on the API app at /, and the embed demo page."""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from time import perf_counter
from typing import Any, Literal
from uuid import uuid4

import gradio as gr
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse

from plan_assistant.accessibility import A11Y_CSS, A11Y_JS, ACCESSIBILITY_PATH, statement_page, theme
from plan_assistant.api import AssistantLike
from plan_assistant.branding import OUTLINE_CSS, header_css, header_html
from plan_assistant.browse import BROWSE_JS, BROWSE_PATH, browse_link, browse_page, outline_html
from plan_assistant.chat_assets import CHAT_CSS, CHAT_JS, HEAD
from plan_assistant.compose import unavailable_text
from plan_assistant.config import Settings
from plan_assistant.feedback import FeedbackStore
from plan_assistant.logging_setup import REQUEST_LOGGER, request_record
from plan_assistant.outline import Outline
from plan_assistant.question_log import QuestionLog, entry_for
from plan_assistant.ratelimit import RateLimit
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
FAVICON = Path(__file__).parent / "data" / "favicon.svg"
SOURCES_MARKER = '<div class="pa-sources">'
UNAVAILABLE = "Sorry, the assistant is not available just now. Please try again in a minute."
FEEDBACK_THANKS = "Thank you: your feedback has been recorded."
LABELS: dict[str, str] = {audience: label for label, audience in AUDIENCES.items()}
AUDIENCE_NOTES: dict[Audience, str] = {
    "resident": "Answers for residents: plain English and short.",
    "staff": "Answers for council staff: complete, with every item the plan lists.",
    "adviser": "Answers for Community Connect advisers: 2-4 short bullets to read out, and the reference.",
}
# The audience chosen in this browser tab is kept in sessionStorage; at page load it is passed to the
# server (which falls back to ?audience= and then Resident).
STORED_AUDIENCE = (
    "(unset) => { try { return sessionStorage.getItem('pa-audience') || ''; } catch (e) { return ''; } }"
)
REMEMBER_AUDIENCE = (
    "(label) => { try { sessionStorage.setItem('pa-audience', String(label).toLowerCase()); } catch (e) {} "
    "return label; }"
)


# ---------------------------------------------------------------- pure rendering helpers


def citation_html(citation: Citation, number: int | None = None, browse: str | None = None) -> str:
    """One source: its number, outcome and priority as labels, the document name, the quote behind a summary.

    ``browse`` is the link that opens the cited key priority in Browse the plan, when it has one.
    """
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
    if citation.outcome is None and not citation.priority:  # a section outside the outcomes
        labels.append(f'<span class="pa-label pa-priority">{html.escape(citation.section)}</span>')
    page = f", page {citation.page}" if citation.page else ""
    link = ""
    if browse:
        link = (
            f' <a class="pa-browse-link" href="{html.escape(browse)}">Open this key priority in Browse'
            f'<span class="pa-visually-hidden"> the plan: {html.escape(citation.priority or "")}</span></a>'
        )
    return (
        f'<div class="pa-source">{"".join(labels)}'
        f'<span class="pa-document">{html.escape(citation.document)}{page}</span>{link}'
        f"<details><summary>Quote from the plan</summary><blockquote>{html.escape(citation.quote)}"
        f"</blockquote></details></div>"
    )


def reference_line(citation: Citation) -> str:
    """A citation as one plain line: 'Outcome 3 › Key priority — “quote”' (a document's section otherwise)."""
    if citation.outcome is not None:
        where = f"Outcome {citation.outcome}" + (f" › {citation.priority}" if citation.priority else "")
    else:
        where = " › ".join(part for part in (citation.document, citation.section) if part)
    return f"{where} — “{citation.quote.strip()}”"


def plain_answer(answer: Answer) -> str:
    """The answer as plain text to paste into case notes: its words, then each reference on a line."""
    text = re.sub(r"\[([^\]]+)\]\((\S+?)\)", r"\1 (\2)", answer.answer)  # [text](url) -> text (url)
    text = re.sub(r"(\*\*|__)(.+?)\1", r"\2", text).strip()
    if not answer.citations:
        return text
    lines = [f"[{n}] {reference_line(c)}" for n, c in enumerate(answer.citations, start=1)]
    return text + "\n\nReferences:\n" + "\n".join(lines)


def sources_html(citations: Sequence[Citation], outline: Outline | None = None) -> str:
    """The sources block shown under an answer (empty when there are none)."""
    if not citations:
        return ""

    def browse(citation: Citation) -> str | None:
        if outline is None or citation.outcome is None or not citation.priority:
            return None
        return browse_link(outline, citation.document_id, citation.outcome, citation.priority)

    # Numbered like the [1], [2] markers the answer text carries.
    items = "".join(citation_html(c, n, browse(c)) for n, c in enumerate(citations, start=1))
    return f"<h4>Sources in the plan</h4>{items}"


def answer_markdown(answer: Answer, outline: Outline | None = None) -> str:
    """The text of an answer with its sources underneath, and the plain text its copy button copies.

    Gradio's chat removes buttons from messages, so CHAT_JS adds "Copy answer with references" to each
    ``.pa-actions``; the text it copies is made here. Its newlines are character references: a blank line
    would end the HTML block in the Markdown the chat renders.
    """
    plain = html.escape(plain_answer(answer)).replace("\n", "&#10;")
    copy = f'<p class="pa-actions"></p><pre class="pa-copy-text">{plain}</pre>'
    return f"{answer.answer}\n\n{SOURCES_MARKER}{sources_html(answer.citations, outline)}{copy}</div>"


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


def audience_from(stored: str | None, query: str | None) -> str:
    """The audience label to start with: this session's own choice, else the embedding page's ?audience=."""
    for value in (stored, query):
        label = LABELS.get((value or "").strip().lower())
        if label:
            return label
    return "Resident"


def build_ui(
    assistant: AssistantLike,
    feedback: FeedbackStore,
    settings: Settings,
    questions: QuestionLog | None = None,
    rate_limit: RateLimit | None = None,
) -> gr.Blocks:
    """The chat (streamed answers with sources), audience switch, feedback and the Browse tab.

    With ``rate_limit``, each chat message counts against the client's limit, as each API request does.
    """
    # The outline is read when it is used: a server that switches to a new index generation shows its
    # outline in the Browse tab from the next page load, without a restart.
    generator_name = _generator(assistant)

    def respond(
        message: str,
        messages: list[dict[str, Any]] | None,
        audience_label: str,
        request_ids: dict[int, str],
        request: gr.Request | None = None,
    ) -> Iterator[tuple[list[dict[str, Any]], str, dict[int, str], str]]:
        messages = list(messages or [])
        question = (message or "").strip()
        if not question:
            yield messages, "", request_ids, ""
            return
        audience = AUDIENCES.get(audience_label, "resident")
        turns = history_turns(messages, settings.max_history_turns)
        messages.append({"role": "user", "content": question})
        # The chat counts against the same per-client limit as the API: a script driving the page gets no more.
        client = getattr(getattr(request, "client", None), "host", None) or "unknown"
        refusal = rate_limit.hit(client) if rate_limit is not None else None
        if refusal is not None:
            reply = (
                "You've sent a lot of messages in a short time. "
                f"Please wait {refusal.retry_after} seconds and try again."
            )
            yield [*messages, {"role": "assistant", "content": reply}], "", request_ids, reply
            return
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
        content = answer_markdown(final, assistant.outline) if final else failure
        messages[-1] = {"role": "assistant", "content": content}
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
        spoken = announcement(messages[-1]["content"], final.citations if final else ())
        yield messages, "", request_ids, spoken
        # Written once the answer is on the page: a slow database never holds it up.
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

    def on_like(data: gr.LikeData, request_ids: dict[int, str]) -> str:
        index = data.index if isinstance(data.index, int) else data.index[0]
        request_id = request_ids.get(index)
        if request_id is None or data.liked not in (True, False):
            return ""
        feedback.add(request_id, "up" if data.liked else "down", source="ui")
        # A line of our own rather than gr.Info: Gradio's toast nests its close button inside another
        # button, which axe reports (nested-interactive) and screen readers cannot tell apart.
        return FEEDBACK_THANKS

    def choose_audience(audience_label: str) -> list[Any]:
        audience = AUDIENCES.get(audience_label, "resident")
        buttons = [gr.Button(value=example) for example in EXAMPLES[audience]]
        return [*buttons, AUDIENCE_NOTES[audience]]

    def start_again() -> tuple[list[Any], str, dict[int, str], str, str]:
        return [], "", {}, "", ""

    def on_load(stored: str | None, request: gr.Request) -> tuple[str, str]:
        """The audience for this session, and the Browse tab from the outline served now."""
        query = request.query_params.get("audience") if request is not None else None
        return audience_from(stored, query), outline_html(assistant.outline)

    with gr.Blocks(
        title="Plan Assistant – Somerset County Council Business Plan", analytics_enabled=False
    ) as ui:
        gr.HTML(header_html(settings), elem_id="pa-header", js_on_load=None, padding=False)
        gr.Markdown("# Ask about the Council's Business Plan 2021-2023", elem_id="pa-title")
        gr.Markdown(NOTICE, elem_id="pa-notice")
        # Wrapped, not folded into a "More tabs" menu, when the page is narrow (400% zoom): a folded tab's
        # name is clipped once chosen.
        with gr.Tabs(elem_id="pa-tabs", overflow_behavior="wrap"):
            with gr.Tab("Ask a question", id="chat"):
                audience = gr.Radio(
                    list(AUDIENCES),
                    value="Resident",
                    label="Who is asking?",
                    elem_id="audience",
                )
                # Says which audience answers are written for, visibly and to screen readers (A11Y_JS
                # makes it a status region), also when the embedding page or the session chose it.
                audience_note = gr.Markdown(AUDIENCE_NOTES["resident"], elem_id="pa-audience-note")
                # No label of our own drawn over the conversation: Gradio floats it on top of the
                # messages. The log is named "Conversation" by A11Y_JS. It grows with the page (no
                # inner scroll) and is hidden while empty (CHAT_CSS), so a phone shows the examples.
                chatbot = gr.Chatbot(
                    label="Conversation",
                    show_label=False,
                    height=None,
                    autoscroll=False,
                    elem_id="chat",
                    feedback_options=("Like", "Dislike"),
                    buttons=[],
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
                with gr.Row(elem_id="pa-examples"):
                    gr.Markdown("**Or try an example:**", elem_id="pa-examples-label")
                    example_buttons = [
                        gr.Button(example, size="sm", variant="secondary", elem_classes=["pa-example"])
                        for example in EXAMPLES["resident"]
                    ]
                with gr.Row():
                    start = gr.Button("Start again", variant="secondary", elem_id="start-again", scale=0)
                feedback_note = gr.Markdown("", elem_id="pa-feedback-note")
                request_ids = gr.State({})

            with gr.Tab("Browse the plan", id="browse"):
                gr.HTML(
                    f'<p class="pa-browse-intro">Every outcome in the plan with its key priorities. Open a '
                    f"key priority to read what the plan commits to. "
                    f'<a href="{BROWSE_PATH.lstrip("/")}">Open this outline on its own page</a> to print '
                    "it or share it.</p>",
                    js_on_load=None,
                )
                browse = gr.HTML(outline_html(assistant.outline), elem_id="browse-outline", js_on_load=None)

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
        # The choice is kept for the session in the browser (sessionStorage), not on the server.
        audience.change(
            choose_audience,
            audience,
            [*example_buttons, audience_note],
            show_progress=quiet,
            js=REMEMBER_AUDIENCE,
        )
        start.click(start_again, None, [*outputs, feedback_note], show_progress=quiet)
        chatbot.like(on_like, [request_ids], feedback_note, show_progress=quiet)
        # The stored choice reaches the server through a hidden text box: Gradio passes a State the
        # server's value, not what the script returns, and the radio would reject a value not among its
        # labels before the function could fall back to the address.
        stored_audience = gr.Textbox(visible=False)
        ui.load(on_load, [stored_audience], [audience, browse], show_progress=quiet, js=STORED_AUDIENCE)
    return ui


def _generator(assistant: AssistantLike) -> str | None:
    try:
        return str(assistant.health().get("generator") or "") or None
    except Exception:
        return None


def mount_ui(app: FastAPI, assistant: AssistantLike, settings: Settings) -> FastAPI:
    """Add the embed demo, accessibility and Browse pages, and mount the Gradio UI at / on the API app."""

    @app.get("/embed-demo", response_class=HTMLResponse, include_in_schema=False)
    def embed_demo(request: Request) -> HTMLResponse:
        return HTMLResponse(embed_demo_page(str(request.base_url)))

    @app.get(ACCESSIBILITY_PATH, response_class=HTMLResponse, include_in_schema=False)
    def accessibility_statement() -> HTMLResponse:
        return HTMLResponse(statement_page(settings))

    @app.get(BROWSE_PATH, response_class=HTMLResponse, include_in_schema=False)
    def browse_the_plan() -> HTMLResponse:
        return HTMLResponse(browse_page(assistant.outline, settings))

    ui = build_ui(
        assistant,
        app.state.feedback,
        settings,
        getattr(app.state, "questions", None),
        getattr(app.state, "rate_limit", None),
    )
    return gr.mount_gradio_app(
        app,
        ui,
        path="/",
        footer_links=[],
        ssr_mode=False,
        theme=theme(),
        css=CHAT_CSS + A11Y_CSS + header_css(settings) + OUTLINE_CSS,
        js=f"() => {{ ({A11Y_JS})(); {BROWSE_JS}; {CHAT_JS}; }}",
        favicon_path=str(FAVICON),
        head=HEAD,
    )
