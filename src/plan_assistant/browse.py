"""Browse the plan: every outcome and key priority on one page, a filter, a stable link to each part.

The same HTML serves the "Browse the plan" tab of the chat and the printable page at /browse. It works
without JavaScript (each priority is a ``<details>`` that opens to its commitments, each part has an id
a link can name); BROWSE_JS adds the filter, opens the part a link names, and opens everything to print.
"""

from __future__ import annotations

import html
import re
from datetime import date

from plan_assistant.config import Settings
from plan_assistant.documents import currency
from plan_assistant.outline import DocumentOutline, Outline

BROWSE_PATH = "/browse"
# Long enough to tell the plan's priorities apart, short enough to read in an address bar.
SLUG_WORDS = 6


def slug(text: str, words: int = SLUG_WORDS) -> str:
    """Lower-case words of the text joined by hyphens: 'Drive economic recovery …' → 'drive-economic-recovery'."""
    parts = re.findall(r"[a-z0-9]+", text.lower())
    return "-".join(parts[:words]) or "part"


def anchor(outcome: int, priority: str | None = None, document_id: str | None = None) -> str:
    """The stable id of an outcome, or of a key priority under it, as links name it.

    Made from the outcome's number and the priority's own words, so a link stays right when the index is
    rebuilt. A document other than the first with outcomes prefixes its manifest id.
    """
    prefix = f"{slug(document_id, 12)}--" if document_id else ""
    base = f"{prefix}outcome-{outcome}"
    return f"{base}-{slug(priority)}" if priority else base


def _primary(outline: Outline) -> str | None:
    """The id of the first document with outcomes: its anchors carry no prefix."""
    return next((d.id for d in outline.documents if d.outcomes), None)


def citation_anchor(outline_primary: str | None, document_id: str, outcome: int, priority: str) -> str:
    """The anchor a citation of this document's outcome and priority links to in Browse."""
    return anchor(outcome, priority, None if document_id in ("", outline_primary) else document_id)


def browse_link(outline: Outline, document_id: str, outcome: int, priority: str) -> str | None:
    """A relative link that opens Browse at the cited priority, or None when the outline lacks it."""
    document = outline.document(document_id) if document_id else None
    found = document and any(
        o.number == outcome and any(p.title == priority for p in o.priorities) for o in document.outcomes
    )
    if not found:
        return None
    target = citation_anchor(_primary(outline), document_id, outcome, priority)
    return f"{BROWSE_PATH.lstrip('/')}#{target}"


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _document_html(document: DocumentOutline, primary: str | None, heading_level: int) -> str:
    own = None if document.id == primary else document.id
    h, h2 = f"h{heading_level}", f"h{heading_level + 1}"
    blocks = []
    for outcome in document.outcomes:
        outcome_id = anchor(outcome.number, None, own)
        items = []
        for priority in outcome.priorities:
            priority_id = anchor(outcome.number, priority.title, own)
            if priority.commitments:
                commitments = (
                    '<p class="pa-commits-intro">The plan commits to:</p><ul class="pa-commitments">'
                    + "".join(f'<li class="pa-commitment">{_e(c)}</li>' for c in priority.commitments)
                    + "</ul>"
                )
            else:
                commitments = '<p class="pa-commits-intro">The plan lists no separate commitments here.</p>'
            items.append(
                f'<li class="pa-priority-item" data-outcome="{outcome.number}">'
                f'<details id="{priority_id}" class="pa-priority-details">'
                f'<summary><span class="pa-priority-title">{_e(priority.title)}</span></summary>'
                # Which outcome it sits under, for a reader who arrives by a link to the priority.
                f'<div class="pa-priority-body"><p class="pa-context">Under Outcome {outcome.number}: '
                f"{_e(outcome.title)}</p>{commitments}"
                f'<p class="pa-share"><a href="{BROWSE_PATH.lstrip("/")}#{priority_id}">'
                f"Link to this key priority</a></p></div></details></li>"
            )
        blocks.append(
            f'<section class="pa-outcome-block" id="{outcome_id}" aria-labelledby="{outcome_id}-h">'
            f'<{h2} id="{outcome_id}-h" class="pa-outcome-heading">'
            f'<span class="pa-outcome-number">Outcome {outcome.number}</span> '
            f'<span class="pa-outcome-title">{_e(outcome.title)}</span></{h2}>'
            f'<p class="pa-share"><a href="{BROWSE_PATH.lstrip("/")}#{outcome_id}">'
            f"Link to outcome {outcome.number}</a></p>"
            f'<ul class="pa-priorities">{"".join(items)}</ul></section>'
        )
    title = f'<{h} class="pa-document-title">{_e(document.title)}</{h}>' if document.outcomes else ""
    return title + "".join(blocks)


def _facts(document: DocumentOutline, today: date) -> str:
    facts = [document.kind, document.period, document.publisher]
    state = currency(document, today)
    if state != "current":
        facts.append("no longer current" if state == "withdrawn" else "period ended")
    return ", ".join(f for f in facts if f)


def outline_html(outline: Outline, today: date | None = None, heading_level: int = 2) -> str:
    """The whole outline as HTML: a filter, every outcome with its priorities, then sections and documents."""
    today = today or date.today()
    primary = _primary(outline)
    total = sum(len(o.priorities) for d in outline.documents for o in d.outcomes)
    h = f"h{heading_level}"
    parts = [
        '<div class="pa-outline">',
        '<div class="pa-filter-row" role="search">'
        '<label class="pa-filter-label" for="pa-filter">Filter outcomes, key priorities and commitments'
        "</label>"
        '<input type="search" id="pa-filter" class="pa-filter" autocomplete="off" '
        'aria-describedby="pa-filter-count" spellcheck="false">'
        f'<p id="pa-filter-count" class="pa-filter-count" role="status" data-total="{total}">'
        f"Showing all {total} key priorities. Open one to see its commitments.</p></div>",
        '<p class="pa-no-match" hidden>Nothing in the outcomes matches. Try fewer or different words, '
        "or ask the question in the chat.</p>",
    ]
    parts.extend(_document_html(d, primary, heading_level) for d in outline.documents if d.outcomes)
    sections = [(d, s) for d in outline.documents for s in d.sections]
    if sections:
        parts.append(f'<section class="pa-more" id="other-sections"><{h}>Other sections of the plan</{h}>')
        for document in outline.documents:
            if document.sections:
                several = len(outline.documents) > 1
                if several:
                    parts.append(f"<p>{_e(document.title)}:</p>")
                parts.append(
                    '<ul class="pa-plain-list">'
                    + "".join(f"<li>{_e(s.title)}</li>" for s in document.sections)
                    + "</ul>"
                )
        parts.append("</section>")
    parts.append(f'<section class="pa-more" id="documents"><{h}>Documents and linked strategies</{h}>')
    for document in outline.documents:
        parts.append(f"<p><strong>{_e(document.title)}</strong> ({_e(_facts(document, today))})</p>")
        if document.links:
            parts.append('<p>It lists these strategic and partnership plans:</p><ul class="pa-plain-list">')
            parts.extend(
                f"<li>{_e(link.title)}"
                + ("" if link.loaded else ' <span class="pa-muted">(text not available here)</span>')
                + "</li>"
                for link in document.links
            )
            parts.append("</ul>")
    parts.append("</section></div>")
    return "".join(parts)


# The filter, the part a link names, and printing. Written to run on the page at /browse and inside the
# chat's Gradio page (where the outline is re-rendered at each load, hence event delegation on document).
BROWSE_JS = r"""
(() => {
  if (window.paBrowseReady) return;
  window.paBrowseReady = true;
  const words = text => text.toLowerCase().split(/\s+/).filter(Boolean);
  const matches = (text, terms) => terms.every(t => text.toLowerCase().includes(t));
  const filter = (outline, query) => {
    const terms = words(query);
    let shown = 0;
    for (const block of outline.querySelectorAll('.pa-outcome-block')) {
      const outcomeText = block.querySelector('.pa-outcome-heading').textContent;
      let blockShown = 0;
      for (const item of block.querySelectorAll('.pa-priority-item')) {
        const details = item.querySelector('details');
        const title = item.querySelector('summary').textContent;
        const commitments = [...item.querySelectorAll('.pa-commitment')];
        const whole = !terms.length || matches(outcomeText + ' ' + title, terms);
        let some = 0;
        for (const c of commitments) {
          const hit = whole || matches(c.textContent, terms);
          c.hidden = !hit;
          if (hit) some += 1;
        }
        const show = whole || some > 0;
        item.hidden = !show;
        if (show) { shown += 1; blockShown += 1; }
        // A match inside the commitments opens its priority, so what matched is in view; the filter
        // closes again what it opened once that is no longer so.
        const wanted = terms.length > 0 && !whole && some > 0;
        if (wanted && !details.open) { details.open = true; details.dataset.filterOpened = '1'; }
        if (!wanted && details.dataset.filterOpened === '1') { details.open = false; details.dataset.filterOpened = ''; }
      }
      block.hidden = blockShown === 0;
    }
    const count = outline.querySelector('.pa-filter-count');
    const total = count.dataset.total;
    count.textContent = terms.length
      ? `${shown} of ${total} key priorities match “${query.trim()}”.`
      : `Showing all ${total} key priorities. Open one to see its commitments.`;
    outline.querySelector('.pa-no-match').hidden = !terms.length || shown > 0;
  };
  document.addEventListener('input', event => {
    const box = event.target.closest && event.target.closest('.pa-filter');
    if (box) filter(box.closest('.pa-outline'), box.value);
  });
  // Opens the part of the outline the address names (#outcome-3-…), choosing the Browse tab first when
  // the outline sits in one. Returns whether it was found.
  const reveal = id => {
    const tab = document.querySelector('button[role="tab"][data-tab-id="browse"]');
    let target = id && document.getElementById(id);
    if (!target || !target.closest('.pa-outline')) {
      if (!tab || !id) return false;
      if (tab.getAttribute('aria-selected') !== 'true') tab.click();
      return false;
    }
    if (tab && tab.getAttribute('aria-selected') !== 'true') { tab.click(); }
    const outline = target.closest('.pa-outline');
    const box = outline.querySelector('.pa-filter');
    if (box && box.value) { box.value = ''; filter(outline, ''); }
    if (target.tagName === 'DETAILS') target.open = true;
    const focusable = target.tagName === 'DETAILS' ? target.querySelector('summary') : target.querySelector('h2, h3, h4');
    if (focusable && !focusable.hasAttribute('tabindex') && focusable.tagName !== 'SUMMARY') focusable.tabIndex = -1;
    requestAnimationFrame(() => {
      target.scrollIntoView({block: 'start'});
      if (focusable) focusable.focus({preventScroll: true});
    });
    return true;
  };
  const revealSoon = id => {
    // In the chat page the outline arrives after the page loads, and a chosen tab renders a moment later.
    let tries = 0;
    const attempt = () => { if (!reveal(id) && tries++ < 40) setTimeout(attempt, 150); };
    attempt();
  };
  window.paRevealInOutline = revealSoon;
  const fromHash = () => {
    const id = decodeURIComponent(location.hash.slice(1));
    if (/(^|--)outcome-\d+/.test(id)) revealSoon(id);
  };
  window.addEventListener('hashchange', fromHash);
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', fromHash);
  else fromHash();
  // A link to Browse from a citation in the chat opens the Browse tab on this page, keeping the
  // conversation; elsewhere (or opened in a new tab) it is an ordinary link to /browse.
  document.addEventListener('click', event => {
    const link = event.target.closest && event.target.closest('a.pa-browse-link, .pa-outline .pa-share a');
    if (!link || event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
    const tab = document.querySelector('button[role="tab"][data-tab-id="browse"]');
    if (!tab) return;
    event.preventDefault();
    const id = link.getAttribute('href').split('#')[1];
    history.replaceState(null, '', '#' + id);
    revealSoon(id);
  });
  // Printing shows every commitment, and puts back what was open afterwards.
  let opened = [];
  window.addEventListener('beforeprint', () => {
    opened = [...document.querySelectorAll('.pa-outline details:not([open])')];
    opened.forEach(d => { d.open = true; });
  });
  window.addEventListener('afterprint', () => { opened.forEach(d => { d.open = false; }); opened = []; });
})();
"""


def browse_page(outline: Outline, settings: Settings, today: date | None = None) -> str:
    """The printable page at /browse: the council's header, the outline, and its script."""
    from plan_assistant.branding import OUTLINE_CSS, PAGE_CSS, header_css, header_html

    header = header_html(settings).replace('class="pa-header-inner"', 'class="pa-header-inner pa-width"')
    return f"""<!doctype html>
<html lang="en-GB"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Browse the plan – {html.escape(settings.council_name)} Business Plan – Plan Assistant</title>
<style>{PAGE_CSS}{header_css(settings)}{OUTLINE_CSS}</style></head>
<body><a class="pa-skip" href="#main">Skip to the plan</a>
{header}
<main id="main" class="pa-width" tabindex="-1">
<h1>Browse the Business Plan</h1>
<p class="pa-lead">Every outcome in the plan with its key priorities. Open a key priority to read what
the plan commits to, in the plan's own words. Each has a link you can share.</p>
<p><a href="./">Ask a question about the plan instead</a></p>
<button type="button" class="pa-print" onclick="window.print()">Print this outline</button>
{outline_html(outline, today)}
</main>
<script>{BROWSE_JS}</script>
</body></html>"""
