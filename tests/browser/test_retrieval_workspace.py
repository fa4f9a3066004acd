"""Issue 9 in Chromium: a viewer expands a retrieved fragment in place (keyboard and mouse) to
see the turns around it, collapses it again, and opens it in the reader at its position."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from playwright.sync_api import expect

from coding.models import Code, Coding
from tests.browser.conftest import login, settled
from tests.coding.helpers import make_transcript
from tests.conftest import Team

TEXT = (
    "Interviewer: How was the migration? <script>window.pwned = 1</script>\n\n"
    "P2: Honestly it was really tough. We lost a week to it.\n\n"
    "Interviewer: What would you change?\n\n"
    "P2: Start with the data contracts.\n"
)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_viewer_expands_a_fragment_in_place(page: Any, live_server: Any, team: Team) -> None:
    transcript = make_transcript(team.study, TEXT, "P2.txt")
    code = Code.objects.create(study=team.study, name="Difficulty")
    start = transcript.text.index("really tough.")
    Coding.objects.create(transcript=transcript, code=code, start=start, end=start + 13, coder=team.coder)

    login(page, live_server, team.viewer)
    page.goto(f"{live_server.url}/studies/{team.study.slug}/retrieve/?code={code.uuid}")
    segment = page.locator("#segments .segment").first
    excerpt = segment.locator(".segment-text")
    expect(excerpt).to_have_text("really tough.")
    expect(page.locator(".segment-speaker")).to_have_text("P2")

    # Keyboard: Tab-reachable real button, Enter expands to the whole turn.
    whole = segment.get_by_role("button", name="Whole turn", exact=True)
    around = segment.get_by_role("button", name="± 1 turn", exact=True)
    expect(whole).to_have_attribute("aria-expanded", "false")
    settled(page)
    whole.focus()
    page.keyboard.press("Enter")
    context = segment.locator(".segment-context")
    expect(context).to_be_visible()
    expect(context.locator("mark")).to_have_text("really tough.")
    expect(context).to_contain_text("Honestly it was really tough. We lost a week to it.")
    expect(context).not_to_contain_text("How was the migration?")
    expect(whole).to_have_attribute("aria-expanded", "true")
    expect(excerpt).to_be_hidden()

    # ± 1 turn: the question before and the one after, each with its speaker; the hostile
    # markup in the transcript stays text.
    settled(page)
    around.click()
    expect(context).to_contain_text("How was the migration? <script>window.pwned = 1</script>")
    expect(context).to_contain_text("What would you change?")
    expect(context.locator(".context-speaker")).to_have_text(["Interviewer", "P2", "Interviewer"])
    expect(around).to_have_attribute("aria-expanded", "true")
    expect(whole).to_have_attribute("aria-expanded", "false")
    assert page.evaluate("window.pwned") is None

    # A second press collapses back to the bare fragment.
    around.press("Space")
    expect(around).to_have_attribute("aria-expanded", "false")
    expect(context).to_be_hidden()
    expect(excerpt).to_be_visible()

    # Open in the reader at this position.
    link = segment.get_by_role("link", name="Open in reader", exact=True)
    expect(link).to_have_attribute(
        "href", f"/studies/{team.study.slug}/documents/{transcript.uuid}/#pos-{start}-{start + 13}"
    )
    link.click()
    page.wait_for_url(f"**/documents/{transcript.uuid}/#pos-{start}-{start + 13}")
    assert page.js_errors == []


AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_expanded_results_pass_axe(axe_page: Any, live_server: Any, team: Team) -> None:
    page = axe_page
    transcript = make_transcript(team.study, TEXT, "P2.txt")
    code = Code.objects.create(study=team.study, name="Difficulty")
    for part in ("really tough.", "We lost a week to it.", "Start with the data contracts."):
        start = transcript.text.index(part)
        Coding.objects.create(transcript=transcript, code=code, start=start, end=start + len(part), coder=team.coder)
    login(page, live_server, team.viewer)
    page.goto(f"{live_server.url}/studies/{team.study.slug}/retrieve/?code={code.uuid}")
    segments = page.locator("#segments .segment")
    expect(segments).to_have_count(3)
    settled(page)
    segments.nth(0).get_by_role("button", name="± 1 turn", exact=True).click()
    segments.nth(1).get_by_role("button", name="Whole turn", exact=True).click()
    expect(segments.nth(0).locator(".segment-context mark")).to_be_visible()
    expect(segments.nth(1).locator(".segment-context mark")).to_be_visible()
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "() => axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']}})"
    )
    serious = [
        (v["id"], [n["target"] for n in v["nodes"]])
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == []
