"""Coding in the reader with a real mouse and keyboard, in Chromium."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from coding.models import Code, Coding
from interviews.services.imports import import_transcript
from tests.browser.conftest import drag_select, login
from tests.conftest import Team

TEXT = (
    "Interviewer: How do you explain the model to loan officers? 👍🏽\n\n"
    "P1: We show SHAP values first, then a counterfactual explanation.\n\n"
    "Interviewer: Does that help?\n\n"
    "P1: Mostly, although the officers still distrust black boxes.\n"
)


def _open_reader(page: Any, live_server: Any, team: Team) -> Any:
    transcript = import_transcript(study=team.study, filename="p1.txt", data=TEXT.encode(), user=team.coder).transcript
    login(page, live_server, team.coder)
    page.goto(f"{live_server.url}/studies/{team.study.slug}/documents/{transcript.uuid}/")
    page.wait_for_selector("#transcript[data-ready]")
    return transcript


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_select_with_mouse_create_code_and_apply_with_keyboard(page: Any, live_server: Any, team: Team) -> None:
    transcript = _open_reader(page, live_server, team)
    speech = "We show SHAP values first, then a counterfactual explanation."
    at = speech.index("SHAP values")
    drag_select(page, 1, at, at + len("SHAP values"))
    expect(page.locator("#code-filter")).to_be_focused()
    page.keyboard.type("Explanation method")
    page.keyboard.press("Enter")  # "Create code …" is the only option
    page.wait_for_selector(".coding-bar")
    coding = Coding.objects.get(transcript=transcript)
    assert transcript.text[coding.start : coding.end] == "SHAP values"
    assert coding.code.name == "Explanation method" and coding.coder == team.coder

    # An overlapping span of the same code (number key of the most recent code) joins the first
    # coding into one; then a second code by type-ahead.
    at2 = speech.index("values first")
    drag_select(page, 1, at2, at2 + len("values first"))
    expect(page.locator("#code-filter")).to_be_focused()
    page.keyboard.press("1")
    expect(page.locator("#reader-status")).to_contain_text("joined with 1 of your overlapping codings")
    expect(page.locator(".coding-bar")).to_have_count(1)
    Code.objects.create(study=team.study, name="Trust")  # a teammate adds a code; the poll brings it in
    page.reload()
    page.wait_for_selector("#transcript[data-ready]")
    drag_select(page, 3, 0, len("Mostly"))
    expect(page.locator("#code-filter")).to_be_focused()  # typed before the picker opens, "t" is a shortcut
    page.keyboard.type("tru")
    page.locator("#code-options li", has_text="Trust").first.click()
    expect(page.locator(".coding-bar")).to_have_count(2)
    spans = sorted((c.code.name, transcript.text[c.start : c.end]) for c in Coding.objects.filter(retired_at=None))
    assert spans == [("Explanation method", "SHAP values first"), ("Trust", "Mostly")]
    assert page.js_errors == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_code_whole_turn_then_remove_from_panel(page: Any, live_server: Any, team: Team) -> None:
    transcript = _open_reader(page, live_server, team)
    Code.objects.create(study=team.study, name="Distrust", colour="#ef476f")
    page.reload()
    page.wait_for_selector("#transcript[data-ready]")
    page.locator("#turn-3 .code-turn").click()
    expect(page.locator("#code-filter")).to_be_focused()
    page.keyboard.type("Distr")
    page.keyboard.press("Enter")
    page.wait_for_selector(".coding-bar")
    coding = Coding.objects.get(transcript=transcript, retired_at=None)
    turn = transcript.turns.get(index=3)
    assert (coding.start, coding.end) == (turn.start, turn.end)

    page.locator(".coding-bar").first.click()
    page.wait_for_selector("#coding-panel:not([hidden])")
    assert "Distrust" in page.locator("#coding-panel").inner_text()
    page.locator("#coding-panel button", has_text="Remove").click()
    expect(page.locator(".coding-bar")).to_have_count(0)
    coding.refresh_from_db()
    assert coding.retired_at is not None
    assert page.js_errors == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_offsets_after_emoji_are_code_points(page: Any, live_server: Any, team: Team) -> None:
    text = "P1: Great 👍🏽 SHAP works 🙂 fine.\n\nInterviewer: Ok.\n"
    transcript = import_transcript(study=team.study, filename="e.txt", data=text.encode(), user=team.coder).transcript
    Code.objects.create(study=team.study, name="Method")
    login(page, live_server, team.coder)
    page.goto(f"{live_server.url}/studies/{team.study.slug}/documents/{transcript.uuid}/")
    page.wait_for_selector("#transcript[data-ready]")
    # The browser counts UTF-16 units: "SHAP" starts 2 units later than its code point offset.
    at = page.evaluate("document.querySelector('#turn-0 .turn-text').textContent.indexOf('SHAP')")
    assert at == transcript.text[transcript.turns.get(index=0).start :].index("SHAP") + 2
    drag_select(page, 0, at, at + 4)
    expect(page.locator("#code-filter")).to_be_focused()  # typed before the picker opens, "t" is a shortcut
    page.keyboard.type("Meth")
    page.keyboard.press("Enter")
    page.wait_for_selector(".coding-bar")
    coding = Coding.objects.get(transcript=transcript)
    assert transcript.text[coding.start : coding.end] == "SHAP"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_teammates_codings_appear_without_reload(page: Any, live_server: Any, team: Team) -> None:
    transcript = _open_reader(page, live_server, team)
    code = Code.objects.create(study=team.study, name="Counterfactuals")
    turn = transcript.turns.get(index=1)
    Coding.objects.create(transcript=transcript, code=code, start=turn.start, end=turn.start + 7, coder=team.owner)
    page.wait_for_selector(".coding-bar", timeout=12_000)
    assert "Counterfactuals" in page.locator("#code-legend").inner_text()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_keyboard_only_selection_and_coding(page: Any, live_server: Any, team: Team) -> None:
    transcript = _open_reader(page, live_server, team)
    Code.objects.create(study=team.study, name="Explanation method")
    page.reload()
    page.wait_for_selector("#transcript[data-ready]")
    page.locator("#turn-1 .turn-text").focus()
    for _ in range(2):
        page.keyboard.press("Control+Shift+ArrowRight")  # "We show"
    page.keyboard.press("Enter")
    expect(page.locator("#code-filter")).to_be_focused()
    page.keyboard.type("expl")
    page.keyboard.press("Enter")
    expect(page.locator(".coding-bar")).to_have_count(1)
    coding = Coding.objects.get(transcript=transcript)
    assert transcript.text[coding.start : coding.end] == "We show"  # the trailing space is trimmed
    # Character by character from where the last selection ended is also possible.
    page.locator("#turn-3 .turn-text").focus()
    for _ in range(6):
        page.keyboard.press("Shift+ArrowRight")
    page.keyboard.press("Enter")
    page.keyboard.press("1")  # the most recent code
    expect(page.locator(".coding-bar")).to_have_count(2)
    second = Coding.objects.exclude(pk=coding.pk).get()
    assert transcript.text[second.start : second.end] == "Mostly"
    assert page.js_errors == []
