"""Re-anchoring codings onto a new text version: the one place a transcript's codings move.

A correction (and, later, de-identification) creates a new text version. Every coding row
of the old version, live or retired, gets a twin on the new version, placed through the
diff's offset map, with `replaces` pointing at it and its `batch`, `retired_batch` and
`created_at` kept, so that an earlier action can still be undone on the new text. The old
version's live rows are retired by the correction's batch. Codings the diff touched are
flagged for review; none is dropped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from uuid import UUID

from django.utils import timezone

from interviews.models import Transcript

from ..models import Coding
from .rows import carry_memos, join_memos, retire


@dataclass
class ReanchorOutcome:
    moved: int
    flagged: int
    unchanged: int


def reanchor_codings(
    *,
    transcript: Transcript,
    old_version: int,
    new_version: int,
    new_length: int,
    map_span: Callable[[int, int], tuple[int, int, bool]],
    batch: UUID,
) -> ReanchorOutcome:
    """Copy every coding of `old_version` onto `new_version`. `map_span(start, end)` gives the
    new (start, end, touched_by_change). Call inside the correction's transaction, with the
    transcript row locked."""
    now = timezone.now()
    rows = list(Coding.objects.filter(transcript=transcript, text_version=old_version).order_by("pk"))
    moved = flagged = unchanged = 0
    twins: list[Coding] = []
    live_twins: dict[tuple[int, int | None, int, int], Coding] = {}
    collapsed: list[tuple[Coding, Coding]] = []
    for row in rows:
        start, end, touched = map_span(row.start, row.end)
        if end <= start:
            # The coded words were deleted: keep the coding on one character nearby, for review.
            start = min(start, max(0, new_length - 1))
            end = start + 1
            touched = True
        retired_at, retired_batch = row.retired_at, row.retired_batch
        key = (row.code_id, row.coder_id, start, end)
        kept = live_twins.get(key) if retired_at is None else None
        if kept is not None:
            # Two codings of one coder and code now fall on the same words: keep one live.
            retired_at, retired_batch, touched = now, batch, True
        if retired_at is None:
            if touched:
                flagged += 1
            elif (start, end) == (row.start, row.end):
                unchanged += 1
            else:
                moved += 1
        twin = Coding(
            study_id=row.study_id, transcript_id=row.transcript_id, text_version=new_version, code_id=row.code_id,
            start=start, end=end, coder_id=row.coder_id, created_at=row.created_at, batch=row.batch,
            retired_at=retired_at, retired_batch=retired_batch, replaces_id=row.pk,
            needs_review=row.needs_review or touched,
        )  # fmt: skip
        twins.append(twin)
        if kept is not None:
            collapsed.append((twin, kept))
        elif retired_at is None:
            live_twins[key] = twin
    retire(Coding.objects.filter(transcript=transcript, text_version=old_version), batch=batch, now=now)
    Coding.objects.bulk_create(twins, batch_size=2000)
    carry_memos(Coding.objects.filter(transcript=transcript, text_version=new_version))
    if collapsed:
        # Memos of a coding that now duplicates another go with the one kept live.
        join_memos({twin.pk: kept.pk for twin, kept in collapsed})
    return ReanchorOutcome(moved=moved, flagged=flagged, unchanged=unchanged)
