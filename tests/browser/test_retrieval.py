"""Auto-code by search, find the excerpts in retrieval, then undo the auto-code — in Chromium."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from coding.models import Coding
from interviews.models import Participant
from interviews.services import participants as services
from tests.browser.conftest import login
from tests.coding.helpers import make_transcript
from tests.conftest import Team

TEXT = (
    "Interviewer: Which explanation methods do you use?\n\n"
    "P1: SHAP mostly. We tried LIME once.\n\n"
    "Interviewer: And counterfactuals?\n\n"
    "P1: Counterfactuals are what customers understand. SHAP is for us.\n"
)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_autocode_then_retrieve_then_undo(page: Any, live_server: Any, team: Team) -> None:
    transcript = make_transcript(team.study, TEXT)
    p1 = Participant.objects.create(study=team.study, label="P1")
    transcript.participants.add(p1)
    role = services.create_attribute(study=team.study, name="role", type="category", choices=["DS"])
    services.save_participant(study=team.study, label="P1", values={role: "DS"}, participant=p1)
    login(page, live_server, team.coder)
    page.goto(f"{live_server.url}/studies/{team.study.slug}/autocode/")
    page.fill("#q", "SHAP")
    page.select_option("#scope", "sentence")
    page.fill("#new_code", "SHAP use")
    page.get_by_role("button", name="Preview hits").click()
    page.wait_for_selector("#hits")
    boxes = page.locator("#hits input[type=checkbox]")
    expect(boxes).to_have_count(2)
    boxes.nth(1).uncheck()
    page.get_by_role("button", name="Apply the code to the selected hits").click()
    page.wait_for_selector("text=Applied to 1 passage")
    coding = Coding.objects.get(retired_at=None)
    assert transcript.text[coding.start : coding.end] == "SHAP mostly."

    page.get_by_role("link", name="Retrieve", exact=True).click()
    page.get_by_label("SHAP use").check()
    page.fill("#where", "role = DS")
    page.get_by_role("button", name="Retrieve").click()
    page.wait_for_selector("#segments")
    assert page.locator("#segments .segment-text").all_inner_texts() == ["SHAP mostly."]

    page.goto(f"{live_server.url}/studies/{team.study.slug}/activity/")
    page.get_by_role("button", name="Undo").first.click()
    page.wait_for_selector("text=Undone:")
    assert not Coding.objects.filter(retired_at=None).exists()
    assert page.js_errors == []
