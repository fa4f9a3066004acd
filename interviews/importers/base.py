"""Types shared by the importers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal


class ImportFailure(Exception):
    """A file that cannot be imported. The message names the file and the problem, for people."""

    def __init__(self, filename: str, problem: str) -> None:
        self.filename = filename
        self.problem = problem
        super().__init__(f"{filename}: {problem}")


@dataclass
class RawTurn:
    """A turn as read from the source, before the canonical text is laid out."""

    speaker: str | None
    text: str
    start_ms: int | None = None
    end_ms: int | None = None


@dataclass
class ParsedTurn:
    speaker: str | None
    start: int
    end: int
    start_ms: int | None = None
    end_ms: int | None = None


Unlabelled = Literal["auto", "previous", "participant"]


@dataclass(frozen=True)
class SpeakerOptions:
    """What the researcher chose in the import preview (or the defaults when nobody looked).

    - `renames`: source label → label to store. Two labels renamed to the same target are merged
      into one speaker (e.g. {"Interviewer1": "Interviewer 1"}). Applied before consecutive turns of
      one speaker are joined, so a merge also joins their turns.
    - `unlabelled`: where a paragraph with no speaker label goes once some speaker has spoken:
      "previous" (continues the last labelled speaker), "participant" (is the participant's speech),
      or "auto" (detected from the file: a file where only interviewer-role labels occur, or whose
      header names the participant, attributes unlabelled speech to the participant).
    - `participant_labels`: the study's participant ids; such a label counts as a speaker even once.
    """

    renames: dict[str, str] = field(default_factory=dict)
    unlabelled: Unlabelled = "auto"
    participant_labels: tuple[str, ...] = ()


@dataclass
class SpeakerSummary:
    """One detected speaker of a file, for the import preview and summary."""

    label: str
    turns: int
    words: int
    first_turns: list[str]  # up to three, each cut to ~200 characters
    role: Literal["interviewer", "participant", "unknown"] = "unknown"
    doubts: list[str] = field(default_factory=list)  # e.g. "seen only once", "looks like a typo of P1"


@dataclass
class ImportReport:
    """What the speaker detection found in a file and what looks doubtful."""

    speakers: list[SpeakerSummary] = field(default_factory=list)
    doubts: list[str] = field(default_factory=list)  # file-level: one speaker, a very long turn, ...
    unlabelled: Literal["previous", "participant", "none"] = "none"  # the attribution actually used
    detected: str = ""  # the convention recognised, in words ("labels on their own line (Otter/Zoom)")
    participant_label: str | None = None  # a participant named by a header such as "Participant: P1"


@dataclass
class ParsedDocument:
    """The canonical text and its turns; offsets are code points, end exclusive."""

    text: str
    turns: list[ParsedTurn]
    format: str
    warnings: list[str] = field(default_factory=list)
    encoding: str = ""
    report: ImportReport = field(default_factory=ImportReport)

    @property
    def speakers(self) -> list[str]:
        seen: dict[str, None] = {}
        for turn in self.turns:
            if turn.speaker:
                seen.setdefault(turn.speaker, None)
        return list(seen)

    @property
    def word_count(self) -> int:
        return sum(len(self.text[t.start : t.end].split()) for t in self.turns)
