"""The theme board in Chromium: drag a code into a theme, the keyboard way to do the same, nest a
theme by dragging its title, and the theme page's review aids."""

from __future__ import annotations

import os
from typing import Any

import pytest
from playwright.sync_api import expect

from coding.models import Code, Coding
from interviews.models import Participant
from tests.browser.conftest import login
from tests.coding.helpers import make_transcript
from tests.conftest import Team
from themes.models import Theme, ThemeCode
from themes.services import themes as services

SHOTS = os.environ.get("THEMES_SHOTS", "")  # a folder to save screenshots in, for looking at the pages

QUOTES = [
    "R1: There's just so much to learn before you can even start explaining a model.",
    "R2: Honestly, it's tough. We have no budget for this and nobody who knows it.",
    "R3: We used SHAP to debug the credit model, and the regulator asked for it.",
    "R4: The tools break on our data; LIME gave different answers each run.",
    "R5: It's tough to explain to customers what a feature importance even means.",
    "R6: LIME and SHAP disagreed on our data, and then the library crashed twice.",
]


def _world(team: Team) -> dict[str, Any]:
    names = ["Steep learning curve", "No budget", "Lack of expertise", "Regulatory pressure", "Debugging models",
             "Unstable explanations", "Explaining to customers", "Tool limitations"]  # fmt: skip
    codes = {name: Code.objects.create(study=team.study, name=name, order=i) for i, name in enumerate(names)}
    people = [Participant.objects.create(study=team.study, label=f"R{i}") for i in range(1, 8)]
    plan = {0: ["Steep learning curve", "Lack of expertise"], 1: ["No budget", "Lack of expertise"],
            2: ["Debugging models", "Regulatory pressure"], 3: ["Tool limitations", "Unstable explanations"],
            4: ["Explaining to customers", "Steep learning curve"], 5: ["Tool limitations", "Unstable explanations"]}  # fmt: skip
    for i, quote in enumerate(QUOTES):
        transcript = make_transcript(team.study, quote + "\n", name=f"R{i + 1}.txt")
        transcript.participants.add(people[i])
        text = transcript.text
        for j, name in enumerate(plan[i]):
            start = 4 if j == 0 else text.index(" ", 10) + 1
            Coding.objects.create(transcript=transcript, code=codes[name], start=start, end=len(text.rstrip()),
                                  coder=team.coder)  # fmt: skip
    tough = services.create_theme(study=team.study, user=team.coder, name="It's Tough.",
                                  definition="Starting out with explainability is hard: skills, money, time.")  # fmt: skip
    services.create_theme(study=team.study, user=team.coder, name="Resources are scarce", parent=tough,
                          codes=[codes["No budget"], codes["Lack of expertise"]])  # fmt: skip
    services.set_status(theme=tough, user=team.owner, status="reviewed")
    services.create_theme(study=team.study, user=team.coder, name="Explanations for whom?",
                          codes=[codes["Explaining to customers"]])  # fmt: skip
    return {"codes": codes, "tough": tough}


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_board_drag_keyboard_and_theme_page(page: Any, live_server: Any, team: Team) -> None:
    world = _world(team)
    login(page, live_server, team.coder)
    page.goto(f"{live_server.url}/studies/{team.study.slug}/themes/")
    tough = page.locator(f"#theme-{world['tough'].uuid}")
    expect(tough.locator(":scope > .theme-head .theme-title")).to_have_text("It's Tough.")
    # Suggestions load after the board (co-occurring unassigned codes).
    expect(page.locator("#suggestions .suggestion").first).to_be_visible()
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/board_before.png", full_page=True)

    # Drag "Steep learning curve" from the unassigned codes into "It's Tough.".
    chip = page.locator("#unassigned .code-chip-item", has_text="Steep learning curve")
    chip.drag_to(tough.locator(":scope > .theme-codes"))
    expect(tough.locator(":scope > .theme-codes")).to_contain_text("Steep learning curve")
    assert ThemeCode.objects.filter(theme=world["tough"], code=world["codes"]["Steep learning curve"]).exists()

    # Keyboard: pick up "Tool limitations", Tab to the theme's button, Enter.
    page.locator("#unassigned .board-chip", has_text="Tool limitations").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#board-status")).to_contain_text("Picked up Tool limitations")
    put = page.get_by_role("button", name="Put the chosen code in “Explanations for whom?”")
    expect(put).to_be_visible()
    put.focus()
    page.keyboard.press("Enter")
    whom = page.locator(".theme-card", has_text="Explanations for whom?")
    expect(whom.locator(".theme-codes")).to_contain_text("Tool limitations")

    # Nest "Explanations for whom?" under "It's Tough." by dragging its title.
    whom_head = page.locator(".theme-card", has_text="Explanations for whom?").locator(".theme-head")
    whom_head.drag_to(tough.locator(":scope > .theme-head"))
    expect(tough.locator(".theme-card .theme-title", has_text="Explanations for whom?")).to_be_visible()
    assert Theme.objects.get(name="Explanations for whom?").parent == world["tough"]
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/board_after.png", full_page=True)

    # The theme page: status with who/when, participants with and without support, excerpts.
    tough.locator(":scope > .theme-head .theme-title a").click()
    expect(page.locator("h1")).to_have_text("It's Tough.")
    expect(page.locator(".theme-meta")).to_contain_text("Marked reviewed by olivia_owner")
    expect(page.locator("#support-title + p")).to_contain_text("5 of 7 participants")
    expect(page.locator("#excerpts .segment-text").first).to_be_visible()
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/theme_page.png", full_page=True)
    assert page.js_errors == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_board_move_notice_says_what_was_done_and_what_undo_does(page: Any, live_server: Any, team: Team) -> None:
    """After a drag the board says what the move did, its Undo button says what undoing will do, and
    the message after undoing says where the code is now (a tester read the old one backwards)."""
    world = _world(team)
    codes = world["codes"]
    login(page, live_server, team.coder)
    page.goto(f"{live_server.url}/studies/{team.study.slug}/themes/")
    tough = page.locator(f"#theme-{world['tough'].uuid}")
    whom = page.locator(".theme-card", has_text="Explanations for whom?")

    # Into a theme from the unassigned codes.
    page.locator("#unassigned .code-chip-item", has_text="Steep learning curve").drag_to(
        tough.locator(":scope > .theme-codes")
    )
    notice = page.locator("#move-notice")
    expect(notice).to_contain_text("Put “Steep learning curve” in “It's Tough.”.")
    undo = notice.get_by_role("button", name="Undo: take “Steep learning curve” back out of “It's Tough.”")
    expect(undo).to_be_visible()
    undo.click()
    expect(page.locator(".messages")).to_have_text("Undone: “Steep learning curve” is out of “It's Tough.” again.")
    expect(page.locator("#unassigned")).to_contain_text("Steep learning curve")
    expect(page.locator("#move-notice")).to_have_count(0)
    assert not ThemeCode.objects.filter(code=codes["Steep learning curve"]).exists()

    # From one theme to another.
    whom.locator(".code-chip-item", has_text="Explaining to customers").drag_to(tough.locator(":scope > .theme-codes"))
    expect(notice).to_contain_text("Moved “Explaining to customers” from “Explanations for whom?” to “It's Tough.”.")
    notice.get_by_role("button", name="Undo: move “Explaining to customers” back to “Explanations for whom?”").click()
    expect(page.locator(".messages")).to_have_text(
        "Undone: “Explaining to customers” is back in “Explanations for whom?” and out of “It's Tough.”."
    )
    expect(whom.locator(".theme-codes")).to_contain_text("Explaining to customers")

    # Out of a theme, back to the unassigned codes; the notice is shown once, not on every visit.
    whom.locator(".code-chip-item", has_text="Explaining to customers").drag_to(page.locator("#unassigned .chips"))
    expect(notice).to_contain_text("Took “Explaining to customers” out of “Explanations for whom?”.")
    expect(notice.get_by_role("button")).to_have_text(
        "Undo: put “Explaining to customers” back in “Explanations for whom?”"
    )
    page.reload()
    expect(page.locator("#unassigned")).to_contain_text("Explaining to customers")
    expect(page.locator("#move-notice")).to_have_count(0)
    assert page.js_errors == []
