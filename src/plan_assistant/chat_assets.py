"""What the chat page adds to Gradio so that it reads top to bottom: its CSS and its script."""

from __future__ import annotations

CHAT_CSS = """
/* The conversation grows with the page instead of scrolling inside a fixed panel, and is not drawn at all
   until the first question: on a phone the examples are then on the first screen. */
#chat:not(:has([data-testid="user"])) { display: none !important; }
#chat .message-row { scroll-margin-top: 0.75rem; }
#pa-title h1 { margin: 0 0 0.5rem 0; }
#pa-audience-note { margin-top: -0.5rem; }
#pa-examples { align-items: center; gap: 0.5rem; }
#pa-examples-label { flex: 0 0 auto; min-width: 0 !important; }
.pa-sources { margin-top: 0.75em; border-top: 1px solid #767676; padding-top: 0.5em; }
.pa-sources h4 { margin: 0 0 0.25em 0; font-size: 0.95em; }
.pa-source { margin: 0.5em 0; }
.pa-label { display: inline-block; border-radius: 0; padding: 0 0.4em; margin-right: 0.3em;
            font-size: 0.85em; font-weight: 600; }
.pa-outcome { background: #0b3d91; color: #ffffff; }
.pa-priority { background: #e8eef8; color: #0b1f40; border: 1px solid #0b3d91; }
.pa-document { font-size: 0.85em; color: inherit; }
.pa-ref { font-weight: 600; }
a.pa-browse-link { margin-left: 0.4em; font-size: 0.9em; white-space: normal; }
.pa-actions { margin: 0.75em 0 0 0 !important; }
button.pa-copy { font: inherit; font-size: 0.95em; padding: 0.35em 0.8em; background: #f3f2f1;
                 color: #0b0c0c; border: 0; border-radius: 0; box-shadow: 0 2px 0 #929191; cursor: pointer; }
button.pa-copy:hover { background: #dbdad9; }
#chat button[aria-label="Clear"] { display: none !important; }  /* "Start again" does this */
.pa-copy-text { display: none !important; }
.pa-copy-status:empty { display: none; }
.pa-copy-status { position: fixed; left: 50%; bottom: 1rem; transform: translateX(-50%); z-index: 1000;
                  max-width: calc(100% - 2rem); box-sizing: border-box; padding: 0.6rem 1rem;
                  background: #0b0c0c; color: #ffffff; border: 2px solid #ffffff; font-weight: 600; }
#pa-notice { border-left: 5px solid #1d70b8; padding-left: 0.75em; }
.pa-browse-intro { margin: 0 0 1rem 0; max-width: 44rem; font-size: 1.0625rem; line-height: 1.5; }
.pa-browse-intro a { padding: 0; margin: 0; }
@media (max-width: 640px) {
  .pa-header { margin-bottom: 0.5rem !important; }
  .pa-council { font-size: 1.0625rem !important; }
  #pa-title h1 { font-size: 1.375rem !important; line-height: 1.25 !important; }
  #pa-notice, #pa-notice p { font-size: 0.9375rem !important; }
  #audience label { padding: 0.3rem 0.55rem !important; }
  #pa-examples .pa-example { flex: 1 1 100% !important; }
}
"""

# Gradio scopes the css it is given to its content (".gradio-container .contain ..."); what styles the page
# around that goes into <head> as it is.
HEAD = """<style>
@media (max-width: 640px) { gradio-app .main.app { padding: 0.5rem 0.75rem !important; } }
</style>"""

# Each new question is brought to the top of the window as it is asked, and the page is then left alone
# while the answer is written under it (Gradio's autoscroll is off): the reader starts at the answer's
# first line, with the question above it. "Copy answer with references" puts the plain text from the
# button's data-copy on the clipboard and says so in a status region.
CHAT_JS = r"""
(() => {
  if (window.paChatReady) return;
  window.paChatReady = true;
  // The page may be too short to bring the question to the top until the answer under it has grown, so
  // it is kept there as the answer (and then its sources and copy button) arrive, until the reader
  // scrolls, clicks or uses a key anywhere but in the question box.
  // Gradio may redraw the message rows, so the question is held by its position, not its node.
  let asked = 0;
  let pinned = -1;
  const follow = () => {
    const questions = document.querySelectorAll('#chat [data-testid="user"]');
    if (questions.length > asked) pinned = questions.length - 1;
    asked = questions.length;
    if (pinned < 0 || pinned >= questions.length) { pinned = -1; return; }
    const row = questions[pinned].closest('.message-row') || questions[pinned];
    if (Math.abs(row.getBoundingClientRect().top - 12) > 2) row.scrollIntoView({block: 'start'});
  };
  new MutationObserver(follow).observe(document.body, {childList: true, subtree: true});
  for (const kind of ['wheel', 'touchmove', 'keydown', 'mousedown']) {
    window.addEventListener(kind, event => {
      if (kind === 'keydown' && event.target.closest && event.target.closest('#question')) return;
      pinned = -1;
    }, {passive: true});
  }

  const status = () => {
    let region = document.getElementById('pa-copy-status');
    if (!region) {
      region = document.createElement('div');
      region.id = 'pa-copy-status';
      region.className = 'pa-copy-status';
      region.setAttribute('role', 'status');
      region.setAttribute('aria-live', 'polite');
      document.body.appendChild(region);
    }
    return region;
  };
  const copyText = async text => {
    try { await navigator.clipboard.writeText(text); return true; } catch (e) { /* fall back below */ }
    const area = document.createElement('textarea');
    area.value = text;
    area.setAttribute('readonly', '');
    area.style.position = 'fixed';
    area.style.opacity = '0';
    document.body.appendChild(area);
    area.select();
    let done = false;
    try { done = document.execCommand('copy'); } catch (e) { done = false; }
    area.remove();
    return done;
  };
  const addButtons = () => {
    for (const place of document.querySelectorAll('#chat .pa-actions:not([data-ready])')) {
      place.dataset.ready = '1';
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'pa-copy';
      button.textContent = 'Copy answer with references';
      place.appendChild(button);
    }
  };
  new MutationObserver(addButtons).observe(document.body, {childList: true, subtree: true});
  document.addEventListener('click', async event => {
    const button = event.target.closest && event.target.closest('button.pa-copy');
    if (!button) return;
    event.preventDefault();
    const source = button.closest('.pa-sources').querySelector('.pa-copy-text');
    const done = await copyText(source ? source.textContent : '');
    button.focus();
    // Said in a status line at the foot of the window (the button itself may be redrawn by Gradio).
    status().textContent = done
      ? 'The answer and its references are copied.'
      : 'Could not copy: select the answer and copy it instead.';
    clearTimeout(window.paCopyTimer);
    window.paCopyTimer = setTimeout(() => { status().textContent = ''; }, 6000);
  });
})();
"""
