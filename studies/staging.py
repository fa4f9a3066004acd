"""Uploads kept between a preview and its confirmation (two-step imports).

    staged = stage_upload(study=..., user=..., kind=StagedKind.CODEBOOK, name=..., data=...)
    ...                                   # the preview page carries staged.uuid
    staged = get_staged_upload(study=..., user=..., kind=..., uuid=...)   # or StagedUploadExpired
    claim_staged_upload(staged)           # in the import's transaction: deletes it

A staged upload is not a job (nothing runs in the background): it belongs to the
person who uploaded it and expires after a day. Expired ones are purged whenever
a new one is staged and by `manage.py purge_staged_uploads`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from .models import STAGED_UPLOAD_LIFETIME, StagedKind, StagedUpload, Study

EXPIRED_MESSAGE = "This preview expired; upload the file again."


class StagedUploadExpired(Exception):
    """The staged upload is gone: expired, purged, already imported, or never there."""

    def __init__(self, message: str = EXPIRED_MESSAGE) -> None:
        super().__init__(message)


def purge_staged_uploads() -> int:
    """Delete every expired staged upload; the number deleted."""
    deleted, _ = StagedUpload.objects.filter(expires_at__lte=timezone.now()).delete()
    return deleted


@transaction.atomic
def stage_upload(*, study: Study, user: Any, kind: StagedKind, name: str, data: bytes) -> StagedUpload:
    purge_staged_uploads()
    now = timezone.now()
    return StagedUpload.objects.create(
        study=study, user=user, kind=StagedKind(kind), name=name[:255], data=data, created_at=now,
        expires_at=now + STAGED_UPLOAD_LIFETIME,
    )  # fmt: skip


def get_staged_upload(*, study: Study, user: Any, kind: StagedKind, uuid: UUID | str) -> StagedUpload:
    """The user's live staged upload `uuid` of this study and kind, or StagedUploadExpired."""
    try:
        staged = StagedUpload.objects.filter(
            study=study, user=user, kind=kind, uuid=uuid, expires_at__gt=timezone.now()
        ).first()
    except (ValidationError, ValueError) as exc:  # a malformed uuid from a form
        raise StagedUploadExpired() from exc
    if staged is None:
        raise StagedUploadExpired()
    return staged


def claim_staged_upload(staged: StagedUpload) -> None:
    """Delete `staged` inside the caller's transaction. A second confirmation of the same preview
    (a double click, another tab) waits for the first and then finds it gone: StagedUploadExpired."""
    deleted, _ = StagedUpload.objects.filter(pk=staged.pk).delete()
    if not deleted:
        raise StagedUploadExpired()


@transaction.atomic
def apply_staged_upload[T](staged: StagedUpload, apply: Callable[[], T]) -> T:
    """Claim `staged` and run `apply` in one transaction: both happen or neither."""
    claim_staged_upload(staged)
    return apply()
