"""What the transcript reader shows, gathered in a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch

from accounts.models import User
from interviews.models import AttributeValue, Participant, SpeakerTurn, Transcript

from .codebook import study_codes
from .payloads import PAYLOAD_FIELDS, code_payload, coding_row_payload
from .visibility import transcript_codings


@dataclass
class ReaderTurn:
    index: int
    start: int
    end: int
    text: str
    speaker: str
    role: str
    participant: str
    start_ms: int | None


def reader_context(*, transcript: Transcript, user: User | Any) -> dict[str, Any]:
    text = transcript.text
    turns = [
        ReaderTurn(
            index=t.index,
            start=t.start,
            end=t.end,
            text=text[t.start : t.end],
            speaker=t.speaker.label if t.speaker else "",
            role=t.speaker.role if t.speaker else "",
            participant=t.speaker.participant.label if t.speaker and t.speaker.participant else "",
            start_ms=t.start_ms,
        )
        for t in SpeakerTurn.objects.filter(transcript=transcript)
        .select_related("speaker__participant")
        .order_by("index")
    ]
    if not turns and text:
        # A document without turns is shown as one block so it can still be read and coded.
        turns = [ReaderTurn(0, 0, len(text), text, "", "", "", None)]
    participants = list(
        Participant.objects.filter(transcripts=transcript)
        .prefetch_related(
            Prefetch(
                "values",
                queryset=AttributeValue.objects.select_related("attribute").order_by(
                    "attribute__order", "attribute__name"
                ),
            )
        )
        .order_by("label")
    )
    codes = list(study_codes(study=transcript.study))
    # Plain rows, not model instances: a transcript may hold thousands of codings.
    codings = list(
        transcript_codings(transcript=transcript, user=user).order_by("start", "end").values(*PAYLOAD_FIELDS)
    )
    coder_ids = {c["coder_id"] for c in codings if c["coder_id"]}
    if getattr(user, "pk", None):
        coder_ids.add(user.pk)
    coders = {u.pk: str(u) for u in User.objects.filter(pk__in=coder_ids)}
    counts: dict[int, int] = {}
    for coding in codings:
        counts[coding["code_id"]] = counts.get(coding["code_id"], 0) + 1
    return {
        "turns": turns,
        "participants": participants,
        "codes": codes,
        "code_counts": counts,
        "codes_json": [code_payload(c) for c in codes],
        "codings_json": [coding_row_payload(c) for c in codings],
        "coders_json": coders,
        "memos": list(transcript.memos.filter(deleted_at__isnull=True).select_related("author")),
        "memo_target": "transcript",
        "memo_uuid": transcript.uuid,
    }
