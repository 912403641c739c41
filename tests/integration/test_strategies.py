"""Linked strategies as documents: the plan plus the team's fictional strategies (tests/fixtures/strategies),
added with `python -m ingest add`, ingested with the real model into a temporary Chroma and answered."""

from __future__ import annotations

import shutil
from datetime import date

import pytest

from ingest.__main__ import main as ingest_main
from ingest.index import run_ingest
from ingest.manifest import read_manifest
from plan_assistant.assistant import Assistant
from plan_assistant.config import Settings
from plan_assistant.embeddings import Embedder
from plan_assistant.factory import build_assistant
from plan_assistant.outline import Outline
from plan_assistant.schemas import Turn
from tests.conftest import CORPUS_DIR, settings_for
from tests.fixtures.strategies import CLIMATE_MD, LIBRARY_TITLE, LIVES_HTML, write_library_plan_docx

PLAN_ID = "scc-business-plan-2021-2023"
CLIMATE_ID = "fixture-climate-emergency-strategy-2024-2030"
LIVES_ID = "fixture-lives"
LIBRARY_ID = "fixture-library-service-plan-2025-2028"
REPLACEMENT = "[the Fixture Wellbeing Strategy](https://example.org/fixture-wellbeing)"


@pytest.fixture(scope="module")
def strategies_settings(tmp_path_factory: pytest.TempPathFactory, memo_embedder: Embedder) -> Settings:
    """The real plan and three fictional strategies (md, html, docx), added by the CLI and ingested."""
    root = tmp_path_factory.mktemp("strategies")
    corpus = root / "corpus"
    corpus.mkdir()
    for name in ("manifest.toml", "somerset-county-council-business-plan-2021-2023.txt"):
        shutil.copyfile(CORPUS_DIR / name, corpus / name)
    shutil.copytree(CORPUS_DIR / "derived", corpus / "derived")
    docx = write_library_plan_docx(root / "library.docx")
    env = {"PLAN_ASSISTANT_CORPUS_DIR": str(corpus), "PLAN_ASSISTANT_DATA_DIR": str(root / "data")}
    with pytest.MonkeyPatch.context() as patch:
        for key, value in env.items():
            patch.setenv(key, value)
        assert (
            ingest_main(["add", str(CLIMATE_MD), "--title", "Fixture Climate Emergency Strategy 2024-2030"])
            == 0
        )
        assert (
            ingest_main(
                [
                    "add", str(LIVES_HTML), "--title", "Fixture Improving Lives Strategy 2019-2022",
                    "--id", LIVES_ID, "--not-current",
                ]
            )
            == 0
        )  # fmt: skip
        assert ingest_main(["add", str(docx), "--title", LIBRARY_TITLE, "--kind", "other"]) == 0
    settings = settings_for(root, replaced_by={LIVES_ID: REPLACEMENT})
    run_ingest(settings, lambda: memo_embedder, progress=False)
    return settings


@pytest.fixture(scope="module")
def assistant(strategies_settings: Settings) -> Assistant:
    built = build_assistant(strategies_settings)
    built.today = lambda: date(2026, 12, 1)
    return built


def test_add_writes_a_manifest_entry_the_ingest_accepts(strategies_settings: Settings) -> None:
    entries = {e.id: e for e in read_manifest(strategies_settings.corpus_dir)}
    assert entries[CLIMATE_ID].kind == "strategy"
    assert entries[CLIMATE_ID].period == "2024-2030"
    assert entries[CLIMATE_ID].publisher == "Somerset County Council"
    assert entries[LIVES_ID].current is False
    assert (strategies_settings.corpus_dir / entries[LIBRARY_ID].file).suffix == ".docx"


def test_add_refuses_a_second_document_with_the_same_id(
    strategies_settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PLAN_ASSISTANT_CORPUS_DIR", str(strategies_settings.corpus_dir))
    before = (strategies_settings.corpus_dir / "manifest.toml").read_text(encoding="utf-8")
    assert (
        ingest_main(["add", str(CLIMATE_MD), "--title", "Fixture Climate Emergency Strategy 2024-2030"]) == 1
    )
    assert "already used" in capsys.readouterr().err
    assert (strategies_settings.corpus_dir / "manifest.toml").read_text(encoding="utf-8") == before


def test_the_outline_links_the_plans_strategies_to_the_loaded_texts(strategies_settings: Settings) -> None:
    outline = Outline.load(strategies_settings.outline_path)
    plan = outline.documents[0]
    links = {link.title: link for link in plan.links}
    assert links["Climate Emergency Strategy"].document_id == CLIMATE_ID
    assert links["Improving Lives Strategy"].document_id == LIVES_ID
    assert links["Local Transport Plan"].document_id is None
    assert all(link.chunk_ids for link in plan.links)
    climate = outline.document(CLIMATE_ID)
    assert climate is not None
    assert [s.path for s in climate.sections] == [
        "Introduction", "Street lighting", "Reaching net zero", "Community minibuses"
    ]  # fmt: skip


def test_a_strategy_question_is_answered_from_it_and_names_it(assistant: Assistant) -> None:
    for audience, named in (
        (
            "resident",
            "Here's what the Fixture Climate Emergency Strategy 2024-2030 says (**Street lighting**)",
        ),
        ("staff", "covered in the Fixture Climate Emergency Strategy 2024-2030 under **Street lighting**"),
        ("adviser", "**Tell the caller** (from the Fixture Climate Emergency Strategy 2024-2030"),
    ):
        answer = assistant.ask("When are the county's street lamps going over to LED?", audience=audience)
        assert answer.status == "answered", answer.answer
        assert answer.route == "plan"
        assert answer.citations[0].document_id == CLIMATE_ID, (audience, answer.answer)
        assert answer.citations[0].section == "Street lighting"
        assert "March 2027" in answer.answer
        assert named in answer.answer
        assert "Business Plan" not in answer.answer.split("\n\n")[0]


def test_a_question_naming_a_strategy_is_answered_from_it_only(assistant: Assistant) -> None:
    answer = assistant.ask("What does the Climate Emergency Strategy say about carbon?", audience="staff")
    assert answer.status == "answered", answer.answer
    assert {c.document_id for c in answer.citations} == {CLIMATE_ID}


def test_a_listed_strategy_without_its_text_gets_the_not_available_answer(assistant: Assistant) -> None:
    answer = assistant.ask("What does the Local Transport Plan say about minibuses?")
    assert answer.status == "not_found"
    assert answer.citations == []
    assert "lists the Local Transport Plan among its linked strategies" in answer.answer
    assert "isn't available here" in answer.answer
    assert assistant.settings.contact_url in answer.answer
    assert "minibus" not in answer.answer.lower()


def test_a_question_both_documents_answer_cites_both_the_plan_first(assistant: Assistant) -> None:
    answer = assistant.ask("What is being done to reach carbon neutral by 2030?", audience="staff")
    assert answer.status == "answered", answer.answer
    documents = [c.document_id for c in answer.citations]
    assert PLAN_ID in documents and CLIMATE_ID in documents, answer.answer
    assert documents[0] == PLAN_ID
    assert "and in the Fixture Climate Emergency Strategy 2024-2030" in answer.answer
    assert "Fixture Climate Emergency Strategy 2024-2030 › Reaching net zero" in answer.answer


def test_which_strategies_sit_under_the_plan_is_an_exact_outline_answer(assistant: Assistant) -> None:
    answer = assistant.ask("Which strategies sit under the plan?")
    assert answer.route == "outline"
    assert "- Climate Emergency Strategy\n" in answer.answer
    assert "- Local Transport Plan (its text isn't available here)" in answer.answer
    assert answer.citations and answer.citations[0].document_id == PLAN_ID


def test_questions_about_a_document_itself_come_from_the_manifest(assistant: Assistant) -> None:
    period = assistant.ask("What period does this plan cover?")
    assert period.route == "outline"
    assert "covers 2021-2023, and that period has ended" in period.answer
    assert "2024-2030" in assistant.ask("Which years does the Climate Emergency Strategy cover?").answer
    lives = assistant.ask("Is the Improving Lives Strategy still current?")
    assert "no longer current" in lives.answer and "Fixture Wellbeing Strategy" in lives.answer
    contents = assistant.ask("What does the Fixture Library Service Plan contain?")
    assert "- Mobile libraries" in contents.answer and "- Opening hours" in contents.answer


def test_an_answer_from_a_document_no_longer_current_says_so_with_its_replacement(
    assistant: Assistant,
) -> None:
    answer = assistant.ask("Will there be falls-prevention classes for older people in village halls?")
    assert answer.status == "answered", answer.answer
    assert answer.citations[0].document_id == LIVES_ID
    note = next(n for n in answer.notices if "no longer current" in n)
    assert "Fixture Improving Lives Strategy 2019-2022" in note and REPLACEMENT in note
    assert answer.answer.startswith(note)


def test_the_plans_ended_period_is_said_once_per_conversation(assistant: Assistant) -> None:
    question = "When will Somerset be carbon neutral?"
    first = assistant.ask(question, audience="adviser")
    assert any("period has ended" in n for n in first.notices)
    history = (Turn(role="user", content=question), Turn(role="assistant", content=first.answer))
    again = assistant.ask("What about the council's own carbon footprint?", history, audience="adviser")
    assert not any("period has ended" in n for n in again.notices)
    bullets = [line for line in again.answer.splitlines() if line.startswith("- ")]
    assert 1 <= len(bullets) <= 4


def test_a_strategy_commitment_about_street_lights_is_a_plan_question_not_a_service_request(
    assistant: Assistant,
) -> None:
    answer = assistant.ask("when will street lights be switched to LED?")
    assert answer.route == "plan"
    assert answer.status == "answered"
    assert answer.citations[0].document_id == CLIMATE_ID


def test_a_question_naming_a_document_and_an_outcome_is_searched_within_both(assistant: Assistant) -> None:
    answer = assistant.ask("What does outcome 2 of the Business Plan say about carbon?", audience="staff")
    assert answer.status == "answered" and answer.citations
    assert {(c.document_id, c.outcome) for c in answer.citations} == {("scc-business-plan-2021-2023", 2)}
