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
from interviews.models import SpeakerTurn, Transcript
from studies.models import Study

from ..models import Code
from .retrieval import Segment, TurnIndex, _participant_labels, _rows
from .visibility import visible_codings, visible_codings_of_live_codes

__all__ = [
    "ExcerptPage",
    "code_pair_overlaps",
    "codings_per_code",
    "documents_of_codes",
    "participants_supporting",
    "position_participants",
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


def position_participants(spots: Iterable[tuple[int, int]]) -> dict[tuple[int, int], list[int]]:
    """{(transcript id, position): participant ids} — the one attribution rule of the themes pages
    (a finding's coverage, a theme's with/without support, the participants crosstab).

    The participant of the speaker whose turn holds the position; in a document none of whose
    speakers is mapped to a participant, the participants the document is linked to; otherwise
    (an unmapped speaker's turn — the interviewer's — in a mapped document) nobody: crediting every
    participant of a group interview for the interviewer's question would inflate coverage.
    Three queries in all.
    """
    spots = set(spots)
    transcript_ids = {tid for tid, _ in spots}
    if not transcript_ids:
        return {}
    turns = TurnIndex(transcript_ids)
    speakers = {
        (tid, index): participant
        for tid, index, participant in SpeakerTurn.objects.filter(
            transcript_id__in=transcript_ids, speaker__participant__isnull=False
        ).values_list("transcript_id", "index", "speaker__participant_id")
    }
    mapped = {tid for tid, _ in speakers}
    linked: dict[int, list[int]] = {}
    for tid, pid in Transcript.participants.through.objects.filter(transcript_id__in=transcript_ids).values_list(
        "transcript_id", "participant_id"
    ):
        linked.setdefault(tid, []).append(pid)
    found: dict[tuple[int, int], list[int]] = {}
    for tid, position in spots:
        turn = turns.turn_of(tid, position)
        speaker = speakers.get((tid, turn[2])) if turn else None
        if speaker is not None:
            found[(tid, position)] = [speaker]
        elif tid in mapped:
            found[(tid, position)] = []
        else:
            found[(tid, position)] = sorted(linked.get(tid, []))
    return found


def participants_supporting(*, study: Study, user: User | Any, code_ids: Iterable[int]) -> dict[int, int]:
    """{participant id: visible codings of `code_ids` attributed to that participant} (four queries).

    A coding is attributed by `position_participants` at its start (the speaker of that turn, or
    the document's participants when it maps no speaker), as a finding's coverage is; participants
    of the study with no such coding are the theme's "without support" list.
    """
    ids = sorted(set(code_ids))
    if not ids:
        return {}
    codings = visible_codings_of_live_codes(study=study, user=user, code_ids=ids)
    per_spot = {
        (tid, start): n
        for tid, start, n in codings.order_by()
        .values("transcript_id", "start")
        .annotate(n=Count("*"))
        .values_list("transcript_id", "start", "n")
    }
    out: dict[int, int] = {}
    for spot, participants in position_participants(per_spot).items():
        for participant_id in participants:
            out[participant_id] = out.get(participant_id, 0) + per_spot[spot]
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
