"""From codes to a finding in Chromium: build a theme from codes on the board, write a finding, quote
two excerpts from the picker, cite a technique suggested by the quotes, follow the citation to the
technique's page and find the finding listed there (and back); then browse the results."""

from __future__ import annotations

import os
import re
from typing import Any

import pytest
from playwright.sync_api import expect

from assist.services import process_transcripts
from coding.models import Code
from coding.services.codings import apply_coding
from interviews.models import Participant
from tests.browser.conftest import login
from tests.coding.helpers import make_transcript
from tests.conftest import Team
from themes.models import Finding, Theme, ThemeStatus
from themes.services.themes import create_theme, set_status

TEXT = (
    "Interviewer: Which explanation methods do you use?\n\n"
    "P1: SHAP mostly. We tried LIME once, but the customers wanted counterfactual explanations.\n\n"
    "Interviewer: And for the data scientists?\n\n"
    "P1: SHAP values again, and saliency maps for the image models.\n"
)
SHOTS = os.environ.get("FINDINGS_SHOTS", "")


def _code(transcript: Any, code: Code, words: str, coder: Any) -> None:
    start = transcript.text.index(words)
    apply_coding(transcript=transcript, code=code, start=start, end=start + len(words), coder=coder)


def _shot(page: Any, name: str) -> None:
    if SHOTS:
        os.makedirs(SHOTS, exist_ok=True)
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_theme_finding_quotes_citation_and_technique_page(page: Any, live_server: Any, team: Team) -> None:
    transcript = make_transcript(team.study, TEXT)
    transcript.participants.add(Participant.objects.create(study=team.study, label="R1"))
    Participant.objects.create(study=team.study, label="R2")
    process_transcripts([transcript])  # stores the technique mentions the suggestions come from
    methods = Code.objects.create(study=team.study, name="Explanation methods")
    audience = Code.objects.create(study=team.study, name="Audiences")
    _code(transcript, methods, "SHAP mostly.", team.coder)
    _code(transcript, audience, "SHAP values again, and saliency maps for the image models.", team.coder)
    login(page, live_server, team.coder)
    base = f"{live_server.url}/studies/{team.study.slug}"

    # The board: a new theme, and both codes put into it with the keyboard-friendly form.
    page.goto(f"{base}/themes/")
    page.get_by_label("Name").fill("It's Tough.")
    page.get_by_role("button", name="Create theme").click()
    columns = page.locator(".theme-columns")
    expect(columns.get_by_role("link", name="It's Tough.")).to_be_visible()
    for code in ("Explanation methods", "Audiences"):
        page.locator("#put-code").select_option(label=code)
        page.locator("#put-target").select_option(label="It's Tough.")
        page.get_by_role("button", name="Put it there").click()
        expect(page.locator(".theme-columns")).to_contain_text(code)
    theme = Theme.objects.get(study=team.study, name="It's Tough.")
    assert set(theme.codes.values_list("name", flat=True)) == {"Explanation methods", "Audiences"}

    # The theme's page: write a finding.
    columns.get_by_role("link", name="It's Tough.").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("It's Tough.")
    page.get_by_label("Claim").fill("Practitioners reach for SHAP first.")
    page.get_by_role("button", name="Add finding").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Practitioners reach for SHAP first.")

    # Two quotes from the picker.
    picker = page.locator("#picker")
    picker.get_by_role("button", name=re.compile(r"^Quote as support: SHAP mostly")).click()
    expect(page.locator("#excerpts .excerpt-item")).to_have_count(1)
    page.locator("#picker").get_by_role("button", name=re.compile(r"^Quote as support: SHAP values again")).click()
    support = page.locator("#excerpts .excerpt-item")
    expect(support).to_have_count(2)
    expect(support.nth(0)).to_contain_text("SHAP mostly.")
    expect(support.nth(1)).to_contain_text("saliency maps for the image models.")
    expect(page.get_by_test_id("coverage")).to_have_text("R1 — 1 of 2 participants")

    # The quotes mention SHAP (twice) and saliency maps: cite SHAP from the suggestions.
    techniques = page.locator("#techniques")
    techniques.get_by_role("button", name="Cite SHAP").click()
    cited = page.locator("#techniques .cited-techniques")
    expect(cited.get_by_role("link", name="SHAP", exact=True)).to_be_visible()
    _shot(page, "finding_detail")

    # Follow the citation: the technique's page lists the finding and its quotes.
    cited.get_by_role("link", name="SHAP", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("SHAP")
    citing = page.locator(".technique-citations")
    expect(citing.get_by_role("link", name="Practitioners reach for SHAP first.")).to_be_visible()
    expect(citing).to_contain_text("SHAP mostly.")
    _shot(page, "technique_page")
    citing.get_by_role("link", name="Practitioners reach for SHAP first.").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Practitioners reach for SHAP first.")

    # Browse mode, once the theme is final: the finding with its quotes, presentable.
    set_status(theme=theme, user=team.owner, status=ThemeStatus.FINAL)
    page.goto(f"{base}/themes/{theme.uuid}/")
    findings = page.locator("#findings")
    expect(findings.get_by_role("link", name="Practitioners reach for SHAP first.")).to_be_visible()
    expect(findings).to_contain_text("R1 — 1 of 2 participants")
    _shot(page, "theme_page")
    create_theme(study=team.study, user=team.owner, name="Second theme", status=ThemeStatus.REVIEWED)
    page.goto(f"{base}/browse/")
    expect(page.locator(".browse-tree")).to_contain_text("Second theme")
    _shot(page, "browse_tree")
    # From the keyboard: → starts, n / → go on, ← / p go back.
    page.keyboard.press("ArrowRight")
    expect(page.get_by_role("heading", level=1)).to_have_text("It's Tough.")
    expect(page.locator(".browse-finding")).to_contain_text("R1 — 1 of 2 participants")
    page.keyboard.press("n")
    expect(page.get_by_role("heading", level=1)).to_have_text("Second theme")
    page.keyboard.press("ArrowLeft")
    expect(page.get_by_role("heading", level=1)).to_have_text("It's Tough.")
    page.get_by_role("link", name="Present").click()
    expect(page.locator(".presenting")).to_be_visible()
    _shot(page, "browse_present")
    assert Finding.objects.get().excerpts.count() == 2
    assert page.js_errors == []
