"""Headings: guessed in plain text, parsed in Markdown, placed when blocks are joined."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ingest.headings import assemble_blocks, guess_headings, looks_like_heading, markdown_headings


def test_guessed_headings_skip_sentences_bullets_page_numbers_and_lines_inside_paragraphs() -> None:
    text = (
        "Fixture Strategy\n\n"
        "A paragraph line\nthat continues here\n\n"
        "This stands alone but is a sentence.\n\n"
        "- A bullet on its own\n\n"
        "12\n\n"
        "lower case line\n\n"
        "Our Approach\n"
    )

    assert [h.title for h in guess_headings(text)] == ["Fixture Strategy", "Our Approach"]


def test_a_heading_needs_to_be_short() -> None:
    assert looks_like_heading("Outcome 3 Fairer life chances")
    assert not looks_like_heading("Outcome " + "very long words " * 10)


def test_markdown_hash_lines_in_code_and_breaks_after_lists_are_not_headings() -> None:
    text = "```\n# code comment\n```\n\n    # indented code\n\n- item\n---\n\n#hashtag\n\n## Real ##\n"

    assert [(h.level, h.title) for h in markdown_headings(text)] == [(2, "Real")]


@given(st.lists(st.tuples(st.text(min_size=0, max_size=30), st.none() | st.integers(1, 6)), max_size=8))
def test_assembled_headings_always_point_at_their_blocks(blocks: list[tuple[str, int | None]]) -> None:
    text, headings = assemble_blocks(blocks)

    expected = [block for block, level in blocks if block and level is not None]
    assert [text[h.start : h.end] for h in headings] == expected


@given(st.text(alphabet=st.sampled_from("#=- \nAbc.`~|>1\r"), max_size=120))
def test_markdown_and_guessed_headings_stay_inside_the_text_in_order(text: str) -> None:
    for headings in (markdown_headings(text), guess_headings(text)):
        starts = [h.start for h in headings]
        assert starts == sorted(starts)
        for heading in headings:
            assert 0 <= heading.start < heading.end <= len(text)
            assert heading.title and 1 <= heading.level <= 6
