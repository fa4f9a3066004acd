from __future__ import annotations

import pytest

from coding.models import Code, Coding, LogEntry
from interviews.services.corrections import StaleVersion, correct_transcript
from interviews.services.imports import import_transcript
from tests.conftest import Team

TEXT = "Interviewer: Do you use SHAP?\n\nP1: Every day for debugging 👍🏽 and for audits.\n\nInterviewer: Why?\n\nP1: Because regulators ask.\n"


def _setup(team: Team, text: str = TEXT):  # type: ignore[no-untyped-def]
    transcript = import_transcript(study=team.study, filename="t.txt", data=text.encode(), user=None).transcript
    code = Code.objects.create(study=team.study, name="C")
    return transcript, code


def _code(transcript, code, part: str) -> Coding:  # type: ignore[no-untyped-def]
    start = transcript.text.index(part)
    return Coding.objects.create(transcript=transcript, code=code, start=start, end=start + len(part))


def _current(coding: Coding) -> Coding:
    """The row that carries `coding` on its transcript's current text version."""
    coding.transcript.refresh_from_db()
    row = coding
    while row.text_version != coding.transcript.text_version:
        row = Coding.objects.get(replaces=row, text_version=row.text_version + 1)
    return row


def _text(coding: Coding) -> str:
    row = _current(coding)
    return row.transcript.text[row.start : row.end]


@pytest.mark.django_db
def test_insertions_before_and_after_move_codings_exactly(team: Team) -> None:
    transcript, code = _setup(team)
    shap, audits, regulators = (_code(transcript, code, p) for p in ("SHAP", "audits", "regulators ask"))
    new = transcript.text.replace("Do you use", "Do you and your team use").replace("Why?", "Why is that?")
    outcome = correct_transcript(transcript=transcript, new_text=new, user=team.coder, expected_version=1)
    assert [_text(c) for c in (shap, audits, regulators)] == ["SHAP", "audits", "regulators ask"]
    assert outcome.flagged == 0 and outcome.moved == 3 and outcome.version == 2
    assert not Coding.objects.filter(needs_review=True).exists()
    turns = list(transcript.turns.order_by("index"))
    transcript.refresh_from_db()
    assert [transcript.text[t.start : t.end] for t in turns] == [
        "Do you and your team use SHAP?",
        "Every day for debugging 👍🏽 and for audits.",
        "Why is that?",
        "Because regulators ask.",
    ]
    assert (LogEntry.objects.get(action="correct_transcript").before or {})["text"] == TEXT.rstrip("\n")


@pytest.mark.django_db
def test_edit_inside_a_coding_flags_it(team: Team) -> None:
    transcript, code = _setup(team)
    coding = _code(transcript, code, "Every day for debugging")
    new = transcript.text.replace("Every day for debugging", "Every single day for debugging")
    outcome = correct_transcript(transcript=transcript, new_text=new, user=None, expected_version=1)
    assert outcome.flagged == 1
    assert _text(coding) == "Every single day for debugging" and _current(coding).needs_review


@pytest.mark.django_db
def test_deleted_coded_text_keeps_the_coding_flagged(team: Team) -> None:
    transcript, code = _setup(team)
    coding = _code(transcript, code, " and for audits")
    new = transcript.text.replace(" and for audits", "")
    correct_transcript(transcript=transcript, new_text=new, user=None, expected_version=1)
    current = _current(coding)
    assert current.retired_at is None and current.needs_review and current.end - current.start == 1


@pytest.mark.django_db
def test_offsets_with_emoji_and_combining_characters(team: Team) -> None:
    transcript, code = _setup(team)
    audits = _code(transcript, code, "audits")
    new = transcript.text.replace("debugging 👍🏽", "de\u0301bugging 👍🏽👍")  # é composes to one code point
    correct_transcript(transcript=transcript, new_text=new, user=None, expected_version=1)
    assert _text(audits) == "audits"
    transcript.refresh_from_db()
    assert "débugging" in transcript.text


@pytest.mark.django_db
def test_stale_version_is_refused(team: Team) -> None:
    transcript, _ = _setup(team)
    correct_transcript(transcript=transcript, new_text=transcript.text + " x", user=None, expected_version=1)
    with pytest.raises(StaleVersion):
        correct_transcript(transcript=transcript, new_text="something else", user=None, expected_version=1)


@pytest.mark.django_db
def test_thirty_thousand_words_reanchor(team: Team) -> None:
    paragraphs = [f"P{i % 2 + 1}: " + " ".join(f"word{i}_{j}" for j in range(60)) for i in range(500)]
    transcript, code = _setup(team, "\n\n".join(paragraphs))
    codings = [_code(transcript, code, f"word{i}_10 word{i}_11") for i in range(0, 500, 5)]
    new = transcript.text.replace("word250_30", "WORD250_30").replace("word10_5 ", "")
    outcome = correct_transcript(transcript=transcript, new_text=new, user=None, expected_version=1)
    assert outcome.flagged == 0 and all(_text(c).endswith("_11") for c in codings)


@pytest.mark.django_db
def test_correction_inserts_rows_on_the_new_version_and_retires_the_old(team: Team) -> None:
    transcript, code = _setup(team)
    coding = _code(transcript, code, "audits")
    start = coding.start
    correct_transcript(transcript=transcript, new_text="Hello. " + transcript.text, user=team.owner, expected_version=1)
    coding.refresh_from_db()
    twin = Coding.objects.get(replaces=coding)
    assert (
        coding.retired_at is not None and coding.text_version == 1 and (coding.start, coding.end) == (start, start + 6)
    )
    assert twin.retired_at is None and twin.text_version == 2 and (twin.start, twin.end) == (start + 7, start + 13)
    assert twin.batch == coding.batch  # the action that made it can still be undone on the new text


@pytest.mark.django_db
def test_undo_of_a_removal_after_a_correction_brings_the_coding_back_on_its_words(team: Team) -> None:
    """Code a span, remove the coding, correct the text before it, undo the removal: the
    coding must come back on the same words, not on whatever now sits at its old offsets."""
    from coding.services.codings import apply_coding, remove_coding
    from coding.services.history import undo_last

    transcript, code = _setup(team)
    start = transcript.text.index("audits")
    coding, _ = apply_coding(transcript=transcript, code=code, start=start, end=start + 6, coder=team.coder)
    remove_coding(coding=coding, user=team.coder)
    correct_transcript(
        transcript=transcript, new_text="Note: recorded remotely.\n\n" + transcript.text, user=team.owner,
        expected_version=1,
    )  # fmt: skip
    undo_last(study=team.study, user=team.coder)
    transcript.refresh_from_db()
    live = Coding.objects.get(retired_at=None)
    assert transcript.text[live.start : live.end] == "audits"
    assert live.text_version == transcript.text_version == 2


@pytest.mark.django_db
def test_undo_of_an_apply_after_a_correction_removes_the_reanchored_coding(team: Team) -> None:
    from coding.services.codings import apply_coding
    from coding.services.history import undo_last

    transcript, code = _setup(team)
    start = transcript.text.index("audits")
    apply_coding(transcript=transcript, code=code, start=start, end=start + 6, coder=team.coder)
    correct_transcript(transcript=transcript, new_text="Hi. " + transcript.text, user=team.owner, expected_version=1)
    undo_last(study=team.study, user=team.coder)
    assert not Coding.objects.filter(retired_at=None).exists()


@pytest.mark.django_db
def test_undo_of_a_recode_after_a_correction_recodes_back_on_the_new_text(team: Team) -> None:
    from coding.services.codings import apply_coding, change_coding
    from coding.services.history import undo_last

    transcript, code = _setup(team)
    other = Code.objects.create(study=team.study, name="Other")
    start = transcript.text.index("audits")
    coding, _ = apply_coding(transcript=transcript, code=code, start=start, end=start + 6, coder=team.coder)
    change_coding(coding=coding, user=team.coder, code=other)
    correct_transcript(transcript=transcript, new_text="Hi. " + transcript.text, user=team.owner, expected_version=1)
    undo_last(study=team.study, user=team.coder)
    transcript.refresh_from_db()
    live = Coding.objects.get(retired_at=None)
    assert (live.code, transcript.text[live.start : live.end], live.text_version) == (code, "audits", 2)


@pytest.mark.django_db
def test_a_deleted_and_an_inserted_line_do_not_shift_codings_onto_another_line(team: Team) -> None:
    """Between two unique lines, one line deleted and another inserted leave as many lines on each
    side; pairing them in place moved a coding on a repeated line onto the inserted one, unflagged."""
    d, x = "R: I trust my doctor", "R: I trust my neighbour"
    transcript, code = _setup(team, "\n".join(["H: Hello", "I: Yes.", d, "T: Then", d]) + "\n")
    coding = _code(transcript, code, "I trust my")  # on the first D
    assert transcript.text == "\n\n".join(["H: Hello", "I: Yes.", d, "T: Then", d])
    new = "\n\n".join(["H: Hello", d, x, "T: Then", d])
    outcome = correct_transcript(transcript=transcript, new_text=new, user=team.coder, expected_version=1)
    row = _current(coding)
    assert (row.start, row.end) == (new.index(d) + 3, new.index(d) + 13)  # still the first D, not X
    assert outcome.flagged == 0 and not row.needs_review
