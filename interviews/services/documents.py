"""Document metadata and speaker mapping."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import User

from ..models import Participant, Protocol, Speaker, SpeakerRole, Transcript, TranscriptMode


def parse_duration(text: str) -> int | None:
    """h:mm:ss, mm:ss or minutes → seconds."""
    text = text.strip()
    if not text:
        return None
    parts = text.split(":")
    try:
        numbers = [int(p) for p in parts]
    except ValueError as exc:
        raise ValidationError("Write the duration as h:mm:ss, mm:ss or minutes.") from exc
    if any(n < 0 for n in numbers) or len(numbers) > 3:
        raise ValidationError("Write the duration as h:mm:ss, mm:ss or minutes.")
    if len(numbers) == 1:
        return numbers[0] * 60
    seconds = 0
    for n in numbers:
        seconds = seconds * 60 + n
    return seconds


@transaction.atomic
def update_metadata(
    *,
    transcript: Transcript,
    title: str,
    participants: list[Participant],
    interview_date: dt.date | None,
    duration_seconds: int | None,
    interviewer: str,
    mode: str,
    language: str,
    protocol: Protocol | None,
    citation: str,
) -> Transcript:
    if not title.strip():
        raise ValidationError("A document needs a title.")
    if mode not in TranscriptMode.values:
        raise ValidationError("Unknown mode.")
    if any(p.study_id != transcript.study_id for p in participants) or (
        protocol is not None and protocol.study_id != transcript.study_id
    ):
        raise ValidationError("Participants and protocol must belong to this study.")
    transcript.title = title.strip()[:300]
    transcript.interview_date = interview_date
    transcript.duration_seconds = duration_seconds
    transcript.interviewer = interviewer.strip()[:200]
    transcript.mode = mode
    transcript.language = language.strip()[:20] or "en"
    transcript.protocol = protocol
    transcript.citation = citation
    transcript.save(
        update_fields=[
            "title", "interview_date", "duration_seconds", "interviewer", "mode", "language", "protocol",
            "citation", "updated_at",
        ]
    )  # fmt: skip
    transcript.participants.set(participants)
    return transcript


@transaction.atomic
def map_speaker(*, speaker: Speaker, role: str, participant: Participant | None) -> Speaker:
    if role not in SpeakerRole.values:
        raise ValidationError("Unknown speaker role.")
    if participant is not None and participant.study_id != speaker.transcript.study_id:
        raise ValidationError("That participant is not in this study.")
    previous = speaker.participant_id
    speaker.role = role
    speaker.participant = participant if role == SpeakerRole.PARTICIPANT else None
    speaker.save(update_fields=["role", "participant"])
    if speaker.participant is not None:
        speaker.transcript.participants.add(speaker.participant)
    # The person this speaker was mapped to is no longer in the document unless another of its
    # speakers is them: otherwise retrieval would still count this document for them.
    if (
        previous is not None
        and previous != speaker.participant_id
        and not Speaker.objects.filter(transcript_id=speaker.transcript_id, participant_id=previous).exists()
    ):
        speaker.transcript.participants.remove(previous)
    return speaker


@dataclass(frozen=True)
class SpeakerChoice:
    """Who one speaker label of a document is: a role, and the participant for that role."""

    speaker: Speaker
    role: str
    participant: Participant | None = None


@transaction.atomic
def map_speakers(*, transcript: Transcript, choices: list[SpeakerChoice], user: User | None = None) -> int:
    """Save every speaker's choice in one transaction: all of them, or none if one is refused.
    A change is one history entry (undone from Activity with the other speaker changes)."""
    from .speakers import record_change, snapshot

    locked = Transcript.objects.select_for_update(of=("self",)).get(pk=transcript.pk)
    before = snapshot(locked)
    for choice in choices:
        if choice.speaker.transcript_id != transcript.pk:
            raise ValidationError("That speaker is not in this document.")
        choice.speaker.transcript = transcript
        map_speaker(speaker=choice.speaker, role=choice.role, participant=choice.participant)
    if snapshot(locked) != before:
        record_change(
            transcript=transcript, user=user, action="map", before=before,
            summary=f"changed who the speakers of “{transcript.title}” are",
        )  # fmt: skip
    return len(choices)


@transaction.atomic
def delete_transcript(*, transcript: Transcript, user: User | None = None) -> None:
    """Delete a document with its codings. One history batch says so: the deletion, then, for each
    finding that quoted the document, which of its quotes no longer count (they stay on the finding,
    marked as from a deleted document), so a finding's history says why its evidence went."""
    from coding.services.history import new_batch, record
    from themes.services.findings import note_document_deleted

    batch = new_batch()
    record(study=transcript.study, user=user, action="delete", object_type="transcript", object_uuid=transcript.uuid,
           summary=f"deleted document “{transcript.title}” with its codings", batch=batch,
           before={"title": transcript.title})  # fmt: skip
    note_document_deleted(transcript=transcript, user=user, batch=batch)
    transcript.delete()
