"""A real server (python app.py) over a freshly built index, and headless Chromium to drive it."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from plan_assistant.outline import Outline
from tests.servers import free_port, stop, wait_until

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = ROOT / "tests" / "artifacts"
FEEDBACK_TOKEN = "e2e-feedback-token"
COUNCIL_NAME = "Fixture County Council"
BRAND_COLOUR = "#5a1a6e"


@pytest.fixture(scope="session")
def server_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Environment pointing at a fresh index built by ``python -m ingest`` in a temporary data directory."""
    data_dir = tmp_path_factory.mktemp("e2e-data")
    env = {**os.environ, "PLAN_ASSISTANT_DATA_DIR": str(data_dir), "HF_HUB_OFFLINE": "1"}
    env["PLAN_ASSISTANT_RATE_LIMIT"] = "1000/minute"
    env["PLAN_ASSISTANT_FEEDBACK_TOKEN"] = FEEDBACK_TOKEN
    # The look a council sets for itself (tests/e2e/test_views.py checks the pages carry it): the logo is
    # the app's own favicon, so nothing is fetched from outside.
    env["PLAN_ASSISTANT_COUNCIL_NAME"] = COUNCIL_NAME
    env["PLAN_ASSISTANT_BRAND_COLOUR"] = BRAND_COLOUR
    env["PLAN_ASSISTANT_LOGO_URL"] = "/favicon.ico"
    subprocess.run(
        [sys.executable, "-m", "ingest"], cwd=ROOT, env=env, check=True, capture_output=True, timeout=600
    )
    return env


@pytest.fixture(scope="session")
def server_url(server_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The real server, started as a person would start it (``python app.py --port N``)."""
    port = free_port()
    log_path = tmp_path_factory.mktemp("e2e-log") / "server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "app.py", "--port", str(port)], cwd=ROOT, env=server_env, stdout=log, stderr=log
        )
        url = f"http://127.0.0.1:{port}"
        try:
            wait_until(f"{url}/healthz", process, timeout=90, what="python app.py")
            yield url
        except Exception:
            print(log_path.read_text(errors="replace")[-4000:])
            raise
        finally:
            stop(process)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Headless Debian Chromium driven by Playwright; skipped when either is missing."""
    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is not installed (apt-get install -y chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@contextmanager
def fresh_page(browser: Any, width: int = 1200, height: int = 1000, **options: Any) -> Iterator[Any]:
    """A page in a browser context of its own (British English), closed afterwards."""
    context = browser.new_context(viewport={"width": width, "height": height}, locale="en-GB", **options)
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh page at a desktop size."""
    with fresh_page(browser) as opened:
        yield opened


@pytest.fixture(scope="session")
def served_outline(server_url: str) -> Outline:
    """The outline the server serves (GET /api/outline), as the ingest wrote it: what Browse must show."""
    response = httpx.get(f"{server_url}/api/outline")
    response.raise_for_status()
    return Outline.model_validate(response.json())


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Where screenshots are saved for people to look at."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


def feedback_rows(server_url: str) -> list[tuple[str, str]]:
    """(rating, source) of every feedback row the server holds, oldest first."""
    export = httpx.get(
        f"{server_url}/api/feedback/export", headers={"Authorization": f"Bearer {FEEDBACK_TOKEN}"}
    )
    export.raise_for_status()
    return [(row["rating"], row["source"]) for row in csv.DictReader(io.StringIO(export.text))]
