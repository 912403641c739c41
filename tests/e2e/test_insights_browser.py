"""The staff insights page in headless Chromium, after the eval sets' questions were asked of the real server."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from evals import DATASETS, load_dataset
from tests.e2e.conftest import FEEDBACK_TOKEN, fresh_page
from tests.e2e.test_accessibility import axe_violations

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def seeded(server_url: str) -> int:
    """Every eval question asked once through the server's API (no feedback: other tests count it)."""
    items = [item for path in DATASETS.values() for item in load_dataset(path)]
    with httpx.Client(base_url=server_url, timeout=60) as client:
        for item in items:
            body = {
                "question": item.question,
                "history": [t.model_dump() for t in item.history],
                "audience": item.audience,
            }
            assert client.post("/api/chat", json=body).status_code == 200, item.id
    return len(items)


def sign_in(page: Any, server_url: str) -> None:
    """Open the page, type the token into the sign-in form and submit it with the keyboard."""
    from playwright.sync_api import expect

    page.goto(server_url + "/staff/insights")
    token = page.get_by_label("Staff token")
    expect(token).to_be_visible()
    token.fill(FEEDBACK_TOKEN)
    token.press("Enter")
    expect(page.get_by_role("heading", name="What people ask: staff insights", level=1)).to_be_visible(
        timeout=120_000
    )
    assert "token" not in page.url.split("/staff/insights", 1)[1]


@pytest.mark.parametrize(("width", "height"), [(1280, 1000), (390, 844)])
def test_staff_sign_in_and_read_the_insights_at_desktop_and_phone_widths(
    browser: Any, server_url: str, seeded: int, artifacts: Path, width: int, height: int
) -> None:
    from playwright.sync_api import expect

    with fresh_page(browser, width, height) as page:
        sign_in(page, server_url)
        expect(page.get_by_role("heading", name="Topics the plan does not cover")).to_be_visible()
        expect(page.get_by_role("img", name="Answered questions per Outcome")).to_be_visible()
        expect(page.locator("#uncovered ~ h3").first).to_be_visible()
        assert page.get_by_text("not in the plan").count() > 0
        # Each chart's data is a keyboard away: focus its summary, press Enter, read the table.
        summary = page.get_by_text("Answered questions per Outcome as a table")
        summary.focus()
        page.keyboard.press("Enter")
        expect(page.get_by_role("table", name="Answered questions per Outcome")).to_be_visible()
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"the page scrolls sideways by {overflow}px at {width}px"
        page.screenshot(path=str(artifacts / f"staff-insights-{width}.png"), full_page=True)
        assert axe_violations(page, f"staff-insights-{width}", artifacts) == []


def test_a_wrong_token_is_refused_and_the_form_says_so(page: Any, server_url: str, artifacts: Path) -> None:
    from playwright.sync_api import expect

    page.goto(server_url + "/staff/insights")
    assert axe_violations(page, "staff-sign-in", artifacts) == []
    page.get_by_label("Staff token").fill("not-the-token")
    page.get_by_role("button", name="Show insights").click()
    expect(page.get_by_role("alert")).to_have_text("That token is not right.")
