"""Staff-only routes: the insights as JSON and as a page, behind the feedback export token."""

from __future__ import annotations

import logging
import secrets
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.exc import SQLAlchemyError

from plan_assistant.config import Settings
from plan_assistant.embeddings import Embedder
from plan_assistant.feedback import FeedbackStore
from plan_assistant.insights import Insights, build_insights, cached_embed, parse_since, question_embedder
from plan_assistant.insights.render import html_document, page_body, sign_in_html
from plan_assistant.question_log import QuestionLog

logger = logging.getLogger(__name__)
_bearer = HTTPBearer(
    auto_error=False, description="The feedback export token (PLAN_ASSISTANT_FEEDBACK_TOKEN)."
)
BearerDep = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
SINCE = Query(
    max_length=40,
    description="From when: a period (30d, 12h, 2w) or a date (2026-05-01).",
    examples=["30d"],
)
AUTH_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "No bearer token was sent."},
    403: {"description": "The token is wrong, or staff access is switched off."},
    422: {"description": "The period is not like 30d or a date."},
    503: {"description": "The assistant (and its embedding model) has not loaded yet."},
}


def check_staff_token(settings: Settings, token: str | None) -> None:
    """401 without a token, 403 with a wrong one or when no token is configured (as the feedback export)."""
    if not settings.feedback_token:
        raise HTTPException(403, "Staff access is switched off: no PLAN_ASSISTANT_FEEDBACK_TOKEN is set.")
    if token is None:
        raise HTTPException(
            401, "Send the staff token as 'Authorization: Bearer <token>'.", {"WWW-Authenticate": "Bearer"}
        )
    if not secrets.compare_digest(token.encode(), settings.feedback_token.encode()):
        raise HTTPException(403, "That token is not right.")


def _since(text: str) -> datetime:
    try:
        return parse_since(text)
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from None


def _embedder(request: Request) -> Embedder:
    # The live assistant holds the assistant of the generation served; both share one loaded model.
    assistant = getattr(request.app.state, "assistant", None)
    embedder = getattr(assistant, "embedder", None) or getattr(
        getattr(assistant, "assistant", None), "embedder", None
    )
    if not isinstance(embedder, Embedder):
        raise HTTPException(503, "The assistant is still loading. Please try again in a minute.")
    return embedder


def insights_for(request: Request, since: datetime) -> Insights:
    """Build the insights from this app's question log and feedback with its loaded model."""
    embedder = _embedder(request)
    log: QuestionLog = request.app.state.questions
    feedback: FeedbackStore = request.app.state.feedback
    outline = getattr(request.app.state.assistant, "outline", None)
    titles = {o.number: o.title for d in (outline.documents if outline else []) for o in d.outcomes}
    try:
        return build_insights(
            log.rows(since=since),
            feedback.rows(),
            cached_embed(log, question_embedder(embedder), embedder.name),
            since=since,
            outcome_titles=titles,
        )
    except SQLAlchemyError:
        logger.exception("could not read the question log")
        raise HTTPException(
            503, "The question log database is not answering. Please try again in a few minutes."
        ) from None


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(_settings)]

insights_router = APIRouter(prefix="/api", tags=["staff"], responses=AUTH_ERRORS)
staff_page_router = APIRouter(prefix="/staff", tags=["staff"], include_in_schema=False)


@insights_router.get("/insights", response_model=Insights)
def insights_json(
    request: Request, settings: SettingsDep, credentials: BearerDep, since: Annotated[str, SINCE] = "30d"
) -> Insights:
    """Volume, questions per outcome and priority, topics (with those not in the plan) and thumbs-down."""
    check_staff_token(settings, credentials.credentials if credentials else None)
    return insights_for(request, _since(since))


def _page(request: Request, since: str) -> HTMLResponse:
    body = page_body(insights_for(request, _since(since)))
    return HTMLResponse(html_document("Staff insights – Plan Assistant", body))


@staff_page_router.get("/insights", response_class=HTMLResponse)
def insights_page(
    request: Request, settings: SettingsDep, credentials: BearerDep, since: Annotated[str, SINCE] = "30d"
) -> HTMLResponse:
    """The insights page for a bearer token; without one, the sign-in form (401)."""
    if credentials is None and settings.feedback_token:
        return HTMLResponse(sign_in_html(), status_code=401, headers={"WWW-Authenticate": "Bearer"})
    check_staff_token(settings, credentials.credentials if credentials else None)
    return _page(request, since)


@staff_page_router.post("/insights", response_class=HTMLResponse)
def insights_sign_in(
    request: Request,
    settings: SettingsDep,
    token: Annotated[str | None, Form(max_length=500)] = None,
    since: Annotated[str, Form(max_length=40)] = "30d",
) -> HTMLResponse:
    """The sign-in form's POST: the page for the right token, the form again (403) for a wrong one."""
    if not settings.feedback_token:
        check_staff_token(settings, token)
    if not token:
        return HTMLResponse(sign_in_html("Enter the staff token."), status_code=401)
    if not secrets.compare_digest(token.encode(), settings.feedback_token.encode()):
        return HTMLResponse(sign_in_html("That token is not right."), status_code=403)
    return _page(request, since)
