from __future__ import annotations

import time

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


def _text(coding: Coding) -> str:
    coding.refresh_from_db()
    return coding.transcript.text[coding.start : coding.end]


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
    assert LogEntry.objects.get(action="correct_transcript").before["text"] == TEXT.rstrip("\n")


@pytest.mark.django_db
def test_edit_inside_a_coding_flags_it(team: Team) -> None:
    transcript, code = _setup(team)
    coding = _code(transcript, code, "Every day for debugging")
    new = transcript.text.replace("Every day for debugging", "Every single day for debugging")
    outcome = correct_transcript(transcript=transcript, new_text=new, user=None, expected_version=1)
    assert outcome.flagged == 1
    assert _text(coding) == "Every single day for debugging" and coding.needs_review


@pytest.mark.django_db
def test_deleted_coded_text_keeps_the_coding_flagged(team: Team) -> None:
    transcript, code = _setup(team)
    coding = _code(transcript, code, " and for audits")
    new = transcript.text.replace(" and for audits", "")
    correct_transcript(transcript=transcript, new_text=new, user=None, expected_version=1)
    coding.refresh_from_db()
    assert coding.deleted_at is None and coding.needs_review and coding.end - coding.start == 1


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
def test_thirty_thousand_words_reanchor_quickly(team: Team) -> None:
    paragraphs = [f"P{i % 2 + 1}: " + " ".join(f"word{i}_{j}" for j in range(60)) for i in range(500)]
    transcript, code = _setup(team, "\n\n".join(paragraphs))
    codings = [_code(transcript, code, f"word{i}_10 word{i}_11") for i in range(0, 500, 5)]
    new = transcript.text.replace("word250_30", "WORD250_30").replace("word10_5 ", "")
    started = time.perf_counter()
    outcome = correct_transcript(transcript=transcript, new_text=new, user=None, expected_version=1)
    assert time.perf_counter() - started < 1.5
    assert outcome.flagged == 0 and all(_text(c).endswith("_11") for c in codings)
