"""Issue 14 in headless Chromium against the real server, at 1280 and 390 px, with screenshots.

Browse as a readable outline (filter, links, print), a chat that reads top to bottom, the audience kept
for the session, copying an answer with its references, opening a citation in Browse, the council's look.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from plan_assistant.outline import Outline
from plan_assistant.ui import AUDIENCE_NOTES, EXAMPLES
from tests.e2e.conftest import BRAND_COLOUR, COUNCIL_NAME, fresh_page
from tests.e2e.test_browser import WATCH_ANSWER

pytestmark = pytest.mark.browser

SIZES = {"1280": (1280, 900), "390": (390, 844)}  # a desktop, and a phone (390 x 844 CSS px)
# Where an element's box is in the window, and whether the element itself is what shows at points along its
# top edge and centre (nothing drawn over it).
BOX = """(e) => {
  const r = e.getBoundingClientRect();
  const xs = [0.1, 0.5, 0.9].map(f => r.left + r.width * f);
  const ys = [r.top + Math.min(8, r.height / 2), r.top + r.height / 2];
  const covered = [];
  for (const x of xs) for (const y of ys) {
    if (y < 0 || y > innerHeight) continue;
    const hit = document.elementFromPoint(x, y);
    if (hit && !(hit === e || e.contains(hit) || hit.contains(e))) covered.push(hit.outerHTML.slice(0, 120));
  }
  return {top: r.top, bottom: r.bottom, height: r.height, covered,
          atEnd: Math.ceil(scrollY + innerHeight) >= document.documentElement.scrollHeight - 2};
}"""


@pytest.fixture(params=list(SIZES))
def sized(browser: Any, request: pytest.FixtureRequest) -> Iterator[tuple[Any, str]]:
    """A page at a desktop width and at a phone's, allowed to use the clipboard, and the width's name."""
    width, height = SIZES[request.param]
    with fresh_page(
        browser, width=width, height=height, permissions=["clipboard-read", "clipboard-write"]
    ) as opened:
        yield opened, request.param


def priorities(outline: Outline) -> list[tuple[int, str, str, list[str]]]:
    """(outcome number, outcome title, priority title, commitments) of every key priority, in order."""
    return [
        (o.number, o.title, p.title, p.commitments)
        for d in outline.documents
        for o in d.outcomes
        for p in o.priorities
    ]


def filter_word(outline: Outline) -> tuple[str, list[str]]:
    """A word found only in the commitments of one to three priorities, and those priorities' titles."""
    every = priorities(outline)
    for _, _, _, commitments in every:
        for word in re.findall(r"[A-Za-z]{8,}", " ".join(commitments)):
            term = word.lower()
            in_titles = any(term in f"{ot} {pt}".lower() for _, ot, pt, _ in every)
            hits = [pt for _, _, pt, cs in every if any(term in c.lower() for c in cs)]
            if not in_titles and 1 <= len(hits) <= 3:
                return term, hits
    raise AssertionError("no word in the commitments picks out one to three priorities")


def open_browse_tab(page: Any, server_url: str) -> None:
    from playwright.sync_api import expect

    page.goto(server_url + "/")
    page.get_by_role("tab", name="Browse the plan").click()  # the first action
    expect(page.locator("#browse-outline .pa-outcome-block").first).to_be_visible(timeout=30_000)


# ---------------------------------------------------------------- 1. Browse as a readable outline


def test_staff_see_every_outcome_and_priority_and_reach_a_priority_s_commitments_in_two_actions(
    sized: tuple[Any, str], server_url: str, served_outline: Outline, artifacts: Path
) -> None:
    from playwright.sync_api import expect

    page, size = sized
    open_browse_tab(page, server_url)
    outline = page.locator("#browse-outline")
    every = priorities(served_outline)
    outcomes = [o for d in served_outline.documents for o in d.outcomes]
    assert len(outcomes) == 5 and len(every) == 21  # the plan's shape, as the ingest read it
    headings = outline.locator(".pa-outcome-heading")
    expect(headings).to_have_count(len(outcomes))
    for heading, outcome in zip(headings.all(), outcomes, strict=True):
        expect(heading).to_have_text(f"Outcome {outcome.number} {outcome.title}")
    summaries = outline.locator("summary")
    expect(summaries).to_have_count(len(every))
    assert [s.strip() for s in summaries.all_inner_texts()] == [p for _, _, p, _ in every]
    page.screenshot(path=str(artifacts / f"browse-tab-{size}.png"), full_page=True)

    # The second action: any priority opens to its commitments, in the plan's words.
    _, _, title, commitments = next(p for p in every if p[0] == 4 and p[3])
    outline.locator("summary", has_text=title).click()
    shown = outline.locator("details[open] .pa-commitment")
    expect(shown.first).to_be_visible()
    assert shown.all_inner_texts() == commitments
    page.screenshot(path=str(artifacts / f"browse-tab-priority-open-{size}.png"), full_page=False)

    # Below the outcomes: the plan's other sections and the strategies it links, loaded or not.
    for document in served_outline.documents:
        for section in document.sections:
            expect(page.locator("#other-sections")).to_contain_text(section.title)
        for link in document.links:
            item = page.locator("#documents li", has_text=link.title).first
            expect(item).to_contain_text("" if link.loaded else "(text not available here)")


def test_the_filter_narrows_outcomes_priorities_and_commitments_as_you_type(
    sized: tuple[Any, str], server_url: str, served_outline: Outline, artifacts: Path
) -> None:
    from playwright.sync_api import expect

    page, size = sized
    open_browse_tab(page, server_url)
    term, expected = filter_word(served_outline)
    box = page.get_by_label("Filter outcomes, key priorities and commitments")
    box.press_sequentially(term, delay=20)
    outline = page.locator("#browse-outline")
    visible = outline.locator(".pa-priority-item:visible summary")
    expect(visible).to_have_count(len(expected))
    assert [t.strip() for t in visible.all_inner_texts()] == expected
    expect(outline.locator(".pa-filter-count")).to_have_text(
        f"{len(expected)} of 21 key priorities match “{term}”."
    )
    # A priority matched by its commitments opens, showing only the commitments that match.
    for commitment in outline.locator(".pa-priority-item:visible .pa-commitment:visible").all_inner_texts():
        assert term in commitment.lower()
    shown_outcomes = outline.locator(".pa-outcome-block:visible")
    assert 1 <= shown_outcomes.count() <= len(expected)
    page.screenshot(path=str(artifacts / f"browse-filtered-{size}.png"), full_page=True)

    box.fill("zzqx no such words")
    expect(outline.locator(".pa-no-match")).to_be_visible()
    expect(outline.locator(".pa-outcome-block:visible")).to_have_count(0)
    box.fill("")
    expect(outline.locator(".pa-priority-item:visible")).to_have_count(21)
    expect(outline.locator("details[open]")).to_have_count(0)  # what the filter opened, it closes


def test_each_priority_has_a_link_that_opens_the_page_there(
    sized: tuple[Any, str], browser: Any, server_url: str, served_outline: Outline, artifacts: Path
) -> None:
    from playwright.sync_api import expect

    page, size = sized
    open_browse_tab(page, server_url)
    _, _, title, commitments = [p for p in priorities(served_outline) if p[0] == 5][-1]
    details = page.locator("#browse-outline details", has_text=title)
    details.locator("summary").click()
    share = details.get_by_role("link", name="Link to this key priority")
    href = share.get_attribute("href")
    assert href is not None and href.startswith("browse#outcome-5-")
    link = f"{server_url}/{href}"

    # A colleague opens the link: the printable Browse page, scrolled to that priority, open.
    width, height = SIZES[size]
    with fresh_page(browser, width=width, height=height) as colleague:
        colleague.goto(link)
        target = colleague.locator(f"details#{href.split('#')[1]}")
        expect(target).to_have_attribute("open", "")
        expect(target.locator(".pa-commitment").first).to_be_visible()
        assert target.locator(".pa-commitment").all_inner_texts() == commitments
        box = target.locator("summary").evaluate(BOX)
        assert -2 <= box["top"] < 100, box
        expect(target.locator("summary")).to_be_focused()
        colleague.screenshot(path=str(artifacts / f"browse-page-linked-{size}.png"))

        # The same id after the chat page's address opens its Browse tab there.
        colleague.goto(f"{server_url}/#{href.split('#')[1]}")
        expect(colleague.get_by_role("tab", name="Browse the plan")).to_have_attribute(
            "aria-selected", "true", timeout=30_000
        )
        in_tab = colleague.locator(f"#browse-outline details#{href.split('#')[1]}")
        expect(in_tab).to_have_attribute("open", "")
        expect(in_tab.locator(".pa-commitment").first).to_be_in_viewport()

    # And each outcome has its own link.
    outcome_link = page.get_by_role("link", name="Link to outcome 2")
    assert outcome_link.get_attribute("href") == "browse#outcome-2"


def test_the_browse_page_prints_every_commitment(
    page: Any, server_url: str, served_outline: Outline, artifacts: Path
) -> None:
    from playwright.sync_api import expect

    page.goto(server_url + "/browse")
    expect(page.get_by_role("heading", level=1)).to_have_text("Browse the Business Plan")
    total = sum(len(p[3]) for p in priorities(served_outline))
    count_shown = (
        "() => [...document.querySelectorAll('.pa-commitment')].filter(e => e.checkVisibility()).length"
    )
    assert page.evaluate(count_shown) == 0  # on screen, priorities start closed
    page.emulate_media(media="print")
    assert page.evaluate(count_shown) == total
    expect(page.get_by_label("Filter outcomes, key priorities and commitments")).to_be_hidden()
    page.screenshot(path=str(artifacts / "browse-print.png"), full_page=True)
    page.pdf(path=str(artifacts / "browse-print.pdf"), format="A4")


# ---------------------------------------------------------------- 2. A chat that reads top to bottom


def test_on_a_phone_the_examples_are_on_the_first_screen(
    sized: tuple[Any, str], server_url: str, artifacts: Path
) -> None:
    from playwright.sync_api import expect

    page, size = sized
    page.goto(server_url + "/")
    expect(page.get_by_label("Your question")).to_be_in_viewport(timeout=30_000)
    expect(page.locator("#chat")).to_be_hidden()  # no empty conversation panel before the first question
    examples = page.locator("button.pa-example")
    expect(examples).to_have_count(3)
    for example in examples.all():
        box = example.evaluate(BOX)
        assert box["bottom"] <= SIZES[size][1], (size, box)
    page.screenshot(path=str(artifacts / f"chat-empty-{size}.png"))


def test_each_answer_streams_in_under_its_question_from_its_start_with_nothing_drawn_over_it(
    sized: tuple[Any, str], server_url: str, artifacts: Path
) -> None:
    from playwright.sync_api import expect

    page, size = sized
    page.goto(server_url + "/?audience=staff")
    expect(page.get_by_role("radio", name="Staff")).to_be_checked(timeout=30_000)
    for number, question in enumerate(
        [
            "What are the key priorities under Outcome 3?",
            "What does the plan commit to on adult social care?",
        ],
        start=1,
    ):
        if number == 2:
            page.evaluate(WATCH_ANSWER)
        box = page.get_by_label("Your question")
        box.fill(question)
        box.press("Enter")
        answer = page.locator("#chat .bot").nth(number - 1)
        expect(answer.locator(".pa-sources")).to_be_visible(timeout=60_000)
        page.wait_for_timeout(300)
        asked = page.locator("#chat .user").nth(number - 1).evaluate(BOX)
        start = answer.evaluate(BOX)
        # The question is at the top of the window (or the page cannot scroll further), the answer's
        # start right under it, and no label or control is drawn over either.
        assert asked["top"] >= 0 and (abs(asked["top"] - 12) <= 4 or asked["atEnd"]), (size, number, asked)
        assert asked["bottom"] <= start["top"] + 1 and start["top"] < SIZES[size][1] - 40, (asked, start)
        assert asked["covered"] == [] and start["covered"] == [], (asked, start)
        page.screenshot(path=str(artifacts / f"chat-answer-{number}-{size}.png"))
    snapshots: list[str] = page.evaluate("window.answerSnapshots")
    partial = [t for t in snapshots[:-1] if t not in ("…", "") and "Sources in the plan" not in t]
    assert partial, f"the answer never showed part-written before its sources: {snapshots}"
    expect(page.locator("#chat").get_by_text("Conversation", exact=True)).to_have_count(0)
    expect(page.locator('#chat [role="log"]')).to_have_attribute("aria-label", "Conversation")


# ---------------------------------------------------------------- 3. The audience sticks


def test_the_embedding_page_sets_the_audience_which_is_announced_and_kept_for_the_session(
    browser: Any, server_url: str, artifacts: Path
) -> None:
    from playwright.sync_api import expect

    for size, (width, height) in SIZES.items():
        with fresh_page(browser, width=width, height=height) as page:
            page.goto(server_url + "/?audience=adviser")
            expect(page.get_by_role("radio", name="Adviser")).to_be_checked(timeout=30_000)
            note = page.locator('#pa-audience-note [role="status"]')
            expect(note).to_have_attribute("aria-live", "polite")
            expect(note).to_have_text(AUDIENCE_NOTES["adviser"])
            for example in EXAMPLES["adviser"]:
                expect(page.get_by_role("button", name=example)).to_be_visible()
            page.screenshot(path=str(artifacts / f"audience-adviser-{size}.png"))
            answer = page.locator("#chat .bot").last
            page.get_by_role("button", name=EXAMPLES["adviser"][1]).click()
            expect(answer.locator(".pa-sources")).to_be_visible(timeout=60_000)
            expect(answer).to_contain_text("Tell the caller")  # answered for an adviser

            # The person switches to Staff: the choice outlives a reload of the embedding page's link.
            page.get_by_role("radio", name="Staff").check()
            expect(note).to_have_text(AUDIENCE_NOTES["staff"])
            page.reload()
            expect(page.get_by_role("radio", name="Staff")).to_be_checked(timeout=30_000)
            expect(note).to_have_text(AUDIENCE_NOTES["staff"])
    with fresh_page(browser) as other:  # another session starts as the link says, or as a resident
        other.goto(server_url + "/")
        expect(other.get_by_role("radio", name="Resident")).to_be_checked(timeout=30_000)
        other.goto(server_url + "/?audience=nonsense")
        expect(other.get_by_role("radio", name="Resident")).to_be_checked(timeout=30_000)


# ---------------------------------------------------------------- 4. For advisers and staff


def test_an_adviser_copies_the_answer_with_its_references_as_plain_text(
    sized: tuple[Any, str], server_url: str, artifacts: Path
) -> None:
    from playwright.sync_api import expect

    page, size = sized
    page.goto(server_url + "/?audience=adviser")
    expect(page.get_by_role("radio", name="Adviser")).to_be_checked(timeout=30_000)
    box = page.get_by_label("Your question")
    box.fill("A caller asks how the council supports carers.")
    box.press("Enter")
    answer = page.locator("#chat .bot").last
    copy = answer.get_by_role("button", name="Copy answer with references")
    expect(copy).to_be_visible(timeout=60_000)
    copy.click()
    status = page.locator("#pa-copy-status")
    expect(status).to_have_text("The answer and its references are copied.")
    expect(status).to_have_attribute("role", "status")
    expect(status).to_be_in_viewport()  # seen as well as heard
    page.screenshot(path=str(artifacts / f"copy-answer-{size}.png"))
    copied: str = page.evaluate("() => navigator.clipboard.readText()")

    assert "<" not in copied and "**" not in copied, copied  # plain text, no markup
    text, _, references = copied.partition("\n\nReferences:\n")
    shown = answer.inner_text().split("Sources in the plan")[0]
    assert text.splitlines()[0].strip() == shown.strip().splitlines()[0].strip()
    sources = answer.locator(".pa-source").all()
    lines = references.splitlines()
    assert len(lines) == len(sources) >= 1, copied
    for number, (line, source) in enumerate(zip(lines, sources, strict=True), start=1):
        outcome = source.locator(".pa-outcome").inner_text().strip()
        priority = source.locator(".pa-priority").inner_text().strip()
        quote = source.locator("blockquote").text_content().strip()
        assert line == f"[{number}] {outcome} › {priority} — “{quote}”"


def test_staff_open_the_cited_priority_in_browse_from_a_citation_and_keep_the_conversation(
    sized: tuple[Any, str], server_url: str, served_outline: Outline, artifacts: Path
) -> None:
    from playwright.sync_api import expect

    page, size = sized
    page.goto(server_url + "/?audience=staff")
    question = "What does the plan commit to on adult social care?"
    box = page.get_by_label("Your question")
    box.fill(question)
    box.press("Enter")
    source = page.locator("#chat .bot").last.locator(".pa-source").first
    expect(source).to_be_visible(timeout=60_000)
    priority = source.locator(".pa-priority").inner_text().strip()
    source.get_by_role("link", name=re.compile("^Open this key priority in Browse")).click()

    expect(page.get_by_role("tab", name="Browse the plan")).to_have_attribute("aria-selected", "true")
    opened = page.locator("#browse-outline details[open]")
    expect(opened).to_have_count(1)
    expect(opened.locator("summary")).to_have_text(priority)
    expect(opened.locator("summary")).to_be_in_viewport()
    expected = next(p[3] for p in priorities(served_outline) if p[2] == priority)
    assert opened.locator(".pa-commitment").all_inner_texts() == expected
    page.screenshot(path=str(artifacts / f"citation-in-browse-{size}.png"))

    page.get_by_role("tab", name="Ask a question").click()
    expect(page.locator("#chat .user").last).to_have_text(question)


# ---------------------------------------------------------------- 5. The council's look, no framework's


def test_the_pages_carry_the_council_s_name_logo_and_colour_and_no_framework_branding(
    sized: tuple[Any, str], server_url: str, artifacts: Path
) -> None:
    from playwright.sync_api import expect

    page, size = sized
    favicon = httpx.get(f"{server_url}/favicon.ico")
    assert favicon.status_code == 200 and "gradio" not in favicon.text.lower()
    brand = "rgb({}, {}, {})".format(*(int(BRAND_COLOUR[i : i + 2], 16) for i in (1, 3, 5)))
    for path in ("/", "/browse"):
        page.goto(server_url + path)
        header = page.get_by_role("banner")
        expect(header).to_be_visible(timeout=30_000)
        logo = header.get_by_role("img", name=COUNCIL_NAME)
        expect(logo).to_be_visible()
        assert logo.evaluate("img => img.complete && img.naturalWidth > 0")
        assert header.evaluate("h => getComputedStyle(h).backgroundColor") == brand
        expect(header.get_by_role("link", name="Plan Assistant")).to_be_visible()
        page.wait_for_timeout(500)
        visible = page.locator("body").inner_text().lower()
        assert "gradio" not in visible and "built with" not in visible, path
        assert "gradio" not in page.title().lower()
        name = "chat" if path == "/" else "browse-page"
        page.screenshot(path=str(artifacts / f"look-{name}-{size}.png"), full_page=True)
    page.goto(server_url + "/embed-demo")
    frame = page.frame_locator("iframe")
    expect(frame.get_by_role("banner")).to_be_visible(timeout=30_000)
    assert "gradio" not in frame.locator("body").inner_text().lower()
    page.screenshot(path=str(artifacts / f"look-embed-{size}.png"), full_page=True)
