"""The real server in headless Chromium: ask, watch the answer stream in with its sources, browse the plan."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import feedback_rows

pytestmark = pytest.mark.browser

QUESTION = "What is the council doing about climate change?"
# Records every distinct text the latest answer bubble shows, so the test can see it grow while streaming.
WATCH_ANSWER = """
window.answerSnapshots = [];
new MutationObserver(() => {
  const bubbles = document.querySelectorAll('#chat .bot');
  if (!bubbles.length) return;
  const text = bubbles[bubbles.length - 1].innerText.trim();
  if (text && window.answerSnapshots[window.answerSnapshots.length - 1] !== text) {
    window.answerSnapshots.push(text);
  }
}).observe(document.querySelector('#chat'), {subtree: true, childList: true, characterData: true});
"""


def test_a_resident_asks_and_sees_a_streamed_answer_with_a_source_labelled_by_outcome(
    page: Any, server_url: str, artifacts: Path
) -> None:
    from playwright.sync_api import expect

    page.goto(server_url + "/")
    expect(page.get_by_text("Please do not type personal details")).to_be_visible()
    question = page.get_by_label("Your question")
    expect(question).to_be_visible()
    page.evaluate(WATCH_ANSWER)
    question.fill(QUESTION)
    question.press("Enter")  # keyboard only: Enter submits

    sources = page.locator("#chat .pa-sources").last
    expect(sources).to_be_visible(timeout=60_000)
    outcome_label = sources.locator(".pa-outcome").first
    expect(outcome_label).to_have_text(re.compile(r"^Outcome [1-5]$"))
    expect(sources.locator(".pa-priority").first).not_to_be_empty()
    snapshots: list[str] = page.evaluate("window.answerSnapshots")
    partial = [t for t in snapshots[:-1] if t not in ("…", "") and "Sources in the plan" not in t]
    assert partial, f"the answer never showed part-written before its sources: {snapshots}"
    assert "Sources in the plan" in snapshots[-1]

    sources.locator("summary").first.click()
    expect(sources.locator("details blockquote").first).to_be_visible()
    page.screenshot(path=str(artifacts / "chat-answer.png"), full_page=True)

    before = feedback_rows(server_url)  # other browser tests share the server and give feedback too
    page.locator("#chat").get_by_role("button", name="Like", exact=True).last.click()
    expect(page.get_by_text("your feedback has been recorded")).to_be_visible()
    assert feedback_rows(server_url)[len(before) :] == [("up", "ui")]


def test_staff_browse_the_plan_from_outcome_to_priority_to_commitments(
    page: Any, server_url: str, artifacts: Path
) -> None:
    from playwright.sync_api import expect

    page.goto(server_url + "/")
    page.get_by_role("tab", name="Browse the plan").click()
    outcome = page.locator("#browse-outline .pa-outcome-block", has_text="Outcome 3")
    first_priority = outcome.locator("summary").first
    expect(first_priority).to_be_visible()
    first_priority.click()
    commitments = outcome.locator("details[open]")
    expect(commitments).to_contain_text("The plan commits to")
    expect(commitments.locator(".pa-commitment").first).to_be_visible()
    page.screenshot(path=str(artifacts / "browse-plan.png"), full_page=True)


def test_the_embed_demo_shows_the_snippet_and_the_assistant_inside_it(
    page: Any, server_url: str, artifacts: Path
) -> None:
    from playwright.sync_api import expect

    page.goto(server_url + "/embed-demo")
    expect(page.locator("pre code")).to_contain_text("<iframe")
    frame = page.frame_locator("iframe")
    expect(frame.get_by_label("Your question")).to_be_visible(timeout=30_000)
    page.screenshot(path=str(artifacts / "embed-demo.png"), full_page=True)
