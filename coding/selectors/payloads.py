"""The JSON shapes the reader draws and polls; keep in step with static/js/reader.js."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from accounts.models import User
from interviews.models import Transcript

from ..models import Code, Coding
from .codebook import study_codes
from .visibility import transcript_codings, visible_retired_since

PAYLOAD_FIELDS = ("uuid", "code_id", "start", "end", "coder_id", "created_at", "needs_review")


def coding_payload(coding: Coding) -> dict[str, Any]:
    return coding_row_payload({name: getattr(coding, name) for name in PAYLOAD_FIELDS})


def coding_row_payload(row: dict[str, Any]) -> dict[str, Any]:
    """`coding_payload` of a `.values()` row (uuid, code_id, start, end, coder_id, created_at,
    needs_review), for pages that draw thousands of codings."""
    return {
        "id": str(row["uuid"]),
        "code": row["code_id"],
        "start": row["start"],
        "end": row["end"],
        "coder": row["coder_id"],
        "at": row["created_at"].isoformat(),
        "review": row["needs_review"],
    }


def code_payload(code: Code) -> dict[str, Any]:
    return {"id": code.pk, "uuid": str(code.uuid), "name": code.name, "colour": code.colour, "parent": code.parent_id}


def coding_changes_since(*, transcript: Transcript, user: User | Any, since: datetime) -> dict[str, Any]:
    """Codings added or retired in `transcript` after `since` (the reader's poll)."""
    # A coding stamped just before `since` may commit just after the previous poll read:
    # look back a little and let the reader drop what it already has.
    since = since - timedelta(seconds=10)
    visible = transcript_codings(transcript=transcript, user=user)
    added = [coding_payload(c) for c in visible.filter(created_at__gt=since).order_by("created_at")]
    removed = [
        str(u)
        for u in visible_retired_since(transcript=transcript, user=user, since=since).values_list("uuid", flat=True)
    ]
    codes = [code_payload(c) for c in study_codes(study=transcript.study)]
    return {"added": added, "removed": removed, "codes": codes}
