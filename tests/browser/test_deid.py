"""Reviewing de-identification proposals from the keyboard and applying them — in Chromium."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from coding.models import Coding
from coding.services.codings import apply_coding
from deid import services
from deid.models import Proposal
from deid.tasks import deid_detect_task
from interviews.models import Transcript
from studies.jobs import create_job
from studies.models import JobKind
from tests.browser.conftest import login
from tests.coding.helpers import make_code, make_transcript
from tests.conftest import Team

TEXT = (
    "Interviewer: Where did you work before?\n\n"
    "P3: I was at Quorvex Analytics in Leeds with my manager Tom Baker, and Maria Lopez joined later. "
    "We used SHAP and LIME. Mail me at maria@quorvex.io today.\n"
)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_review_proposals_with_the_keyboard_and_apply(page: Any, live_server: Any, team: Team, settings: Any) -> None:
    settings.THEMATICA_NLP_ON_TEXT_CHANGE = False
    transcript = make_transcript(team.study, TEXT)
    start = transcript.text.index("I was at")
    coded = "I was at Quorvex Analytics in Leeds"
    coding, _ = apply_coding(
        transcript=transcript, code=make_code(team.study), start=start, end=start + len(coded), coder=team.coder
    )
    services.scan_transcript(transcript=transcript, use_ner=False)
    p = {x.original: x for x in Proposal.objects.filter(transcript=transcript)}
    assert not {"SHAP", "LIME"} & set(p)

    login(page, live_server, team.owner)
    page.goto(f"{live_server.url}/studies/{team.study.slug}/documents/")
    page.get_by_role("link", name="De-identify").click()  # the one document's row
    expect(page.get_by_role("heading", level=1)).to_contain_text("De-identify")
    expect(page.locator(".deid-span")).to_have_count(len(p))

    def mark(original: str) -> Any:
        return page.locator(f"#p-{p[original].pk}")

    expect(page.locator("body[data-deid-keys=ready]")).to_have_count(1)  # the page's keys are set up
    page.keyboard.press("j")  # the first proposal
    expect(mark("Quorvex Analytics")).to_be_focused()
    page.keyboard.press("a")
    expect(mark("Quorvex Analytics")).to_have_class(re.compile("status-accepted"))
    expect(mark("Leeds")).to_be_focused()  # back on the next undecided one
    page.keyboard.press("r")
    expect(mark("Leeds")).to_have_class(re.compile("status-rejected"))
    expect(mark("Tom Baker")).to_be_focused()
    page.keyboard.press("e")
    field = page.get_by_label("New pseudonym for “Tom Baker”")
    expect(field).to_be_focused()
    field.fill("the manager")
    field.press("Enter")
    expect(mark("Tom Baker")).to_have_class(re.compile("status-edited"))
    expect(page.locator(f"#row-{p['Tom Baker'].pk} .deid-new")).to_have_text("the manager")
    expect(mark("Maria Lopez")).to_be_focused()
    page.keyboard.press("a")
    expect(mark("maria@quorvex.io")).to_be_focused()
    page.keyboard.press("a")
    expect(mark("maria@quorvex.io")).to_have_class(re.compile("status-accepted"))

    page.get_by_role("button", name="Apply 4 accepted replacements").click()
    expect(page.locator(".messages")).to_contain_text("4 replacements applied: text version 2")
    expect(page.locator(".messages")).to_contain_text("1 codings carried exactly, 0 flagged")
    saved = Transcript.objects.get(pk=transcript.pk)
    # Tom Baker's reserved "Person 1" was given up for a chosen name: Maria Lopez, accepted next, takes it.
    assert "I was at Company 1 in Leeds with my manager the manager, and Person 1 joined later." in saved.text
    assert "Mail me at [email] today." in saved.text
    twin = Coding.objects.get(replaces=coding)
    assert saved.text[twin.start : twin.end] == "I was at Company 1 in Leeds" and not twin.needs_review
    assert page.js_errors == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_finished_scan_shows_its_proposals_without_a_reload(
    page: Any, live_server: Any, team: Team, settings: Any
) -> None:
    settings.THEMATICA_NLP_ON_TEXT_CHANGE = False
    transcript = make_transcript(team.study, TEXT)
    # A scan queued (the worker has not taken it yet): the page polls its status.
    job = create_job(
        study=team.study, kind=JobKind.DEID_DETECT, user=team.coder,
        params={"transcript": str(transcript.uuid), "text_version": transcript.text_version},
    )  # fmt: skip
    login(page, live_server, team.owner)
    page.goto(f"{live_server.url}/studies/{team.study.slug}/documents/{transcript.uuid}/deid/?job={job.uuid}")
    expect(page.locator(f"#job-{job.uuid}")).to_contain_text("Queued")
    expect(page.locator(".deid-span")).to_have_count(0)
    page.evaluate("window.notReloaded = true")

    deid_detect_task.apply(args=[job.pk])  # the worker runs it

    found = Proposal.objects.filter(transcript=transcript).order_by("start")
    expect(page.locator(".deid-span")).to_have_count(found.count())
    expect(page.locator(f"#job-{job.uuid}")).to_contain_text("Review the de-identification")
    assert page.evaluate("window.notReloaded") is True  # swapped in by htmx, not a reload
    # The keyboard works on the proposals swapped in.
    page.keyboard.press("j")
    expect(page.locator(f"#p-{found[0].pk}")).to_be_focused()
    page.screenshot(path="/tmp/deid2_after_scan.png", full_page=True)
    assert page.js_errors == []
