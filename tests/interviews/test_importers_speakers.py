"""The speaker and timestamp conventions of real transcripts."""

from __future__ import annotations

import pytest

from interviews.importers.speakers import split_turns
from interviews.importers.timestamps import format_ms, to_ms


def _pairs(text: str) -> list[tuple[str | None, str, int | None]]:
    return [(t.speaker, t.text, t.start_ms) for t in split_turns(text)]


@pytest.mark.parametrize(
    ("line", "speaker", "speech", "ms"),
    [
        ("Alex: Hello", "Alex", "Hello", None),
        ("INTERVIEWER: Hello", "INTERVIEWER", "Hello", None),
        ("P3: Hello", "P3", "Hello", None),
        ("[Interviewer] Hello", "Interviewer", "Hello", None),
        ("[Interviewer]: Hello", "Interviewer", "Hello", None),
        ("**Dana Lee**: Hello", "Dana Lee", "Hello", None),
        ("**Dana Lee:** Hello", "Dana Lee", "Hello", None),
        ("[00:12:31] P3: Hello", "P3", "Hello", 751000),
        ("(12:31) P3: Hello", "P3", "Hello", 751000),
        ("00:12:31 P3: Hello", "P3", "Hello", 751000),
        ("[12:31] P3: Hello", "P3", "Hello", 751000),
        ("P3 (00:12:31): Hello", "P3", "Hello", 751000),
        ("1:02:03 - Interviewer: Hello", "Interviewer", "Hello", 3723000),
    ],
)
def test_conventions(line: str, speaker: str, speech: str, ms: int | None) -> None:
    # Each convention, with a second turn so a one-off label is still a real speaker. (The second
    # speaker is not "Interviewer": "INTERVIEWER" and "Interviewer" are one person, so their turns join.)
    result = _pairs(f"{line}\nP9: Next answer.\n{line}")
    assert result[0] == (speaker, speech, ms)


def test_prose_with_colons_is_not_split_into_speakers() -> None:
    text = "Note: this memo is about SHAP.\n\nWe tried it on three models. Result: mixed.\n\nSee https://example.org"
    assert _pairs(text) == [
        (None, "Note: this memo is about SHAP.", None),
        (None, "We tried it on three models. Result: mixed.", None),
        (None, "See https://example.org", None),
    ]


def test_long_sentence_before_colon_is_not_a_label() -> None:
    text = "Interviewer: Hi\nP1: Hello\nThe thing that surprised us most about the rollout was this: nothing broke.\n"
    assert _pairs(text)[1] == (
        "P1",
        "Hello\nThe thing that surprised us most about the rollout was this: nothing broke.",
        None,
    )


def test_timestamp_on_its_own_line_applies_to_next_turn() -> None:
    assert _pairs("[00:00:10]\nInterviewer: Hi\n[00:00:15]\nP2: Hello")[1] == ("P2", "Hello", 15000)


def test_meeting_tool_two_line_layout() -> None:
    text = "Sam Rivera  0:02\nHello there\n\nJo  00:01:09\nHi\nSam Rivera  1:12\nYes"
    assert _pairs(text) == [("Sam Rivera", "Hello there", 2000), ("Jo", "Hi", 69000), ("Sam Rivera", "Yes", 72000)]


def test_paragraphs_without_speakers_keep_leading_timestamps() -> None:
    assert _pairs("[00:01:00] First paragraph.\n\n(02:00) Second.") == [
        (None, "First paragraph.", 60000),
        (None, "Second.", 120000),
    ]


@pytest.mark.parametrize(
    ("value", "ms"),
    [
        ("12:31", 751000),
        ("00:12:31", 751000),
        ("1:02:03.5", 3723500),
        ("00:00:01,250", 1250),
        ("7.5", 7500),
        ("99:99", None),
        ("soon", None),
        ("nan", None),
    ],
)
def test_timestamps(value: str, ms: int | None) -> None:
    assert to_ms(value) == ms


def test_format_ms() -> None:
    assert format_ms(3723500) == "1:02:03" and format_ms(None) == ""
