"""Applying, changing and removing codings: one atomic service per user action.

Codings are insert-only (see `coding.models.Coding`): a removal retires the row; a change
retires it and inserts its replacement in the same history batch. The same coder's codings
of one code that overlap or touch are joined into their union, as NVivo and ATLAS.ti do.
Applying locks the transcript row (`FOR NO KEY UPDATE`), so concurrent applies and text
corrections of one transcript are serialised, and the unique constraint on live codings
makes an exact duplicate impossible even so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from interviews.models import SpeakerTurn, Transcript

from ..models import Code, Coding
from .codebook import find_or_create_code
from .history import new_batch, record
from .rows import join_memos, lock_transcripts, retire

TURNS_CHANGED = "The turns of this document were changed since you opened it; reload the page and try again."
TEXT_CHANGED = "The text of this document was corrected in the meantime; reload it and try again."


def _fields(coding: Coding, transcript: Transcript, code: Code) -> dict[str, object]:
    return {"transcript": str(transcript.uuid), "code": str(code.uuid), "start": coding.start, "end": coding.end}


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


def lock_transcript(transcript: Transcript) -> None:
    """Serialise writers of one transcript's codings; refuse if its text changed since it was read."""
    locked = lock_transcripts([transcript.pk])
    if not locked:
        raise ValidationError("This document was deleted in the meantime.")
    if locked[0][1] != transcript.text_version:
        raise ValidationError(TEXT_CHANGED)


@dataclass
class Placement:
    """What applying a span did: the live coding that now holds it, whether it is new, and
    the same coder's codings of the code it joined (retired in the same batch)."""

    coding: Coding
    created: bool
    joined: list[Coding] = field(default_factory=list)
    memo_moves: list[list[int]] = field(default_factory=list)

    @property
    def joined_uuids(self) -> list[str]:
        return [str(c.uuid) for c in self.joined]


def _place(
    *,
    transcript: Transcript,
    code: Code,
    start: int,
    end: int,
    coder: User,
    batch: UUID,
    replaces: Coding | None = None,
) -> Placement:
    """Insert a live coding of [start, end), joined with the coder's codings of `code` that
    overlap or touch it. A span already inside one of them returns that one, uncreated."""
    touching = list(
        Coding.objects.live()
        .filter(
            transcript=transcript,
            text_version=transcript.text_version,
            code=code,
            coder=coder,
            start__lte=end,
            end__gte=start,
        )
        .order_by("pk")
    )
    for existing in touching:
        if existing.start <= start and end <= existing.end:
            return Placement(existing, created=False)
    now = timezone.now()
    if touching:
        start = min(start, *(c.start for c in touching))
        end = max(end, *(c.end for c in touching))
    try:
        with transaction.atomic():  # a failed insert also undoes the joined codings' retirement
            if touching:
                retire(Coding.objects.filter(pk__in=[c.pk for c in touching]), batch=batch, now=now)
            coding = Coding.objects.create(
                study_id=transcript.study_id,
                transcript=transcript,
                text_version=transcript.text_version,
                code=code,
                start=start,
                end=end,
                coder=coder,
                batch=batch,
                created_at=now,
                replaces=replaces or (touching[0] if touching else None),
            )
    except IntegrityError:
        # The same coder applied the same code to the same span a moment ago.
        found = Coding.objects.live().get(
            transcript=transcript, text_version=transcript.text_version, code=code, coder=coder, start=start, end=end
        )
        return Placement(found, created=False)
    moves = join_memos({c.pk: coding.pk for c in touching}) if touching else []
    return Placement(coding, created=True, joined=touching, memo_moves=moves)


def _apply(
    *,
    transcript: Transcript,
    code: Code,
    start: int,
    end: int,
    coder: User,
    expected_text: str | None,
    batch: UUID,
) -> Placement:
    _check_code(transcript, code)
    lock_transcript(transcript)
    _validate_span(transcript, start, end, expected_text)
    placed = _place(transcript=transcript, code=code, start=start, end=end, coder=coder, batch=batch)
    if placed.created:
        coding, absorbed = placed.coding, len(placed.joined)
        joined = f", joined with {absorbed} touching coding{'s' if absorbed != 1 else ''}" if absorbed else ""
        record(
            study=transcript.study,
            user=coder,
            action="apply",
            object_type="coding",
            object_uuid=coding.uuid,
            summary=f"applied “{code.name}” to {transcript.title} ({coding.end - coding.start} characters{joined})",
            after={**_fields(coding, transcript, code), "memo_moves": placed.memo_moves},
            batch=batch,
        )
    return placed


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
    """Code [start, end). Returns (coding, created); the same code on the same span by the
    same coder is not duplicated, and touching or overlapping ones are joined."""
    placed = _apply(
        transcript=transcript, code=code, start=start, end=end, coder=coder, expected_text=expected_text,
        batch=batch or new_batch(),
    )  # fmt: skip
    return placed.coding, placed.created


@dataclass
class Applied:
    placement: Placement
    code: Code
    created_code: bool


@transaction.atomic
def apply_coding_with_code(
    *,
    transcript: Transcript,
    coder: User,
    code: Code | None = None,
    new_code_name: str = "",
    start: int | None = None,
    end: int | None = None,
    turn_index: int | None = None,
    expected_text: str | None = None,
) -> Applied:
    """The reader's apply: an existing code or one created on the fly, on a span or a whole
    turn, as one action (a failure leaves no new code behind; undo removes both)."""
    batch = new_batch()
    created_code = False
    if code is None:
        code, created_code = find_or_create_code(study=transcript.study, user=coder, name=new_code_name, batch=batch)
    if turn_index is not None:
        turn = SpeakerTurn.objects.filter(transcript=transcript, index=turn_index).first()
        if turn is None:
            raise ValidationError("No such turn in this document.")
        # The range the page showed for the turn, when it sent one: turns can be split or joined
        # (speaker review) while a reader page is open, and then this index is another turn.
        if start is not None and end is not None and (start, end) != (turn.start, turn.end):
            raise ValidationError(TURNS_CHANGED)
        if turn.end <= turn.start:
            raise ValidationError("This turn is empty.")
        start, end, expected_text = turn.start, turn.end, None
    if start is None or end is None:
        raise ValidationError("Select some text to code.")
    placed = _apply(
        transcript=transcript, code=code, start=start, end=end, coder=coder, expected_text=expected_text, batch=batch
    )
    return Applied(placement=placed, code=code, created_code=created_code)


@transaction.atomic
def code_turn(*, turn: SpeakerTurn, code: Code, coder: User) -> tuple[Coding, bool]:
    if turn.end <= turn.start:
        raise ValidationError("This turn is empty.")
    return apply_coding(transcript=turn.transcript, code=code, start=turn.start, end=turn.end, coder=coder)


@transaction.atomic
def remove_coding(*, coding: Coding, user: User, batch: UUID | None = None) -> Coding:
    """Retire a live coding; removing one that is already gone changes nothing."""
    lock_transcripts([coding.transcript_id])
    batch = batch or new_batch()
    if retire(Coding.objects.filter(pk=coding.pk), batch=batch, now=timezone.now()):
        transcript, code = coding.transcript, coding.code
        record(
            study=transcript.study,
            user=user,
            action="remove",
            object_type="coding",
            object_uuid=coding.uuid,
            summary=f"removed “{code.name}” from {transcript.title}",
            before=_fields(coding, transcript, code),
            batch=batch,
        )
    coding.refresh_from_db(fields=["retired_at", "retired_batch"])
    return coding


@transaction.atomic
def change_coding(
    *,
    coding: Coding,
    user: User,
    start: int | None = None,
    end: int | None = None,
    code: Code | None = None,
    new_code_name: str = "",
) -> Placement:
    """Resize or recode (to `code`, or to a code created on the fly from `new_code_name`): the
    row is retired and its replacement inserted in one batch, so a teammate's concurrent edit
    of the same coding is never silently overwritten."""
    transcript = coding.transcript
    lock_transcript(transcript)
    locked = Coding.objects.live().select_for_update(of=("self",)).select_related("code").filter(pk=coding.pk).first()
    if locked is None:
        raise ValidationError("This coding was removed in the meantime (perhaps by a teammate); nothing was changed.")
    new_start = locked.start if start is None else start
    new_end = locked.end if end is None else end
    _validate_span(transcript, new_start, new_end, None)
    batch = new_batch()
    if code is None and new_code_name:
        code, _ = find_or_create_code(study=transcript.study, user=user, name=new_code_name, batch=batch)
    new_code = code or locked.code
    if (new_start, new_end, new_code.pk) == (locked.start, locked.end, locked.code_id):
        return Placement(locked, created=False)
    _check_code(transcript, new_code)
    retire(Coding.objects.filter(pk=locked.pk), batch=batch, now=timezone.now())
    placed = _place(
        transcript=transcript, code=new_code, start=new_start, end=new_end, coder=user, batch=batch, replaces=locked
    )
    replacement = placed.coding
    memo_moves = join_memos({locked.pk: replacement.pk}) + placed.memo_moves
    what = "recoded" if new_code.pk != locked.code_id else "resized"
    record(
        study=transcript.study,
        user=user,
        action="recode",
        object_type="coding",
        object_uuid=replacement.uuid,
        summary=f"{what} “{locked.code.name}” in {transcript.title}"
        + (f" to “{new_code.name}”" if new_code.pk != locked.code_id else ""),
        before={**_fields(locked, transcript, locked.code), "uuid": str(locked.uuid)},
        after={**_fields(replacement, transcript, new_code), "memo_moves": memo_moves},
        batch=batch,
    )
    return Placement(replacement, created=placed.created, joined=placed.joined, memo_moves=memo_moves)
