"""Speaker review after import: merge two speakers, reassign a turn, split a turn, join two turns.

Turns are ranges over the canonical text, so none of these changes the text (and no coding moves:
codings are offsets into the text, not into turns). Each action is one transaction that locks the
transcript row (the lock coding writers take too), writes one history entry holding a snapshot of
the document's turns and speakers before and after it, and runs a fixed number of statements
however many turns the document has. `undo_speaker_change` puts the `before` snapshot back if the
turns are still exactly as the `after` snapshot left them.
"""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F

from accounts.models import User
from coding.models import LogEntry
from coding.services.history import UndoRefused, record
from studies.text import storable

from ..models import Participant, ProtocolQuestion, Speaker, SpeakerRole, SpeakerTurn, Transcript
from .imports import INTERVIEWER_LABEL

# The history's object_type for these changes (object_uuid is the transcript's).
OBJECT_TYPE = "speaker"
ACTIONS = ("merge", "reassign", "split", "join")
TURN_FIELDS = ("pk", "index", "speaker_id", "start", "end", "start_ms", "end_ms", "question_id")
SPEAKER_FIELDS = ("pk", "label", "role", "participant_id")
LABEL_MAX = 200

# Where a sentence ends inside a turn's speech (line breaks are found by `str.find`): it must start
# at punctuation and never gives back what it matched, so long runs of spaces cost linear time.
_SENTENCE_END = re.compile(r"[.!?…]++[\"'”’»)\]]*+\s++")


def _lock(transcript_id: int) -> Transcript:
    """The transcript row, locked against concurrent speaker and coding changes."""
    transcript = (
        Transcript.objects.select_for_update(of=("self",)).select_related("study").filter(pk=transcript_id).first()
    )
    if transcript is None:
        raise ValidationError("This document was deleted in the meantime.")
    return transcript


def _snapshot(transcript_id: int) -> dict[str, list[Any]]:
    """Every turn and speaker of a document as plain rows, and the participants linked to it
    (three queries)."""
    turns = SpeakerTurn.objects.filter(transcript_id=transcript_id).order_by("index").values_list(*TURN_FIELDS)
    speakers = Speaker.objects.filter(transcript_id=transcript_id).order_by("pk").values_list(*SPEAKER_FIELDS)
    linked = Transcript.participants.through.objects.filter(transcript_id=transcript_id).order_by("participant_id")
    return {
        "turns": [list(row) for row in turns],
        "speakers": [list(row) for row in speakers],
        "participants": list(linked.values_list("participant_id", flat=True)),
    }


def snapshot(transcript: Transcript) -> dict[str, list[Any]]:
    """The document's turns, speakers and linked participants, for a change's history entry."""
    return _snapshot(transcript.pk)


def record_change(
    *, transcript: Transcript, user: User | None, action: str, summary: str, before: dict[str, Any]
) -> LogEntry:
    """The history entry of a speaker change made outside this module (who the speakers are)."""
    return _record(transcript=transcript, user=user, action=action, summary=summary, before=before)


class _Turn:
    """One row of a snapshot, by field name."""

    def __init__(self, row: list[Any]) -> None:
        self.pk, self.index, self.speaker_id, self.start, self.end, self.start_ms, self.end_ms, self.question_id = row


def _turn_in(snapshot: dict[str, list[list[Any]]], turn: SpeakerTurn) -> _Turn:
    for row in snapshot["turns"]:
        if row[0] == turn.pk:
            return _Turn(row)
    raise ValidationError("That turn is no longer in this document (the page was out of date); try again.")


def _label_of(snapshot: dict[str, list[list[Any]]], speaker_id: int | None) -> str:
    for pk, label, *_ in snapshot["speakers"]:
        if pk == speaker_id:
            return str(label)
    return "no speaker"


def _shift(transcript_id: int, *, after: int, by: int, top: int) -> None:
    """Move the indices of the turns after index `after` by `by` (±1) in two statements, never
    letting two turns share an index on the way (PostgreSQL checks the unique constraint row by
    row): first out of the way above `top`, the largest index, then to their places."""
    away = top + 2
    SpeakerTurn.objects.filter(transcript_id=transcript_id, index__gt=after).update(index=F("index") + away)
    SpeakerTurn.objects.filter(transcript_id=transcript_id, index__gt=after + away).update(index=F("index") - away + by)


def _speaker_for_label(transcript: Transcript, label: str, speakers: list[list[Any]]) -> Speaker:
    """The document's speaker with this label (letter case aside), or a new one."""
    # Forms refuse NUL; characters PostgreSQL cannot store are dropped here whatever the caller.
    label = " ".join(storable(label).split())[:LABEL_MAX]
    if not label:
        raise ValidationError("Write the new speaker’s label.")
    for pk, existing, *_ in speakers:
        if existing == label:
            return Speaker.objects.get(pk=pk)
    for pk, existing, *_ in speakers:
        if str(existing).casefold() == label.casefold():
            return Speaker.objects.get(pk=pk)
    participant = Participant.objects.filter(study_id=transcript.study_id, label__iexact=label).first()
    if participant is not None:
        role = SpeakerRole.PARTICIPANT
    elif INTERVIEWER_LABEL.match(label):
        role = SpeakerRole.INTERVIEWER
    else:
        role = SpeakerRole.PARTICIPANT
    return Speaker.objects.create(transcript=transcript, label=label, role=role, participant=participant)


def _check_speaker(
    transcript: Transcript, speaker: Speaker | None, snapshot: dict[str, list[list[Any]]] | None = None
) -> None:
    if speaker is None:
        return
    if speaker.transcript_id != transcript.pk:
        raise ValidationError("That speaker is not in this document.")
    if snapshot is not None and not any(row[0] == speaker.pk for row in snapshot["speakers"]):
        raise ValidationError("That speaker is no longer in this document (the page was out of date); try again.")


def _drop_if_silent(transcript: Transcript, speaker_ids: list[int | None]) -> None:
    """Delete those of `speaker_ids` that have no turn left."""
    ids = [pk for pk in speaker_ids if pk is not None]
    if ids:
        Speaker.objects.filter(transcript=transcript, pk__in=ids, turns__isnull=True).delete()


def _record(
    *, transcript: Transcript, user: User | None, action: str, summary: str, before: dict[str, Any]
) -> LogEntry:
    return record(
        study=transcript.study,
        user=user,
        action=action,
        object_type=OBJECT_TYPE,
        object_uuid=transcript.uuid,
        summary=summary,
        before=before,
        after=_snapshot(transcript.pk),
    )


@transaction.atomic
def merge_speakers(*, transcript: Transcript, keep: Speaker, absorb: Speaker, user: User | None) -> LogEntry:
    """Give every turn of `absorb` to `keep` and delete `absorb`; `keep` keeps its role and person."""
    if keep.pk == absorb.pk:
        raise ValidationError("Choose two different speakers to merge.")
    transcript = _lock(transcript.pk)
    before = _snapshot(transcript.pk)
    _check_speaker(transcript, keep, before)
    _check_speaker(transcript, absorb, before)
    moved = SpeakerTurn.objects.filter(transcript=transcript, speaker_id=absorb.pk).update(speaker_id=keep.pk)
    Speaker.objects.filter(pk=absorb.pk).delete()
    return _record(
        transcript=transcript, user=user, action="merge", before=before,
        summary=f"merged speaker “{_label_of(before, absorb.pk)}” into “{_label_of(before, keep.pk)}” "
        f"({moved} turn{'s' if moved != 1 else ''}) in “{transcript.title}”",
    )  # fmt: skip


@transaction.atomic
def reassign_turn(*, turn: SpeakerTurn, user: User | None, speaker: Speaker | None = None, label: str = "") -> LogEntry:
    """Give `turn` to `speaker`, or to the speaker labelled `label` (created if the document has
    none); a speaker left without turns is deleted."""
    if speaker is None and not label.strip():
        raise ValidationError("Choose a speaker for the turn, or write a new label.")
    transcript = _lock(turn.transcript_id)
    before = _snapshot(transcript.pk)
    _check_speaker(transcript, speaker, before)
    current = _turn_in(before, turn)
    if speaker is None:
        speaker = _speaker_for_label(transcript, label, before["speakers"])
    if speaker.pk == current.speaker_id:
        raise ValidationError(f"Turn {current.index + 1} is already spoken by “{speaker.label}”.")
    SpeakerTurn.objects.filter(pk=current.pk).update(speaker_id=speaker.pk)
    _drop_if_silent(transcript, [current.speaker_id])
    return _record(
        transcript=transcript, user=user, action="reassign", before=before,
        summary=f"gave turn {current.index + 1} of “{transcript.title}” to “{speaker.label}” "
        f"(was “{_label_of(before, current.speaker_id)}”)",
    )  # fmt: skip


def split_parts(text: str, start: int, end: int, at: int) -> tuple[int, int]:
    """The end of the first part and the start of the second when [start, end) is split at `at`
    (the whitespace around `at` belongs to neither); refuses a split that leaves a part empty."""
    if not start <= at <= end:
        raise ValidationError("That position is outside the turn.")
    first = text[start:at].rstrip()
    second = text[at:end]
    first_end = start + len(first)
    second_start = at + len(second) - len(second.lstrip())
    if first_end <= start or second_start >= end:
        raise ValidationError("Split the turn between its words: both parts need some text.")
    return first_end, second_start


@transaction.atomic
def split_turn(
    *, turn: SpeakerTurn, at: int, user: User | None, speaker: Speaker | None = None, label: str = ""
) -> LogEntry:
    """Split `turn` at code point offset `at` into two turns; the second is spoken by `speaker`
    (or the speaker labelled `label`), by default the same. The first part keeps the start time
    and the protocol question, the second the end time."""
    transcript = _lock(turn.transcript_id)
    before = _snapshot(transcript.pk)
    _check_speaker(transcript, speaker, before)
    current = _turn_in(before, turn)
    first_end, second_start = split_parts(transcript.text, current.start, current.end, at)
    if speaker is None and label.strip():
        speaker = _speaker_for_label(transcript, label, before["speakers"])
    top = before["turns"][-1][1]
    _shift(transcript.pk, after=current.index, by=1, top=top)
    SpeakerTurn.objects.filter(pk=current.pk).update(end=first_end, end_ms=None)
    SpeakerTurn.objects.create(
        transcript=transcript,
        index=current.index + 1,
        speaker_id=speaker.pk if speaker is not None else current.speaker_id,
        start=second_start,
        end=current.end,
        start_ms=None,
        end_ms=current.end_ms,
        question=None,
    )
    return _record(
        transcript=transcript, user=user, action="split", before=before,
        summary=f"split turn {current.index + 1} of “{transcript.title}” in two",
    )  # fmt: skip


@transaction.atomic
def join_turns(*, first: SpeakerTurn, second: SpeakerTurn, user: User | None) -> LogEntry:
    """Make `second` part of `first`, the turn just before it: one turn from the first's start
    to the second's end, spoken by the first's speaker."""
    if first.transcript_id != second.transcript_id:
        raise ValidationError("Those turns are not in the same document.")
    if first.pk == second.pk:
        raise ValidationError("Choose two neighbouring turns to join.")
    transcript = _lock(first.transcript_id)
    before = _snapshot(transcript.pk)
    one, two = _turn_in(before, first), _turn_in(before, second)
    if two.index != one.index + 1:
        raise ValidationError(
            f"Turns {one.index + 1} and {two.index + 1} are not neighbours; only a turn and the next can be joined."
        )
    SpeakerTurn.objects.filter(pk=one.pk).update(
        end=two.end,
        end_ms=two.end_ms,
        speaker_id=one.speaker_id if one.speaker_id is not None else two.speaker_id,
        question_id=one.question_id if one.question_id is not None else two.question_id,
    )
    SpeakerTurn.objects.filter(pk=two.pk).delete()
    _shift(transcript.pk, after=two.index, by=-1, top=before["turns"][-1][1])
    _drop_if_silent(transcript, [two.speaker_id])
    return _record(
        transcript=transcript, user=user, action="join", before=before,
        summary=f"joined turns {one.index + 1} and {two.index + 1} of “{transcript.title}”",
    )  # fmt: skip


def undo_speaker_change(entry: LogEntry) -> None:
    """Put back the turns and speakers `entry` found (called by the history's undo, inside its
    transaction). Refused if the document's turns are no longer as the change left them."""
    transcript = Transcript.objects.select_for_update().filter(uuid=entry.object_uuid).only("pk", "title").first()
    if transcript is None:
        raise UndoRefused("The document of this change no longer exists.")
    before, after = entry.before or {}, entry.after or {}
    now = _snapshot(transcript.pk)
    if now["speakers"] != after.get("speakers"):
        raise UndoRefused(
            f"The speakers of “{transcript.title}” were changed since (renamed, merged or given to someone "
            "else); undo that first."
        )
    if now["turns"] != after.get("turns"):
        raise UndoRefused(
            f"The turns of “{transcript.title}” were changed since (a later speaker change or a text "
            "correction); undo that first."
        )
    wanted = {row[0]: row for row in before.get("speakers", [])}
    present = {row[0]: row for row in now["speakers"]}
    missing = [row for pk, row in wanted.items() if pk not in present]
    kept_labels = {row[1] for pk, row in present.items() if pk in wanted}
    if any(row[1] in kept_labels for row in missing):
        raise UndoRefused(f"A speaker of “{transcript.title}” has the label this undo would bring back.")
    # People and protocol questions deleted since are left out (their links were cleared).
    people = {row[3] for row in before.get("speakers", []) if row[3]} | set(before.get("participants", []))
    kept_people = set(Participant.objects.filter(pk__in=people).values_list("pk", flat=True))
    participants = kept_people
    questions = {row[7] for row in before.get("turns", []) if row[7]}
    questions = set(ProtocolQuestion.objects.filter(pk__in=questions).values_list("pk", flat=True))
    Speaker.objects.bulk_create(
        [
            Speaker(pk=pk, transcript_id=transcript.pk, label=label, role=role,
                    participant_id=participant if participant in participants else None)
            for pk, label, role, participant in missing
        ]
    )  # fmt: skip
    SpeakerTurn.objects.filter(transcript_id=transcript.pk).delete()
    SpeakerTurn.objects.bulk_create(
        [
            SpeakerTurn(
                pk=pk, transcript_id=transcript.pk, index=index, speaker_id=speaker, start=start, end=end,
                start_ms=start_ms, end_ms=end_ms, question_id=question if question in questions else None,
            )
            for pk, index, speaker, start, end, start_ms, end_ms, question in before.get("turns", [])
        ]
    )  # fmt: skip
    Speaker.objects.filter(transcript_id=transcript.pk).exclude(pk__in=list(wanted)).delete()
    # Who the speakers that stayed were (a "map" change alters only this), and the document's links.
    changed = [
        Speaker(pk=pk, role=wanted[pk][2], participant_id=wanted[pk][3] if wanted[pk][3] in kept_people else None)
        for pk in present
        if pk in wanted and list(present[pk]) != list(wanted[pk])
    ]
    if changed:
        Speaker.objects.bulk_update(changed, ["role", "participant"])
    if "participants" in before:
        transcript_people = Transcript.participants.through.objects.filter(transcript_id=transcript.pk)
        transcript_people.delete()
        Transcript.participants.through.objects.bulk_create(
            [
                Transcript.participants.through(transcript_id=transcript.pk, participant_id=pk)
                for pk in before["participants"]
                if pk in kept_people
            ]
        )


def sentence_starts(text: str, start: int, end: int) -> list[int]:
    """Offsets inside (start, end) where a sentence or a line of the turn's speech begins: the
    places the review page offers for a split."""
    speech = text[start:end]
    found = {m.end() for m in _SENTENCE_END.finditer(speech) if m.start() > 0 and m.end() < len(speech)}
    at = speech.find("\n")
    while at != -1:
        after = at + 1
        while after < len(speech) and speech[after].isspace():
            after += 1
        if speech[:at].strip() and after < len(speech):
            found.add(after)
        at = speech.find("\n", after)
    return [start + offset for offset in sorted(found)]
