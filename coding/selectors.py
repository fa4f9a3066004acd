"""Reads of the coding workspace.

`visible_codings` is the one place that decides which codings a user may see
(blind agreement rounds will hide other coders' codings here); every view and
export goes through it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db.models import QuerySet

from accounts.models import User
from interviews.models import Transcript
from studies.models import Study

from .models import Code, Coding


def visible_codings(*, study: Study, user: User | Any) -> QuerySet[Coding]:
    """Live codings of live codes in `study` that `user` may see."""
    return Coding.objects.filter(transcript__study=study, deleted_at__isnull=True, code__deleted_at__isnull=True)


def transcript_codings(*, transcript: Transcript, user: User | Any) -> QuerySet[Coding]:
    return visible_codings(study=transcript.study, user=user).filter(transcript=transcript)


def study_codes(*, study: Study) -> QuerySet[Code]:
    return Code.objects.alive().filter(study=study).order_by("order", "name")


def coding_payload(coding: Coding) -> dict[str, Any]:
    """The JSON shape the reader draws; keep in step with static/js/reader.js."""
    return {
        "id": str(coding.uuid),
        "code": coding.code_id,
        "start": coding.start,
        "end": coding.end,
        "coder": coding.coder_id,
        "at": coding.created_at.isoformat(),
        "review": coding.needs_review,
    }


def code_payload(code: Code) -> dict[str, Any]:
    return {"id": code.pk, "uuid": str(code.uuid), "name": code.name, "colour": code.colour, "parent": code.parent_id}


def coding_changes_since(*, transcript: Transcript, user: User | Any, since: datetime) -> dict[str, Any]:
    """Codings added or removed in `transcript` after `since` (the reader's poll)."""
    # A coding stamped just before `since` may commit just after the previous poll read:
    # look back a little and let the reader drop what it already has.
    since = since - timedelta(seconds=10)
    visible = transcript_codings(transcript=transcript, user=user)
    added = [coding_payload(c) for c in visible.filter(created_at__gt=since).order_by("created_at")]
    removed = [
        str(u)
        for u in Coding.objects.filter(transcript=transcript, deleted_at__gt=since).values_list("uuid", flat=True)
    ]
    codes = [code_payload(c) for c in study_codes(study=transcript.study)]
    return {"added": added, "removed": removed, "codes": codes}


def codebook_tree(*, study: Study, include_counts: bool = True) -> list[tuple[Code, int, int]]:
    """Live codes in tree order as (code, depth, live coding count)."""
    from django.db.models import Count, Q

    codes = list(
        Code.objects.alive()
        .filter(study=study)
        .annotate(n=Count("codings", filter=Q(codings__deleted_at__isnull=True)))
        .order_by("order", "name")
    )
    children: dict[int | None, list[Code]] = {}
    ids = {c.pk for c in codes}
    for code in codes:
        parent = code.parent_id if code.parent_id in ids else None
        children.setdefault(parent, []).append(code)
    ordered: list[tuple[Code, int, int]] = []

    def walk(parent: int | None, depth: int) -> None:
        for code in children.get(parent, []):
            ordered.append((code, depth, code.n))  # type: ignore[attr-defined]
            walk(code.pk, depth + 1)

    walk(None, 0)
    return ordered
