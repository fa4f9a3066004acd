"""Speaker review in Chromium: merge two speakers, split a turn by clicking in its text, give the
new turn to a new speaker (the reader follows), then undo each step from the page."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from interviews.models import Speaker, SpeakerTurn
from tests.browser.conftest import login
from tests.browser.test_accessibility import describe, serious_violations
from tests.conftest import Team
from tests.interviews.test_speaker_review import make_document

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TURNS = [
    ("Interviewer", "How do you explain the model to loan officers?"),
    ("P1", "We show SHAP values first. Then a counterfactual explanation."),
    ("Interviewer 1", "Does that help?"),
    # Astral characters before the split point: offsets must be code points, not UTF-16 units.
    ("P1", "Mostly 👍🏽, although the officers still distrust black boxes. Could you repeat that?"),
    ("Interviewer", "Sure."),
]


def _click_in_word(page: Any, turn: int, word: str) -> None:
    """Click in the middle of the second letter of `word` in the text of turn `turn`."""
    box = page.evaluate(
        """([turn, word]) => {
            const paragraph = document.querySelector(`#turn-${turn} .review-text`);
            paragraph.scrollIntoView({block: "center"});
            const node = paragraph.firstChild;
            const at = node.data.indexOf(word) + 1;
            const range = document.createRange();
            range.setStart(node, at); range.setEnd(node, at + 1);
            const r = range.getBoundingClientRect();
            return {x: r.left + r.width / 2, y: r.top + r.height / 2};
        }""",
        [turn, word],
    )
    page.mouse.click(box["x"], box["y"])


def test_merge_split_reassign_and_undo_each(page: Any, live_server: Any, team: Team) -> None:
    transcript = make_document(team.study, TURNS)
    url = f"{live_server.url}/studies/{team.study.slug}/documents/{transcript.uuid}/speakers/"
    login(page, live_server, team.coder)
    page.goto(url)
    speakers = page.locator("#speaker-table tbody tr")
    expect(speakers).to_have_count(3)
    expect(page.locator("#last-change")).to_have_count(0)

    # 1. Merge "Interviewer 1" into "Interviewer".
    page.select_option("#merge-absorb", label="Interviewer 1 (1 turn)")
    page.select_option("#merge-keep", label="Interviewer")
    page.get_by_role("button", name="Merge speakers").click()
    expect(page.locator(".messages")).to_contain_text("“Interviewer 1” merged into “Interviewer”.")
    expect(speakers).to_have_count(2)
    expect(page.locator("#turn-2 .turn-speaker")).to_have_text("Interviewer")
    expect(page.locator('#speaker-table tr[data-speaker="Interviewer"] .speaker-turns')).to_have_text("3")

    # 2. Split turn 4 where the interviewer starts talking: a click inside "Could" means before it.
    _click_in_word(page, 3, "Could")
    split = page.locator("#turn-3 details.split")
    expect(split).to_have_attribute("open", "")
    at = transcript.text.index("Could you repeat")
    expect(page.locator("#turn-3 select.split-at")).to_have_value(str(at))
    expect(page.locator("#turn-3 select.split-at option.clicked")).to_have_text(
        "where you clicked: “Could you repeat that?”"
    )
    page.get_by_role("button", name="Split turn 4").click()
    expect(page.locator(".messages")).to_contain_text("Turn 4 split in two: turns 4 and 5.")
    expect(page.locator(".review-turn")).to_have_count(6)
    expect(page.locator("#turn-3 .review-text")).to_have_text(
        "Mostly 👍🏽, although the officers still distrust black boxes."
    )
    expect(page.locator("#turn-4 .review-text")).to_have_text("Could you repeat that?")
    expect(page.locator("#turn-4 .turn-speaker")).to_have_text("P1")

    # 3. Give the new turn to a new speaker.
    label_field = page.locator("#turn-4 .reassign-form .new-label")
    expect(label_field).to_be_hidden()
    page.locator("#turn-4 .reassign-form select").select_option(label="New speaker…")
    expect(label_field).to_be_visible()
    label_field.fill("Interviewer 2")
    page.locator("#turn-4 .reassign-form").get_by_role("button", name="Reassign").click()
    expect(page.locator(".messages")).to_contain_text("Turn 5 is now spoken by “Interviewer 2”.")
    expect(page.locator("#turn-4 .turn-speaker")).to_have_text("Interviewer 2")
    expect(speakers).to_have_count(3)

    # The reader shows the turn's speaker, not the label written in the text before it.
    page.goto(f"{live_server.url}/studies/{team.study.slug}/documents/{transcript.uuid}/")
    expect(page.locator("#turn-4 .turn-speaker")).to_have_text("Interviewer 2")
    expect(page.locator("#turn-4 .turn-text")).to_have_text("Could you repeat that?")
    page.goto(url)

    # 4. Undo, newest first: the reassignment, the split, the merge.
    expect(page.locator("#last-change")).to_contain_text("gave turn 5")
    page.locator("#last-change").get_by_role("button", name="Undo").click()
    expect(page.locator(".messages")).to_contain_text("Undone: gave turn 5")
    expect(page.locator("#turn-4 .turn-speaker")).to_have_text("P1")
    expect(speakers).to_have_count(2)

    expect(page.locator("#last-change")).to_contain_text("split turn 4")
    page.locator("#last-change").get_by_role("button", name="Undo").click()
    expect(page.locator(".messages")).to_contain_text("Undone: split turn 4")
    expect(page.locator(".review-turn")).to_have_count(5)
    expect(page.locator("#turn-3 .review-text")).to_contain_text("black boxes. Could you repeat that?")

    page.locator("#last-change").get_by_role("button", name="Undo").click()
    expect(page.locator(".messages")).to_contain_text("Undone: merged speaker “Interviewer 1”")
    expect(speakers).to_have_count(3)
    expect(page.locator("#turn-2 .turn-speaker")).to_have_text("Interviewer 1")
    expect(page.locator("#last-change")).to_have_count(0)

    assert list(SpeakerTurn.objects.filter(transcript=transcript).values_list("index", flat=True)) == [0, 1, 2, 3, 4]
    assert set(Speaker.objects.filter(transcript=transcript).values_list("label", flat=True)) == {
        "Interviewer", "Interviewer 1", "P1",
    }  # fmt: skip
    assert page.js_errors == []


def test_a_sentence_can_be_chosen_without_clicking_and_a_refusal_is_shown(
    page: Any, live_server: Any, team: Team
) -> None:
    transcript = make_document(team.study, TURNS)
    login(page, live_server, team.coder)
    page.goto(f"{live_server.url}/studies/{team.study.slug}/documents/{transcript.uuid}/speakers/")
    page.locator("#turn-1 details.split summary").click()
    page.locator("#turn-1 select.split-at").select_option(label="“Then a counterfactual explanation.”")
    page.locator("#turn-1 .split-form select.speaker-choice").select_option(label="Interviewer")
    page.get_by_role("button", name="Split turn 2").click()
    expect(page.locator("#turn-2 .review-text")).to_have_text("Then a counterfactual explanation.")
    expect(page.locator("#turn-2 .turn-speaker")).to_have_text("Interviewer")
    # The page of another tab, out of date: joining a turn that is gone is refused with why.
    stale_second = SpeakerTurn.objects.get(transcript=transcript, index=2).pk
    SpeakerTurn.objects.filter(pk=stale_second).delete()
    page.locator("#turn-1 .join-form button").click()
    expect(page.locator("#review-error")).to_contain_text("That turn is not in this document")
    assert page.js_errors == []


def test_no_serious_accessibility_violations(axe_page: Any, live_server: Any, team: Team) -> None:
    """axe-core (from npm) on the review page with a split open and a refusal shown."""
    page = axe_page
    transcript = make_document(team.study, TURNS)
    login(page, live_server, team.coder)
    page.goto(f"{live_server.url}/studies/{team.study.slug}/documents/{transcript.uuid}/speakers/")
    asked: list[str] = []

    def accept(dialog: Any) -> None:
        asked.append(dialog.message)
        dialog.accept()

    page.once("dialog", accept)
    page.locator("#turn-0 .join-form button").click()
    expect(page.locator(".messages")).to_contain_text("Turns 1 and 2 joined.")
    assert "“P1:”, becomes part of the speech of Interviewer" in asked[0]
    page.locator("#turn-0 .reassign-form select").select_option(label="Interviewer")
    page.locator("#turn-0 .reassign-form").get_by_role("button", name="Reassign").click()
    expect(page.locator("#review-error")).to_contain_text("already spoken by “Interviewer”")
    page.locator("#turn-2 details.split summary").click()
    violations = serious_violations(page)
    assert not violations, describe(violations)
