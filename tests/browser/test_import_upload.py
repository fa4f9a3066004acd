"""Upload three transcripts at once in the browser, without the preview, and read the resulting turns."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from interviews.models import Transcript
from tests.browser.conftest import login
from tests.conftest import Team
from tests.interviews.importer_helpers import DATA


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_upload_three_files_and_read_turns(page: Any, live_server: Any, team: Team) -> None:
    login(page, live_server, team.coder)
    page.goto(f"{live_server.url}/studies/{team.study.slug}/")
    page.get_by_role("link", name="Import", exact=True).first.click()
    page.set_input_files(
        "#files", [str(DATA / "interview_p5.vtt"), str(DATA / "sample.docx"), str(DATA / "interview_p8.csv")]
    )
    page.get_by_label("Import without preview (large batches)").check()
    page.get_by_role("button", name="Import").click()
    expect(page.locator(".job-list .job .status-done")).to_have_count(3)
    assert Transcript.objects.filter(study=team.study).count() == 3

    page.get_by_role("link", name="Open “interview p5”").click()
    page.wait_for_selector("#transcript[data-ready]")
    speakers = page.locator(".turn .turn-speaker").all_inner_texts()
    texts = page.locator(".turn .turn-text").all_inner_texts()
    assert speakers == ["Interviewer", "P5", "Interviewer"]
    assert texts[1] == "We use partial dependence plots & feature importance. Mostly for the risk team."
    assert page.locator(".turn-time").first.inner_text() == "0:00:01"
    assert page.js_errors == []
