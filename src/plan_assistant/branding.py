"""The council's look: header with name and logo, colours from settings, in the manner of GOV.UK design.

Calm and high-contrast: black text on white, one brand colour for the header, blue underlined links, a
thick visible focus, generous spacing, clear headings. Used by the chat (Gradio) and the plain pages.
"""

from __future__ import annotations

import html

from plan_assistant.config import Settings

SERVICE_NAME = "Plan Assistant"
LINK = "#1d70b8"  # GOV.UK link blue, 5.2:1 on white
LINK_VISITED = "#4c2c92"
TEXT = "#0b0c0c"
SECONDARY_TEXT = "#484949"  # 9:1 on white


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4


def contrast_with_white(colour: str) -> float:
    """WCAG contrast ratio of white text on a #rrggbb colour (1 to 21)."""
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    luminance = 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)
    return 1.05 / (luminance + 0.05)


def header_html(settings: Settings, home: str = "./") -> str:
    """The header band: the council's logo or name, then the service's name linking to the chat."""
    name = html.escape(settings.council_name)
    if settings.logo_url:
        mark = f'<img class="pa-logo" src="{html.escape(settings.logo_url)}" alt="{name}" height="40">'
    else:
        mark = f'<span class="pa-council">{name}</span>'
    return (
        f'<header class="pa-header" role="banner"><div class="pa-header-inner">{mark}'
        f'<a class="pa-service" href="{html.escape(home)}">{SERVICE_NAME}</a></div></header>'
    )


def header_css(settings: Settings) -> str:
    """Styles of the header band in the council's colour (white on it is checked at 4.5:1 by Settings)."""
    return f"""
.pa-header {{ background: {settings.brand_colour}; color: #ffffff; border-bottom: 8px solid {LINK};
             margin: 0 0 1.25rem 0; }}
.pa-header-inner {{ display: flex; flex-wrap: wrap; align-items: center; gap: 0.25rem 1.5rem;
                   padding: 0.75rem 1rem; }}
.pa-council {{ font-weight: 700; font-size: 1.25rem; line-height: 1.2; color: #ffffff; }}
.pa-logo {{ display: block; height: 40px; width: auto; }}
.pa-header a.pa-service, .pa-header a.pa-service:visited {{ color: #ffffff; font-weight: 700;
  font-size: 1.125rem; text-decoration: none; }}
.pa-header a.pa-service:hover {{ text-decoration: underline; text-decoration-thickness: 3px; }}
.pa-header a:focus-visible {{ outline: 3px solid #ffdd00 !important; background: #ffdd00; color: {TEXT} !important; }}
"""


# The outline's own styles, for the Gradio tab (light and dark) and the /browse page.
OUTLINE_CSS = f"""
.pa-outline {{ --pa-link: {LINK}; --pa-muted: {SECONDARY_TEXT}; --pa-rule: #b1b4b6; max-width: 60rem;
               font-size: 1.0625rem; line-height: 1.5; }}
.pa-outline p, .pa-outline li {{ font-size: inherit; }}
.pa-outline a {{ padding: 0; margin: 0; }}
.dark .pa-outline {{ --pa-link: #8ab4f8; --pa-muted: #c8cbd0; --pa-rule: #5f6368; }}
.pa-outline a {{ color: var(--pa-link); text-decoration: underline; text-underline-offset: 0.15em; }}
.pa-outline [hidden] {{ display: none !important; }}
.pa-filter-row {{ margin: 0 0 1.5rem 0; }}
.pa-filter-label {{ display: block; font-weight: 700; margin-bottom: 0.35rem; }}
.pa-filter {{ box-sizing: border-box; width: 100%; max-width: 32rem; font: inherit; font-size: 1.1875rem;
             padding: 0.4rem 0.5rem; border: 2px solid currentColor; border-radius: 0;
             background: transparent; color: inherit; }}
.pa-filter-count {{ margin: 0.5rem 0 0 0; color: var(--pa-muted); }}
.pa-document-title {{ font-size: 1.5rem; margin: 1.5rem 0 0.5rem 0; }}
.pa-outcome-block {{ border-top: 1px solid var(--pa-rule); padding: 1rem 0 0.5rem 0; }}
.pa-outcome-heading {{ font-size: 1.375rem; line-height: 1.3; margin: 0 0 0.25rem 0; }}
@media (max-width: 640px) {{ .pa-outcome-heading {{ font-size: 1.1875rem; }} }}
.pa-outcome-number {{ display: block; font-size: 1rem; color: var(--pa-muted); font-weight: 700; }}
.pa-outline .pa-share {{ margin: 0 0 0.5rem 0; font-size: 0.95rem; }}
.pa-priorities {{ list-style: none; margin: 0.25rem 0 0.75rem 0; padding: 0; }}
.pa-priority-item {{ margin: 0 0 0.5rem 0; }}
.pa-priority-details > summary {{ cursor: pointer; color: var(--pa-link); padding: 0.25rem 0;
  text-decoration: underline; text-underline-offset: 0.15em; font-size: 1.125rem; line-height: 1.4; }}
.pa-priority-number {{ font-weight: 700; }}
.pa-priority-body {{ border-left: 5px solid var(--pa-rule); padding: 0.25rem 0 0.25rem 1rem;
                    margin: 0.25rem 0 0.75rem 0.3rem; }}
.pa-commitments {{ margin: 0.25rem 0 0.5rem 1.25rem; padding: 0; list-style: disc; }}
.pa-commitment {{ margin: 0 0 0.4rem 0; line-height: 1.5; }}
.pa-commits-intro {{ margin: 0.25rem 0; font-weight: 700; }}
.pa-context {{ margin: 0 0 0.25rem 0; color: var(--pa-muted); font-size: 0.95em; }}
.pa-more {{ border-top: 1px solid var(--pa-rule); margin-top: 1.5rem; padding-top: 0.5rem; }}
.pa-plain-list {{ margin: 0.25rem 0 0.75rem 1.25rem; padding: 0; list-style: disc; }}
.pa-muted {{ color: var(--pa-muted); }}
@media print {{
  .pa-filter-row, .pa-share, .pa-no-match, .pa-context, .pa-header a.pa-service, .pa-skip, .pa-print {{ display: none !important; }}
  .pa-outline details > summary {{ list-style: none; color: #000000; text-decoration: none; }}
  .pa-outline details::details-content {{ content-visibility: visible; display: block; }}
  .pa-outcome-block {{ break-inside: auto; }}
  .pa-priority-item {{ break-inside: avoid; }}
  .pa-header {{ background: none; color: #000000; border-bottom: 2px solid #000000; }}
  .pa-council {{ color: #000000; }}
}}
"""

PAGE_CSS = f"""
html {{ background: #ffffff; }}
body {{ font-family: system-ui, "Segoe UI", Arial, sans-serif; color: {TEXT}; background: #ffffff;
       line-height: 1.5; margin: 0; font-size: 1.0625rem; overflow-wrap: break-word; }}
.pa-width {{ max-width: 60rem; margin: 0 auto; padding: 0 1rem; }}
main {{ padding-bottom: 3rem; }}
h1 {{ font-size: 2rem; line-height: 1.2; margin: 0.5rem 0 1rem 0; }}
a {{ color: {LINK}; }}
a:visited {{ color: {LINK_VISITED}; }}
:focus-visible {{ outline: 3px solid {TEXT} !important; outline-offset: 1px; }}
a:focus-visible {{ background: #ffdd00; color: {TEXT}; }}
.pa-lead {{ font-size: 1.1875rem; max-width: 40rem; }}
.pa-skip {{ position: absolute; left: -9999px; }}
.pa-skip:focus {{ position: static; display: inline-block; padding: 0.5rem; background: #ffdd00; color: {TEXT}; }}
.pa-print {{ font: inherit; padding: 0.4rem 0.8rem; background: #f3f2f1; color: {TEXT};
            border: 0; box-shadow: 0 2px 0 #929191; cursor: pointer; margin: 0 0 1rem 0; }}
"""
