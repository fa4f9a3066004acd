"""From the reader's "Techniques mentioned" panel to the technique's page, and from one of its
excerpts back to that position in the reader — in Chromium."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from assist.selectors import transcript_mentions
from assist.services import process_transcripts
from tests.browser.conftest import login
from tests.coding.helpers import make_transcript
from tests.conftest import Team

TEXT = (
    "Interviewer: Which explanation methods do you use?\n\n"
    "P1: SHAP mostly. We tried LIME once, but the customers wanted counterfactual explanations.\n\n"
    "Interviewer: And for the data scientists?\n\n"
    "P1: SHAP values again, and saliency maps for the image models.\n"
)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_reader_panel_to_technique_page_and_back(page: Any, live_server: Any, team: Team) -> None:
    transcript = make_transcript(team.study, TEXT)
    process_transcripts([transcript])  # what the job after an import does (idempotent)
    shap = [m for m in transcript_mentions(transcript) if m.technique == "shap"]
    assert len(shap) == 2
    second = shap[1]
    login(page, live_server, team.viewer)
    reader = f"{live_server.url}/studies/{team.study.slug}/documents/{transcript.uuid}/"
    page.goto(reader)
    panel = page.locator(".techniques-panel")
    expect(panel.get_by_role("link", name="SHAP", exact=True)).to_be_visible()
    expect(panel).to_contain_text("×2")
    panel.get_by_role("link", name="SHAP", exact=True).click()

    expect(page.get_by_role("heading", level=1)).to_have_text("SHAP")
    expect(page.locator(".excerpt-list mark")).to_have_count(2)
    expect(page.get_by_text("2 in 1 document")).to_be_visible()
    page.locator(".excerpt-list a").nth(1).click()

    expect(page).to_have_url(re.compile(rf"#pos-{second.start}-{second.end}$"))
    # The reader shows the position: the turn holding it is flashed and focused.
    turn = page.locator(".turn.flash")
    expect(turn).to_have_count(1)
    expect(turn.locator(".turn-text")).to_contain_text("SHAP values again")
    # And from the panel, the first mention's position link.
    page.locator(".techniques-panel").get_by_role("link", name="SHAP, mention 1").click()
    expect(page).to_have_url(re.compile(rf"#pos-{shap[0].start}-{shap[0].end}$"))
    expect(page.locator(".turn.flash .turn-text")).to_contain_text("SHAP mostly")
    assert page.js_errors == []
