"""Serve plan-assistant: the HTTP API and the Gradio chat on one port.

``python app.py [--host H] [--port P]`` serves one process. For several workers behind a load balancer,
point them at one Chroma server (PLAN_ASSISTANT_CHROMA_HOST) and run
``uvicorn --factory app:create --workers 2`` (or ``uvicorn app:app``).
"""

from __future__ import annotations

import argparse
import logging
import sys
from typing import Any

import uvicorn
from fastapi import FastAPI

from plan_assistant.config import Settings, get_settings


def create(settings: Settings | None = None) -> FastAPI:
    """Build the whole app: settings, the assistant, the API, and the UI mounted at /."""
    from plan_assistant.api import create_app
    from plan_assistant.factory import build_live_assistant
    from plan_assistant.logging_setup import configure_logging
    from plan_assistant.ratelimit import RateLimit, describe_store
    from plan_assistant.ui import mount_ui

    settings = settings or get_settings()
    configure_logging(settings.log_level)
    rate_limit = RateLimit(settings.rate_limit, settings.rate_limit_storage)
    if not rate_limit.check():  # serve anyway: each worker counts alone until the store answers
        logging.getLogger("plan_assistant").warning(
            "rate limit store %s is not answering at start-up", describe_store(settings.rate_limit_storage)
        )
    assistant = build_live_assistant(settings)
    assistant.start()  # follow new index generations as `python -m ingest` writes them
    return mount_ui(create_app(settings, assistant, rate_limit=rate_limit), assistant, settings)


def parse_args(argv: list[str] | None, settings: Settings) -> argparse.Namespace:
    """Read --host and --port, defaulting to the settings."""
    parser = argparse.ArgumentParser(description="Serve the plan assistant (API under /api, chat at /).")
    parser.add_argument(
        "--host", default=settings.host, help=f"address to listen on (default {settings.host})"
    )
    parser.add_argument("--port", type=int, default=settings.port, help=f"port (default {settings.port})")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Build the app and serve it until interrupted."""
    settings = get_settings()
    args = parse_args(argv, settings)
    settings = Settings.model_validate({**settings.model_dump(), "host": args.host, "port": args.port})
    try:
        app = create(settings)
    except Exception as exc:  # a person runs this: say what went wrong and what to do, not a traceback
        print(
            f"Could not start: {exc}\nIf the index is missing, build it with: python -m ingest "
            f"(data directory: {settings.data_dir})",
            file=sys.stderr,
        )
        return 1
    print(f"Plan assistant: http://{settings.host}:{settings.port}/  (API docs: /docs)", flush=True)
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="warning", proxy_headers=True)
    return 0


_app: FastAPI | None = None


def __getattr__(name: str) -> Any:
    # ``uvicorn app:app`` builds the app on first use, so importing this module never loads a model.
    global _app
    if name == "app":
        if _app is None:
            _app = create()
        return _app
    raise AttributeError(name)


if __name__ == "__main__":
    sys.exit(main())
