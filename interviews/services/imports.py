"""Importing a transcript file into a study: parse, store canonical text and turns, map speakers."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import PurePath

from django.conf import settings
from django.db import transaction

from accounts.models import User
from studies.models import Study

from ..importers import ImportFailure, ParsedDocument, parse_document
from ..models import Participant, Protocol, Speaker, SpeakerRole, SpeakerTurn, Transcript

INTERVIEWER_LABEL = re.compile(
    r"^(?:i|int|interviewer\d*|interviewers?|q|moderator|facilitator|researcher|host)(?:\s*\d+)?$", re.IGNORECASE
)


@dataclass
class ImportOutcome:
    transcript: Transcript
    created: bool
    warnings: list[str] = field(default_factory=list)


def _participant_for_label(label: str, participants: dict[str, Participant]) -> Participant | None:
    return participants.get(label.strip().lower())


def _participants_named_in(filename: str, participants: dict[str, Participant]) -> list[Participant]:
    """Participant ids that appear as words in the file name (e.g. `P3_interview.docx`)."""
    words = {w.lower() for w in re.split(r"[^0-9A-Za-z]+", PurePath(filename).stem) if w}
    return [p for key, p in participants.items() if key in words]


@transaction.atomic
def import_transcript(
    *,
    study: Study,
    filename: str,
    data: bytes,
    user: User | None,
    title: str | None = None,
    participant_labels: list[str] | None = None,
    protocol: Protocol | None = None,
) -> ImportOutcome:
    """Import one file. Raises ImportFailure (message names the file) and leaves nothing behind."""
    source_sha = hashlib.sha256(data).hexdigest()
    existing = Transcript.objects.filter(study=study, source_sha256=source_sha).first()
    if existing is not None:
        return ImportOutcome(
            existing, False, [f"{filename} was already imported as “{existing.title}”; it was not imported again."]
        )
    parsed: ParsedDocument = parse_document(filename, data, max_bytes=settings.THEMATICA_MAX_UPLOAD_BYTES)

    participants = {p.label.lower(): p for p in Participant.objects.filter(study=study)}
    chosen: list[Participant] = []
    for label in participant_labels or []:
        participant = participants.get(label.strip().lower())
        if participant is None:
            raise ImportFailure(filename, f"names participant {label!r}, who is not in this study")
        chosen.append(participant)
    named = chosen or _participants_named_in(filename, participants)

    transcript = Transcript.objects.create(
        study=study,
        title=(title or PurePath(filename).stem.replace("_", " ").strip() or filename)[:300],
        protocol=protocol,
        source_filename=PurePath(filename).name[:255],
        source_format=parsed.format,
        source_sha256=source_sha,
        text=parsed.text,
        text_sha256=hashlib.sha256(parsed.text.encode()).hexdigest(),
        char_count=len(parsed.text),
        word_count=parsed.word_count,
        import_warnings=parsed.warnings,
        created_by=user,
    )

    speakers: dict[str, Speaker] = {}
    mapped: set[Participant] = set()
    unmapped: list[Speaker] = []
    for label in parsed.speakers:
        participant = _participant_for_label(label, participants)
        role = SpeakerRole.INTERVIEWER if INTERVIEWER_LABEL.match(label) else SpeakerRole.PARTICIPANT
        speaker = Speaker(transcript=transcript, label=label[:200], role=role, participant=participant)
        speakers[label] = speaker
        if participant is not None:
            mapped.add(participant)
        elif role == SpeakerRole.PARTICIPANT:
            unmapped.append(speaker)
    # "Respondent" in a file about one known participant is that participant.
    if len(unmapped) == 1 and len(named) == 1 and not mapped:
        unmapped[0].participant = named[0]
        mapped.add(named[0])
    Speaker.objects.bulk_create(speakers.values())

    SpeakerTurn.objects.bulk_create(
        [
            SpeakerTurn(
                transcript=transcript,
                index=index,
                speaker=speakers.get(turn.speaker) if turn.speaker else None,
                start=turn.start,
                end=turn.end,
                start_ms=turn.start_ms,
                end_ms=turn.end_ms,
            )
            for index, turn in enumerate(parsed.turns)
        ],
        batch_size=2000,
    )
    transcript.participants.add(*(mapped | set(named)))
    return ImportOutcome(transcript, True, parsed.warnings)
