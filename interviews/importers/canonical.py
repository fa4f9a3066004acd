"""Lay raw turns out as the canonical text.

Each turn is one block, `"{speaker}: {speech}"` (or just the speech when there
is no speaker); blocks are separated by a blank line. Turn offsets cover the
speech only. The text is NFC with `\\n` newlines, so offsets are stable code
point positions (the REFI-QDA convention) that exports use unchanged.
"""

from __future__ import annotations

import functools
import re
import unicodedata

from .base import ParsedTurn, RawTurn

_NEWLINES = re.compile(r"\r\n?|[\u2028\u2029\x85\x0b\x0c]")
_TRAILING_SPACE = re.compile(r"[ \t]+\n")
_BLANK_RUNS = re.compile(r"\n{2,}")
# Word and PDFs put non-breaking and figure spaces between words; searching and
# auto-coding expect ordinary spaces, and no coding depends on the difference.
_ODD_SPACES = ("\u00a0", "\u2007", "\u202f")


def normalise(text: str) -> str:
    """NFC, `\\n` newlines, ordinary spaces, no trailing spaces on lines."""
    text = unicodedata.normalize("NFC", _NEWLINES.sub("\n", text))
    for space in _ODD_SPACES:  # str.replace is far faster than str.translate on non-ASCII text
        if space in text:
            text = text.replace(space, " ")
    return _TRAILING_SPACE.sub("\n", text)


@functools.lru_cache(maxsize=1024)
def _speaker_label(label: str) -> str:
    return normalise(label).strip()


_SEPARATOR = "\uffff"  # a Unicode noncharacter: never part of a transcript


def build(raw_turns: list[RawTurn]) -> tuple[str, list[ParsedTurn]]:
    if not raw_turns:
        return "", []
    # Normalising every turn's text in one pass keeps long transcripts fast.
    joined = normalise(_SEPARATOR.join(turn.text.replace(_SEPARATOR, "") for turn in raw_turns))
    # Blank lines separate turns in the canonical layout, so inside a turn
    # paragraphs are kept apart by a single newline.
    speeches = _BLANK_RUNS.sub("\n", joined).split(_SEPARATOR)
    parts: list[str] = []
    turns: list[ParsedTurn] = []
    position = 0
    for raw, speech in zip(raw_turns, speeches, strict=True):
        speech = speech.strip()
        if not speech:
            continue
        speaker = _speaker_label(raw.speaker) if raw.speaker else None
        prefix = f"{speaker}: " if speaker else ""
        if parts:
            parts.append("\n\n")
            position += 2
        start = position + len(prefix)
        parts.append(prefix)
        parts.append(speech)
        position = start + len(speech)
        turns.append(ParsedTurn(speaker, start, position, raw.start_ms, raw.end_ms))
    return "".join(parts), turns


def merge_consecutive(raw_turns: list[RawTurn], joiner: str = " ") -> list[RawTurn]:
    """Merge consecutive turns of the same speaker (subtitle cues split one turn into many)."""
    merged: list[RawTurn] = []
    for turn in raw_turns:
        if merged and turn.speaker == merged[-1].speaker:
            last = merged[-1]
            last.text = f"{last.text}{joiner}{turn.text}" if last.text else turn.text
            if turn.end_ms is not None:
                last.end_ms = turn.end_ms
            if last.start_ms is None:
                last.start_ms = turn.start_ms
        else:
            merged.append(RawTurn(turn.speaker, turn.text, turn.start_ms, turn.end_ms))
    return merged
