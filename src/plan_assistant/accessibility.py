"""What makes the chat meet WCAG 2.2 AA beyond Gradio's defaults, and the statement at /accessibility."""

from __future__ import annotations

import html
from datetime import date

import gradio as gr

from plan_assistant.config import Settings

A11Y_CSS = """
.pa-visually-hidden { position: absolute !important; width: 1px !important; height: 1px !important;
                      overflow: hidden !important; clip: rect(0 0 0 0) !important; white-space: nowrap;
                      margin: 0 !important; padding: 0 !important; border: 0 !important; }
/* The selected tab in Gradio's accent colour is 3.7:1 on white; WCAG 1.4.3 asks 4.5:1. The underline
   still marks it. */
#pa-tabs button[role="tab"][aria-selected="true"] { color: var(--body-text-color); font-weight: 600; }
/* WCAG 2.4.7: keyboard focus always shows. Gradio removes the outline from its text boxes and buttons
   with selectors more specific than this one, hence !important. */
:focus-visible { outline: 3px solid #0b0c0c !important; outline-offset: 1px !important; }
.dark :focus-visible { outline-color: #ffdd00 !important; }
"""
# ARIA that Gradio's markup lacks, applied as the page changes (Gradio renders the conversation log only
# once there are messages):
# - screen readers hear each finished answer once, from the #pa-announcer status region (and the thanks
#   for feedback from #pa-feedback-note). The region is the text inside each block, not the block: Gradio
#   keeps a transparent progress timer in every block, which would be read out;
# - the conversation log is made not live, or the words streaming into it would be read out piece by piece;
# - each message is a group named "Question" or "Answer": Gradio labels a plain div (where ARIA allows no
#   label) with the message's raw text, markup and all, and writes it again as the answer streams in,
#   hence the watch on that attribute.
A11Y_JS = """
() => {
  const apply = () => {
    const regions = '#pa-announcer [data-testid="markdown"], #pa-feedback-note [data-testid="markdown"], '
      + '#pa-audience-note [data-testid="markdown"]';
    for (const region of document.querySelectorAll(regions)) {
      if (region.getAttribute('role') !== 'status') {
        region.setAttribute('role', 'status');
        region.setAttribute('aria-live', 'polite');
        region.setAttribute('aria-atomic', 'true');
      }
    }
    // Gradio names a radio group with a span, not a legend: the group gets the same words as its name.
    for (const group of document.querySelectorAll('fieldset.block:not([aria-label])')) {
      const label = group.querySelector('[data-testid="block-info"]');
      if (label) group.setAttribute('aria-label', label.textContent.trim());
    }
    for (const log of document.querySelectorAll('#chat [role="log"]:not([aria-live="off"])')) {
      log.setAttribute('aria-live', 'off');
    }
    // Its name, which Gradio draws as a label floating over the messages when shown (hidden here).
    for (const log of document.querySelectorAll('#chat [role="log"]:not([aria-label="Conversation"])')) {
      log.setAttribute('aria-label', 'Conversation');
    }
    for (const [who, name] of [['user', 'Question'], ['bot', 'Answer']]) {
      for (const message of document.querySelectorAll(`#chat [data-testid="${who}"]`)) {
        if (message.getAttribute('aria-label') !== name) {
          message.setAttribute('role', 'group');
          message.setAttribute('aria-label', name);
        }
      }
    }
  };
  apply();
  new MutationObserver(apply).observe(document.body, {
    childList: true, subtree: true, attributes: true, attributeFilter: ['aria-label'],
  });
}
"""

ACCESSIBILITY_PATH = "/accessibility"
# When the checks in tests/e2e/test_accessibility.py were last run and read, and with what; a test holds
# AXE_CORE_VERSION to the axe-core the browser test really runs.
TESTED_ON = date(2026, 12, 1)
AXE_CORE_VERSION = "4.12"
EASS_URL = "https://www.equalityadvisoryservice.com/"
ABILITYNET_URL = "https://mcmw.abilitynet.org.uk/"
REGULATIONS = "Public Sector Bodies (Websites and Mobile Applications) (No. 2) Accessibility Regulations 2018"
# What we know fails, with the WCAG 2.2 success criterion it fails. It comes from Gradio's radio buttons,
# which give each button a name of its own and re-render the name whenever the choice changes; A11Y_JS
# names the group, which Gradio leaves unnamed, but cannot join the buttons into one.
KNOWN_ISSUES: list[tuple[str, str]] = [
    (
        "The “Who is asking?” choices are not one group of radio buttons: the arrow keys do not move "
        "between them (Tab and the space bar do), and a screen reader may announce each button as “1 of 1”.",
        "1.3.1 Info and Relationships",
    ),
]
STYLE = """
body { font-family: system-ui, "Segoe UI", Arial, sans-serif; color: #0b0c0c; background: #ffffff;
       line-height: 1.5; margin: 0 auto; padding: 1rem; max-width: 44rem; overflow-wrap: break-word; }
a { color: #1d4ed8; }
a:visited { color: #4c2c92; }
a:focus-visible { outline: 3px solid #0b0c0c; outline-offset: 1px; }
"""


def theme() -> gr.themes.Base:
    """Gradio's default theme on system fonts, with text colours that meet WCAG 2.2 AA contrast."""
    # System fonts: the default theme fetches web fonts, which a council network may block.
    return gr.themes.Default(
        primary_hue="blue",
        neutral_hue="slate",
        font=["system-ui", "Segoe UI", "Arial", "sans-serif"],
        font_mono=["ui-monospace", "Consolas", "monospace"],
    ).set(
        # Gradio's softer text (info lines, placeholders, an empty drop-down) is slate-400 on white,
        # 2.6:1; slate-600 is 7.6:1 (WCAG 1.4.3 asks 4.5:1). Dark mode keeps its own, lighter values.
        body_text_color_subdued="*neutral_600",
        # A placeholder still looks lighter than typed text: slate-500 is 4.8:1 on the white field; in dark
        # mode Gradio's slate-500 is 3.0:1 on the slate-800 field, slate-400 5.6:1.
        input_placeholder_color="*neutral_500",
        input_placeholder_color_dark="*neutral_400",
    )


def _link(url: str, text: str) -> str:
    return f'<a href="{html.escape(url)}">{html.escape(text)}</a>'


def statement_page(settings: Settings, tested_on: date = TESTED_ON) -> str:
    """The statement as an HTML page, with the council's contact and complaints links from the settings."""
    when = f"{tested_on.day} {tested_on:%B %Y}"
    contact = _link(settings.contact_url, settings.contact_text)
    issues = "\n".join(
        f"<li>{html.escape(text)} This fails WCAG 2.2 success criterion {html.escape(criterion)}.</li>"
        for text, criterion in KNOWN_ISSUES
    )
    return f"""<!doctype html>
<html lang="en-GB"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Accessibility statement – Plan Assistant</title>
<style>{STYLE}</style></head>
<body><main>
<h1>Accessibility statement for the Plan Assistant</h1>
<p>This accessibility statement applies to the Plan Assistant, which answers questions about Somerset
County Council's Business Plan 2021-2023 with quotes from the plan, and to its embedded versions on
council web pages.</p>
<p>We want as many people as possible to be able to use it. For example, that means you should be able
to:</p>
<ul>
<li>change colours, contrast levels and fonts using browser or device settings</li>
<li>zoom in up to 400% without the text spilling off the screen</li>
<li>use all of it with a keyboard: ask a question, open the quotes, give feedback and choose who is
asking</li>
<li>hear each answer read out by a screen reader when it is finished</li>
</ul>
<p>We've also made the text as simple as possible to understand: residents get answers in plain
English.</p>
<p>{_link(ABILITYNET_URL, "AbilityNet")} has advice on making your device easier to use if you have
a disability.</p>

<h2>How accessible this website is</h2>
<p>We know some parts of this website are not fully accessible:</p>
<ul>
<li>the “Who is asking?” choices do not respond to the arrow keys (use Tab and the space bar), and a
screen reader may announce each choice as “1 of 1”</li>
</ul>

<h2>Feedback and contact information</h2>
<p>If you need what the plan says in a different format, like accessible PDF, large print, easy read,
audio recording or braille, contact the council through {contact}.</p>

<h2>Reporting accessibility problems with this website</h2>
<p>We're always looking to improve the accessibility of this website. If you find any problems not
listed on this page or think we're not meeting accessibility requirements, contact us through
{contact}. You can also {_link(settings.complaints_url, "make a complaint")}.</p>

<h2>Enforcement procedure</h2>
<p>The Equality and Human Rights Commission (EHRC) is responsible for enforcing the {REGULATIONS} (the
‘accessibility regulations’). If you're not happy with how we respond to your complaint,
{_link(EASS_URL, "contact the Equality Advisory and Support Service (EASS)")}.</p>

<h2>Technical information about this website's accessibility</h2>
<p>We are committed to making this website accessible, in accordance with the {REGULATIONS}.</p>
<h3>Compliance status</h3>
<p>This website is partially compliant with the
{_link("https://www.w3.org/TR/WCAG22/", "Web Content Accessibility Guidelines version 2.2")} AA
standard, due to the non-compliances listed below.</p>

<h2>Non-accessible content</h2>
<p>The content listed below is non-accessible for the following reasons.</p>
<h3>Non-compliance with the accessibility regulations</h3>
<ul>
{issues}
</ul>
<p>This comes from the framework the chat is built with (Gradio). We will fix it when the framework
lets us, and review this statement when we update it.</p>
<h3>Disproportionate burden</h3>
<p>We are not claiming that any fix would be a disproportionate burden.</p>
<h3>Content that's not within the scope of the accessibility regulations</h3>
<p>The Business Plan itself is published by the council as a PDF; this statement covers only the
assistant. The assistant quotes the plan's own words.</p>

<h2>Preparation of this accessibility statement</h2>
<p>This statement was prepared on {when}. It was last reviewed on {when}.</p>
<p>This website was last tested on {when} against the WCAG 2.2 AA standard. The test was carried out by
the team that builds the assistant, with automated tests that run with every change:</p>
<ul>
<li>axe-core {AXE_CORE_VERSION} (through axe-playwright-python, in Chromium), for the WCAG 2.0, 2.1 and
2.2 A and AA rules, on the chat page before and after a question is answered, the “Browse the plan”
tab as it opens, with a key priority open and filtered (both in light and in dark colours), an
adviser's answer after copying it and after opening its cited priority in Browse, the printable
outline at /browse (at 1280 and 390 pixels wide), the page showing the assistant embedded in a
council web page, and this statement</li>
<li>a keyboard-only journey: reaching the question box, asking, opening a quote, giving feedback and
choosing who is asking, with no mouse</li>
<li>a check that every control the keyboard reaches on the chat and in “Browse the plan” shows where
the focus is, and is not hidden behind anything</li>
<li>a check that each finished answer reaches the status region screen readers announce, once, and
that nothing else is announced while it is written</li>
<li>a check that the chat, the “Browse the plan” tab, the printable outline and this statement reflow
at a width of 320 CSS pixels (400% zoom) without scrolling sideways</li>
</ul>
<p>It has not yet been tested by people using screen readers or speech recognition.</p>
<p>{_link("./", "Back to the Plan Assistant")}</p>
</main></body></html>"""
