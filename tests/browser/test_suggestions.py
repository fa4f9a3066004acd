"""Reviewing code suggestions from the keyboard, in Chromium: accept, reject (and undo), accept as
another code, edit a span; then the reader shows the new codings with where they came from, and the
rejected suggestion is gone from the queue."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from playwright.sync_api import expect

from assist.models import Suggestion, SuggestionRule, SuggestionStatus
from coding.models import Code
from coding.selectors import transcript_codings
from interviews.models import Transcript
from interviews.services.imports import import_transcript
from tests.browser.conftest import login
from tests.conftest import Team
from tests.factories import PASSWORD

TEXT = (
    "Interviewer: How do you explain the model?\n\n"
    "P1: We show SHAP values to the <b>clinicians</b>. They trust the model more then. Drift worries us most.\n\n"
    "Interviewer: Anything else?\n\n"
    "P1: Counterfactual explanations help the patients a lot.\n"
)
SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def _suggest(transcript: Transcript, words: str, code: Code, score: float, rule: SuggestionRule | None) -> Suggestion:
    start = transcript.text.index(words)
    marked = transcript.text.index("SHAP") if "SHAP" in words else None
    return Suggestion.objects.create(
        study=transcript.study, transcript=transcript, text_version=transcript.text_version, start=start,
        end=start + len(words), code=code, score=score, band="high" if score >= 0.75 else "medium",
        source="rule" if rule else "model", rule=rule, model_version=None if rule else 2,
        evidence={"rules": [rule.pk] if rule else [], "spans": [[marked, marked + 4]] if marked else [], "similar": []},
        run=uuid4(),
    )  # fmt: skip


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_review_suggestions_with_the_keyboard(page: Any, live_server: Any, team: Team) -> None:
    transcript = import_transcript(study=team.study, filename="p1.txt", data=TEXT.encode(), user=None).transcript
    trust = Code.objects.create(study=team.study, name="Trust", colour="#3366cc")
    drift = Code.objects.create(study=team.study, name="Monitoring", colour="#cc7a00")
    patients = Code.objects.create(study=team.study, name="Patients", colour="#2e8b57")
    rule = SuggestionRule.objects.create(study=team.study, code=trust, kind="keyword", pattern="SHAP")
    first = _suggest(transcript, "We show SHAP values to the <b>clinicians</b>.", trust, 0.9, rule)
    second = _suggest(transcript, "They trust the model more then.", drift, 0.8, None)
    third = _suggest(transcript, "Drift worries us most.", trust, 0.7, None)
    fourth = _suggest(transcript, "Counterfactual explanations help the patients a lot.", trust, 0.6, None)

    login(page, live_server, team.coder)
    queue = f"{live_server.url}/studies/{team.study.slug}/suggestions/?transcript={transcript.uuid}"
    page.goto(queue)
    rows = page.locator(".suggestion")
    expect(rows).to_have_count(4)
    # The transcript's markup is shown as text; the rule's word is marked.
    expect(rows.nth(0).locator(".suggestion-text")).to_have_text("We show SHAP values to the <b>clinicians</b>.")
    expect(rows.nth(0).locator("mark")).to_have_text("SHAP")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "suggestion_queue.png"), full_page=True)
    announcer = page.locator("#suggestion-announcer")

    # j focuses the first; a accepts it; focus moves on to the next open one.
    page.keyboard.press("j")
    expect(rows.nth(0)).to_be_focused()
    page.keyboard.press("a")
    expect(rows.nth(0)).to_have_attribute("data-status", "accepted")
    expect(announcer).to_contain_text("Accepted “Trust”")
    expect(rows.nth(1)).to_be_focused()
    # A decided suggestion offers no more decisions; it says what was decided.
    expect(rows.nth(0).get_by_role("button", name="Accept", exact=True)).to_be_hidden()
    expect(rows.nth(0).locator(".decision")).to_have_text("Accepted by cora_coder.")
    expect(page.locator("#suggestion-progress")).to_have_text("(3 of this page’s 4 still open)")

    # r rejects the second; u undoes that; r again.
    page.keyboard.press("r")
    expect(rows.nth(1)).to_have_attribute("data-status", "rejected")
    expect(rows.nth(2)).to_be_focused()
    page.keyboard.press("u")
    expect(rows.nth(1)).to_have_attribute("data-status", "open")
    expect(rows.nth(1)).to_be_focused()
    expect(announcer).to_contain_text("open for review again")
    page.keyboard.press("r")
    expect(rows.nth(1)).to_have_attribute("data-status", "rejected")
    expect(rows.nth(2)).to_be_focused()

    # c: accept as another code, chosen by typing its name in the code list; Enter accepts.
    page.keyboard.press("c")
    picker = rows.nth(2).locator("select[name=code]")
    expect(picker).to_be_focused()
    page.keyboard.type("Monit")
    expect(picker).to_have_value(str(drift.uuid))
    page.keyboard.press("Enter")
    expect(rows.nth(2)).to_have_attribute("data-status", "accepted")
    expect(rows.nth(2).locator(".decision")).to_contain_text("as “Monitoring”")

    # e: the span editor; Shift+← moves the end back a word at a time (first past the full stop),
    # Enter accepts that span.
    expect(rows.nth(3)).to_be_focused()
    page.keyboard.press("e")
    editor = rows.nth(3).locator(".span-editor")
    expect(editor).to_be_focused()
    for _ in range(3):
        page.keyboard.press("Shift+ArrowLeft")
    expect(editor.locator("mark")).to_have_text("Counterfactual explanations help the patients")
    page.keyboard.press("Enter")
    expect(rows.nth(3)).to_have_attribute("data-status", "accepted")
    expect(announcer).to_contain_text("Every suggestion on this page is decided")
    page.screenshot(path=str(SHOTS / "suggestion_queue_decided.png"), full_page=True)

    statuses = dict(Suggestion.objects.values_list("pk", "status"))
    assert [statuses[s.pk] for s in (first, second, third, fourth)] == ["accepted", "rejected", "accepted", "accepted"]
    codings = sorted(
        (c.code.name, transcript.text[c.start : c.end])
        for c in transcript_codings(transcript=transcript, user=team.coder)
    )
    assert codings == [
        ("Monitoring", "Drift worries us most."),
        ("Trust", "Counterfactual explanations help the patients"),
        ("Trust", "We show SHAP values to the <b>clinicians</b>."),
    ]
    assert not Suggestion.objects.filter(code=patients).exists()  # offered in the picker, not chosen

    # The reader: the new codings are drawn, and its panel says where they came from.
    page.goto(f"{live_server.url}/studies/{team.study.slug}/documents/{transcript.uuid}/")
    page.wait_for_selector("#transcript[data-ready]")
    expect(page.locator("#code-legend")).to_contain_text("Trust")
    expect(page.locator("#code-legend")).to_contain_text("Monitoring")
    panel = page.locator(".suggestions-panel")
    expect(panel.get_by_role("link", name=re.compile(r"Suggestions \(0\)"))).to_be_visible()
    expect(panel).to_contain_text("suggested by rule “SHAP”")
    expect(panel).to_contain_text("suggested by model v2")
    panel.scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "reader_suggestions_panel.png"))

    # The queue: nothing open; the rejected one is listed only under "Rejected".
    page.goto(queue)
    expect(page.locator(".suggestion")).to_have_count(0)
    page.goto(queue + "&status=rejected")
    expect(page.locator(".suggestion")).to_have_count(1)
    expect(page.locator(".suggestion .suggestion-text")).to_have_text("They trust the model more then.")
    assert Suggestion.objects.filter(status=SuggestionStatus.OPEN).count() == 0
    assert page.js_errors == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_rules_panel_on_the_code_page(page: Any, live_server: Any, team: Team) -> None:
    trust = Code.objects.create(study=team.study, name="Trust", colour="#3366cc")
    SuggestionRule.objects.create(
        study=team.study, code=trust, kind="lemma", pattern="trust ... model", accepted=9, rejected=1
    )
    login(page, live_server, team.coder)
    page.goto(f"{live_server.url}/studies/{team.study.slug}/codes/{trust.uuid}/")
    panel = page.locator("#suggestion-rules")
    expect(panel).to_contain_text("Model: needs more examples")
    expect(panel).to_contain_text("0 of 6 coded examples")
    expect(panel.locator("tbody tr")).to_have_count(1)
    expect(panel.locator("tbody tr td").nth(4)).to_have_text("0.70")  # (9 + 5) / (9 + 1 + 10)
    # A pattern the engine refuses is explained and kept to correct; markup in it stays text.
    panel.get_by_label("Kind").select_option("regex")
    panel.get_by_label("Pattern").fill("<i>(unclosed")
    panel.get_by_role("button", name="Add rule").click()
    expect(page.locator(".messages")).to_contain_text("The rule was not added")
    expect(page.locator("#rule-pattern")).to_have_value("<i>(unclosed")
    page.locator("#rule-kind").select_option("keyword")
    page.locator("#rule-pattern").fill("confidence")
    page.locator("#rule-pattern").press("Enter")
    expect(page.locator("#suggestion-rules tbody tr")).to_have_count(2)
    expect(page.locator("#suggestion-rules")).to_contain_text("confidence")
    page.locator("#suggestion-rules").scroll_into_view_if_needed()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "code_rules.png"), full_page=True)
    assert page.js_errors == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_queue_and_rules_panel_have_no_serious_accessibility_violations(
    axe_page: Any, live_server: Any, team: Team
) -> None:
    from tests.browser.test_accessibility import describe, serious_violations

    transcript = import_transcript(study=team.study, filename="p1.txt", data=TEXT.encode(), user=None).transcript
    trust = Code.objects.create(study=team.study, name="Trust", colour="#3366cc")
    rule = SuggestionRule.objects.create(study=team.study, code=trust, kind="keyword", pattern="SHAP")
    _suggest(transcript, "We show SHAP values to the <b>clinicians</b>.", trust, 0.9, rule)
    _suggest(transcript, "Drift worries us most.", trust, 0.4, None)
    login(axe_page, live_server, team.coder)
    for path, ready in (
        (f"/studies/{team.study.slug}/suggestions/", ".suggestion"),
        (f"/studies/{team.study.slug}/codes/{trust.uuid}/", "#suggestion-rules"),
    ):
        axe_page.goto(f"{live_server.url}{path}")
        expect(axe_page.locator(ready).first).to_be_visible()
        violations = serious_violations(axe_page)
        assert not violations, f"axe-core on {path}:\n{describe(violations)}"
    # The shortcut sheet, opened with "?".
    axe_page.goto(f"{live_server.url}/studies/{team.study.slug}/suggestions/")
    expect(axe_page.locator(".suggestion").first).to_be_visible()
    # A decided row (set back, its decision in words) keeps its contrast.
    axe_page.keyboard.press("j")
    axe_page.keyboard.press("r")
    expect(axe_page.locator(".suggestion").first).to_have_attribute("data-status", "rejected")
    violations = serious_violations(axe_page)
    assert not violations, describe(violations)
    axe_page.keyboard.press("?")
    expect(axe_page.locator("#suggestion-help")).to_be_visible()
    violations = serious_violations(axe_page)
    assert not violations, describe(violations)
    assert axe_page.js_errors == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_review_without_javascript(browser: Any, live_server: Any, team: Team) -> None:
    """The queue's forms work as plain forms: each decision posts, comes back to the next
    suggestion with a message, and the last decision can be undone from the page."""
    transcript = import_transcript(study=team.study, filename="p1.txt", data=TEXT.encode(), user=None).transcript
    trust = Code.objects.create(study=team.study, name="Trust", colour="#3366cc")
    first = _suggest(transcript, "They trust the model more then.", trust, 0.9, None)
    second = _suggest(transcript, "Drift worries us most.", trust, 0.8, None)
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1400, "height": 900})
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("input[name=username]", team.coder.username)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.goto(f"{live_server.url}/studies/{team.study.slug}/suggestions/")
        row = page.locator(f"#suggestion-{first.uuid}")
        row.get_by_role("button", name="Reject").click()
        expect(page).to_have_url(re.compile(rf"#suggestion-{second.uuid}$"))
        expect(page.locator(".messages")).to_contain_text("Rejected “Trust”")
        expect(page.locator(f"#suggestion-{first.uuid}")).to_have_count(0)
        page.locator(".last-decision").get_by_role("button", name="Undo").click()
        expect(page.locator(".messages")).to_contain_text("open for review again")
        expect(page.locator(f"#suggestion-{first.uuid}")).to_be_visible()
        # Accept for the whole turn, as a plain form.
        page.locator(f"#suggestion-{second.uuid}").get_by_role("button", name="Accept the whole turn").click()
        expect(page.locator(".messages")).to_contain_text("Accepted “Trust” for the whole turn")
    finally:
        context.close()
    coding = transcript_codings(transcript=transcript, user=team.coder).get()
    assert transcript.text[coding.start : coding.end].startswith("We show SHAP values")
    # The turn holds the first sentence too: its open suggestion of the same code is now coded.
    assert Suggestion.objects.get(pk=first.pk).status == SuggestionStatus.SUPERSEDED
