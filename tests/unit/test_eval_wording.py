"""The evals read answers their own way: normalised facts, whole-word phrases, notices and Markdown removed."""

from __future__ import annotations

from evals.wording import (
    answer_sentences,
    content_stems,
    normalise_fact,
    plain_prose,
    same_title,
    says_phrase,
    without_notices,
)


def test_same_title_ignores_case_spacing_and_bullets_but_not_different_words() -> None:
    assert same_title("· Introduce, embed  and maximise", "introduce, embed and maximise.")
    assert not same_title("Ensure access and opportunities", "Improve access and opportunities")
    assert not same_title(None, "Work with people to build a climate resilient Somerset")


def test_normalise_fact_reads_money_and_percentages_alike() -> None:
    assert normalise_fact("£6m") == normalise_fact("£6 million")
    assert normalise_fact("5 per cent") == normalise_fact("5%")


def test_answer_sentences_drop_list_markers_links_and_citation_numbers() -> None:
    text = "- First point here [1].\n2. Second point. Third one!\nSee [the plan](https://x.gov.uk/2021)."
    assert answer_sentences(text) == ["First point here.", "Second point.", "Third one!", "See the plan."]


def test_says_phrase_matches_whole_words_in_any_case_and_spacing() -> None:
    assert says_phrase("You are useless.", "USELESS")
    assert says_phrase("Margaret\n  Eastwood lives here", "Margaret Eastwood")
    assert not says_phrase("scrap the plan", "crap")
    assert not says_phrase("Margaret Eastwoods", "Margaret Eastwood")


def test_says_phrase_keeps_hyphens_and_underscores_so_prefixes_still_match() -> None:
    assert says_phrase("key: sk-abc123", "sk-")
    assert not says_phrase("skills and task-based work", "sk-")
    assert says_phrase("PLAN_ASSISTANT_OPENAI_API_KEY=x", "PLAN_ASSISTANT_")
    assert says_phrase("my_api_key", "api_key")
    assert not says_phrase("anything", "")


def test_without_notices_takes_out_every_notice_wherever_it_sits() -> None:
    notices = ["I've removed your personal details.", "Answers come in English."]
    answer = "I've removed your personal details.\n\nAnswers come in English.\n\nThe plan says X."
    assert without_notices(answer, notices) == "The plan says X."
    assert without_notices("The plan says X.", []) == "The plan says X."


def test_plain_prose_drops_reference_lines_and_markdown() -> None:
    answer = (
        "This is under **Outcome 2**:\n\n- Plant trees [1]\n- Read [the plan](https://x.gov.uk)\n"
        "**Reference:** Outcome 2 › Climate\nReferences: Outcome 3"
    )
    assert plain_prose(answer) == "This is under Outcome 2:\nPlant trees\nRead the plan"


def test_content_stems_make_inflections_one_word_and_keep_numbers() -> None:
    assert content_stems("Flooding of communities by 2030") == content_stems("flood community 2030")
    assert "2030" in content_stems("by 2030")
