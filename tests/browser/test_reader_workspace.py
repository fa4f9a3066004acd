"""The reader as a coding workspace (issue 9): readable, keyboard-reachable margin bars; shortcuts;
a picker that never covers the selection; coding memos; accessible summaries; viewers; #pos links."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from coding.models import Code, Coding, Memo
from interviews.models import Speaker, Transcript
from interviews.services.imports import import_transcript
from tests.browser.conftest import drag_between, drag_select, login
from tests.conftest import Team

TEXT = (
    "Interviewer: How do you explain the model to loan officers?\n\n"
    "P1: We show SHAP values first, then a counterfactual explanation.\n\n"
    "Interviewer: Does that help?\n\n"
    "P1: Mostly, although the officers still distrust black boxes.\n"
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _import(team: Team, text: str = TEXT) -> Transcript:
    return import_transcript(study=team.study, filename="p1.txt", data=text.encode(), user=team.coder).transcript


def _code(transcript: Transcript, team: Team, name: str, turn: int, phrase: str, colour: str = "#ffd166") -> Coding:
    """Code the first `phrase` in turn `turn` with the code `name` (created if new)."""
    code = Code.objects.filter(study=team.study, name=name).first() or Code.objects.create(
        study=team.study, name=name, colour=colour
    )
    t = transcript.turns.get(index=turn)
    at = transcript.text.index(phrase, t.start)
    return Coding.objects.create(transcript=transcript, code=code, start=at, end=at + len(phrase), coder=team.coder)


def _open(page: Any, live_server: Any, team: Team, transcript: Transcript, user: Any = None, hash: str = "") -> None:
    login(page, live_server, user or team.coder)
    page.goto(f"{live_server.url}/studies/{team.study.slug}/documents/{transcript.uuid}/{hash}")
    page.wait_for_selector("#transcript[data-ready]")


def _active(page: Any) -> dict[str, Any]:
    return page.evaluate(
        """() => {
            const el = document.activeElement;
            const turn = el && el.closest('.turn');
            return {cls: el ? el.className : '', tag: el ? el.tagName : '', turn: turn ? Number(turn.dataset.index) : null,
                    coding: el && el.dataset ? el.dataset.coding || null : null};
        }"""
    )


def _intersects(a: dict[str, float], b: dict[str, float]) -> bool:
    return a["left"] < b["right"] and b["left"] < a["right"] and a["top"] < b["bottom"] and b["top"] < a["bottom"]


# --- 1. margin bars ----------------------------------------------------------------------------


def test_tab_to_a_bar_shows_its_full_name_and_enter_opens_the_coding(page: Any, live_server: Any, team: Team) -> None:
    transcript = _import(team)
    coding = _code(transcript, team, "Predictive maintenance of explanations", 1, "SHAP values")
    _open(page, live_server, team, transcript)
    page.locator("#turn-1 .turn-text").focus()
    page.keyboard.press("Tab")
    assert _active(page)["coding"] == str(coding.uuid)
    bar = page.locator(f'.coding-bar[data-coding="{coding.uuid}"]')
    expect(bar).to_be_focused()
    # The full name, never a clipped vertical label, on keyboard focus ...
    tip = page.locator("#bar-tip")
    expect(tip).to_be_visible()
    expect(tip).to_contain_text("Predictive maintenance of explanations")
    expect(bar).to_have_accessible_name("Predictive maintenance of explanations: “SHAP values” (cora_coder)")
    page.keyboard.press("Enter")
    panel = page.locator("#coding-panel")
    expect(panel).to_be_visible()
    expect(panel).to_contain_text("Predictive maintenance of explanations")
    expect(panel.get_by_role("button", name="Remove")).to_be_visible()
    page.keyboard.press("Escape")
    expect(panel).to_be_hidden()
    expect(bar).to_be_focused()  # focus returns to the bar that opened the panel
    page.keyboard.press("Escape")  # hides the tooltip
    expect(tip).to_be_hidden()
    # ... and on hover.
    bar.hover()
    expect(tip).to_be_visible()
    expect(tip).to_contain_text("Predictive maintenance of explanations")
    assert page.js_errors == []


def test_crowded_bars_collapse_into_a_group_that_expands(page: Any, live_server: Any, team: Team) -> None:
    transcript = _import(team)
    words = ["We", "show", "SHAP", "values", "first", "then", "counterfactual"]
    for i, word in enumerate(words):
        _code(transcript, team, f"Code {word}", 1, f"{word}", colour=f"#{(i * 37) % 256:02x}80c0")
    # All seven overlap one another: one span each from the word to the end of the turn.
    turn = transcript.turns.get(index=1)
    for coding in Coding.objects.filter(transcript=transcript):
        Coding.objects.filter(pk=coding.pk).update(end=turn.end)
    _open(page, live_server, team, transcript)
    bars = page.locator("#turn-1 .coding-bar:visible")
    expect(bars).to_have_count(4)
    group = page.locator("#turn-1 .bar-group")
    expect(group).to_have_text("+3")
    expect(group).to_have_attribute("aria-expanded", "false")
    expect(group).to_have_accessible_name("3 more codings: Code first, Code then, Code counterfactual")
    group.focus()
    page.keyboard.press("Enter")
    expect(bars).to_have_count(7)
    expect(group).to_have_attribute("aria-expanded", "true")
    expect(group).to_be_focused()
    # No two visible bars overlap.
    boxes = page.evaluate(
        "() => [...document.querySelectorAll('#turn-1 .coding-bar:not([hidden])')].map(b => b.getBoundingClientRect().toJSON())"
    )
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not _intersects(a, b), (a, b)
    page.keyboard.press("Enter")
    expect(bars).to_have_count(4)
    assert page.js_errors == []


def test_arrow_keys_move_between_the_bars_of_a_turn(page: Any, live_server: Any, team: Team) -> None:
    transcript = _import(team)
    first = _code(transcript, team, "Method", 1, "We show SHAP")
    second = _code(transcript, team, "Counterfactuals", 1, "counterfactual explanation")
    _open(page, live_server, team, transcript)
    page.locator("#turn-1 .turn-text").focus()
    page.keyboard.press("Tab")
    assert _active(page)["coding"] == str(first.uuid)
    page.keyboard.press("ArrowDown")
    assert _active(page)["coding"] == str(second.uuid)
    page.keyboard.press("ArrowUp")
    assert _active(page)["coding"] == str(first.uuid)
    page.keyboard.press("Tab")  # one tab stop per turn's bars: Tab leaves them
    assert _active(page)["turn"] == 2


# --- 2. keyboard shortcuts ---------------------------------------------------------------------


def test_skip_link_reaches_the_text_in_three_keys(page: Any, live_server: Any, team: Team) -> None:
    transcript = _import(team)
    _open(page, live_server, team, transcript)
    page.keyboard.press("Tab")  # "Skip to content"
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_text("Skip to the transcript text")
    page.keyboard.press("Enter")
    assert _active(page) == {"cls": "turn-text", "tag": "DIV", "turn": 0, "coding": None}


def test_shortcuts_move_between_turns_and_codings(page: Any, live_server: Any, team: Team) -> None:
    transcript = _import(team)
    first = _code(transcript, team, "Method", 1, "SHAP values")
    second = _code(transcript, team, "Trust", 3, "distrust")
    _open(page, live_server, team, transcript)
    page.keyboard.press("t")
    assert _active(page)["turn"] == 0 and _active(page)["cls"] == "turn-text"
    page.keyboard.press("j")
    assert _active(page)["turn"] == 1
    page.keyboard.press("j")
    page.keyboard.press("j")
    assert _active(page)["turn"] == 3
    page.keyboard.press("j")  # the last turn stays
    assert _active(page)["turn"] == 3
    page.keyboard.press("k")
    assert _active(page)["turn"] == 2
    page.keyboard.press("n")  # the next coding after turn 2
    assert _active(page)["coding"] == str(second.uuid)
    page.keyboard.press("p")
    assert _active(page)["coding"] == str(first.uuid)
    page.keyboard.press("p")  # no earlier coding: stays, says so
    assert _active(page)["coding"] == str(first.uuid)
    expect(page.locator("#reader-status")).to_contain_text("No earlier coding")
    # Typing in a field never fires a shortcut.
    page.locator("#search-input").focus()
    page.keyboard.type("jnkp")
    expect(page.locator("#search-input")).to_have_value("jnkp")
    expect(page.locator("#search-input")).to_be_focused()
    assert page.js_errors == []


def test_question_mark_opens_the_shortcut_sheet_and_escape_returns_focus(
    page: Any, live_server: Any, team: Team
) -> None:
    transcript = _import(team)
    _open(page, live_server, team, transcript)
    page.locator("#turn-2 .turn-text").focus()
    page.keyboard.press("?")
    sheet = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(sheet).to_be_visible()
    for key in ("j", "k", "n", "p", "c", "t", "?"):
        expect(sheet.locator("kbd", has_text=re.compile(f"^{re.escape(key)}$")).first).to_be_visible()
    page.keyboard.press("j")  # shortcuts are off while the sheet is open
    page.keyboard.press("Escape")
    expect(sheet).to_be_hidden()
    assert _active(page)["turn"] == 2 and _active(page)["cls"] == "turn-text"
    # A key pressed right after Escape acts from where the focus went back to.
    page.keyboard.press("?")
    expect(sheet).to_be_visible()
    page.keyboard.press("Escape")
    page.keyboard.press("j")
    assert _active(page)["turn"] == 3 and _active(page)["cls"] == "turn-text"
    # The button in the help line opens it too, and its close button returns focus to it.
    button = page.get_by_role("button", name="Keyboard shortcuts")
    button.click()
    expect(sheet).to_be_visible()
    sheet.get_by_role("button", name="Close").click()
    expect(sheet).to_be_hidden()
    expect(button).to_be_focused()


def test_c_opens_the_picker_on_the_turn_or_the_selection(page: Any, live_server: Any, team: Team) -> None:
    transcript = _import(team)
    Code.objects.create(study=team.study, name="Explanation method")
    _open(page, live_server, team, transcript)
    page.keyboard.press("t")
    page.keyboard.press("j")
    page.keyboard.press("c")  # no selection: the whole turn
    picker = page.locator("#coding-popover")
    expect(picker).to_be_visible()
    expect(page.locator("#code-filter")).to_be_focused()
    page.keyboard.press("Escape")
    expect(picker).to_be_hidden()
    assert _active(page)["turn"] == 1 and _active(page)["cls"] == "turn-text"  # focus came back
    page.keyboard.press("c")
    expect(page.locator("#code-filter")).to_be_focused()
    page.keyboard.type("expl")
    page.keyboard.press("Enter")
    expect(page.locator(".coding-bar")).to_have_count(1)
    turn = transcript.turns.get(index=1)
    coding = Coding.objects.get(transcript=transcript)
    assert (coding.start, coding.end) == (turn.start, turn.end)
    assert _active(page)["turn"] == 1  # after applying, focus is back where it was
    # With a keyboard selection, c codes the selection.
    page.keyboard.press("j")
    page.keyboard.press("Control+Shift+ArrowRight")
    page.keyboard.press("c")
    expect(picker).to_be_visible()
    page.keyboard.press("1")
    expect(page.locator(".coding-bar")).to_have_count(2)
    second = Coding.objects.exclude(pk=coding.pk).get()
    assert transcript.text[second.start : second.end] == "Does"
    assert page.js_errors == []


# --- 3. picker placement and cross-turn selections ----------------------------------------------


def _picker_and_selection_boxes(page: Any, turn: int, start: int, end: int) -> dict[str, Any]:
    return page.evaluate(
        """([turn, start, end]) => {
            const p = document.getElementById('coding-popover').getBoundingClientRect().toJSON();
            const node = document.querySelector(`#turn-${turn} .turn-text`).firstChild;
            const range = document.createRange();
            range.setStart(node, start);
            range.setEnd(node, end);
            const rects = [...range.getClientRects()].map(r => r.toJSON());
            return {picker: p, selection: rects, vw: document.documentElement.clientWidth, vh: window.innerHeight};
        }""",
        [turn, start, end],
    )


@pytest.mark.parametrize("where", ["middle", "bottom"])
def test_picker_is_beside_the_selection_and_in_the_viewport(
    page: Any, live_server: Any, team: Team, where: str
) -> None:
    text = "".join(f"{'Interviewer' if i % 2 else 'P1'}: " + "word " * 60 + "end.\n\n" for i in range(30))
    transcript = _import(team, text)
    _open(page, live_server, team, transcript)
    page.set_viewport_size({"width": 1200, "height": 700})
    # Put turn 10's last line in the middle, or at the very bottom, of the window.
    page.evaluate(
        """(where) => {
            const el = document.querySelector('#turn-10 .turn-text');
            const r = el.getBoundingClientRect();
            const target = where === 'bottom' ? window.innerHeight - 12 : window.innerHeight / 2;
            window.scrollBy(0, r.bottom - target);
        }""",
        where,
    )
    length = page.evaluate("document.querySelector('#turn-10 .turn-text').textContent.length")
    drag_select(page, 10, length - 40, length - 5)  # the end of the last line (and the line above)
    expect(page.locator("#coding-popover")).to_be_visible()
    boxes = _picker_and_selection_boxes(page, 10, length - 40, length - 5)
    picker = boxes["picker"]
    assert boxes["selection"]
    for rect in boxes["selection"]:
        assert not _intersects(picker, rect), (picker, rect)
    assert picker["top"] >= 0 and picker["bottom"] <= boxes["vh"], picker
    assert picker["left"] >= 0 and picker["right"] <= boxes["vw"], picker


def test_selection_across_turns_does_not_paint_the_next_speaker_label(page: Any, live_server: Any, team: Team) -> None:
    transcript = _import(team)
    _open(page, live_server, team, transcript)
    drag_between(page, (1, 37), (2, 8))
    expect(page.locator("#coding-popover")).to_be_visible()
    # The browser's own selection does not paint the label either: labels are not selectable.
    assert page.evaluate("getComputedStyle(document.querySelector('#turn-2 .turn-meta')).userSelect") == "none"
    expect(page.locator("#code-filter")).to_be_focused()
    page.keyboard.type("Sequence")
    page.keyboard.press("Enter")
    expect(page.locator(".coding-bar")).to_have_count(1)
    coding = Coding.objects.get(transcript=transcript)
    first, second = transcript.turns.get(index=1), transcript.turns.get(index=2)
    # Both ends lie in speech; the coding is allowed across the turns ...
    assert coding.start == first.start + 37 and coding.end == second.start + 9
    assert transcript.text[coding.start : coding.end].endswith("Interviewer: Does that")
    # ... but painted as one highlight per turn: never over the next speaker's label.
    painted = page.evaluate(
        """(id) => {
            const h = CSS.highlights.get(`code-${id}`);
            const speaker = document.querySelector('#turn-2 .turn-meta');
            return [...h].map(r => ({
                text: r.toString(),
                inText: !!r.startContainer.parentElement.closest('.turn-text')
                    && r.startContainer.parentElement.closest('.turn-text') === r.endContainer.parentElement.closest('.turn-text'),
                overLabel: r.intersectsNode(speaker),
            }));
        }""",
        coding.code_id,
    )
    one, two = transcript.text[coding.start : first.end], transcript.text[second.start : coding.end]
    assert (one, two) == ("nterfactual explanation.", "Does that")
    assert painted == [
        {"text": one, "inText": True, "overLabel": False},
        {"text": two, "inText": True, "overLabel": False},
    ]
    # The panel shows the coded speech of each turn, without the label between them.
    page.locator(".coding-bar").click()
    excerpt = page.locator("#coding-panel .excerpt")
    assert excerpt.inner_text() == f"{one}\n{two}"
    assert page.js_errors == []


def test_a_selection_ending_on_the_next_label_stops_at_the_speech(page: Any, live_server: Any, team: Team) -> None:
    transcript = _import(team)
    _open(page, live_server, team, transcript)
    box = page.evaluate(
        """() => {
            const first = document.querySelector('#turn-1 .turn-text').firstChild;
            const a = document.createRange(); a.setStart(first, 37); a.setEnd(first, 38);
            const r1 = a.getBoundingClientRect();
            const r2 = document.querySelector('#turn-2 .turn-speaker').getBoundingClientRect();
            return {x1: r1.left + 1, y1: r1.top + r1.height / 2, x2: r2.left + 20, y2: r2.top + r2.height / 2};
        }"""
    )
    page.mouse.move(box["x1"], box["y1"])
    page.mouse.down()
    page.mouse.move(box["x2"], box["y2"], steps=8)
    page.mouse.up()
    expect(page.locator("#coding-popover")).to_be_visible()
    expect(page.locator("#code-filter")).to_be_focused()
    page.keyboard.type("Sequence")
    page.keyboard.press("Enter")
    expect(page.locator(".coding-bar")).to_have_count(1)
    coding = Coding.objects.get(transcript=transcript)
    assert transcript.text[coding.start : coding.end] == "nterfactual explanation."


# --- 4. coding memos ---------------------------------------------------------------------------


def test_coding_memo_is_shown_in_the_panel_and_the_memo_card(page: Any, live_server: Any, team: Team) -> None:
    transcript = _import(team)
    coding = _code(transcript, team, "Method", 1, "SHAP values")
    Memo.objects.create(
        study=team.study, target="coding", coding=coding, title="Why SHAP", body="They *trust* SHAP.", author=team.coder
    )
    _open(page, live_server, team, transcript)
    card = page.locator("section.memos")
    expect(card.locator(".coding-memo")).to_have_count(1)
    expect(card.locator(".coding-memo")).to_contain_text("Why SHAP")
    expect(card.locator(".coding-memo")).to_contain_text("“SHAP values”")
    expect(card.locator(".coding-memo em")).to_have_text("trust")  # Markdown rendered
    page.locator(".coding-bar").click()
    panel = page.locator("#coding-panel")
    expect(panel.locator(".coding-memo")).to_contain_text("They trust SHAP.")
    expect(panel.locator(".coding-memo")).to_contain_text("Why SHAP")
    # The quote in the memo card opens the coding's position in the text.
    page.keyboard.press("Escape")
    card.locator(".coding-memo a.quote").click()
    expect(page).to_have_url(
        f"{live_server.url}/studies/{team.study.slug}/documents/{transcript.uuid}/#pos-{coding.start}-{coding.end}"
    )
    assert _active(page)["turn"] == 1
    assert page.js_errors == []


# --- 5. accessibility and viewers ----------------------------------------------------------------


def test_each_turn_has_an_accessible_summary_of_its_codings(page: Any, live_server: Any, team: Team) -> None:
    transcript = _import(team)
    _code(transcript, team, "Trust", 3, "Mostly")
    _code(transcript, team, "Trust", 3, "distrust")
    _code(transcript, team, "Tools", 3, "black boxes")
    _code(transcript, team, "Tools", 1, "SHAP")
    _open(page, live_server, team, transcript)
    expect(page.locator("#turn-3 .turn-text")).to_have_accessible_description("Coded: Trust (2), Tools")
    expect(page.locator("#turn-1 .turn-text")).to_have_accessible_description("Coded: Tools")
    expect(page.locator("#turn-0 .turn-text")).to_have_accessible_description("")
    # It follows changes: code turn 0 and the summary says so.
    page.locator("#turn-0 .code-turn").click()
    expect(page.locator("#code-filter")).to_be_focused()
    page.keyboard.type("Trust")
    page.keyboard.press("Enter")
    expect(page.locator("#turn-0 .turn-text")).to_have_accessible_description("Coded: Trust")
    expect(page.locator("#turn-0 .code-turn")).to_be_focused()  # focus back on the opener
    assert page.js_errors == []


def test_a_viewer_is_offered_no_coding_actions(page: Any, live_server: Any, team: Team) -> None:
    transcript = _import(team)
    coding = _code(transcript, team, "Method", 1, "SHAP values")
    Memo.objects.create(study=team.study, target="coding", coding=coding, body="A memo.", author=team.coder)
    _open(page, live_server, team, transcript, user=team.viewer)
    expect(page.locator(".code-turn")).to_have_count(0)
    page.keyboard.press("t")
    page.keyboard.press("j")
    page.keyboard.press("c")
    expect(page.locator("#coding-popover")).to_be_hidden()
    page.keyboard.press("Shift+ArrowRight")
    page.keyboard.press("Enter")
    expect(page.locator("#coding-popover")).to_be_hidden()
    # The bar opens the coding read-only: no remove, recode, span or memo actions.
    page.keyboard.press("n")
    page.keyboard.press("Enter")
    panel = page.locator("#coding-panel")
    expect(panel).to_be_visible()
    expect(panel).to_contain_text("Method")
    expect(panel).to_contain_text("A memo.")
    expect(panel.locator(".actions")).to_have_count(0)
    expect(panel.get_by_role("button", name="Remove")).to_have_count(0)
    expect(panel.get_by_role("combobox")).to_have_count(0)
    expect(panel.get_by_role("link", name="Edit")).to_have_count(0)
    page.keyboard.press("Escape")
    page.keyboard.press("?")
    sheet = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(sheet).to_be_visible()
    expect(sheet).not_to_contain_text("Open the code picker")
    expect(page.get_by_text("Write a memo")).to_have_count(0)
    assert page.js_errors == []


# --- 6. speakers from the model ---------------------------------------------------------------------


def test_reader_shows_the_turns_speaker_not_the_label_in_the_text(page: Any, live_server: Any, team: Team) -> None:
    transcript = _import(team)
    # Speaker review reassigns turn 2 ("Interviewer: Does that help?") to P1; the text is unchanged.
    p1 = Speaker.objects.get(transcript=transcript, label="P1")
    transcript.turns.filter(index=2).update(speaker=p1)
    _open(page, live_server, team, transcript)
    expect(page.locator("#turn-2 .turn-speaker")).to_have_text("P1")
    expect(page.locator("#turn-2 .turn-text")).to_have_text("Does that help?")


# --- 7. #pos-START-END ---------------------------------------------------------------------------


def test_opening_at_a_position_scrolls_highlights_and_focuses_it(page: Any, live_server: Any, team: Team) -> None:
    text = "".join(f"{'Interviewer' if i % 2 else 'P1'}: turn {i} " + "word " * 80 + "end.\n\n" for i in range(40))
    transcript = _import(team, text)
    turn = transcript.turns.get(index=33)
    start = transcript.text.index("word", turn.start)
    _open(page, live_server, team, transcript, hash=f"#pos-{start}-{start + 9}")
    text_el = page.locator("#turn-33 .turn-text")
    expect(text_el).to_be_focused()
    expect(text_el).to_be_in_viewport()
    flashed = page.evaluate(
        "() => CSS.highlights.has('flash') ? [...CSS.highlights.get('flash')].map(r => r.toString()) : []"
    )
    assert flashed == ["word word"]
    # The highlight is brief.
    page.wait_for_function("() => !CSS.highlights.has('flash')")
    # A later link on the same page (retrieval opening another hit) moves there too.
    turn5 = transcript.turns.get(index=5)
    page.evaluate(f"window.location.hash = '#pos-{turn5.start}-{turn5.start + 4}'")
    expect(page.locator("#turn-5 .turn-text")).to_be_focused()
    expect(page.locator("#turn-5 .turn-text")).to_be_in_viewport()
    assert page.js_errors == []


def test_escape_while_typing_in_the_search_closes_the_panel_but_keeps_the_focus(
    page: Any, live_server: Any, team: Team
) -> None:
    transcript = _import(team)
    coding = _code(transcript, team, "Trust", 1, "SHAP values")
    _open(page, live_server, team, transcript)
    page.locator(f'.coding-bar[data-coding="{coding.uuid}"]').click()
    panel = page.locator("#coding-panel")
    expect(panel).to_be_visible()
    search = page.locator("#search-input")
    search.click()
    page.keyboard.type("loan")
    page.keyboard.press("Escape")
    expect(panel).to_be_hidden()
    expect(search).to_be_focused()  # the person goes on typing where they were
    assert page.js_errors == []
