"""accessibility.py: the statement page in GOV.UK's model form, with the council's own links."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from plan_assistant.accessibility import KNOWN_ISSUES, statement_page
from plan_assistant.config import Settings

MODEL_HEADINGS = [
    "How accessible this website is",
    "Feedback and contact information",
    "Reporting accessibility problems with this website",
    "Enforcement procedure",
    "Technical information about this website's accessibility",
    "Non-accessible content",
    "Preparation of this accessibility statement",
]


def test_the_statement_has_the_model_statements_sections_in_order(tmp_path: Path) -> None:
    page = statement_page(Settings(data_dir=tmp_path))
    assert re.findall(r"<h2>(.*?)</h2>", page) == MODEL_HEADINGS
    assert '<html lang="en-GB">' in page
    assert "Equality and Human Rights Commission" in page
    assert "Equality Advisory and Support Service" in page


def test_the_statement_sends_people_to_the_councils_contact_and_complaints_pages(tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path,
        contact_text="Fixture Council <help> desk",
        contact_url="https://fixture.example/contact?a=1&b=2",
        complaints_url="https://fixture.example/complaints",
    )
    page = statement_page(settings)
    assert page.count('<a href="https://fixture.example/contact?a=1&amp;b=2">') == 2
    assert "Fixture Council &lt;help&gt; desk" in page
    assert '<a href="https://fixture.example/complaints">make a complaint</a>' in page


def test_the_statement_names_each_known_failure_with_its_success_criterion_and_the_test_date(
    tmp_path: Path,
) -> None:
    page = statement_page(Settings(data_dir=tmp_path), tested_on=date(2026, 3, 4))
    assert "partially compliant" in page
    for _, criterion in KNOWN_ISSUES:
        assert f"This fails WCAG 2.2 success criterion {criterion}." in page
    assert "last tested on 4 March 2026" in page
