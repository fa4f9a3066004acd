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
    return _strip_line_ends(text)


def _strip_line_ends(text: str) -> str:
    """Drop spaces and tabs before each newline. String operations, not a regular expression: the
    pattern `[ \\t]+\\n` rescans a long run of spaces from each of its positions (quadratic)."""
    if " \n" not in text and "\t\n" not in text:
        return text
    lines = text.split("\n")
    last = lines.pop()
    lines = [line.rstrip(" \t") for line in lines]
    lines.append(last)
    return "\n".join(lines)


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
