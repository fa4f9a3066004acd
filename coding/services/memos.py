"""Memos on the study (the research journal), codes, codings, documents and participants."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import User
from studies.models import Study

from ..models import Memo, MemoTarget
from .codebook import Conflict
from .history import record

TARGET_FIELDS: dict[str, str] = {
    MemoTarget.CODE: "code",
    MemoTarget.CODING: "coding",
    MemoTarget.TRANSCRIPT: "transcript",
    MemoTarget.PARTICIPANT: "participant",
}
MAX_BODY = 200_000


def _clean(title: str, body: str) -> tuple[str, str]:
    title, body = title.strip()[:200], body.strip()
    if not body:
        raise ValidationError("A memo needs some text.")
    if len(body) > MAX_BODY:
        raise ValidationError("A memo is limited to 200,000 characters.")
    return title, body


@transaction.atomic
def create_memo(*, study: Study, author: User, target: str, obj: Any | None, title: str, body: str) -> Memo:
    if target not in MemoTarget.values:
        raise ValidationError("Unknown memo target.")
    title, body = _clean(title, body)
    memo = Memo(study=study, target=target, title=title, body=body, author=author)
    field = TARGET_FIELDS.get(target)
    if field is not None:
        if obj is None:
            raise ValidationError("The memo's subject was not found.")
        setattr(memo, field, obj)
    memo.save()
    record(study=study, user=author, action="create", object_type="memo", object_uuid=memo.uuid,
           summary=f"wrote a memo{': ' + title if title else ''}", after={"title": title})  # fmt: skip
    return memo


@transaction.atomic
def update_memo(*, memo: Memo, user: User, expected_version: int, title: str, body: str) -> Memo:
    locked = Memo.objects.select_for_update().get(pk=memo.pk)
    if locked.version != expected_version or locked.deleted_at is not None:
        raise Conflict(locked)
    title, body = _clean(title, body)
    before = {"title": locked.title, "body": locked.body}
    locked.title, locked.body, locked.updated_at = title, body, timezone.now()
    locked.version = F("version") + 1  # type: ignore[assignment]
    locked.save(update_fields=["title", "body", "updated_at", "version"])
    locked.refresh_from_db()
    record(study=locked.study, user=user, action="update", object_type="memo", object_uuid=locked.uuid,
           summary=f"edited a memo{': ' + title if title else ''}", before=before,
           after={"title": title, "body": body})  # fmt: skip
    return locked


@transaction.atomic
def delete_memo(*, memo: Memo, user: User) -> None:
    memo.deleted_at = timezone.now()
    memo.save(update_fields=["deleted_at"])
    record(study=memo.study, user=user, action="delete", object_type="memo", object_uuid=memo.uuid,
           summary=f"deleted a memo{': ' + memo.title if memo.title else ''}")  # fmt: skip
