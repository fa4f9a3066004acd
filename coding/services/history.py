"""The append-only history log that every change to codes, codings and memos writes.

`record()` is called inside the service's own transaction, so a change and its
log entry commit together or not at all.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

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
