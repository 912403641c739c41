"""WCAG 2.2 AA in headless Chromium against the real server: axe-core, keyboard only, focus, announcements, reflow."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from plan_assistant.accessibility import ACCESSIBILITY_PATH, AXE_CORE_VERSION, statement_page
from plan_assistant.config import Settings
from plan_assistant.ui import EXAMPLES, FEEDBACK_THANKS
from tests.e2e.conftest import feedback_rows, fresh_page

pytestmark = pytest.mark.browser

# WCAG 2.0, 2.1 and 2.2, levels A and AA (axe has no wcag22a rules).
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
QUESTION = "How does the council support carers?"
# Where focus is, how its outline is drawn, and whether any of its centre and inset corners is the topmost
# thing on screen (WCAG 2.4.11: focus not entirely hidden).
FOCUSED = """() => {
  const e = document.activeElement;
  if (!e || e === document.body) return null;
  // The browser scrolls a focused control into view, smoothly and later on a busy machine; measure it in
  // view, so what is checked is whether the page's own content hides it (WCAG 2.4.11), not scroll timing.
  e.scrollIntoView({block: 'nearest', inline: 'nearest', behavior: 'instant'});
  const s = getComputedStyle(e), r = e.getBoundingClientRect();
  const points = [[0.5, 0.5], [0.1, 0.1], [0.9, 0.1], [0.1, 0.9], [0.9, 0.9]];
  const hits = points.map(([x, y]) => document.elementFromPoint(r.left + r.width * x, r.top + r.height * y));
  const shown = hits.some(hit => hit !== null && (hit === e || e.contains(hit) || hit.contains(e)));
  return {
    what: `${e.tagName.toLowerCase()} ${e.getAttribute('aria-label') || e.value || e.innerText || ''}`
      .trim().slice(0, 80),
    outlineStyle: s.outlineStyle, outlineWidth: parseFloat(s.outlineWidth), outlineColor: s.outlineColor,
    shown, topmost: shown ? null : (hits[0] ? hits[0].outerHTML.slice(0, 160) : 'nothing'),
  };
}"""


# ---------------------------------------------------------------- helpers


def axe_violations(target: Any, name: str, artifacts: Path) -> list[dict[str, Any]]:
    """Run axe-core's WCAG 2.2 A/AA rules on a page or frame; save the results; return the violations."""
    axe_module = pytest.importorskip("axe_playwright_python.sync_playwright")
    results = axe_module.Axe().run(
        target, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
    )
    response = results.response
    (artifacts / f"axe-{name}.json").write_text(json.dumps(response["violations"], indent=2))
    # The rules really ran on a rendered page (text whose contrast was checked, and a good number of rules
    # that applied), and it is the axe-core the accessibility statement names.
    applied = {r["id"] for kind in ("passes", "violations", "incomplete") for r in response[kind]}
    assert "color-contrast" in applied and len(applied) >= 5, (name, sorted(applied))
    assert response["testEngine"]["version"].startswith(AXE_CORE_VERSION + "."), response["testEngine"]
    return [
        {"rule": v["id"], "impact": v["impact"], "targets": [n["target"] for n in v["nodes"]]}
        for v in response["violations"]
    ]


def ask(page: Any, question: str) -> Any:
    """Type a question, press Enter and wait for the finished answer; returns the answer bubble."""
    from playwright.sync_api import expect

    box = page.get_by_label("Your question")
    box.fill(question)
    box.press("Enter")
    answer = page.locator("#chat .bot").last
    expect(answer.locator(".pa-sources")).to_be_visible(timeout=60_000)
    return answer


def tab_to(page: Any, selector: str, reached: list[dict[str, Any]], backwards: bool = False) -> None:
    """Press Tab (or Shift+Tab) until focus is on an element matching selector, noting each stop."""
    key = "Shift+Tab" if backwards else "Tab"
    for _ in range(60):
        page.keyboard.press(key)
        focused = page.evaluate(FOCUSED)
        if focused is not None and not focused["shown"]:
            # The page's own smooth scroll (an answer brought into view) may still be moving the control:
            # measure once more when it has settled; content that really covers it covers it still.
            page.wait_for_timeout(500)
            focused = page.evaluate(FOCUSED)
        if focused is not None:
            reached.append(focused)
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{key} never reached {selector}; stops: {[f['what'] for f in reached[-60:]]}")


def focus_not_visible(reached: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The stops whose focus has no visible outline, or that lie entirely under something else."""
    return [
        stop
        for stop in reached
        if stop["outlineStyle"] == "none"
        or stop["outlineWidth"] < 2
        or stop["outlineColor"] in ("transparent", "rgba(0, 0, 0, 0)")
        or not stop["shown"]
    ]


@pytest.fixture(params=["light", "dark"])
def scheme_page(browser: Any, request: pytest.FixtureRequest) -> Iterator[tuple[Any, str]]:
    """A desktop-size page in the visitor's light or dark colour scheme (Gradio follows it), and its name."""
    with fresh_page(browser, color_scheme=request.param) as opened:
        yield opened, request.param


@pytest.fixture
def narrow_page(browser: Any) -> Iterator[Any]:
    """A page 320 CSS pixels wide: a 1280-pixel screen at 400% zoom (WCAG 1.4.10)."""
    with fresh_page(browser, width=320, height=256) as opened:
        yield opened


# ---------------------------------------------------------------- axe-core: 0 violations


def test_the_chat_page_has_no_wcag_violations_empty_and_answered(
    scheme_page: tuple[Any, str], server_url: str, artifacts: Path
) -> None:
    from playwright.sync_api import expect

    page, suffix = scheme_page
    page.goto(server_url + "/")
    expect(page.get_by_label("Your question")).to_be_visible(timeout=30_000)
    assert axe_violations(page, f"chat-empty-{suffix}", artifacts) == []

    answer = ask(page, QUESTION)
    answer.locator("summary").first.click()
    expect(answer.locator("blockquote").first).to_be_visible()
    page.locator("#chat").get_by_role("button", name="Like", exact=True).last.click()
    expect(page.get_by_text(FEEDBACK_THANKS)).to_be_visible()
    page.screenshot(path=str(artifacts / f"a11y-chat-answered-{suffix}.png"), full_page=True)
    assert axe_violations(page, f"chat-answered-{suffix}", artifacts) == []


def test_the_browse_tab_has_no_wcag_violations(
    scheme_page: tuple[Any, str], server_url: str, artifacts: Path
) -> None:
    from playwright.sync_api import expect

    page, suffix = scheme_page
    page.goto(server_url + "/")
    page.get_by_role("tab", name="Browse the plan").click()
    expect(page.locator("#browse-outline summary").first).to_be_visible()
    assert axe_violations(page, f"browse-{suffix}", artifacts) == []

    page.locator("#browse-outline .pa-outcome-block", has_text="Outcome 3").locator("summary").first.click()
    expect(page.locator("#browse-outline details[open]")).to_contain_text("The plan commits to")
    page.screenshot(path=str(artifacts / f"a11y-browse-{suffix}.png"), full_page=True)
    assert axe_violations(page, f"browse-chosen-{suffix}", artifacts) == []

    page.get_by_label("Filter outcomes, key priorities and commitments").fill("climate")
    expect(page.locator("#browse-outline .pa-filter-count")).to_contain_text("match")
    assert axe_violations(page, f"browse-filtered-{suffix}", artifacts) == []


@pytest.mark.parametrize("width", [1280, 390])
def test_the_printable_browse_page_has_no_wcag_violations(
    browser: Any, width: int, server_url: str, artifacts: Path
) -> None:
    from playwright.sync_api import expect

    with fresh_page(browser, width=width, height=900) as page:
        page.goto(server_url + "/browse#outcome-2")
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        assert axe_violations(page, f"browse-page-{width}", artifacts) == []
        page.get_by_label("Filter outcomes, key priorities and commitments").fill("social care")
        page.locator(".pa-priority-item:visible summary").first.click()
        assert axe_violations(page, f"browse-page-filtered-{width}", artifacts) == []


@pytest.mark.parametrize("width", [1280, 390])
def test_an_adviser_s_answer_with_its_copy_and_browse_links_has_no_wcag_violations(
    browser: Any, width: int, server_url: str, artifacts: Path
) -> None:
    from playwright.sync_api import expect

    with fresh_page(
        browser, width=width, height=900, permissions=["clipboard-read", "clipboard-write"]
    ) as page:
        page.goto(server_url + "/?audience=adviser")
        expect(page.get_by_role("radio", name="Adviser")).to_be_checked(timeout=30_000)
        assert axe_violations(page, f"chat-adviser-empty-{width}", artifacts) == []
        answer = ask(page, "A caller asks how the council supports carers.")
        answer.get_by_role("button", name="Copy answer with references").click()
        expect(page.locator("#pa-copy-status")).not_to_be_empty()
        assert axe_violations(page, f"chat-adviser-copied-{width}", artifacts) == []
        answer.locator("a.pa-browse-link").first.click()
        expect(page.locator("#browse-outline details[open]")).to_have_count(1)
        assert axe_violations(page, f"browse-from-citation-{width}", artifacts) == []


def test_the_embed_demo_and_the_assistant_inside_it_have_no_wcag_violations(
    page: Any, server_url: str, artifacts: Path
) -> None:
    from playwright.sync_api import expect

    page.goto(server_url + "/embed-demo")
    expect(page.frame_locator("iframe").get_by_label("Your question")).to_be_visible(timeout=30_000)
    assert axe_violations(page, "embed-demo", artifacts) == []
    # axe-playwright-python injects axe into the top page only; the frame is checked on its own.
    (frame,) = [f for f in page.frames if f is not page.main_frame]
    assert axe_violations(frame, "embed-demo-frame", artifacts) == []


def test_the_accessibility_statement_is_linked_from_the_chat_in_the_uk_public_sector_form(
    page: Any, server_url: str, artifacts: Path
) -> None:
    from playwright.sync_api import expect

    page.goto(server_url + "/")
    page.get_by_role("link", name="Accessibility statement").click()
    expect(page).to_have_url(server_url + ACCESSIBILITY_PATH)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Accessibility statement for the Plan Assistant"
    )
    # The model statement's sections (tests/unit/test_accessibility.py holds them to GOV.UK's list).
    rendered = re.findall(r"<h2>(.*?)</h2>", statement_page(Settings()))
    assert page.get_by_role("heading", level=2).all_inner_texts() == rendered
    assert "Enforcement procedure" in rendered
    text = page.locator("main").inner_text()
    assert "partially compliant with the Web Content Accessibility Guidelines version 2.2 AA" in text
    assert "Equality Advisory and Support Service" in text
    assert f"axe-core {AXE_CORE_VERSION}" in text
    contact = page.get_by_role("link", name=Settings().contact_text).first
    expect(contact).to_have_attribute("href", Settings().contact_url)
    page.screenshot(path=str(artifacts / "a11y-statement.png"), full_page=True)
    assert axe_violations(page, "statement", artifacts) == []


# ---------------------------------------------------------------- keyboard, focus, announcements


def test_a_keyboard_only_user_asks_opens_a_quote_gives_feedback_and_switches_audience(
    page: Any, server_url: str, artifacts: Path
) -> None:
    from playwright.sync_api import expect

    page.goto(server_url + "/")
    expect(page.get_by_label("Your question")).to_be_visible(timeout=30_000)
    reached: list[dict[str, Any]] = []
    keyboard = page.keyboard

    tab_to(page, "#question textarea", reached)
    keyboard.type(QUESTION)
    keyboard.press("Enter")
    answer = page.locator("#chat .bot").last
    expect(answer.locator(".pa-sources")).to_be_visible(timeout=60_000)

    # Back from the question box into the answer, to the last of its quotes.
    tab_to(page, "#chat .bot summary", reached, backwards=True)
    keyboard.press("Enter")
    quote = page.locator("#chat .bot details[open] blockquote")
    expect(quote).to_have_count(1)
    expect(quote).to_be_visible()

    before = feedback_rows(server_url)
    tab_to(page, '#chat button[aria-label="Like"]', reached)
    keyboard.press("Enter")
    expect(page.locator("#pa-feedback-note")).to_have_text(FEEDBACK_THANKS)
    page.screenshot(path=str(artifacts / "a11y-keyboard-feedback.png"), full_page=True)
    assert feedback_rows(server_url)[len(before) :] == [("up", "ui")]

    tab_to(page, '#audience input[value="Staff"]', reached, backwards=True)
    keyboard.press("Space")
    expect(page.get_by_role("radio", name="Staff")).to_be_checked()
    for example in EXAMPLES["staff"]:
        expect(page.get_by_role("button", name=example)).to_be_visible()

    # And the staff's answer comes by keyboard too: one of their examples, from the audience choice.
    tab_to(page, "button.pa-example", reached)
    keyboard.press("Enter")
    expect(page.locator("#chat .bot")).to_have_count(2, timeout=60_000)
    expect(page.locator("#chat .bot").last.locator(".pa-sources")).to_be_visible(timeout=60_000)
    assert len(reached) >= 5
    assert focus_not_visible(reached) == [], reached


def test_every_control_a_keyboard_reaches_shows_its_focus(page: Any, server_url: str) -> None:
    from playwright.sync_api import expect

    page.goto(server_url + "/")
    ask(page, QUESTION)  # focus stays in the question box
    reached: list[dict[str, Any]] = []
    tab_to(page, "#pa-footer a", reached)
    tab_to(page, "#question textarea", reached)  # round the page to where it started: every stop
    tab_to(page, 'button[role="tab"][data-tab-id="browse"]', reached)
    page.keyboard.press("Enter")
    tab_to(page, "#pa-filter", reached)
    tab_to(page, "#browse-outline summary", reached)
    page.keyboard.press("Enter")
    expect(page.locator("#browse-outline details[open]")).to_contain_text("The plan commits to")
    tab_to(page, "#pa-footer a", reached)  # every stop of the Browse tab
    what = {stop["what"] for stop in reached}
    for control in ("summary Quote from the plan", "button Like", "input Resident", "a Link to this key"):
        assert any(w.startswith(control) for w in what), (control, sorted(what))
    assert focus_not_visible(reached) == [], reached


def test_a_finished_answer_is_announced_once_to_screen_readers(page: Any, server_url: str) -> None:
    from playwright.sync_api import expect

    page.goto(server_url + "/")
    status = page.locator('#pa-announcer [role="status"]')
    expect(status).to_have_attribute("aria-live", "polite")
    expect(status).to_have_text("")
    # Every text any live region on the page holds while the question is answered, in order. The words
    # streaming into the conversation must not be among them: its log is not live.
    page.evaluate(
        """() => {
      window.spoken = [];
      const live = '[aria-live]:not([aria-live="off"]), [role=status]';
      const said = new Map([...document.querySelectorAll(live)].map(r => [r, r.innerText.trim()]));
      new MutationObserver(() => {
        for (const region of document.querySelectorAll(live)) {
          const text = region.innerText.trim();
          if (text && said.get(region) !== text) window.spoken.push(text);
          said.set(region, text);
        }
      }).observe(document.body, {subtree: true, childList: true, characterData: true});
    }"""
    )
    answer = ask(page, QUESTION)
    expect(status).to_contain_text("from the plan, with")
    expect(page.locator("#chat [role=log]")).to_have_attribute("aria-live", "off")
    page.wait_for_timeout(1500)  # anything said just after the answer is said within this
    spoken: list[str] = page.evaluate("window.spoken")
    answer_text = answer.inner_text().split("Sources in the plan")[0].strip()
    assert len(spoken) == 1, spoken  # the finished answer alone: never half-written, nothing else
    assert spoken[0].startswith(answer_text.splitlines()[0])
    assert re.search(r"(One source|\d+ sources) from the plan", spoken[0])
    expect(page.get_by_role("status").filter(has_text=answer_text.splitlines()[-1])).to_have_count(1)


# ---------------------------------------------------------------- reflow at 400% zoom


def test_the_chat_and_the_browse_tab_reflow_at_320_pixels_without_scrolling_sideways(
    narrow_page: Any, server_url: str, artifacts: Path
) -> None:
    from playwright.sync_api import expect

    page = narrow_page
    sideways = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    page.goto(server_url + "/")
    expect(page.get_by_label("Your question")).to_be_visible(timeout=30_000)
    assert page.evaluate(sideways) <= 0, "empty chat"
    answer = ask(page, "What are the key priorities under Outcome 3?")
    answer.locator("summary").first.click()
    page.screenshot(path=str(artifacts / "a11y-reflow-chat.png"), full_page=True)
    assert page.evaluate(sideways) <= 0, "answered chat"

    tab = page.get_by_role("tab", name="Browse the plan")
    expect(tab).to_be_visible()  # both tabs stay on the page (wrapped), none folded away in a menu
    tab.click()
    page.locator("#browse-outline .pa-outcome-block", has_text="Outcome 3").locator("summary").first.click()
    expect(page.locator("#browse-outline details[open]")).to_contain_text("The plan commits to")
    page.screenshot(path=str(artifacts / "a11y-reflow-browse.png"), full_page=True)
    assert page.evaluate(sideways) <= 0, "Browse tab"

    page.goto(server_url + "/browse")
    page.locator("summary").first.click()
    page.screenshot(path=str(artifacts / "a11y-reflow-browse-page.png"), full_page=True)
    assert page.evaluate(sideways) <= 0, "Browse page"

    page.goto(server_url + ACCESSIBILITY_PATH)
    assert page.evaluate(sideways) <= 0, "accessibility statement"
