"""Codings read for the theme board and a theme's review aids.

Everything here starts from `visibility` (the one rule of who sees which coding) and runs in
SQL: a theme of forty codes over a million codings is a handful of grouped queries.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Case, Count, IntegerField, Value, When

from accounts.models import User
from interviews.models import Participant
from studies.models import Study

from ..models import Code
from .retrieval import Segment, _participant_labels, _rows
from .visibility import visible_codings, visible_codings_of_live_codes

__all__ = [
    "ExcerptPage",
    "code_pair_overlaps",
    "codings_per_code",
    "documents_of_codes",
    "participants_supporting",
    "theme_excerpts",
]


def _columns(queryset: Any) -> tuple[str, tuple[Any, ...]]:
    sql, params = queryset.values("transcript_id", "code_id", "start", "end").query.sql_with_params()
    return sql, tuple(params)


def code_pair_overlaps(
    *,
    study: Study,
    user: User | Any,
    inside: Iterable[int],
    outside_only: bool = False,
    transcripts: list[int] | None = None,
) -> dict[tuple[int, int], int]:
    """{(code in `inside`, other code): number of pairs of their codings whose spans overlap}.

    The other code is any live code (with `outside_only`, only codes not in `inside`): the
    theme page's boundary cue ("codes in the theme that co-occur with codes outside it") and
    the co-occurrence the suggested themes are clustered on. Overlap is the same transcript and
    [start, end) intersecting, the way retrieval's "same span" reads it. With `transcripts`, only
    in those documents (the caller's bound on the work of a theme of 100,000s of codings). One query.
    """
    inside_ids = sorted(set(inside))
    if not inside_ids:
        return {}
    left = visible_codings_of_live_codes(study=study, user=user, code_ids=inside_ids)
    right = visible_codings(study=study, user=user)
    if transcripts is not None:
        left, right = left.filter(transcript_id__in=transcripts), right.filter(transcript_id__in=transcripts)
    left_sql, left_params = _columns(left)
    if outside_only:
        right = right.exclude(code_id__in=inside_ids)
    right_sql, right_params = _columns(right)
    sql = (
        f"SELECT a.code_id, b.code_id, COUNT(*) FROM ({left_sql}) a JOIN ({right_sql}) b "  # noqa: S608 (SQL from the ORM)
        'ON a.transcript_id = b.transcript_id AND a.start < b."end" AND b.start < a."end" '
        "AND a.code_id <> b.code_id GROUP BY a.code_id, b.code_id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, left_params + right_params)
        return {(a, b): n for a, b, n in cursor.fetchall()}


def participants_supporting(*, study: Study, user: User | Any, code_ids: Iterable[int]) -> dict[int, int]:
    """{participant id: codings of `code_ids` in that participant's documents} (one grouped query).

    A participant supports a theme when a document of theirs holds a visible coding of one of
    its codes; participants of the study with no such document are the theme's "without
    support" list.
    """
    ids = sorted(set(code_ids))
    if not ids:
        return {}
    codings = visible_codings_of_live_codes(study=study, user=user, code_ids=ids)
    per_transcript = dict(
        codings.order_by().values("transcript_id").annotate(n=Count("*")).values_list("transcript_id", "n")
    )
    if not per_transcript:
        return {}
    through = Participant.transcripts.through
    out: dict[int, int] = {}
    for participant_id, transcript_id in through.objects.filter(
        participant__study=study, transcript_id__in=list(per_transcript)
    ).values_list("participant_id", "transcript_id"):
        out[participant_id] = out.get(participant_id, 0) + per_transcript[transcript_id]
    return out


def codings_per_code(*, study: Study, user: User | Any, code_ids: Iterable[int]) -> dict[int, int]:
    """{code id: visible live codings} for some codes only (one grouped query on the code index)."""
    ids = sorted(set(code_ids))
    if not ids:
        return {}
    codings = visible_codings_of_live_codes(study=study, user=user, code_ids=ids)
    return dict(codings.order_by().values("code_id").annotate(n=Count("*")).values_list("code_id", "n"))


@dataclass
class ExcerptPage:
    """One page of a theme's excerpts, in the theme's code order, then by document and position
    (so each code's excerpts of one participant come together), with the counts per code."""

    rows: list[dict[str, Any]]
    total: int
    per_code: dict[int, int]


def theme_excerpts(
    *, study: Study, user: User | Any, code_ids: list[int], page: int = 1, per_page: int = 50
) -> ExcerptPage:
    """The codings of `code_ids` (in that order) as quotable rows, one page at a time.

    The page's window is found from the per-code counts, so only the codes it touches are read,
    ordered in SQL (a code's codings by its index; several codes ranked by a CASE over those few):
    a fixed number of queries and no scan of the other codes' codings, as retrieval pages documents.
    """
    order = list(dict.fromkeys(code_ids))
    per_code = codings_per_code(study=study, user=user, code_ids=order)
    total = sum(per_code.values())
    offset = (max(1, page) - 1) * per_page
    before = covered = 0
    touched: list[int] = []
    for code_id in order:
        n = per_code.get(code_id, 0)
        if not n:
            continue
        if not touched and before + n <= offset:
            before += n
            continue
        touched.append(code_id)
        covered += n
        if before + covered >= offset + per_page:
            break
    if not touched:
        return ExcerptPage(rows=[], total=total, per_code=per_code)
    rank = (
        [Case(*(When(code_id=c, then=Value(i)) for i, c in enumerate(touched)), output_field=IntegerField())]
        if len(touched) > 1
        else []
    )
    skip = offset - before
    chosen = [
        Segment(tid, start, end, (code_id,), (cid,))
        for cid, tid, code_id, start, end in visible_codings_of_live_codes(study=study, user=user, code_ids=touched)
        .order_by(*rank, "transcript_id", "start", "end", "id")
        .values_list("id", "transcript_id", "code_id", "start", "end")[skip : skip + per_page]
    ]
    codes = {c.pk: c for c in Code.objects.filter(pk__in=touched).only("pk", "uuid", "name", "colour")}
    labels = _participant_labels({segment.transcript_id for segment in chosen})
    return ExcerptPage(rows=_rows(chosen, codes=codes, labels=labels, context=0), total=total, per_code=per_code)


def documents_of_codes(
    *, study: Study, user: User | Any, code_ids: Iterable[int], limit: int
) -> tuple[list[int], int, dict[int, int]]:
    """The first `limit` documents (by id) holding codings of `code_ids`, how many documents hold
    any, and the codings per code in those first documents (two grouped queries)."""
    ids = sorted(set(code_ids))
    codings = visible_codings_of_live_codes(study=study, user=user, code_ids=ids).order_by()
    documents = sorted(set(codings.values_list("transcript_id", flat=True).distinct()))
    chosen = documents[:limit]
    counts = dict(
        codings.filter(transcript_id__in=chosen).values("code_id").annotate(n=Count("*")).values_list("code_id", "n")
    )
    return chosen, len(documents), counts
