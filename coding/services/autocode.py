"""Auto-coding by search: preview every hit, then apply the chosen ones as one undoable batch."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import User
from studies.models import Study

from ..models import Code, Coding, LogEntry
from ..selectors import Hit
from .history import new_batch

SCOPES = ("match", "sentence", "turn")


@functools.lru_cache(maxsize=1)
def _sentencizer():  # type: ignore[no-untyped-def]
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    return nlp


def widen(hits: list[Hit], scope: str) -> list[Hit]:
    """Grow each hit to its sentence or speaker turn; duplicates (two hits in one sentence) merge."""
    if scope not in SCOPES:
        raise ValidationError(f"Unknown scope {scope!r}.")
    if scope == "match":
        return hits
    from interviews.models import SpeakerTurn

    turn_cache: dict[tuple[int, int | None], tuple[int, int]] = {}
    sentence_cache: dict[tuple[int, int | None], list[tuple[int, int]]] = {}
    widened: dict[tuple[int, int, int], Hit] = {}
    for hit in hits:
        key = (hit.transcript.pk, hit.turn_index)
        if key not in turn_cache:
            turn = (
                SpeakerTurn.objects.filter(transcript=hit.transcript, index=hit.turn_index).first()
                if hit.turn_index is not None
                else None
            )
            turn_cache[key] = (turn.start, turn.end) if turn else (0, len(hit.transcript.text))
        turn_start, turn_end = turn_cache[key]
        start, end = turn_start, turn_end
        if scope == "sentence":
            if key not in sentence_cache:
                doc = _sentencizer()(hit.transcript.text[turn_start:turn_end])
                sentence_cache[key] = [(turn_start + s.start_char, turn_start + s.end_char) for s in doc.sents]
            for s_start, s_end in sentence_cache[key]:
                if s_start <= hit.start < s_end:
                    start, end = s_start, max(s_end, hit.end)
                    break
        text = hit.transcript.text[start:end]
        trimmed = len(text) - len(text.rstrip())
        end -= trimmed
        widened[(hit.transcript.pk, start, end)] = Hit(
            hit.transcript, start, end, hit.turn_index, hit.speaker, hit.role
        )
    return sorted(widened.values(), key=lambda h: (h.transcript.title, h.start))


@dataclass
class AutocodeOutcome:
    batch: UUID
    applied: int
    skipped: int


@transaction.atomic
def apply_autocode(*, study: Study, user: User, code: Code, hits: list[Hit], description: str) -> AutocodeOutcome:
    """Code every hit with `code` in one batch; hits already coded with it are skipped."""
    if code.study_id != study.pk or code.deleted_at is not None:
        raise ValidationError("That code is not in this study's codebook.")
    if not hits:
        raise ValidationError("No hits are selected.")
    batch = new_batch()
    existing = set(
        Coding.objects.filter(
            code=code, deleted_at__isnull=True, transcript_id__in={h.transcript.pk for h in hits}
        ).values_list("transcript_id", "start", "end")
    )
    created = []
    for hit in hits:
        if not 0 <= hit.start < hit.end <= len(hit.transcript.text):
            raise ValidationError("A hit lies outside its document; search again.")
        if (hit.transcript.pk, hit.start, hit.end) in existing:
            continue
        existing.add((hit.transcript.pk, hit.start, hit.end))
        created.append(
            Coding(transcript=hit.transcript, code=code, start=hit.start, end=hit.end, coder=user, batch=batch)
        )
    Coding.objects.bulk_create(created, batch_size=1000)
    # One log entry per coding, written in bulk: undo reverts the whole batch.
    LogEntry.objects.bulk_create(
        [
            LogEntry(
                study=study, user=user, action="apply", object_type="coding", object_uuid=coding.uuid, batch=batch,
                summary=f"auto-coded “{code.name}” in {coding.transcript.title} ({description})"[:300],
                after={"transcript": str(coding.transcript.uuid), "code": str(code.uuid), "start": coding.start,
                       "end": coding.end},
            )
            for coding in created
        ],
        batch_size=1000,
    )  # fmt: skip
    return AutocodeOutcome(batch=batch, applied=len(created), skipped=len(hits) - len(created))
