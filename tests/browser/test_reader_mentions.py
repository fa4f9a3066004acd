"""Technique mentions inline in the reader, in Chromium: a click on one opens the technique's page;
selecting and coding words across (or starting inside) a mention gives the right code point offsets
and does not follow the link; the keyboard still selects across them; the toggle turns them into
plain text and is remembered."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from assist.selectors import transcript_mentions
from assist.services import process_transcripts
from coding.models import Code, Coding
from interviews.models import Transcript
from interviews.services.imports import import_transcript
from tests.browser.conftest import drag_between, login
from tests.conftest import Team

# An emoji (two UTF-16 units) before the mentions: offsets must still come out as code points.
TEXT = (
    "Interviewer: Which explanation methods do you use? 👍🏽\n\n"
    "P1: Honestly 🙂 we tried LIME once, then SHAP values for every loan model.\n\n"
    "Interviewer: And the customers?\n\n"
    "P1: They wanted counterfactual explanations instead.\n"
)


def _open(page: Any, live_server: Any, team: Team) -> Transcript:
    transcript = import_transcript(study=team.study, filename="p1.txt", data=TEXT.encode(), user=team.coder).transcript
    process_transcripts([transcript])  # what the job after an import does
    assert {m.technique for m in transcript_mentions(transcript)} >= {"lime", "shap", "counterfactual-explanations"}
    login(page, live_server, team.coder)
    page.goto(f"{live_server.url}/studies/{team.study.slug}/documents/{transcript.uuid}/")
    page.wait_for_selector("#transcript[data-ready]")
    return transcript


def _unit(page: Any, turn: int, needle: str) -> int:
    """Where `needle` starts in a turn's text, in UTF-16 units (what the browser counts)."""
    return int(page.evaluate(f"document.querySelector('#turn-{turn} .turn-text').textContent.indexOf({needle!r})"))


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_clicking_an_inline_mention_opens_its_technique_page(page: Any, live_server: Any, team: Team) -> None:
    _open(page, live_server, team)
    mention = page.locator("#turn-1 .turn-text").get_by_role("link", name="LIME", exact=True)
    expect(mention).to_have_attribute("href", f"/studies/{team.study.slug}/techniques/lime/")
    # The turn's text is unchanged by the links inside it.
    expect(page.locator("#turn-1 .turn-text")).to_have_text(
        "Honestly 🙂 we tried LIME once, then SHAP values for every loan model."
    )
    mention.click()
    expect(page).to_have_url(re.compile(r"/techniques/lime/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("LIME")
    expect(page.locator(".excerpt-list mark")).to_have_text(["LIME"])
    assert page.js_errors == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_coding_words_across_and_from_inside_mentions(page: Any, live_server: Any, team: Team) -> None:
    transcript = _open(page, live_server, team)
    Code.objects.create(study=team.study, name="Methods")
    Code.objects.create(study=team.study, name="Recourse")
    turn1, turn3 = transcript.turns.get(index=1), transcript.turns.get(index=3)

    # From before one mention to after the next: "tried LIME once, then SHAP values".
    start = _unit(page, 1, "tried")
    end = _unit(page, 1, "values") + len("values") - 1
    drag_between(page, (1, start), (1, end))
    expect(page.locator("#code-filter")).to_be_focused()  # the picker, not the technique page
    page.keyboard.type("Methods")
    page.keyboard.press("Enter")
    expect(page.locator(".coding-bar")).to_have_count(1)
    coding = Coding.objects.get(transcript=transcript, code__name="Methods")
    assert transcript.text[coding.start : coding.end] == "tried LIME once, then SHAP values"
    assert turn1.start < coding.start < coding.end < turn1.end

    # A drag that starts inside a mention's link selects words instead of following the link.
    start = _unit(page, 3, "explanations")
    end = _unit(page, 3, "instead") + len("instead") - 1
    drag_between(page, (3, start), (3, end))
    expect(page.locator("#code-filter")).to_be_focused()
    assert "/techniques/" not in page.url
    page.keyboard.type("Recourse")
    page.keyboard.press("Enter")
    expect(page.locator(".coding-bar")).to_have_count(2)
    coding = Coding.objects.get(transcript=transcript, code__name="Recourse")
    assert transcript.text[coding.start : coding.end] == "explanations instead"
    assert turn3.start < coding.start

    # A drag inside one mention (mouse down and up on the same link) selects its words, and the
    # click that ends it does not follow the link.
    start = _unit(page, 3, "counterfactual")
    drag_between(page, (3, start), (3, start + len("counterfactual") - 1))
    expect(page.locator("#code-filter")).to_be_focused()
    assert "/techniques/" not in page.url
    page.keyboard.type("Methods")
    page.keyboard.press("Enter")
    expect(page.locator(".coding-bar")).to_have_count(3)
    coding = Coding.objects.get(transcript=transcript, code__name="Methods", start__gt=turn3.start)
    assert transcript.text[coding.start : coding.end] == "counterfactual"

    # The coded highlight covers the mentions, which stay links to their pages.
    expect(page.locator("#turn-1 a.mention")).to_have_count(2)
    assert page.js_errors == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_keyboard_selection_runs_across_a_mention(page: Any, live_server: Any, team: Team) -> None:
    transcript = _open(page, live_server, team)
    Code.objects.create(study=team.study, name="Methods")
    page.locator("#turn-1 .turn-text").focus()
    expect(page.locator("#turn-1 .turn-text")).to_be_focused()
    # Three words from the start of the turn: "Honestly 🙂 we" then " tried LIME" crosses the link.
    for _ in range(5):
        page.keyboard.press("Control+Shift+ArrowRight")
    expect(page.locator("#turn-1 .turn-text")).to_be_focused()
    page.keyboard.press("c")
    expect(page.locator("#code-filter")).to_be_focused()
    page.keyboard.type("Methods")
    page.keyboard.press("Enter")
    expect(page.locator(".coding-bar")).to_have_count(1)
    coding = Coding.objects.get(transcript=transcript)
    turn = transcript.turns.get(index=1)
    assert coding.start == turn.start
    coded = transcript.text[coding.start : coding.end]
    assert coded.startswith("Honestly 🙂 we tried LIME"), coded
    assert page.js_errors == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_toggle_turns_mentions_into_plain_text_and_is_remembered(page: Any, live_server: Any, team: Team) -> None:
    _open(page, live_server, team)
    text = page.locator("#transcript")
    expect(text.get_by_role("link")).to_have_count(3)
    toggle = page.get_by_label("Show technique mentions")
    expect(toggle).to_be_checked()
    toggle.uncheck()
    expect(text.get_by_role("link")).to_have_count(0)
    expect(page.locator("#turn-1 .turn-text")).to_have_text(
        "Honestly 🙂 we tried LIME once, then SHAP values for every loan model."
    )
    page.reload()
    page.wait_for_selector("#transcript[data-ready]")
    expect(page.get_by_label("Show technique mentions")).not_to_be_checked()
    expect(text.get_by_role("link")).to_have_count(0)
    page.get_by_label("Show technique mentions").check()
    expect(text.get_by_role("link", name="SHAP values")).to_be_visible()
    # Keyboard: Tab from the turn's text reaches its first mention; Enter follows it.
    page.locator("#turn-1 .turn-text").focus()
    page.keyboard.press("Tab")
    expect(page.locator("#turn-1 a.mention").first).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("LIME")
    assert page.js_errors == []
