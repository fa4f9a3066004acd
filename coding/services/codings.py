"""Applying, editing and removing codings. Codings are insert-only rows: a removal
sets `deleted_at`, so concurrent coders never overwrite each other's work."""

from __future__ import annotations

from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from interviews.models import SpeakerTurn, Transcript

from ..models import Code, Coding
from .history import new_batch, record


def _fields(coding: Coding) -> dict[str, object]:
    return {
        "transcript": str(coding.transcript.uuid),
        "code": str(coding.code.uuid),
        "start": coding.start,
        "end": coding.end,
    }


def _validate_span(transcript: Transcript, start: int, end: int, expected_text: str | None) -> None:
    length = len(transcript.text)
    if not (0 <= start < end <= length):
        raise ValidationError(f"The span {start}–{end} is outside this document (0–{length}).")
    if expected_text is not None and transcript.text[start:end] != expected_text:
        # The browser's idea of the text differs from the canonical text: refuse
        # rather than store a coding on the wrong words.
        raise ValidationError("The selected text does not match the document at that place; reload and try again.")


def _check_code(transcript: Transcript, code: Code) -> None:
    if code.study_id != transcript.study_id or code.deleted_at is not None:
        raise ValidationError("That code is not in this study's codebook.")


@transaction.atomic
def apply_coding(
    *,
    transcript: Transcript,
    code: Code,
    start: int,
    end: int,
    coder: User,
    expected_text: str | None = None,
    batch: UUID | None = None,
) -> tuple[Coding, bool]:
    """Code [start, end). Returns (coding, created); the same code on the same span is not duplicated."""
    _check_code(transcript, code)
    _validate_span(transcript, start, end, expected_text)
    existing = Coding.objects.filter(
        transcript=transcript, code=code, start=start, end=end, deleted_at__isnull=True
    ).first()
    if existing is not None:
        return existing, False
    coding = Coding.objects.create(transcript=transcript, code=code, start=start, end=end, coder=coder, batch=batch)
    record(
        study=transcript.study,
        user=coder,
        action="apply",
        object_type="coding",
        object_uuid=coding.uuid,
        summary=f"applied “{code.name}” to {transcript.title} ({end - start} characters)",
        after=_fields(coding),
        batch=batch,
    )
    return coding, True


@transaction.atomic
def code_turn(*, turn: SpeakerTurn, code: Code, coder: User) -> tuple[Coding, bool]:
    if turn.end <= turn.start:
        raise ValidationError("This turn is empty.")
    return apply_coding(transcript=turn.transcript, code=code, start=turn.start, end=turn.end, coder=coder)


@transaction.atomic
def remove_coding(*, coding: Coding, user: User, batch: UUID | None = None) -> Coding:
    locked = (
        Coding.objects.select_for_update(of=("self",)).select_related("code", "transcript__study").get(pk=coding.pk)
    )
    if locked.deleted_at is not None:
        return locked
    locked.deleted_at = timezone.now()
    locked.save(update_fields=["deleted_at"])
    record(
        study=locked.transcript.study,
        user=user,
        action="remove",
        object_type="coding",
        object_uuid=locked.uuid,
        summary=f"removed “{locked.code.name}” from {locked.transcript.title}",
        before=_fields(locked),
        batch=batch,
    )
    return locked


@transaction.atomic
def change_coding(
    *, coding: Coding, user: User, start: int | None = None, end: int | None = None, code: Code | None = None
) -> Coding:
    """Edit a coding's span or code. The old row is removed and a new one inserted, so a
    teammate's concurrent edit of the same coding can never be silently overwritten."""
    locked = (
        Coding.objects.select_for_update(of=("self",)).select_related("code", "transcript__study").get(pk=coding.pk)
    )
    if locked.deleted_at is not None:
        raise ValidationError("This coding was removed in the meantime (perhaps by a teammate); nothing was changed.")
    new_start = locked.start if start is None else start
    new_end = locked.end if end is None else end
    new_code = code or locked.code
    if (new_start, new_end, new_code.pk) == (locked.start, locked.end, locked.code_id):
        return locked
    transcript = locked.transcript
    _check_code(transcript, new_code)
    _validate_span(transcript, new_start, new_end, None)
    batch = new_batch()
    remove_coding(coding=locked, user=user, batch=batch)
    replacement, _ = apply_coding(
        transcript=transcript, code=new_code, start=new_start, end=new_end, coder=user, batch=batch
    )
    return replacement
