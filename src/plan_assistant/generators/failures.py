"""Why a model server failed, in one log line that holds no text of the request."""

from __future__ import annotations

_TIMEOUTS = frozenset(
    {"APITimeoutError", "TimeoutException", "ReadTimeout", "ConnectTimeout", "TimeoutError"}
)
_UNREACHABLE = frozenset({"APIConnectionError", "ConnectError", "ConnectionError", "RemoteProtocolError"})


def _names(exc: BaseException) -> set[str]:
    # Class names, not classes: the openai, httpx and ollama clients are optional imports here.
    return {cls.__name__ for cls in type(exc).__mro__}


def _status(exc: BaseException) -> int | None:
    code = getattr(exc, "status_code", None)
    return code if isinstance(code, int) else None


def failure_reason(exc: BaseException) -> str:
    """What went wrong with the model server, in words a person can act on."""
    names = _names(exc)
    status = _status(exc)
    if names & _TIMEOUTS:
        return "did not answer in time (timed out; PLAN_ASSISTANT_LLM_TIMEOUT)"
    if status in (401, 403):
        return f"refused the API key (HTTP {status}; check PLAN_ASSISTANT_OPENAI_API_KEY)"
    if status == 404:
        return "does not know the model or the path (HTTP 404; check the base URL and model name)"
    if status is not None:
        return f"answered HTTP {status}"
    if names & _UNREACHABLE:
        return "could not be reached (connection refused or dropped; is it running at the base URL?)"
    return f"failed ({type(exc).__name__})"


def failure_line(generator: str, exc: BaseException) -> str:
    """The log line for a failed generation: a 502 from the model server, answered from the plan instead."""
    return (
        f'502 bad gateway from generator "{generator}": the model server {failure_reason(exc)} '
        f"[{type(exc).__name__}]; answered from the plan's own sentences instead"
    )
