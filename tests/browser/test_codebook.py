"""Create two codes, merge them, then undo the merge — in Chromium."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from coding.models import Code, Coding
from tests.browser.conftest import login
from tests.coding.helpers import make_transcript
from tests.conftest import Team


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_create_merge_and_undo(page: Any, live_server: Any, team: Team) -> None:
    transcript = make_transcript(team.study)
    login(page, live_server, team.coder)
    page.goto(f"{live_server.url}/studies/{team.study.slug}/codebook/")
    for name in ("Distrust", "Mistrust"):
        page.fill("#name", name)
        page.get_by_role("button", name="Create").click()
        page.wait_for_selector(f"#codebook-tree >> text={name}")
    distrust = Code.objects.get(name="Distrust")
    Coding.objects.create(transcript=transcript, code=distrust, start=0, end=11, coder=team.coder)

    page.get_by_role("link", name="Distrust").click()
    page.select_option("#target", label="Mistrust (0)")
    page.get_by_role("button", name="Merge").click()
    page.wait_for_selector("text=Merged “Distrust” into “Mistrust”")
    assert Coding.objects.get(retired_at=None).code.name == "Mistrust"

    page.get_by_role("link", name="Codebook", exact=True).first.click()
    expect(page.locator("#codebook-tree li")).to_have_count(1)
    page.get_by_role("button", name="Undo my last change").click()
    page.wait_for_selector("text=Undone:")
    names = sorted(page.locator("#codebook-tree li a").all_inner_texts())
    assert names == ["Distrust", "Mistrust"]
    assert Coding.objects.get(retired_at=None).code.name == "Distrust"
    assert page.js_errors == []
