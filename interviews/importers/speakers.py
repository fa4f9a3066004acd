"""Split plain text into speaker turns, recognising the conventions transcripts use.

Recognised at the start of a line, with an optional timestamp before or after the label:
`Name: ...`, `INTERVIEWER: ...`, `P3: ...`, `[Interviewer] ...`, `**Name**: ...`,
`[00:12:31] Name: ...`, `(12:31) Name: ...`, `00:12:31 Name: ...`, `Name (00:12:31): ...`,
and the two-line form of meeting tools (`Name  00:12:31` on its own line, speech below).

A plain `Word:` only counts as a speaker label when it is short, starts with a capital (or is a
participant id), is not a URL scheme, and recurs in the document or looks like a known role — so
"Note: ..." in an essay does not split it into turns. Without any speaker, each paragraph is a turn.
"""

from __future__ import annotations

import re

from .base import RawTurn
from .timestamps import TIME, to_ms

_LETTER = r"[^\W\d_]"


def _ts_group(name: str) -> str:
    return rf"(?:\[(?P<{name}a>{TIME})\]|\((?P<{name}b>{TIME})\)|(?P<{name}c>{TIME}))"


_LEAD = _ts_group("lead")
_TRAIL = rf"(?:\[(?P<trailb>{TIME})\]|\((?P<trailp>{TIME})\))"
_PLAIN_LABEL = rf"(?P<plain>{_LETTER}[\w.'’\- ]{{0,39}}?)"

_LINE = re.compile(
    rf"""^\s*(?:{_LEAD}\s*[-–—]?\s*)?
    (?:
        \*\*(?P<bold>[^*\n]{{1,40}}?)\*\*\s*:
      | \*\*(?P<bold2>[^*\n]{{1,40}}?):\*\*
      | \[(?P<bracket>{_LETTER}[^\]\n]{{0,39}})\]\s*:?
      | {_PLAIN_LABEL}\s*(?:{_TRAIL}\s*)?:(?!//|\d)
    )
    \s*(?P<rest>.*)$""",
    re.VERBOSE,
)
_TWO_LINE = re.compile(rf"^\s*(?P<label>{_LETTER}[\w.'’\- ]{{0,39}}?)\s+[\[(]?(?P<ts>{TIME})[\])]?\s*$")
_TS_ONLY = re.compile(rf"^\s*[\[(]?(?P<ts>{TIME})[\])]?\s*$")
_LEADING_TS = re.compile(rf"^\s*{_ts_group('p')}\s*[-–—]?\s*")

KNOWN_LABEL = re.compile(
    r"^(?:[PRIQAS]\d{0,3}|Int|Interviewer|Interviewee|Participant(?: \d+)?|Respondent(?: \d+)?|Moderator|"
    r"Researcher|Facilitator|Speaker ?\d+|Host|Guest|Q|A)$",
    re.IGNORECASE,
)
_MAX_LABEL_WORDS = 4


def _label_ok(label: str) -> bool:
    words = label.split()
    return 0 < len(words) <= _MAX_LABEL_WORDS and (label[0].isupper() or bool(KNOWN_LABEL.match(label)))


def _ts(match: re.Match[str], *names: str) -> int | None:
    for name in names:
        value = match.groupdict().get(name)
        if value:
            return to_ms(value)
    return None


def _candidates(lines: list[str]) -> tuple[list[tuple[str, str, int | None, bool] | None], set[str]]:
    """Per line: (label, rest, timestamp, two_line) or None; and the labels accepted as speakers."""
    found: list[tuple[str, str, int | None, bool] | None] = []
    plain_counts: dict[str, int] = {}
    strong: set[str] = set()
    two_line: list[str] = []
    for line in lines:
        match = _LINE.match(line) if ":" in line or "[" in line or "**" in line else None
        if match:
            ts = _ts(match, "leada", "leadb", "leadc", "trailb", "trailp")
            marked = match.group("bold") or match.group("bold2") or match.group("bracket")
            if marked:
                label = marked.strip()
                strong.add(label)
                found.append((label, match.group("rest"), ts, False))
                continue
            label = (match.group("plain") or "").strip()
            if _label_ok(label):
                plain_counts[label] = plain_counts.get(label, 0) + 1
                found.append((label, match.group("rest"), ts, False))
                continue
        two = _TWO_LINE.match(line)
        if two and _label_ok(two.group("label").strip()):
            label = two.group("label").strip()
            two_line.append(label)
            found.append((label, "", to_ms(two.group("ts")), True))
            continue
        found.append(None)
    accepted = strong | {label for label, n in plain_counts.items() if n >= 2 or KNOWN_LABEL.match(label)}
    # "Name  00:12:31" alone on a line is a meeting tool's layout: recurring, it marks every speaker.
    if len(two_line) >= 2:
        accepted |= set(two_line)
    return found, accepted


def split_turns(text: str) -> list[RawTurn]:
    lines = text.split("\n")
    found, accepted = _candidates(lines)
    if not accepted:
        return _paragraph_turns(lines)
    turns: list[RawTurn] = []
    current: RawTurn | None = None
    pending_ts: int | None = None
    for line, candidate in zip(lines, found, strict=True):
        if candidate is not None and candidate[0] in accepted:
            label, rest, ts, _ = candidate
            current = RawTurn(label, rest.strip(), ts if ts is not None else pending_ts)
            pending_ts = None
            turns.append(current)
            continue
        only = _TS_ONLY.match(line)
        if only:
            pending_ts = to_ms(only.group("ts"))
            continue
        stripped = line.strip()
        if not stripped:
            continue
        if current is None:
            # Text before the first speaker (a title or header) is a turn of its own.
            current = RawTurn(None, stripped, pending_ts)
            turns.append(current)
        else:
            current.text = f"{current.text}\n{stripped}" if current.text else stripped
    return turns


def _paragraph_turns(lines: list[str]) -> list[RawTurn]:
    turns: list[RawTurn] = []
    buffer: list[str] = []

    def flush() -> None:
        if not buffer:
            return
        paragraph = "\n".join(buffer)
        start_ms = None
        lead = _LEADING_TS.match(paragraph)
        if lead:
            start_ms = _ts(lead, "pa", "pb", "pc")
            paragraph = paragraph[lead.end() :]
        turns.append(RawTurn(None, paragraph, start_ms))
        buffer.clear()

    for line in lines:
        if line.strip():
            buffer.append(line.rstrip())
        else:
            flush()
    flush()
    return turns
