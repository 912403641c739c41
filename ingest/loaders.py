"""Turn a corpus file (txt, md, html, pdf, docx) into text, headings and page offsets.

Only `load_document` touches the file system; each format's parser takes the file's bytes and
the path (for messages) so it can be tested on bytes alone.
"""

from __future__ import annotations

import io
import logging
import re
from bisect import bisect_right
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bs4 import BeautifulSoup, NavigableString, Tag
from bs4.element import PreformattedString
from docx import Document
from docx.table import Table
from pypdf import PdfReader
from pypdf.errors import DependencyError

from ingest.headings import Block, Heading, assemble_blocks, guess_headings, markdown_headings
from ingest.pdf_layout import Fragment, pdf_document, pdf_lines

__all__ = ["SUPPORTED_SUFFIXES", "Heading", "LoadError", "LoadedDocument", "load_document"]


class LoadError(Exception):
    """A corpus file could not be read; the message names the file and the cause."""


@dataclass(frozen=True)
class LoadedDocument:
    """One document's text, its headings and, for PDFs, where each page starts."""

    path: Path
    text: str
    headings: tuple[Heading, ...]
    page_starts: tuple[int, ...] = ()

    def page_at(self, offset: int) -> int | None:
        """Return the 1-based page number containing offset, or None when the document has no pages."""
        if not self.page_starts or not 0 <= offset <= len(self.text):
            return None
        return max(bisect_right(self.page_starts, offset), 1)


# ---------------------------------------------------------------- text and Markdown


def decode_utf8(path: Path, data: bytes) -> str:
    """Decode a text file's bytes as UTF-8, dropping a byte-order mark; LoadError names the bad byte."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        hint = " (it looks like UTF-16)" if data[:2] in (b"\xff\xfe", b"\xfe\xff") else ""
        raise LoadError(
            f"{path}: not valid UTF-8{hint}: byte 0x{data[exc.start]:02x} at byte offset {exc.start} "
            f"(line {line}); save the file as UTF-8"
        ) from None
    return text.removeprefix("\ufeff")


def parse_text(path: Path, data: bytes) -> LoadedDocument:
    """Load a plain-text file unchanged, with headings guessed from its layout."""
    text = _require_text(path, decode_utf8(path, data))
    return LoadedDocument(path, text, guess_headings(text))


def parse_markdown(path: Path, data: bytes) -> LoadedDocument:
    """Load a Markdown file unchanged, with its ATX and setext headings."""
    text = _require_text(path, decode_utf8(path, data))
    return LoadedDocument(path, text, markdown_headings(text))


def _require_text(path: Path, text: str) -> str:
    if not text.strip():
        raise LoadError(f"{path}: no text in the file (it is empty or only whitespace)")
    return text


# ---------------------------------------------------------------- HTML

_HTML_DROP = frozenset(
    {"script", "style", "nav", "footer", "noscript", "template", "head", "svg", "iframe", "button", "select"}
)
_HTML_BLOCK = frozenset(
    {
        "address", "article", "aside", "blockquote", "body", "caption", "dd", "details", "div", "dl", "dt",
        "fieldset", "figcaption", "figure", "form", "header", "hr", "html", "li", "main", "ol", "p", "pre",
        "section", "summary", "table", "ul",
    }
)  # fmt: skip
_HTML_HEADING = {f"h{n}": n for n in range(1, 7)}
_BREAK = "\x00"  # stands for <br> while inline whitespace is collapsed


class _HtmlBlocks:
    """Collects blocks while walking an HTML tree; inline text gathers until a block boundary."""

    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self._inline: list[str] = []
        self._prefix = ""

    def add_inline(self, text: str) -> None:
        self._inline.append(text)

    def start_item(self, prefix: str) -> None:
        self.flush()
        self._prefix = prefix

    def add_block(self, text: str, level: int | None = None) -> None:
        self.flush()
        if text:
            self.blocks.append((text, level))

    def end_item(self) -> None:
        self.flush()
        self._prefix = ""

    def flush(self) -> None:
        lines = [" ".join(part.split()) for part in "".join(self._inline).split(_BREAK)]
        text = "\n".join(line for line in lines if line)
        self._inline = []
        if text:
            # A list item's marker goes on its first text, which may sit inside a <p> within the <li>.
            self.blocks.append((self._prefix + text, None))
            self._prefix = ""


def _inline_text(tag: Tag) -> str:
    return " ".join(tag.get_text(" ").split())


def _table_rows(table: Tag) -> list[str]:
    rows = []
    for row in table.find_all("tr"):
        if row.find_parent("table") is not table:
            continue  # a row of a nested table
        cells = [_inline_text(cell) for cell in row.find_all(["td", "th"], recursive=False)]
        line = " | ".join(cell for cell in cells if cell)
        if line:
            rows.append(line)
    return rows


def _walk_html(node: Tag, out: _HtmlBlocks, list_depth: int) -> None:
    for child in node.children:
        if isinstance(child, PreformattedString):
            continue  # comments, doctype, CDATA, processing instructions
        if isinstance(child, NavigableString):
            out.add_inline(str(child))
            continue
        if not isinstance(child, Tag):
            continue
        name = child.name
        if name in _HTML_DROP or child.has_attr("hidden") or child.get("role") == "navigation":
            continue
        if name == "br":
            out.add_inline(_BREAK)
        elif name in _HTML_HEADING:
            out.add_block(_inline_text(child), _HTML_HEADING[name])
        elif name == "table":
            out.add_block("\n".join(_table_rows(child)))
        elif name == "pre":
            out.add_block(child.get_text().strip("\n"))
        elif name in ("ul", "ol"):
            out.flush()
            _walk_html(child, out, list_depth + 1)
            out.flush()
        elif name == "li":
            out.start_item("  " * max(list_depth - 1, 0) + "- ")
            _walk_html(child, out, list_depth)
            out.end_item()
        elif name in _HTML_BLOCK:
            out.flush()
            _walk_html(child, out, list_depth)
            out.flush()
        else:
            _walk_html(child, out, list_depth)


def html_blocks(markup: str | bytes) -> list[Block]:
    """Extract paragraphs, list items ("- "), table rows and headings from HTML, dropping page furniture."""
    soup = BeautifulSoup(markup, "html.parser")
    out = _HtmlBlocks()
    _walk_html(soup, out, 0)
    out.flush()
    return out.blocks


def parse_html(path: Path, data: bytes) -> LoadedDocument:
    """Load an HTML page as blocks of text with its h1-h6 headings."""
    try:
        blocks = html_blocks(data)
    except Exception as exc:  # the parser's failures are many and undocumented; report them all the same way
        raise LoadError(f"{path}: not readable HTML ({type(exc).__name__}: {exc})") from exc
    text, headings = assemble_blocks(blocks)
    return LoadedDocument(path, _require_text(path, text), headings)


# ---------------------------------------------------------------- DOCX

_DOCX_HEADING = re.compile(r"^heading\s*([1-9])$", re.IGNORECASE)
_DOCX_LIST_STYLE = re.compile(r"^list\b.*?(\d)?$", re.IGNORECASE)


def _style_chain(style: object) -> Iterator[object]:
    for _ in range(10):  # styles inherit through base_style; a loop in a broken file must not hang us
        if style is None:
            return
        yield style
        style = getattr(style, "base_style", None)


def _docx_heading_level(paragraph: object) -> int | None:
    for style in _style_chain(getattr(paragraph, "style", None)):
        name = (getattr(style, "name", "") or "").strip()
        if name.lower() == "title":
            return 1
        match = _DOCX_HEADING.match(name)
        if match:
            return int(match.group(1))
    return None


def _docx_list_depth(paragraph: object) -> int | None:
    """Nesting depth (0 = top) when the paragraph is a list item, else None."""
    p_pr = paragraph._p.pPr  # type: ignore[attr-defined]
    if p_pr is not None and p_pr.numPr is not None:
        ilvl = p_pr.numPr.ilvl
        return int(ilvl.val) if ilvl is not None and ilvl.val is not None else 0
    for style in _style_chain(getattr(paragraph, "style", None)):
        match = _DOCX_LIST_STYLE.match((getattr(style, "name", "") or "").strip())
        if match:
            return int(match.group(1)) - 1 if match.group(1) else 0
    return None


def _docx_table_rows(table: object) -> list[str]:
    rows = []
    for row in table.rows:  # type: ignore[attr-defined]
        seen: set[int] = set()
        cells = []
        for cell in row.cells:
            if id(cell._tc) in seen:
                continue  # a merged cell repeats in every grid column it spans
            seen.add(id(cell._tc))
            text = " ".join(cell.text.split())
            if text:
                cells.append(text)
        if cells:
            rows.append(" | ".join(cells))
    return rows


def docx_blocks(data: bytes) -> list[Block]:
    """Extract paragraphs (lists prefixed "- "), table rows and Title/Heading N paragraphs from a DOCX."""
    blocks: list[Block] = []
    for item in Document(io.BytesIO(data)).iter_inner_content():
        if isinstance(item, Table):
            blocks.append(("\n".join(_docx_table_rows(item)), None))
            continue
        lines = [" ".join(line.split()) for line in item.text.splitlines()]
        text = "\n".join(line for line in lines if line)
        if not text:
            continue
        level = _docx_heading_level(item)
        depth = None if level is not None else _docx_list_depth(item)
        if depth is not None:
            text = "  " * depth + "- " + text
        blocks.append((text, level))
    return blocks


def parse_docx(path: Path, data: bytes) -> LoadedDocument:
    """Load a Word document as blocks of text with its Title and Heading N paragraphs as headings."""
    try:
        blocks = docx_blocks(data)
    except Exception as exc:  # python-docx raises zip, XML, key and value errors for damaged files
        raise LoadError(f"{path}: not a readable DOCX ({type(exc).__name__}: {exc})") from exc
    text, headings = assemble_blocks(blocks)
    return LoadedDocument(path, _require_text(path, text), headings)


# ---------------------------------------------------------------- PDF


def _multiply(m: Sequence[float], n: Sequence[float]) -> list[float]:
    return [
        m[0] * n[0] + m[1] * n[2],
        m[0] * n[1] + m[1] * n[3],
        m[2] * n[0] + m[3] * n[2],
        m[2] * n[1] + m[3] * n[3],
        m[4] * n[0] + m[5] * n[2] + n[4],
        m[4] * n[1] + m[5] * n[3] + n[5],
    ]


def _page_fragments(page: object) -> list[Fragment]:
    fragments: list[Fragment] = []

    def visit(text: str, cm: Sequence[float], tm: Sequence[float], _font: object, font_size: float) -> None:
        if not text:
            return
        if not text.strip():
            fragments.append((text, None, None))
            return
        matrix = _multiply(tm, cm)
        scale = (matrix[2] ** 2 + matrix[3] ** 2) ** 0.5
        fragments.append((text, matrix[5], font_size * scale if scale else None))

    extracted = page.extract_text(visitor_text=visit) or ""  # type: ignore[attr-defined]
    if "".join(piece for piece, _, _ in fragments) != extracted:
        return [(extracted, None, None)]  # the visitor disagreed with the extractor: keep text, drop layout
    return fragments


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@contextmanager
def _pypdf_warnings() -> Iterator[list[str]]:
    """Collect pypdf's logged warnings (such as "EOF marker not found") to explain a failure."""
    logger = logging.getLogger("pypdf")
    handler = _Collect()
    logger.addHandler(handler)
    try:
        yield handler.messages
    finally:
        logger.removeHandler(handler)


def parse_pdf(path: Path, data: bytes) -> LoadedDocument:
    """Load a PDF's text page by page with pypdf, keeping where each page starts."""
    if b"%PDF-" not in data[:1024]:
        raise LoadError(f"{path}: not a PDF (no %PDF- header)")
    with _pypdf_warnings() as warnings:
        try:
            reader = PdfReader(io.BytesIO(data))
            if reader.is_encrypted:
                try:
                    opened = reader.decrypt("")  # many published PDFs only restrict editing
                except DependencyError as exc:
                    raise LoadError(f"{path}: encrypted PDF that needs the 'cryptography' package") from exc
                if not opened:
                    raise LoadError(f"{path}: encrypted PDF (it needs a password to open)")
            pages = list(reader.pages)
        except LoadError:
            raise
        except Exception as exc:  # pypdf reports damage with many exception types
            detail = f"; pypdf: {warnings[0]}" if warnings else ""
            raise LoadError(f"{path}: not a readable PDF ({exc or type(exc).__name__}{detail})") from exc
        page_lines = []
        for number, page in enumerate(pages, start=1):
            try:
                page_lines.append(pdf_lines(_page_fragments(page)))
            except Exception as exc:
                raise LoadError(f"{path}: page {number}: text extraction failed ({exc})") from exc
    if not pages:
        raise LoadError(f"{path}: the PDF has no pages")
    text, headings, page_starts = pdf_document(page_lines)
    if not text.strip():
        raise LoadError(f"{path}: no extractable text in {len(pages)} page(s) (a scan? it would need OCR)")
    return LoadedDocument(path, text, headings, page_starts)


# ---------------------------------------------------------------- dispatch

_PARSERS: dict[str, Callable[[Path, bytes], LoadedDocument]] = {
    ".txt": parse_text,
    ".md": parse_markdown,
    ".html": parse_html,
    ".htm": parse_html,
    ".pdf": parse_pdf,
    ".docx": parse_docx,
}
SUPPORTED_SUFFIXES: frozenset[str] = frozenset(_PARSERS)


def load_document(path: Path) -> LoadedDocument:
    """Read a corpus file and load it by its suffix; every failure is a LoadError naming the file."""
    path = Path(path)
    suffix = path.suffix.lower()
    parser = _PARSERS.get(suffix)
    if parser is None:
        supported = ", ".join(sorted(SUPPORTED_SUFFIXES))
        kind = f"unsupported file type {suffix!r}" if suffix else "no file suffix to tell its type"
        raise LoadError(f"{path}: {kind}; supported: {supported}")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise LoadError(f"{path}: cannot read the file ({exc.strerror or exc})") from exc
    if not data:
        raise LoadError(f"{path}: empty file (0 bytes)")
    return parser(path, data)
