"""PDF layout: lines group into blocks by position and size; font sizes rank headings."""

from __future__ import annotations

from ingest.pdf_layout import PdfLine, pdf_document, pdf_lines, pdf_page_blocks


def test_fragments_split_into_lines_that_keep_the_largest_size_and_last_position() -> None:
    fragments = [("Title", 800.0, 18.0), ("\n", None, None), ("Body ", 780.0, 11.0), ("text", 780.0, 11.0)]

    assert pdf_lines(fragments) == [PdfLine("Title", 800.0, 18.0), PdfLine("Body text", 780.0, 11.0)]


def test_pdf_lines_split_into_blocks_at_wide_gaps_size_changes_and_new_columns() -> None:
    lines = [
        PdfLine("Big heading", 800, 18),
        PdfLine("first line", 770, 11),
        PdfLine("second line", 756, 11),
        PdfLine("after a gap", 720, 11),
        PdfLine("top of next column", 790, 11),
        PdfLine("", None, None),
        PdfLine("no position known", None, None),
    ]

    blocks = [[line.text for line in block] for block in pdf_page_blocks(lines)]

    assert blocks == [
        ["Big heading"],
        ["first line", "second line"],
        ["after a gap"],
        ["top of next column"],
        ["no position known"],
    ]


def test_pdf_heading_levels_follow_font_size_and_standalone_body_lines_rank_below_them() -> None:
    page_one = [
        PdfLine("A Fixture Strategy With a Title", 800, 20),
        PdfLine("Wrapped Onto Two Lines", 776, 20),
        PdfLine("Section heading", 740, 14),
        PdfLine("Body text that runs on for a while and", 720, 11),
        PdfLine("then ends with a full stop.", 706, 11),
        PdfLine("Key Priorities", 670, 11),
    ]
    page_two = [PdfLine("Another section", 800, 14), PdfLine("More body text.", 780, 11)]

    text, headings, page_starts = pdf_document([page_one, [], page_two])

    assert [(h.level, h.title) for h in headings] == [
        (1, "A Fixture Strategy With a Title Wrapped Onto Two Lines"),
        (2, "Section heading"),
        (3, "Key Priorities"),
        (2, "Another section"),
    ]
    assert page_starts[1] == page_starts[2] == text.index("Another section")
