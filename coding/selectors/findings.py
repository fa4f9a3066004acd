"""Reads of codings that findings need (`themes.coverage`, `themes.services.findings`).

A finding's excerpt names the coding it was chosen from by uuid. Codings are insert-only, so the
row chosen may since have been resized, recoded, merged into another code, joined with an
overlapping coding or re-anchored by a correction; `lineage.live_successors` finds the live coding
that now holds it.

The picker (`picker_codings`) lists the codings a finding's excerpts are chosen from. Both start
from the visibility rule, so blind rounds narrow them too.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.db.models import Case, F, QuerySet, Value, When
from django.db.models.functions import Substr

from studies.models import Study

from .lineage import _valid
from .visibility import visible_codings


def chosen_coding(*, study: Study, user: Any, uuid: UUID | str) -> dict[str, Any] | None:
    """A live coding the user may see, as an excerpt is made from it (its span, text version and
    transcript), or None: an excerpt is only ever chosen from a live coding."""
    valid = _valid([uuid])
    if not valid:
        return None
    row = (
        visible_codings(study=study, user=user)
        .filter(uuid=valid[0])
        .values("uuid", "transcript_id", "text_version", "start", "end", "code_id")
        .first()
    )
    return dict(row) if row is not None else None


def picker_codings(
    *,
    study: Study,
    user: Any,
    code_ids: list[int],
    transcript_ids: list[int] | None = None,
    text: str = "",
    rank: dict[int, int] | None = None,
) -> QuerySet[Any]:
    """Live codings of `code_ids` the user may see, for the excerpt picker: in some transcripts only
    (a participant's), whose words contain `text` (case-insensitive, matched by the database on
    the coded span, so a page costs the same whatever the number of codings). As rows (uuid,
    transcript_id, start, end, code_id and the coded `words`), by transcript then position; the
    caller pages them. With `rank` (each transcript's place in reading order, `retrieval.document_order`)
    documents come in that order, so every page continues the one before."""
    codings = visible_codings(study=study, user=user).filter(code_id__in=code_ids)
    if transcript_ids is not None:
        codings = codings.filter(transcript_id__in=transcript_ids)
    codings = codings.annotate(words=Substr(F("transcript__text"), F("start") + 1, F("end") - F("start")))
    if text:
        codings = codings.filter(words__icontains=text)
    order: list[Any] = ["transcript_id", "start", "end", "pk"]
    if rank:
        place = Case(*(When(transcript_id=pk, then=Value(n)) for pk, n in rank.items()), default=Value(len(rank)))
        order = [place, *order]
    return codings.order_by(*order).values("uuid", "transcript_id", "start", "end", "code_id", "words")
