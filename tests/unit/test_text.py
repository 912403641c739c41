"""The shared text utilities: one sentence splitter, one stop list, one stemmer."""

from __future__ import annotations

from plan_assistant.text import (
    STOP_WORDS,
    activity_stem,
    content_words,
    sentence_spans,
    split_sentences,
    stem,
    stems,
)


def test_document_sentences_split_before_a_capital_only() -> None:
    text = "An initial £6.5m fund. e.g. this stays. Next one. lower case continues."
    assert split_sentences(text) == [
        "An initial £6.5m fund. e.g. this stays.",
        "Next one. lower case continues.",
    ]


def test_messages_also_split_before_lower_case_and_at_line_breaks() -> None:
    assert split_sentences("my lad is 17. is the council helping?\nthanks", strict=False) == [
        "my lad is 17.",
        "is the council helping?",
        "thanks",
    ]


def test_a_list_number_stays_with_its_item() -> None:
    text = "There are four outcomes. 1. A County Infrastructure. 2. Safe communities."
    assert split_sentences(text) == [
        "There are four outcomes.",
        "1. A County Infrastructure.",
        "2. Safe communities.",
    ]


def test_spans_point_at_the_sentences_without_surrounding_space() -> None:
    text = "  First one.   Second one.  "
    assert [text[a:b] for a, b in sentence_spans(text)] == ["First one.", "Second one."]


def test_a_closing_quote_stays_with_its_sentence() -> None:
    assert split_sentences("A new body 'Active Travel England.' Then more.") == [
        "A new body 'Active Travel England.'",
        "Then more.",
    ]


def test_the_stop_list_keeps_words_that_carry_meaning_in_council_text() -> None:
    for word in ("system", "bill", "fire", "call"):
        assert word not in STOP_WORDS
    for word in ("the", "and", "which", "dont"):
        assert word in STOP_WORDS


def test_content_words_and_stems_drop_stop_words() -> None:
    assert content_words("We will work with our partners on flooding") == {"work", "partners", "flooding"}
    assert stems("Flooding and floods") == ["flood", "flood"]


def test_stemming_from_many_threads_at_once_gives_the_same_stems() -> None:
    # A Snowball stemmer keeps state while it works; shared between threads it raises or mis-stems.
    from concurrent.futures import ThreadPoolExecutor

    import snowballstemmer

    suffixes = ["ational", "ization", "fulness", "iveness", "ousness", "alities", "ements", "ingly", "ations"]
    vocabulary = [
        f"{a}{b}{s}" for a in "bcdfghklmnprstvw" for b in ("ar", "el", "on", "ut") for s in suffixes
    ]
    reference = snowballstemmer.stemmer("english")
    expected = {w: reference.stemWord(w) for w in vocabulary}
    for _ in range(3):
        stem.cache_clear()
        with ThreadPoolExecutor(max_workers=8) as pool:
            results = list(
                pool.map(lambda i: all(stem(w) == expected[w] for w in vocabulary[i::8]), range(8))
            )
        assert all(results)


def test_an_agent_noun_the_documents_never_use_is_read_as_its_activity() -> None:
    known = set(stems("those leaving care, walking and cycling, better teaching, car trips"))
    assert activity_stem(stem("leavers"), known) == stem("leaving")
    assert activity_stem(stem("cyclists"), known) == stem("cycling")
    assert activity_stem(stem("teachers"), known) == stem("teaching")
    assert activity_stem(stem("carers"), known) == stem("care")  # care, not car
    # a word the documents use, or one whose activity they never mention, stays as it is
    assert activity_stem(stem("care"), known) == stem("care")
    assert activity_stem(stem("voters"), known) == stem("voters")
    assert activity_stem(stem("water"), known) == stem("water")
