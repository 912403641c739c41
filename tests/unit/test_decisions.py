"""The list of tuned numbers reads each value from the code that uses it."""

from __future__ import annotations

from plan_assistant import grounding
from plan_assistant.config import Settings
from plan_assistant.decisions import describe
from plan_assistant.guardrails import routing


def test_every_decision_names_its_value_how_it_was_chosen_and_what_measured_it() -> None:
    decisions = describe()
    assert decisions
    for decision in decisions:
        assert set(decision) == {"name", "value", "how", "measured"}
        assert all(isinstance(v, str) and v.strip() for v in decision.values()), decision


def test_decision_values_are_the_ones_the_code_runs_on() -> None:
    values = {d["name"]: d["value"] for d in describe()}
    assert values["min_relevance (setting)"] == str(Settings().min_relevance)
    assert values["guardrails.routing.ROUTE_MARGIN"] == str(routing.ROUTE_MARGIN)
    assert values["grounding.LEXICAL_SUPPORT"] == str(grounding.LEXICAL_SUPPORT)
    assert all(
        f"{route} {value}" in values["guardrails.routing.ROUTE_SIMILARITY"]
        for route, value in routing.ROUTE_SIMILARITY.items()
    )
    assert any("ratchet" in d["how"] for d in describe())


def test_every_tuned_setting_default_is_the_value_cross_validation_chose() -> None:
    from plan_assistant.decisions import tuning

    for name, entry in tuning().items():
        assert Settings.model_fields[name].default == entry["value"], name
