"""The import preview in Chromium: upload, see each file's speakers, rename, merge and map them,
choose where unlabelled paragraphs go (the file's preview is redrawn), import, and read the stored
speakers on the document. The eager Celery of the tests runs the import jobs at once."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from interviews.models import Participant, Transcript
from studies.models import StagedUpload
from tests.browser.conftest import login, settled
from tests.browser.test_accessibility import AXE, describe, serious_violations
from tests.conftest import Team

TWO_INTERVIEWERS = (
    "Interviewer A: First question, how do you check a model before it goes live?\n\n"
    "P3: We compute SHAP values for every model before launch.\n\n"
    "Interviewer B: A follow-up: who reads those plots?\n\n"
    "P3: The risk team, and sometimes the product managers.\n\n"
    "Interviewer A: Last one?\n\n"
    "P3: Done.\n\n"
    "Participant 2: Can I add something about the risk team?\n\n"
    "Interviewer B: Thanks!\n"
)
# A think-aloud session: only the moderator is labelled.
SESSION = (
    "MODERATOR: Could you start task 1?\n\n"
    "I am opening the menu now. It says settings.\n\n"
    "MODERATOR: What do you expect to find there?\n\n"
    "Probably my profile, and the password.\n"
)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_preview_rename_merge_map_and_import(axe_page: Any, live_server: Any, team: Team, tmp_path: Any) -> None:
    page = axe_page
    p3 = Participant.objects.create(study=team.study, label="P3")
    p4 = Participant.objects.create(study=team.study, label="P4")
    (tmp_path / "two.txt").write_text(TWO_INTERVIEWERS, encoding="utf-8")
    (tmp_path / "session.txt").write_text(SESSION, encoding="utf-8")
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.4 garbage")

    login(page, live_server, team.coder)
    page.goto(f"{live_server.url}/studies/{team.study.slug}/documents/import/")
    page.set_input_files("#files", [str(tmp_path / n) for n in ("two.txt", "session.txt", "broken.pdf")])
    page.get_by_role("button", name="Import").click()

    expect(page.get_by_role("heading", name="Import preview")).to_be_visible()
    two = page.locator("section.import-file", has=page.get_by_role("heading", name="two.txt"))
    session = page.locator("section.import-file", has=page.get_by_role("heading", name="session.txt"))
    broken = page.locator("section.import-file", has=page.get_by_role("heading", name="broken.pdf"))
    expect(broken.get_by_role("alert")).to_contain_text("broken.pdf: is not a valid PDF")
    expect(two.locator("tr[data-speaker]")).to_have_count(4)
    expect(two.locator("tr[data-speaker='P3'] td").first).to_have_text("3")  # turns
    expect(two.locator("tr[data-speaker='Interviewer B']")).to_contain_text("A follow-up: who reads those plots?")
    expect(two.get_by_label("Who is “P3”?")).to_have_value(f"participant:{p3.uuid}")
    assert StagedUpload.objects.filter(name="two.txt").exists() and not Transcript.objects.exists()
    assert AXE.exists(), f"{AXE} is missing: run `npm ci`"
    violations = serious_violations(page)
    assert not violations, describe(violations)

    # Merge Interviewer B into Interviewer A, rename P3, and map the one-off speaker to P4.
    two.get_by_label("Store “Interviewer B” as").fill("Interviewer A")
    two.get_by_label("Store “P3” as").fill("Dr. Haddad")
    two.get_by_label("Who is “Participant 2”?").select_option(label="Participant P4")

    # The moderator's session: unlabelled paragraphs are the participant's, as detected; choosing
    # "previous" redraws the file with the moderator alone.
    expect(session.locator("tr[data-speaker]")).to_have_count(2)
    settled(page)
    with page.expect_response(lambda r: "/documents/import/preview/" in r.url and r.request.method == "POST"):
        session.get_by_label("Paragraphs without a speaker label").select_option("previous")
    expect(session.locator("tr[data-speaker]")).to_have_count(1)
    expect(session.locator("tr[data-speaker='MODERATOR'] td").first).to_have_text("1")
    settled(page)
    with page.expect_response(lambda r: "/documents/import/preview/" in r.url and r.request.method == "POST"):
        session.get_by_label("Paragraphs without a speaker label").select_option("participant")
    expect(session.locator("tr[data-speaker]")).to_have_count(2)
    # Redrawing one file keeps the choices made in the others.
    expect(two.get_by_label("Store “Interviewer B” as")).to_have_value("Interviewer A")

    page.get_by_role("button", name="Import", exact=True).click()
    expect(page.get_by_role("heading", name="Imports")).to_be_visible()
    expect(page.locator(".import-job .status-done")).to_have_count(2)
    row = page.locator(".import-job", has_text="two.txt")
    expect(row).to_contain_text("8 turns")
    expect(row).to_contain_text("3 speakers")
    expect(row.locator(".import-summary-speakers")).to_contain_text("Dr. Haddad participant P3")
    assert not StagedUpload.objects.exists()
    # axe on the summaries, once the "queued" message is gone (base.html's message list is checked elsewhere).
    page.reload()
    expect(page.locator(".import-job .status-done")).to_have_count(2)
    expect(page.locator(".messages")).to_have_count(0)
    violations = serious_violations(page)
    assert not violations, describe(violations)

    row.get_by_role("link", name="Open “two”").click()
    expect(page.locator("#transcript .turn").first).to_be_visible()
    expect(page.locator(".turn .turn-speaker")).to_have_text(
        ["Interviewer A", "Dr. Haddad"] * 3 + ["Participant 2", "Interviewer A"]
    )
    expect(page.locator(".turn .turn-participant")).to_have_text(["P3", "P3", "P3", "P4"])
    transcript = Transcript.objects.get(source_filename="two.txt")
    assert set(transcript.participants.all()) == {p3, p4}
    assert page.js_errors == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_redrawing_an_expired_preview_says_so(page: Any, live_server: Any, team: Team, tmp_path: Any) -> None:
    """htmx leaves the page unchanged on an error response; the page must say why nothing happened."""
    (tmp_path / "session.txt").write_text(SESSION, encoding="utf-8")
    login(page, live_server, team.coder)
    page.goto(f"{live_server.url}/studies/{team.study.slug}/documents/import/")
    page.set_input_files("#files", [str(tmp_path / "session.txt")])
    page.get_by_role("button", name="Import").click()
    session = page.locator("section.import-file", has=page.get_by_role("heading", name="session.txt"))
    expect(session.locator("tr[data-speaker]")).to_have_count(2)
    StagedUpload.objects.all().delete()  # expired (purged) while the page was open
    settled(page)
    session.get_by_label("Paragraphs without a speaker label").select_option("previous")
    expect(page.locator("#update-error")).to_have_text("This preview expired; upload the file again.")
    expect(session.locator("tr[data-speaker]")).to_have_count(2)  # nothing was redrawn
    assert page.js_errors == []
