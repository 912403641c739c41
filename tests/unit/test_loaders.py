"""Loaders turn txt, md, html, pdf and docx files into text, headings and page offsets, or fail clearly."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.loaders import (
    SUPPORTED_SUFFIXES,
    LoadedDocument,
    LoadError,
    html_blocks,
    load_document,
)
from tests.fixtures.make_fixtures import (
    SAMPLE_DOCX_TITLE,
    SAMPLE_MARKDOWN,
    SAMPLE_PDF_PAGES,
    write_corrupt_pdf,
    write_encrypted_pdf,
    write_image_only_pdf,
    write_sample_docx,
    write_sample_html,
    write_sample_markdown,
    write_sample_pdf,
    write_truncated_pdf,
)

CORPUS_PLAN = (
    Path(__file__).resolve().parents[2] / "corpus" / "somerset-county-council-business-plan-2021-2023.txt"
)


def assert_headings_point_at_their_titles(doc: LoadedDocument) -> None:
    for heading in doc.headings:
        assert " ".join(doc.text[heading.start : heading.end].split()) == heading.title


# ---------------------------------------------------------------- txt


def test_the_corpus_plan_loads_as_exactly_the_files_text() -> None:
    doc = load_document(CORPUS_PLAN)

    assert doc.text == CORPUS_PLAN.read_text(encoding="utf-8")
    assert doc.page_starts == ()
    assert doc.page_at(0) is None


def test_the_corpus_plan_headings_are_standalone_lines_at_their_offsets() -> None:
    doc = load_document(CORPUS_PLAN)
    titles = [h.title for h in doc.headings]

    assert_headings_point_at_their_titles(doc)
    assert "Outcome 1" in titles and "Key Priorities" in titles
    assert not any(t.startswith(("-", "•")) or t.endswith(".") for t in titles)


def test_plain_text_keeps_crlf_line_endings_and_drops_only_the_byte_order_mark(tmp_path: Path) -> None:
    body = "Fixture heading\r\n\r\nA sentence that ends with a full stop.\r\n"
    path = tmp_path / "fixture.txt"
    path.write_bytes(b"\xef\xbb\xbf" + body.encode("utf-8"))

    doc = load_document(path)

    assert doc.text == body
    assert [(h.start, h.end, h.level, h.title) for h in doc.headings] == [(0, 15, 1, "Fixture heading")]


# ---------------------------------------------------------------- Markdown


def test_markdown_text_is_the_file_unchanged(tmp_path: Path) -> None:
    doc = load_document(write_sample_markdown(tmp_path / "fixture-strategy.md"))

    assert doc.text == SAMPLE_MARKDOWN


def test_markdown_finds_atx_and_setext_headings_with_levels_and_clean_titles(tmp_path: Path) -> None:
    doc = load_document(write_sample_markdown(tmp_path / "fixture-strategy.md"))

    assert [(h.level, h.title) for h in doc.headings] == [
        (1, "Fixture Strategy for Roads"),
        (2, "Potholes first"),
        (2, "Gritting routes"),
        (1, "Winter plan"),
    ]
    for heading in doc.headings:
        assert heading.title.split()[0] in doc.text[heading.start : heading.end]
    atx = doc.headings[0]
    assert doc.text[atx.start : atx.end] == "# Fixture Strategy for Roads"
    setext = doc.headings[2]
    assert doc.text[setext.start : setext.end] == "Gritting routes\n---------------"


# ---------------------------------------------------------------- HTML


def test_html_keeps_paragraphs_list_items_and_headings_as_separate_blocks(tmp_path: Path) -> None:
    doc = load_document(write_sample_html(tmp_path / "fixture-strategy.html"))
    blocks = doc.text.split("\n\n")

    assert blocks[:2] == [
        "Fixture Strategy for Parks",
        "This fixture page exists only for tests. It describes a made-up plan for parks.",
    ]
    assert "- Plant more trees" in blocks
    assert "- Open toilets longer" in blocks
    assert "  - in summer" in blocks
    assert "Loose text in a div\non two lines" in blocks
    assert "Measure | Target\nTrees planted | 500" in blocks


def test_html_list_items_wrapping_paragraphs_keep_their_dash_and_empty_items_leave_no_trace() -> None:
    markup = "<ul><li><p>Wrapped item</p><p>Second paragraph</p></li><li></li></ul><p>After the list</p>"

    assert html_blocks(markup) == [
        ("- Wrapped item", None),
        ("Second paragraph", None),
        ("After the list", None),
    ]


def test_html_drops_scripts_styles_navigation_and_footers(tmp_path: Path) -> None:
    doc = load_document(write_sample_html(tmp_path / "fixture-strategy.html"))

    for furniture in ("tracking", "color: red", "Home", "News", "Copyright", "Fixture page"):
        assert furniture not in doc.text


def test_html_headings_have_their_levels_and_offsets(tmp_path: Path) -> None:
    doc = load_document(write_sample_html(tmp_path / "fixture-strategy.htm"))

    assert [(h.level, h.title) for h in doc.headings] == [
        (1, "Fixture Strategy for Parks"),
        (2, "Our priorities"),
        (3, "Measures"),
    ]
    assert_headings_point_at_their_titles(doc)


def test_html_in_a_declared_legacy_encoding_is_decoded(tmp_path: Path) -> None:
    path = tmp_path / "legacy.html"
    path.write_bytes(b'<html><head><meta charset="windows-1252"></head><p>Caf\xe9 opening</p></html>')

    assert load_document(path).text == "Caf\u00e9 opening"


def test_html_without_visible_text_raises_load_error(tmp_path: Path) -> None:
    path = tmp_path / "blank.html"
    path.write_text("<html><head><title>t</title></head><body><script>x()</script></body></html>")

    with pytest.raises(LoadError, match=r"blank\.html: no text"):
        load_document(path)


# ---------------------------------------------------------------- DOCX


def test_docx_title_and_heading_styles_become_headings_with_levels(tmp_path: Path) -> None:
    doc = load_document(write_sample_docx(tmp_path / "fixture-strategy.docx"))

    assert [(h.level, h.title) for h in doc.headings] == [
        (1, SAMPLE_DOCX_TITLE),
        (1, "Our aims"),
        (2, "Opening hours"),
        (1, "Targets"),
    ]
    assert_headings_point_at_their_titles(doc)
    assert doc.text.startswith(SAMPLE_DOCX_TITLE + "\n\nThis fixture document exists only for tests.\n\n")


def test_docx_list_paragraphs_are_prefixed_with_a_dash_and_indented_by_level(tmp_path: Path) -> None:
    blocks = load_document(write_sample_docx(tmp_path / "fixture-strategy.docx")).text.split("\n\n")

    assert "- Open on Saturdays" in blocks
    assert "- Late opening on Thursdays" in blocks
    assert "  - Mobile library stops" in blocks


def test_docx_table_rows_become_lines_of_cell_text_in_document_order(tmp_path: Path) -> None:
    text = load_document(write_sample_docx(tmp_path / "fixture-strategy.docx")).text

    assert "Targets\n\nMeasure | Target\nVisits | 10,000\nMerged note\n\nClosing paragraph" in text


def test_a_corrupt_docx_raises_load_error_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.docx"
    path.write_bytes(b"PK\x03\x04 this is not really a zip archive")

    with pytest.raises(LoadError, match=r"broken\.docx: not a readable DOCX"):
        load_document(path)


# ---------------------------------------------------------------- PDF


def test_pdf_pages_start_where_recorded_and_offsets_map_to_page_numbers(tmp_path: Path) -> None:
    doc = load_document(write_sample_pdf(tmp_path / "fixture-strategy.pdf"))
    first_heading, second_heading = (heading for heading, _ in SAMPLE_PDF_PAGES)

    assert len(doc.page_starts) == 2
    assert doc.page_starts[0] == 0
    assert doc.text[doc.page_starts[1] :].startswith(second_heading)
    assert doc.page_at(doc.text.index("safer crossings")) == 1
    assert doc.page_at(doc.text.index("scrutiny committee")) == 2
    assert doc.page_at(doc.page_starts[1]) == 2
    assert doc.page_at(doc.page_starts[1] - 1) == 1
    assert doc.page_at(len(doc.text) + 1) is None
    assert doc.text.startswith(first_heading + "\n\n")


def test_pdf_headings_are_found_by_font_size_one_per_page(tmp_path: Path) -> None:
    doc = load_document(write_sample_pdf(tmp_path / "fixture-strategy.pdf"))

    assert [(h.level, h.title) for h in doc.headings] == [(1, heading) for heading, _ in SAMPLE_PDF_PAGES]
    assert [doc.page_at(h.start) for h in doc.headings] == [1, 2]
    assert_headings_point_at_their_titles(doc)


def test_pdf_paragraphs_are_separated_by_blank_lines(tmp_path: Path) -> None:
    blocks = load_document(write_sample_pdf(tmp_path / "fixture-strategy.pdf")).text.split("\n\n")

    for _, paragraphs in SAMPLE_PDF_PAGES:
        for paragraph in paragraphs:
            assert paragraph in [" ".join(block.split()) for block in blocks]


def test_a_corrupt_pdf_raises_load_error_naming_the_file_and_cause(tmp_path: Path) -> None:
    path = write_corrupt_pdf(tmp_path / "corrupt.pdf")

    with pytest.raises(LoadError, match=r"corrupt\.pdf: not a readable PDF \(.+\)"):
        load_document(path)


def test_a_truncated_pdf_raises_load_error_naming_the_file(tmp_path: Path) -> None:
    path = write_truncated_pdf(tmp_path / "truncated.pdf")

    with pytest.raises(LoadError, match=r"truncated\.pdf: not a readable PDF"):
        load_document(path)


def test_a_file_named_pdf_that_is_not_one_raises_load_error(tmp_path: Path) -> None:
    path = tmp_path / "page.pdf"
    path.write_text("<html>an error page saved as a PDF</html>")

    with pytest.raises(LoadError, match=r"page\.pdf: not a PDF"):
        load_document(path)


def test_a_password_protected_pdf_raises_load_error(tmp_path: Path) -> None:
    path = write_encrypted_pdf(tmp_path / "locked.pdf")

    with pytest.raises(LoadError, match=r"locked\.pdf: encrypted PDF"):
        load_document(path)


def test_a_pdf_restricted_only_by_an_owner_password_still_loads(tmp_path: Path) -> None:
    doc = load_document(write_encrypted_pdf(tmp_path / "restricted.pdf", user_password=""))

    assert "encrypted for tests" in doc.text
    assert doc.page_starts == (0,)


def test_a_pdf_without_extractable_text_raises_load_error(tmp_path: Path) -> None:
    path = write_image_only_pdf(tmp_path / "scan.pdf")

    with pytest.raises(LoadError, match=r"scan\.pdf: no extractable text"):
        load_document(path)


# ---------------------------------------------------------------- every format


@pytest.mark.parametrize("name", ["notes.txt", "notes.md"])
def test_invalid_utf8_raises_load_error_with_the_byte_offset(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(b"Fixture line\ncaf\xe9 au lait\n")

    with pytest.raises(LoadError, match=rf"{name}: not valid UTF-8: byte 0xe9 at byte offset 16 \(line 2\)"):
        load_document(path)


@pytest.mark.parametrize("suffix", sorted(SUPPORTED_SUFFIXES))
def test_an_empty_file_raises_load_error_naming_the_file(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"empty{suffix}"
    path.write_bytes(b"")

    with pytest.raises(LoadError, match=rf"empty{suffix}: empty file"):
        load_document(path)


def test_a_whitespace_only_text_file_raises_load_error(tmp_path: Path) -> None:
    path = tmp_path / "blank.txt"
    path.write_text("  \n\n\t\n")

    with pytest.raises(LoadError, match=r"blank\.txt: no text"):
        load_document(path)


def test_an_unsupported_suffix_raises_load_error_listing_the_supported_types(tmp_path: Path) -> None:
    path = tmp_path / "budget.xlsx"
    path.write_bytes(b"PK")

    with pytest.raises(LoadError, match=r"budget\.xlsx: unsupported file type '\.xlsx'") as caught:
        load_document(path)
    for suffix in SUPPORTED_SUFFIXES:
        assert suffix in str(caught.value)


def test_a_missing_file_raises_load_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(LoadError, match=r"missing\.pdf: cannot read the file"):
        load_document(tmp_path / "missing.pdf")


def test_suffixes_are_matched_case_insensitively(tmp_path: Path) -> None:
    path = tmp_path / "FIXTURE.TXT"
    path.write_text("Fixture text.\n")

    assert load_document(path).text == "Fixture text.\n"
