"""Import a participant table through the preview and mapping steps, in Chromium."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from interviews.models import AttributeValue
from tests.browser.conftest import login
from tests.conftest import Team

CSV = "ID,Organisation type,Resources\nR1,Publicly Listed,$$$$\nR2,Startup,$$\nR3,Startup,$$\nR4,Startup,$\n"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_import_participant_table(page: Any, live_server: Any, team: Team, tmp_path: Any) -> None:
    path = tmp_path / "interviewees.csv"
    path.write_text(CSV, encoding="utf-8")
    login(page, live_server, team.coder)
    page.goto(f"{live_server.url}/studies/{team.study.slug}/participants/")
    page.get_by_role("link", name="Import table").click()
    page.set_input_files("#table", str(path))
    page.get_by_role("button", name="Preview").click()
    page.wait_for_selector("#mapping")
    assert page.locator("#map-0").input_value() == "id"
    page.select_option("#type-2", "category")
    page.get_by_role("button", name="Validate and import").click()
    page.wait_for_selector("#participant-table")
    assert "4 participants created" in page.locator(".messages").inner_text()
    table = page.locator("#participant-table")
    expect(table.get_by_role("cell", name="$$$$", exact=True)).to_have_count(1)
    assert AttributeValue.objects.filter(attribute__name="Resources", value_text="$$").count() == 2
    assert page.js_errors == []
