"""Types shared by the importers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from studies.text import storable


class ImportFailure(Exception):
    """A file that cannot be imported. The message names the file and the problem, for people.

    It is stored (a job's error), and a problem may quote the file: characters that cannot be
    stored are left out of it."""

    def __init__(self, filename: str, problem: str) -> None:
        self.filename = filename = storable(filename)
        self.problem = problem = storable(problem)
        super().__init__(f"{filename}: {problem}")


@dataclass
class RawTurn:
    """A turn as read from the source, before the canonical text is laid out.

    `unlabelled` marks a paragraph (or cue, or table row) with no speaker label of its own that
    follows a labelled turn: `SpeakerOptions.unlabelled` decides whose speech it is. `joiner` is how
    its text joins the previous turn's when both end up with the same speaker ("\n" between
    paragraphs, " " between subtitle cues).
    """

    speaker: str | None
    text: str
    start_ms: int | None = None
    end_ms: int | None = None
    unlabelled: bool = False
    joiner: str = "\n"


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
      Keys are matched as the labels appear in the report (`SpeakerSummary.label` or any of its
      `source_labels`), ignoring case and the spacing between a stem and its number; a blank target
      is ignored. The label "Participant" (or the header's participant) that receives attributed
      paragraphs can be renamed like any other.
    - `unlabelled`: where a paragraph with no speaker label goes once some speaker has spoken:
      "previous" (continues the last labelled speaker), "participant" (is the participant's speech),
      or "auto" (detected from the file: when only interviewer-role labels occur — "Moderator",
      "Interviewer", "Facilitator", … — and unlabelled paragraphs follow at least 30 % of their
      turns, unlabelled speech is the participant's; otherwise "previous"). The participant is the
      one a header line names ("Participant: P1"), else the file's only participant-role label,
      else "Participant". Subtitle files (VTT/SRT) are never switched by "auto": their cues split
      one person's speech, so an unlabelled cue usually continues the previous one.
    - `participant_labels`: the study's participant ids; such a label counts as a speaker even once,
      and a speaker with such a label has the participant role.
    """

    renames: dict[str, str] = field(default_factory=dict)
    unlabelled: Unlabelled = "auto"
    participant_labels: tuple[str, ...] = ()


@dataclass
class SpeakerSummary:
    """One detected speaker of a file, for the import preview and summary."""

    label: str  # as stored (after SpeakerOptions.renames)
    turns: int  # turns after consecutive turns of this speaker are joined
    words: int
    first_turns: list[str]  # up to three, each cut to ~200 characters
    role: Literal["interviewer", "participant", "unknown"] = "unknown"
    doubts: list[str] = field(default_factory=list)  # e.g. "seen only once", "looks like a typo of P1"
    # The labels as written in the file that became this speaker, most used first ("Interviewer 1",
    # "Interviewer1"), plus "Participant"/the header's participant when unlabelled paragraphs were
    # attributed to it. SpeakerOptions.renames accepts any of them as a key.
    source_labels: list[str] = field(default_factory=list)


@dataclass
class ImportReport:
    """What the speaker detection found in a file and what looks doubtful."""

    speakers: list[SpeakerSummary] = field(default_factory=list)  # in order of first turn
    # File-level, one sentence each: no speaker / one speaker, a label seen once, a label-like line
    # start read as speech, a very long turn (> 1,500 words, or > 40 % of the words of a file of
    # 500+ words with several speakers), text before the first label kept without a speaker.
    doubts: list[str] = field(default_factory=list)
    # The attribution actually used for paragraphs without a label after a labelled turn; "none"
    # when there were none (or no labels at all), whatever SpeakerOptions.unlabelled said.
    unlabelled: Literal["previous", "participant", "none"] = "none"
    detected: str = ""  # the conventions recognised, in words ("Labels on their own line with a time (Otter, Teams)")
    participant_label: str | None = None  # a participant named by a header such as "Participant: P1"
    unlabelled_paragraphs: int = 0  # paragraphs without a label of their own that were attributed
    words: int = 0  # words in the whole text (turns with and without a speaker)


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
        if self.report.words:
            return self.report.words
        return sum(len(self.text[t.start : t.end].split()) for t in self.turns)
