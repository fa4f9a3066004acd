"""The append-only history log that every change to codes, codings and memos writes.

`record()` is called inside the service's own transaction, so a change and its
log entry commit together or not at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID, uuid4

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet

from accounts.models import User
from studies.models import Study

from ..models import LogEntry


def new_batch() -> UUID:
    return uuid4()


def record(
    *,
    study: Study,
    user: User | None,
    action: str,
    object_type: str,
    object_uuid: UUID,
    summary: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    batch: UUID | None = None,
) -> LogEntry:
    entry = LogEntry.objects.create(
        study=study,
        user=user,
        action=action,
        object_type=object_type,
        object_uuid=object_uuid,
        summary=summary[:300],
        before=before,
        after=after,
        batch=batch or uuid4(),
    )
    if object_type in ("coding", "suggestion"):
        # What the study's suggestion model learns changed: retrain on commit (throttled, no query here).
        from assist.suggestions import after_coding_change

        after_coding_change(study_id=study.pk, user_id=user.pk if user else None)
    return entry


@dataclass(frozen=True)
class Entry:
    """One entry of `record_many`."""

    action: str
    object_type: str
    object_uuid: UUID
    summary: str = ""
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None


def record_many(*, study: Study, user: User | None, batch: UUID, entries: list[Entry]) -> None:
    """Record several entries of one batch in one insert (entries of a bulk action, one per object it
    touched). Not for codings or suggestions, whose entries `record` writes one per action."""
    if any(e.object_type in ("coding", "suggestion") for e in entries):
        raise ValueError("Coding and suggestion entries go through record()")
    LogEntry.objects.bulk_create(
        [
            LogEntry(study=study, user=user, action=e.action, object_type=e.object_type, object_uuid=e.object_uuid,
                     summary=e.summary[:300], before=e.before, after=e.after, batch=batch)
            for e in entries
        ]
    )  # fmt: skip


# --- undo ------------------------------------------------------------------------------------------
#
# Conventions every writer follows (so that undo can invert any entry):
#   object_type "code":   create | update | move | merge | split | delete | restore
#   object_type "coding": apply | remove | recode — one entry per action; the rows themselves
#                         say what the action did (`Coding.batch` inserted, `retired_batch` retired)
#   object_type "memo":   create | update | delete | move
#   object_type "transcript": correct_transcript (not undoable here; correct the text again)
#   object_type "speaker": merge | reassign | split | join | map (interviews.services.speakers; object_uuid is
#                         the transcript's, before/after snapshot its turns and speakers)
#   object_type "theme":  create | update | move | status | delete | restore | add_codes | remove_codes |
#                         reorder_codes (themes.services.themes; undone by themes.services.undo)
#   object_type "suggestion": accept | reject (assist.suggestions; in the batch of the coding an acceptance
#                         made; undo reopens the suggestion and takes the decision back from its rules)
# `before`/`after` hold the changed fields, uuids as strings. Entries sharing `batch` are one
# user action and are undone together: codings set-based, then codes and memos newest first.

UNDOABLE = {
    ("code", "create"), ("code", "update"), ("code", "move"), ("code", "merge"), ("code", "split"),
    ("code", "delete"), ("code", "restore"), ("coding", "apply"), ("coding", "remove"), ("coding", "recode"),
    ("memo", "create"), ("memo", "update"), ("memo", "delete"), ("memo", "move"),
    ("speaker", "merge"), ("speaker", "reassign"), ("speaker", "split"), ("speaker", "join"), ("speaker", "map"),
    ("suggestion", "accept"), ("suggestion", "reject"),
    ("theme", "create"), ("theme", "update"), ("theme", "move"), ("theme", "status"), ("theme", "delete"),
    ("theme", "restore"), ("theme", "add_codes"), ("theme", "remove_codes"), ("theme", "reorder_codes"),
}  # fmt: skip


class UndoRefused(Exception):
    """The change cannot be undone safely (someone changed things since); nothing was undone."""


def _code_by_uuid(value: str | None) -> Any:
    from ..models import Code

    return Code.objects.filter(uuid=value).first() if value else None


def _undo_codings(*, study: Study, batch: UUID, undo: UUID, now: Any, memo_moves: list[list[int]]) -> tuple[int, int]:
    """Retire what `batch` inserted and insert again what it retired, on each transcript's
    current text version (a correction re-anchored both with the batch kept). Set-based."""
    from django.db.models import Exists, OuterRef, Q

    from interviews.models import Transcript

    from ..models import Coding, Memo
    from .rows import carry_memos, copy_rows, lock_transcripts, retire

    # Rows on their transcript's current text version (a semi-join the planner keeps cheap even
    # when its estimates lag behind a large change in the same transaction).
    current = Coding.objects.filter(
        Exists(Transcript.objects.filter(pk=OuterRef("transcript_id"), text_version=OuterRef("text_version"))),
        study=study,
    )
    lock_transcripts(
        Coding.objects.filter(study=study)
        .filter(Q(batch=batch) | Q(retired_at__isnull=False, retired_batch=batch))
        .values("transcript_id")
    )
    inserted = current.filter(batch=batch)
    if inserted.filter(retired_at__isnull=False).exclude(retired_batch=batch).exists():
        raise UndoRefused("Some codings of this change were changed or removed since; undo those changes first.")
    # `retired_at` is stated so that the partial index on retired rows' batch is used.
    restored = current.filter(retired_at__isnull=False, retired_batch=batch).exclude(batch=batch)
    # Memos on rows the change inserted go back to the row it replaced (found on the version the
    # change was made on, through any correction's copies), and memos it joined into a union go
    # back to the coding they were on (the change recorded which).
    on_inserted = list(Memo.objects.filter(coding__in=inserted).values_list("pk", "coding_id"))
    original = _through_corrections({c for _, c in on_inserted if c is not None}, forward=False)
    replaced = dict(
        Coding.objects.filter(
            pk__in=set(original.values()), replaces__retired_at__isnull=False, replaces__retired_batch=batch
        ).values_list("pk", "replaces_id")
    )
    back = {memo: replaced[original[c]] for memo, c in on_inserted if c is not None and original[c] in replaced}
    back |= {memo: old for memo, old in memo_moves}
    retired = retire(inserted, batch=undo, now=now)
    inserted_again = copy_rows(restored, batch=undo, now=now, ignore_conflicts=True)
    replacements = Coding.objects.filter(study=study, batch=undo)
    if replacements.filter(Exists(_touching_live(exclude_self=True))).exists():
        raise UndoRefused(
            "A coding made since overlaps one that this undo would bring back (same code and coder); "
            "remove or change it first."
        )
    carry_memos(replacements)
    if back:
        now_of = _through_corrections(set(back.values()), forward=True)
        new_of = dict(replacements.filter(replaces_id__in=set(now_of.values())).values_list("replaces_id", "pk"))
        memos = [Memo(pk=pk, coding_id=new_of[now_of[old]]) for pk, old in back.items() if now_of.get(old) in new_of]
        Memo.objects.bulk_update(memos, ["coding"])
    return retired, inserted_again


def _touching_live(*, exclude_self: bool) -> Any:
    """Live codings of the outer row's transcript version, code and coder that overlap or touch it."""
    from django.db.models import OuterRef

    from ..models import Coding

    rows = Coding.objects.live().filter(
        transcript_id=OuterRef("transcript_id"),
        text_version=OuterRef("text_version"),
        code_id=OuterRef("code_id"),
        coder_id=OuterRef("coder_id"),
        start__lte=OuterRef("end"),
        end__gte=OuterRef("start"),
    )
    return rows.exclude(pk=OuterRef("pk")) if exclude_self else rows


def _through_corrections(ids: set[int], *, forward: bool) -> dict[int, int]:
    """Each coding row id → the row that carries it on the latest text version (`forward`) or on
    the version it was made on (not `forward`), following re-anchoring copies, which point back
    with `replaces` from the next version. One query per correction in between."""
    from django.db.models import F

    from ..models import Coding

    result = {pk: pk for pk in ids}
    frontier = set(ids)
    while frontier:
        twins = Coding.objects.filter(text_version=F("replaces__text_version") + 1)
        if forward:
            step = dict(twins.filter(replaces_id__in=frontier).values_list("replaces_id", "pk"))
        else:
            step = dict(twins.filter(pk__in=frontier).values_list("pk", "replaces_id"))
        if not step:
            break
        for start, at in result.items():
            if at in step:
                result[start] = step[at]
        frontier = set(step.values())
    return result


def _invert(entry: LogEntry, now: Any) -> None:
    from django.db.models import F

    from ..models import Code, Coding, Memo

    kind, action = entry.object_type, entry.action
    before, after = entry.before or {}, entry.after or {}
    if kind == "coding":
        return  # undone set-based by `_undo_codings`
    if kind == "speaker":
        from interviews.services.speakers import undo_speaker_change

        undo_speaker_change(entry)
        return
    if kind == "theme":
        from themes.services.undo import undo_theme_change

        undo_theme_change(entry, now)
        return
    if kind == "suggestion":
        from assist.suggestions import undo_decision  # reopens it; the coding was undone above

        undo_decision(entry)
        return
    if kind == "code":
        code = Code.objects.select_for_update().filter(uuid=entry.object_uuid).first()
        if code is None:
            raise UndoRefused("A code in this change no longer exists.")
        if action == "create":
            later = Coding.objects.live().filter(study_id=code.study_id, code=code).exclude(batch=entry.batch).exists()
            if later:
                raise UndoRefused(f"“{code.name}” has been used for coding since it was created; delete it instead.")
            code.deleted_at = now
            code.save(update_fields=["deleted_at"])
        elif action == "update":
            if any(getattr(code, k) != v for k, v in after.items()):
                raise UndoRefused(f"“{code.name}” was edited again since; undo that first.")
            for key, value in before.items():
                setattr(code, key, value)
            code.version = F("version") + 1
            code.save(update_fields=[*before, "version"])
        elif action == "move":
            if "parent" in before:
                code.parent = _code_by_uuid(before["parent"])
            if "order" in before:
                code.order = before["order"]
            code.save(update_fields=["parent", "order"])
        elif action in ("merge", "delete"):
            code.deleted_at = None
            code.save(update_fields=["deleted_at"])
            # Sub-codes (and, for a merge, memos) that moved away come back.
            Code.objects.filter(uuid__in=before.get("children", [])).update(parent=code)
            if before.get("memos"):
                Memo.objects.filter(uuid__in=before["memos"]).update(code=code)
        elif action == "restore":
            code.deleted_at = now
            code.save(update_fields=["deleted_at"])
        return
    if kind == "memo":
        memo = Memo.objects.select_for_update().filter(uuid=entry.object_uuid).first()
        if memo is None:
            raise UndoRefused("A memo in this change no longer exists.")
        if action == "create":
            memo.deleted_at = now
            memo.save(update_fields=["deleted_at"])
        elif action == "delete":
            memo.deleted_at = None
            memo.save(update_fields=["deleted_at"])
        elif action == "update":
            if any(getattr(memo, k) != v for k, v in after.items()):
                raise UndoRefused("The memo was edited again since; undo that first.")
            for key, value in before.items():
                setattr(memo, key, value)
            memo.version = F("version") + 1
            memo.save(update_fields=[*before, "version"])
        elif action == "move":
            memo.code = _code_by_uuid(before.get("code"))
            memo.save(update_fields=["code"])


@dataclass
class UndoOutcome:
    batch: UUID
    undone: int
    summary: str


def _undoable_kinds() -> Q:
    match = Q()
    for object_type, action in sorted(UNDOABLE):
        match |= Q(object_type=object_type, action=action)
    return match


def undoable_batches(*, study: Study, user: User) -> QuerySet[LogEntry]:
    """The user's entries not undone yet whose whole batch can be undone here: a batch holding an
    entry of a kind outside UNDOABLE (a deleted document, a text correction, a finding's edit) is
    left out, so "Undo my last change" reaches past it to the last change it can undo."""
    kinds = _undoable_kinds()
    blocked = LogEntry.objects.filter(study=study, batch=OuterRef("batch")).exclude(kinds)
    return (
        LogEntry.objects.filter(kinds, study=study, user=user, undone_at__isnull=True)
        .exclude(action="undo")
        .exclude(Exists(blocked))
    )


def undoable_entry_batches(*, study: Study, batches: list[UUID]) -> set[UUID]:
    """Which of `batches` can be undone here (every entry of the batch of an UNDOABLE kind); one query."""
    blocked = set(
        LogEntry.objects.filter(study=study, batch__in=batches)
        .exclude(_undoable_kinds())
        .values_list("batch", flat=True)
    )
    return {b for b in batches if b not in blocked}


@transaction.atomic
def undo_batch(*, study: Study, user: User, batch: UUID) -> UndoOutcome:
    """Undo one of the user's own changes (all entries of its batch, newest first)."""
    from django.utils import timezone

    entries = list(
        LogEntry.objects.select_for_update()
        .filter(study=study, user=user, batch=batch, undone_at__isnull=True)
        .exclude(action="undo")
        .order_by("-created_at", "-id")
    )
    if not entries:
        raise UndoRefused("There is nothing of yours to undo there.")
    for entry in entries:
        if (entry.before or {}).get("deidentified"):
            # deid.services.scrub_history replaced the names this entry held by pseudonyms: undoing it
            # would put back a text or labels that never were (and the originals must not return).
            raise UndoRefused(
                f"“{entry.summary}” was made before the document was de-identified, so its history no "
                "longer holds what it changed; it cannot be undone (an owner can revert the de-identification)."
            )
        if (entry.object_type, entry.action) not in UNDOABLE:
            raise UndoRefused(f"“{entry.summary}” cannot be undone here.")
    now = timezone.now()
    undo = new_batch()
    # Codes come back before the codings that use them; codings before a created code goes.
    for entry in entries:
        if entry.object_type == "code" and entry.action in ("merge", "delete"):
            _invert(entry, now)
    memo_moves = [move for entry in entries for move in (entry.after or {}).get("memo_moves", [])]
    _undo_codings(study=study, batch=batch, undo=undo, now=now, memo_moves=memo_moves)
    for entry in entries:
        if not (entry.object_type == "code" and entry.action in ("merge", "delete")):
            _invert(entry, now)
    LogEntry.objects.filter(pk__in=[e.pk for e in entries]).update(undone_at=now, undone_by=user)
    summary = entries[-1].summary if len(entries) == 1 else f"{entries[-1].summary} (and {len(entries) - 1} more)"
    record(study=study, user=user, action="undo", object_type=entries[0].object_type,
           object_uuid=entries[0].object_uuid, summary=f"undid: {summary}", before={"batch": str(batch)},
           batch=undo)  # fmt: skip
    return UndoOutcome(batch=batch, undone=len(entries), summary=summary)


def undo_last(*, study: Study, user: User) -> UndoOutcome:
    latest = undoable_batches(study=study, user=user).order_by("-created_at", "-id").first()
    if latest is None:
        raise UndoRefused("You have nothing left to undo in this study.")
    return undo_batch(study=study, user=user, batch=latest.batch)
