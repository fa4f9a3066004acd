"""Which live coding holds a coding now: codings are insert-only, so the row someone chose (a
finding's excerpt) or made (an accepted suggestion) may since have been resized, recoded, merged
into another code, joined with an overlapping coding or re-anchored by a correction;
`live_successors` finds the live coding that now holds it.

It follows the chain through rows of codes that were deleted since (a merge soft-deletes its source
code: the chosen row then belongs to a deleted code, while its successor, of the merge's target, is
live), and through joins, where only one of the joined rows is linked by `replaces`: the others are
found as the live row their retiring action inserted over the same words. It starts from the
visibility rule, so blind rounds narrow it too.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.db.models import Q

from studies.models import Study

from .visibility import _rule, visible_codings

# Replacements followed at most this deep (each generation is one query).
MAX_GENERATIONS = 20


@dataclass(frozen=True)
class LiveCoding:
    """The live coding that holds an excerpt's chosen coding now."""

    pk: int
    uuid: UUID
    transcript_id: int
    text_version: int
    start: int
    end: int
    code_id: int


_FIELDS = ("pk", "uuid", "transcript_id", "text_version", "start", "end", "code_id")


def _valid(uuids: Iterable[UUID | str]) -> list[UUID]:
    valid = []
    for value in uuids:
        try:
            valid.append(value if isinstance(value, UUID) else UUID(str(value)))
        except ValueError:
            continue
    return valid


def live_successors(*, study: Study, user: Any, uuids: Iterable[UUID | str]) -> dict[str, LiveCoding]:
    """{coding uuid: the live, visible coding that now holds it} for those of `uuids` that still
    have one. A removed coding (retired by a removal, with no replacement) has none. One query,
    plus one per generation of replacements when some were replaced; independent of how many
    excerpts are asked about."""
    wanted = _valid(uuids)
    if not wanted:
        return {}
    rows = _rule(study=study, user=user)  # any code, live or deleted: the chain may pass a merged code
    live_ids: dict[str, int] = {}
    # retired row id -> (origin uuid, transcript, text_version, coder, start, end, retired_batch)
    frontier: dict[int, tuple[str, int, int, Any, int, int, Any]] = {}
    for pk, uuid, retired_at, tid, version, coder, start, end, retired_batch in rows.filter(
        uuid__in=wanted
    ).values_list(
        "pk", "uuid", "retired_at", "transcript_id", "text_version", "coder_id", "start", "end", "retired_batch"
    ):
        if retired_at is None:
            live_ids[str(uuid)] = pk
        else:
            frontier[pk] = (str(uuid), tid, version, coder, start, end, retired_batch)
    for _ in range(MAX_GENERATIONS):
        if not frontier:
            break
        following: dict[int, tuple[str, int, int, Any, int, int, Any]] = {}
        linked: set[int] = set()
        children = rows.filter(replaces_id__in=list(frontier)).order_by("pk")
        for pk, parent, retired_at, tid, version, coder, start, end, retired_batch in children.values_list(
            "pk",
            "replaces_id",
            "retired_at",
            "transcript_id",
            "text_version",
            "coder_id",
            "start",
            "end",
            "retired_batch",
        ):
            linked.add(parent)
            origin = frontier[parent][0]
            if origin in live_ids:
                continue  # split into several: the first live part holds it
            if retired_at is None:
                live_ids[origin] = pk
            else:
                following[pk] = (origin, tid, version, coder, start, end, retired_batch)
        # Rows joined into a union without the `replaces` link: the row their retiring action
        # inserted in the same transcript, by the same coder, over their words.
        unlinked = [(pk, f) for pk, f in frontier.items() if pk not in linked and f[6] is not None]
        if unlinked:
            match = Q()
            for _, (_, tid, version, coder, start, end, batch) in unlinked:
                match |= Q(
                    batch=batch, transcript_id=tid, text_version=version, coder_id=coder, start__lte=start, end__gte=end
                )
            found = list(
                rows.filter(match).values_list(
                    "pk",
                    "retired_at",
                    "transcript_id",
                    "text_version",
                    "coder_id",
                    "start",
                    "end",
                    "batch",
                    "retired_batch",
                )
            )
            for _, (origin, tid, version, coder, start, end, batch) in unlinked:
                if origin in live_ids:
                    continue
                for pk, retired_at, f_tid, f_version, f_coder, f_start, f_end, f_batch, f_retired in found:
                    if (
                        (f_batch, f_tid, f_version, f_coder) == (batch, tid, version, coder)
                        and f_start <= start
                        and f_end >= end
                    ):
                        if retired_at is None:
                            live_ids[origin] = pk
                        else:
                            following[pk] = (origin, f_tid, f_version, f_coder, f_start, f_end, f_retired)
                        break
        frontier = {pk: f for pk, f in following.items() if f[0] not in live_ids}
    if not live_ids:
        return {}
    visible = {
        row[0]: LiveCoding(*row)
        for row in visible_codings(study=study, user=user).filter(pk__in=set(live_ids.values())).values_list(*_FIELDS)
    }
    return {origin: visible[pk] for origin, pk in live_ids.items() if pk in visible}
