"""The HTTP API: chat (plain and streamed), the plan's outline, feedback and health."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from time import perf_counter
from typing import Annotated, Any, Literal, Protocol
from uuid import uuid4

from fastapi import APIRouter, BackgroundTasks, Depends, FastAPI, HTTPException, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi.sse import EventSourceResponse, ServerSentEvent
from pydantic import AfterValidator, BaseModel, Field
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from plan_assistant.compose import unavailable_text
from plan_assistant.config import Settings
from plan_assistant.feedback import FeedbackStore, Rating, to_csv
from plan_assistant.generators.base import GeneratorBusyError
from plan_assistant.logging_setup import REQUEST_LOGGER, request_record
from plan_assistant.outline import Outline
from plan_assistant.question_log import QuestionLog, entry_for
from plan_assistant.ratelimit import RateLimit
from plan_assistant.schemas import Answer, Audience, Citation, Role, Status, Turn
from plan_assistant.staff import check_staff_token, insights_router, staff_page_router
from plan_assistant.store import StoreUnavailableError

logger = logging.getLogger(REQUEST_LOGGER)

MAX_BODY_BYTES = 1_000_000  # far above 16,000 characters plus 20 turns of history, far below harm
UNAVAILABLE = "The assistant is temporarily unavailable. Please try again in a minute."
BUSY = "The assistant is busy answering other questions. Please try again in a few seconds."
BUSY_RETRY_AFTER_SECONDS = 5  # about one local-model answer on 2 cores
RETRY_AFTER_SECONDS = 5  # while the index store is unreachable; the server tries it again every second


class AssistantLike(Protocol):
    """What the API needs from the answer engine (``plan_assistant.assistant.Assistant``)."""

    @property
    def outline(self) -> Outline:
        """The plan's structure."""
        ...

    def ask(self, question: str, history: Sequence[Turn] = (), audience: Audience = "resident") -> Answer:
        """Answer one question."""
        ...

    def stream(
        self, question: str, history: Sequence[Turn] = (), audience: Audience = "resident"
    ) -> Iterator[str | Answer]:
        """Yield text deltas, then the final Answer."""
        ...

    def health(self) -> dict[str, Any]:
        """Counts of documents and chunks, the generator in use and the index generation served."""
        ...


# ---------------------------------------------------------------- request and response models


def _valid_text(value: str) -> str:
    # JSON may carry lone surrogates ("\ud800"); they are not text and cannot be written back out as UTF-8.
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("contains characters that are not valid text") from None
    return value


Text = Annotated[str, AfterValidator(_valid_text)]


class HistoryTurn(BaseModel):
    """One earlier turn of the conversation; the client keeps the history and sends it back."""

    role: Role
    content: Text


class ChatRequest(BaseModel):
    """A question about the plan, with the conversation so far and who is asking."""

    question: Text = Field(
        description="The question, 1 to 16,000 characters after trimming.",
        examples=["What is the council doing about climate change?"],
    )
    history: list[HistoryTurn] = Field(
        default_factory=list, description="Earlier turns, oldest first (at most 20 by default)."
    )
    audience: Audience = Field(
        "resident", description="resident (plain), staff (complete) or adviser (bullets)."
    )


class ChatResponse(BaseModel):
    """The answer, whether the plan covers it, and the plan passages it rests on."""

    answer: str
    status: Status
    citations: list[Citation]
    request_id: str


class FeedbackRequest(BaseModel):
    """A thumbs up or down on one answer, with an optional comment."""

    request_id: Text = Field(min_length=1, max_length=100, description="The request_id of the rated answer.")
    rating: Rating
    comment: Text | None = Field(
        None, max_length=2000, description="Personal details are removed before storing."
    )


class FeedbackResponse(BaseModel):
    """Confirmation that the rating was stored."""

    status: Literal["stored"] = "stored"
    request_id: str


class Health(BaseModel):
    """Whether the model and index are loaded, what they hold, and whether the index store answers."""

    status: Literal["ok", "degraded", "unavailable"] = Field(
        description="ok; degraded: loaded, but the Chroma server does not answer, so questions get 503; "
        "unavailable: nothing loaded yet."
    )
    documents: int = 0
    chunks: int = 0
    generator: str = ""
    generation: str = Field(
        "", description="The index generation being served (g000003; legacy: pre-generation)."
    )
    store: Literal["ok", "unreachable"] = Field("ok", description="Whether the Chroma server answers.")


class FieldError(BaseModel):
    """One problem with one field of the request."""

    field: str
    message: str


class ErrorResponse(BaseModel):
    """A problem with the request, in words a person can act on."""

    detail: str
    errors: list[FieldError] = Field(default_factory=list)


ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorResponse, "description": text}
    for code, text in {
        413: "The question (or the request) is too long.",
        422: "The request is not valid: a missing or wrongly typed field, an unknown audience, bad JSON.",
        429: "Too many requests from this client; see the Retry-After header.",
        503: "The assistant is temporarily unavailable (see the Retry-After header when the index store is "
        "unreachable).",
    }.items()
}


@dataclass(frozen=True)
class ChatQuery:
    """A chat request that passed every limit, ready for the assistant."""

    question: str
    history: tuple[Turn, ...]
    audience: Audience


def check_chat(request: ChatRequest, settings: Settings) -> ChatQuery:
    """Apply the limits (length, history size) to a chat request, raising an HTTP error a person can read."""
    question = request.question.strip()
    if not question:
        raise HTTPException(422, "The question is empty. Please type a question about the Business Plan.")
    if len(question) > settings.max_question_chars:
        raise HTTPException(
            413,
            f"The question is {len(question):,} characters long; the most we accept is "
            f"{settings.max_question_chars:,}. Please shorten it to the part about the Business Plan.",
        )
    if len(request.history) > settings.max_history_turns:
        raise HTTPException(
            422,
            f"The history has {len(request.history)} turns; the most we accept is "
            f"{settings.max_history_turns}. Send only the most recent turns.",
        )
    for number, turn in enumerate(request.history, start=1):
        if len(turn.content) > settings.max_question_chars:
            raise HTTPException(
                413,
                f"History turn {number} is {len(turn.content):,} characters long; the most we accept is "
                f"{settings.max_question_chars:,}.",
            )
    history = tuple(Turn(role=turn.role, content=turn.content) for turn in request.history)
    return ChatQuery(question=question, history=history, audience=request.audience)


def to_response(answer: Answer, request_id: str) -> ChatResponse:
    """Turn the assistant's Answer into the API's response shape."""
    return ChatResponse(
        answer=answer.answer, status=answer.status, citations=answer.citations, request_id=request_id
    )


# ---------------------------------------------------------------- dependencies


def get_settings_dep(request: Request) -> Settings:
    """The settings this app was built with."""
    settings: Settings = request.app.state.settings
    return settings


def get_assistant(request: Request) -> AssistantLike:
    """The loaded assistant, or 503 while there is none."""
    assistant: AssistantLike | None = getattr(request.app.state, "assistant", None)
    if assistant is None:
        raise HTTPException(503, UNAVAILABLE)
    return assistant


def get_feedback_store(request: Request) -> FeedbackStore:
    """The feedback store of this app."""
    store: FeedbackStore = request.app.state.feedback
    return store


def get_request_id(request: Request) -> str:
    """The id given to this request by the logging middleware."""
    return str(getattr(request.state, "request_id", "") or uuid4().hex)


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
AssistantDep = Annotated[AssistantLike, Depends(get_assistant)]
FeedbackDep = Annotated[FeedbackStore, Depends(get_feedback_store)]
RequestIdDep = Annotated[str, Depends(get_request_id)]


def checked_chat(body: ChatRequest, settings: SettingsDep) -> ChatQuery:
    """Parse and limit-check a chat request before any answering starts (so a stream never starts badly)."""
    return check_chat(body, settings)


ChatQueryDep = Annotated[ChatQuery, Depends(checked_chat)]


def client_address(request: Request) -> str:
    """Who the limit counts: the client's address (behind a proxy, uvicorn's --forwarded-allow-ips sets it)."""
    return request.client.host if request.client else "unknown"


def enforce_rate_limit(request: Request) -> None:
    """Count this request against the client's limit shared by every /api route; 429 past it."""
    # A router dependency: requests with invalid fields count too (FastAPI refuses a body that is not JSON
    # at all before any dependency runs).
    rate_limit: RateLimit = request.app.state.rate_limit
    refusal = rate_limit.hit(client_address(request))
    if refusal is not None:
        raise HTTPException(
            429,
            f"Too many requests: the limit is {refusal.limit}. "
            f"Please wait {refusal.retry_after} s and try again.",
            {"Retry-After": str(refusal.retry_after)},
        )


RateLimited = [Depends(enforce_rate_limit)]
_bearer = HTTPBearer(
    auto_error=False, description="The feedback export token (PLAN_ASSISTANT_FEEDBACK_TOKEN)."
)
BearerDep = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


def _note_answer(request: Request, query: ChatQuery, answer: Answer | None) -> None:
    """Leave what the request log line should say about this answer on the request."""
    fields: dict[str, Any] = {"question": query.question, "audience": query.audience}
    fields["generator"] = getattr(request.app.state, "generator_name", None)
    if answer is not None:
        fields["answer_status"] = answer.status
        fields["chunk_ids"] = [citation.chunk_id for citation in answer.citations]
        fields["answer_route"] = answer.route
    request.state.log = fields


def _log_question(
    request: Request, query: ChatQuery, answer: Answer, channel: str, latency_ms: float
) -> None:
    """Keep the redacted question and where its answer came from for the staff insights; never fail a chat.

    Called once the answer has gone out (a background task, or after the stream's last event): a slow or
    unreachable database never delays an answer.
    """
    log: QuestionLog | None = getattr(request.app.state, "questions", None)
    if log is None or not log.enabled:
        return
    try:
        log.add(
            entry_for(
                query.question,
                answer,
                request_id=get_request_id(request),
                audience=query.audience,
                channel=channel,
                latency_ms=latency_ms,
            )
        )
    except Exception:
        logger.exception("could not write the question log", extra={"request_id": get_request_id(request)})


# ---------------------------------------------------------------- routes

chat_router = APIRouter(prefix="/api", tags=["chat"], responses=ERRORS, dependencies=RateLimited)
plan_router = APIRouter(
    prefix="/api", tags=["plan"], responses={429: ERRORS[429], 503: ERRORS[503]}, dependencies=RateLimited
)
feedback_router = APIRouter(
    prefix="/api/feedback", tags=["feedback"], responses={429: ERRORS[429]}, dependencies=RateLimited
)
health_router = APIRouter(tags=["health"])


def store_unavailable(request: Request, settings: Settings, exc: StoreUnavailableError) -> HTTPException:
    """The 503 for a question asked while the index store is unreachable; the cause goes to the log line."""
    request.state.log = {**getattr(request.state, "log", {}), "error": str(exc)}
    return HTTPException(
        503, unavailable_text(settings, markdown=False), {"Retry-After": str(RETRY_AFTER_SECONDS)}
    )


def busy(request: Request, exc: GeneratorBusyError) -> HTTPException:
    """The 503 for a question that would wait too long for the local model; the queue's state goes to the log."""
    request.state.log = {**getattr(request.state, "log", {}), "error": f"local model queue full: {exc}"}
    return HTTPException(503, BUSY, {"Retry-After": str(BUSY_RETRY_AFTER_SECONDS)})


@chat_router.post("/chat", response_model=ChatResponse)
def chat(
    query: ChatQueryDep,
    assistant: AssistantDep,
    request: Request,
    request_id: RequestIdDep,
    settings: SettingsDep,
    background: BackgroundTasks,
) -> ChatResponse:
    """Answer a question from the Business Plan, citing Outcome and Key Priority."""
    started = perf_counter()
    try:
        answer = assistant.ask(query.question, query.history, query.audience)
    except StoreUnavailableError as exc:
        _note_answer(request, query, None)
        raise store_unavailable(request, settings, exc) from None
    except GeneratorBusyError as exc:
        _note_answer(request, query, None)
        raise busy(request, exc) from None
    except Exception:
        logger.exception("assistant failed", extra={"request_id": request_id})
        _note_answer(request, query, None)
        raise HTTPException(503, UNAVAILABLE) from None
    _note_answer(request, query, answer)
    latency_ms = (perf_counter() - started) * 1000
    background.add_task(_log_question, request, query, answer, "api", latency_ms)
    return to_response(answer, request_id)


@chat_router.post(
    "/chat/stream",
    response_class=EventSourceResponse,
    description=(
        'Server-Sent Events: `delta` events whose data is `{"text": ...}` as the answer is written, then one '
        "`answer` event whose data is the full ChatResponse (its text is final: grounding may have removed "
        'a sentence that was streamed). On a failure part-way, an `error` event with `{"detail": ...}`.'
    ),
)
def chat_stream(
    query: ChatQueryDep,
    assistant: AssistantDep,
    request: Request,
    request_id: RequestIdDep,
    settings: SettingsDep,
) -> Iterator[ServerSentEvent]:
    """Answer a question as a stream of Server-Sent Events."""
    _note_answer(request, query, None)
    started = perf_counter()
    try:
        for item in assistant.stream(query.question, query.history, query.audience):
            if isinstance(item, Answer):
                _note_answer(request, query, item)
                latency_ms = (perf_counter() - started) * 1000
                yield ServerSentEvent(event="answer", data=to_response(item, request_id))
                _log_question(request, query, item, "api:stream", latency_ms)
            else:
                yield ServerSentEvent(event="delta", data={"text": item})
    except StoreUnavailableError as exc:
        # The stream has started (200), so the cause goes to the log line and the words to an error event.
        store_unavailable(request, settings, exc)
        yield ServerSentEvent(event="error", data={"detail": unavailable_text(settings, markdown=False)})
    except GeneratorBusyError as exc:
        busy(request, exc)
        yield ServerSentEvent(event="error", data={"detail": BUSY})
    except Exception:
        logger.exception("assistant failed while streaming", extra={"request_id": request_id})
        yield ServerSentEvent(event="error", data={"detail": UNAVAILABLE})


@plan_router.get("/outline", response_model=Outline)
def outline(assistant: AssistantDep) -> Outline:
    """The plan's structure: documents, outcomes, key priorities with their commitments, other sections."""
    return assistant.outline


@feedback_router.post("", status_code=201, response_model=FeedbackResponse, responses={422: ERRORS[422]})
def add_feedback(body: FeedbackRequest, store: FeedbackDep) -> FeedbackResponse:
    """Store a thumbs up or down on an answer; personal details are removed from the comment first."""
    store.add(body.request_id.strip(), body.rating, body.comment or "", source="api")
    return FeedbackResponse(request_id=body.request_id.strip())


@feedback_router.get(
    "/export",
    response_class=Response,
    responses={
        200: {"content": {"text/csv": {"schema": {"type": "string"}}}, "description": "All feedback as CSV."},
        401: {"model": ErrorResponse, "description": "No bearer token was sent."},
        403: {"model": ErrorResponse, "description": "The token is wrong, or export is switched off."},
    },
)
def export_feedback(store: FeedbackDep, settings: SettingsDep, credentials: BearerDep) -> Response:
    """All feedback as CSV, for staff holding the export token."""
    check_staff_token(settings, credentials.credentials if credentials else None)
    return Response(
        to_csv(store.rows()),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="feedback.csv"'},
    )


@health_router.get("/healthz", response_model=Health, responses={503: {"model": Health}})
def healthz(request: Request, response: Response) -> Health:
    """200 once the model and index are loaded (with their counts and index generation); 503 before, and
    503 "degraded" while the Chroma server does not answer."""
    assistant: AssistantLike | None = getattr(request.app.state, "assistant", None)
    try:
        info = assistant.health() if assistant is not None else {}
    except Exception:
        logging.getLogger(__name__).exception("health check failed")
        info = {}
    documents, chunks = int(info.get("documents", 0) or 0), int(info.get("chunks", 0) or 0)
    ready = documents > 0 and chunks > 0
    store = "unreachable" if info.get("store") == "unreachable" else "ok"
    status = "degraded" if ready and store != "ok" else "ok" if ready else "unavailable"
    if status != "ok":
        response.status_code = 503
    return Health(
        status=status,
        documents=documents,
        chunks=chunks,
        generator=str(info.get("generator", "") or ""),
        generation=str(info.get("generation", "") or ""),
        store=store,
    )


# ---------------------------------------------------------------- errors


def _readable(text: object) -> str:
    return str(text).encode("utf-8", "replace").decode("utf-8")


def _field_name(loc: Sequence[Any]) -> str:
    parts = [str(part) for part in loc if part not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def describe_validation_errors(errors: Sequence[dict[str, Any]]) -> ErrorResponse:
    """Turn pydantic's errors into one sentence and a list per field, without echoing the input back."""
    if any(error.get("type") == "json_invalid" for error in errors):
        return ErrorResponse(detail="The request body is not valid JSON.")
    field_errors = [
        FieldError(
            field=_field_name(error.get("loc", ())), message=_readable(error.get("msg", "is not valid"))
        )
        for error in errors
    ]
    summary = "; ".join(f"{item.field}: {item.message}" for item in field_errors[:5])
    return ErrorResponse(detail=f"The request is not valid. {summary}.", errors=field_errors)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return JSONResponse(describe_validation_errors(exc.errors()).model_dump(), status_code=422)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    detail = exc.detail
    if exc.status_code == 400 and detail == "There was an error parsing the body":
        detail = "The request body could not be read: send JSON, encoded as UTF-8."
    if exc.status_code == 413 and not isinstance(detail, str):
        detail = "The request is too large."
    return JSONResponse({"detail": _readable(detail)}, status_code=exc.status_code, headers=exc.headers)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    # Last resort only: causes are fixed where they arise; this keeps a genuine internal failure from leaking.
    logging.getLogger(__name__).exception("unhandled error", exc_info=exc)
    return JSONResponse({"detail": UNAVAILABLE}, status_code=503)


# ---------------------------------------------------------------- request log middleware


class RequestLogMiddleware:
    """Give each request an id, time it, and write one JSON log line for API requests."""

    def __init__(self, app: ASGIApp, prefixes: tuple[str, ...] = ("/api", "/healthz")) -> None:
        self.app = app
        self.prefixes = prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Wrap one ASGI call."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = uuid4().hex
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        started = perf_counter()
        status_code = 500

        async def send_with_headers(message: Message) -> None:
            nonlocal status_code
            if message["type"] == "http.response.start":
                status_code = message["status"]
                headers = MutableHeaders(scope=message)
                headers["X-Request-ID"] = request_id
                headers["X-Worker-Pid"] = str(os.getpid())
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            path: str = scope.get("path", "")
            if path.startswith(self.prefixes):
                fields: dict[str, Any] = dict(state.get("log") or {})
                logger.info(
                    request_record(
                        request_id=request_id,
                        route=path,
                        method=scope.get("method", ""),
                        status=status_code,
                        latency_ms=(perf_counter() - started) * 1000,
                        answer_status=fields.pop("answer_status", None),
                        chunk_ids=fields.pop("chunk_ids", None),
                        generator=fields.pop("generator", None),
                        question=fields.pop("question", None),
                        extra=fields,
                    )
                )


# ---------------------------------------------------------------- the app


def _generator_name(assistant: AssistantLike | None) -> str | None:
    if assistant is None:
        return None
    try:
        return str(assistant.health().get("generator") or "") or None
    except Exception:
        return None


def create_app(
    settings: Settings,
    assistant: AssistantLike | None,
    feedback: FeedbackStore | None = None,
    rate_limit: RateLimit | None = None,
    questions: QuestionLog | None = None,
) -> FastAPI:
    """Build the FastAPI app around an assistant (None until it has loaded: then chat is 503)."""
    app = FastAPI(
        title="Plan Assistant API",
        version="1.0.0",
        description=(
            "Answers questions about Somerset County Council's Business Plan 2021-2023, citing the plan's "
            "Outcome and Key Priority, or says the plan does not cover it. Do not send personal details."
        ),
        max_body_size=MAX_BODY_BYTES,
    )
    app.state.settings = settings
    app.state.assistant = assistant
    app.state.generator_name = _generator_name(assistant)
    app.state.feedback = feedback or FeedbackStore(settings.feedback_path)
    app.state.questions = questions or QuestionLog(settings.question_log_database, settings.question_log_days)
    for router in (chat_router, plan_router, feedback_router, health_router):
        app.include_router(router)
    app.include_router(insights_router, dependencies=RateLimited)
    app.include_router(staff_page_router, dependencies=RateLimited)

    app.state.rate_limit = rate_limit or RateLimit(settings.rate_limit, settings.rate_limit_storage)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)

    # The last added runs first: log everything, and let CORS answer preflights.
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_methods=["GET", "POST"],
        allow_headers=["Content-Type", "Authorization"],
        expose_headers=["X-Request-ID", "Retry-After"],
    )
    app.add_middleware(RequestLogMiddleware)
    return app


__all__ = [
    "AssistantDep",
    "ChatRequest",
    "ChatResponse",
    "ErrorResponse",
    "FeedbackRequest",
    "Health",
    "create_app",
    "get_assistant",
]
