"""The append-only history log that every change to codes, codings and memos writes.

`record()` is called inside the service's own transaction, so a change and its
log entry commit together or not at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID, uuid4

from django.db import transaction
from django.db.models import QuerySet

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
    return LogEntry.objects.create(
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


# --- undo ------------------------------------------------------------------------------------------
#
# Conventions every writer follows (so that undo can invert any entry):
#   object_type "code":   create | update | move | merge | delete | restore
#   object_type "coding": apply (create) | remove (soft delete) | recode
#   object_type "memo":   create | update | delete | move
#   object_type "transcript": correct_transcript (not undoable here; correct the text again)
# `before`/`after` hold the changed fields, uuids as strings. Entries sharing `batch`
# are one user action and are undone together, newest first.

UNDOABLE = {
    ("code", "create"), ("code", "update"), ("code", "move"), ("code", "merge"), ("code", "delete"),
    ("code", "restore"), ("coding", "apply"), ("coding", "remove"), ("coding", "recode"),
    ("memo", "create"), ("memo", "update"), ("memo", "delete"), ("memo", "move"),
}  # fmt: skip


class UndoRefused(Exception):
    """The change cannot be undone safely (someone changed things since); nothing was undone."""


def _code_by_uuid(value: str | None) -> Any:
    from ..models import Code

    return Code.objects.filter(uuid=value).first() if value else None


def _invert(entry: LogEntry) -> None:
    from django.db.models import F
    from django.utils import timezone

    from ..models import Code, Coding, Memo

    kind, action = entry.object_type, entry.action
    before, after = entry.before or {}, entry.after or {}
    if kind == "coding":
        coding = Coding.objects.select_for_update().filter(uuid=entry.object_uuid).first()
        if coding is None:
            raise UndoRefused("A coding in this change no longer exists.")
        if action == "apply":
            if coding.deleted_at is None:
                coding.deleted_at = timezone.now()
                coding.save(update_fields=["deleted_at"])
        elif action == "remove":
            coding.deleted_at = None
            coding.save(update_fields=["deleted_at"])
        elif action == "recode":
            if str(coding.code.uuid) != after.get("code"):
                raise UndoRefused("A coding was recoded again since; undo that first.")
            coding.code = _code_by_uuid(before.get("code"))
            coding.save(update_fields=["code"])
        return
    if kind == "code":
        code = Code.objects.select_for_update().filter(uuid=entry.object_uuid).first()
        if code is None:
            raise UndoRefused("A code in this change no longer exists.")
        if action == "create":
            later = Coding.objects.filter(code=code, deleted_at__isnull=True).exclude(batch=entry.batch).exists()
            if later:
                raise UndoRefused(f"“{code.name}” has been used for coding since it was created; delete it instead.")
            code.deleted_at = timezone.now()
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
        elif action == "restore":
            code.deleted_at = timezone.now()
            code.save(update_fields=["deleted_at"])
        return
    if kind == "memo":
        memo = Memo.objects.select_for_update().filter(uuid=entry.object_uuid).first()
        if memo is None:
            raise UndoRefused("A memo in this change no longer exists.")
        if action == "create":
            memo.deleted_at = timezone.now()
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


def undoable_batches(*, study: Study, user: User) -> QuerySet[LogEntry]:
    return LogEntry.objects.filter(study=study, user=user, undone_at__isnull=True).exclude(action="undo")


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
        if (entry.object_type, entry.action) not in UNDOABLE:
            raise UndoRefused(f"“{entry.summary}” cannot be undone here.")
        _invert(entry)
    now = timezone.now()
    LogEntry.objects.filter(pk__in=[e.pk for e in entries]).update(undone_at=now, undone_by=user)
    summary = entries[-1].summary if len(entries) == 1 else f"{entries[-1].summary} (and {len(entries) - 1} more)"
    record(study=study, user=user, action="undo", object_type=entries[0].object_type,
           object_uuid=entries[0].object_uuid, summary=f"undid: {summary}", before={"batch": str(batch)})  # fmt: skip
    return UndoOutcome(batch=batch, undone=len(entries), summary=summary)


def undo_last(*, study: Study, user: User) -> UndoOutcome:
    latest = undoable_batches(study=study, user=user).order_by("-created_at", "-id").first()
    if latest is None:
        raise UndoRefused("You have nothing left to undo in this study.")
    return undo_batch(study=study, user=user, batch=latest.batch)
