"""Reads of codings for the analytics of `themes.analysis`: whole-study numeric arrays, not rows.

The matrices, crosstabs and curves of a study are computed over every visible live coding (a
million at the scale of `bench/scale_bench.py`), so these reads return integer columns as one
DataFrame in one query, never model instances. On PostgreSQL the rows come through
`COPY ... TO STDOUT (FORMAT BINARY)` and are decoded by numpy in one step: fetching a million
rows as Python tuples alone took longer than the whole co-occurrence matrix may. Every read
starts from the visibility rule (`visibility._rule`, as `coding_counts` does), so blind rounds narrow
them too, and is cached per study until its codings change (see `change_marker`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import psycopg
from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Count, QuerySet

from studies.models import Study

from ..models import LogEntry
from .visibility import _rule

# Columns of `coding_rows`: enough to place a coding (which code, where) and nothing else.
CODING_COLUMNS = ("transcript_id", "code_id", "start", "end")


def integer_frame(queryset: QuerySet[Any], columns: tuple[str, ...]) -> pd.DataFrame:
    """The integer `columns` of `queryset` (a `values_list` of those columns) as an int64 DataFrame,
    in one query. On PostgreSQL each column comes packed in one bytea (see below); elsewhere the rows
    are fetched as tuples (SQLite studies are small)."""
    try:
        sql, params = queryset.query.sql_with_params()
    except EmptyResultSet:  # e.g. `code_id__in=[]`: a study without codes
        return pd.DataFrame({name: np.zeros(0, dtype=np.int64) for name in columns})
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        data = np.array(rows, dtype=np.int64).reshape(-1, len(columns))
        return pd.DataFrame({name: data[:, i] for i, name in enumerate(columns)})
    # One bytea holding every row as big-endian int8s one after the other, which numpy reads in one
    # step: fetching a million rows as tuples (or a million COPY messages) costs a Python step per
    # row. One aggregate over the concatenated row keeps the columns of a row together.
    packed_row = " || ".join(f"int8send(q.c{i}::int8)" for i in range(len(columns)))
    aliases = ", ".join(f"c{i}" for i in range(len(columns)))
    # Django's cursors bind on the client and read text (a bytea then travels as hex, twice the
    # bytes, and is decoded in Python): this one cursor on the same connection reads binary.
    connection.ensure_connection()
    with psycopg.Cursor(connection.connection) as cursor:
        # `sql` is Django's own compiled query with its parameters apart; only column aliases are added.
        statement = f"SELECT string_agg({packed_row}, ''::bytea) FROM ({sql}) AS q({aliases})"  # noqa: S608
        cursor.execute(statement, params, binary=True)
        (packed,) = cursor.fetchone() or (None,)
    rows = np.frombuffer(bytes(packed or b""), dtype=">i8").reshape(-1, len(columns))
    return pd.DataFrame({name: rows[:, i].astype(np.int64) for i, name in enumerate(columns)})


# --- a per-study cache of the reads --------------------------------------------------------------
#
# Reading a million codings is most of an analysis's time, and a study's codings change far less often
# than its analytics pages are looked at. So each read is cached under a marker of the study's codings
# that any change alters: codings are insert-only, so every change either inserts rows (and records a
# history entry: `coding.services.history.record`, undo included) or retires some (the live count
# falls; retiring is recorded too). The marker is the study's number of history entries and of live
# codings the user may see, two index-only counts, stored with the value. The key names the study's
# uuid (ids are reused by rolled-back tests) and the user (the visibility rule is per user: when blind
# rounds narrow it, what decides a round must join the marker). Deleted or restored
# codes change no coding: the cached rows are of every code and are narrowed to the live codes asked
# for after the cache.
CACHE_SECONDS = 60 * 60


def change_marker(*, study: Study, user: Any) -> str:
    """What changes whenever the visible live codings of `study` do (see above)."""
    logged = LogEntry.objects.filter(study=study).count()
    live = _rule(study=study, user=user).filter(retired_at__isnull=True).count()
    return f"{logged}.{live}"


def _cached(name: str, *, study: Study, user: Any, build: Callable[[], pd.DataFrame]) -> pd.DataFrame:
    """`build()`, or what it gave while the marker was the same. One entry per study, user and read,
    holding its marker: a study coded all day keeps one copy (tens of megabytes at a million codings),
    not one per change."""
    viewer = getattr(user, "pk", None) or 0
    key = f"thematica:analysis:{name}:{study.uuid}:{viewer}"
    marker = change_marker(study=study, user=user)
    stored = cache.get(key)
    if stored is not None and stored[0] == marker:
        frame: pd.DataFrame = stored[1]
        return frame
    frame = build()
    cache.set(key, (marker, frame), CACHE_SECONDS)
    return frame


def coding_rows(*, study: Study, user: Any, code_ids: list[int]) -> pd.DataFrame:
    """Every visible live coding of `code_ids` (live codes the caller took from the codebook) as
    (transcript_id, code_id, start, end): the input of the co-occurrence matrices."""

    def read() -> pd.DataFrame:
        queryset = _rule(study=study, user=user).filter(retired_at__isnull=True).order_by()
        return integer_frame(queryset.values_list(*CODING_COLUMNS), CODING_COLUMNS)

    rows = _cached("rows", study=study, user=user, build=read)
    return rows[rows["code_id"].isin(code_ids)].reset_index(drop=True)


def code_transcript_counts(*, study: Study, user: Any, code_ids: list[int]) -> pd.DataFrame:
    """Visible live codings of `code_ids` counted per (code_id, transcript_id) (`n` the count):
    crosstabs, frequencies and the saturation curve are all sums over it, a tenth of the codings'
    rows at scale. One grouped query (an index-only scan), cached like `coding_rows`."""

    def read() -> pd.DataFrame:
        queryset = (
            _rule(study=study, user=user)
            .filter(retired_at__isnull=True)
            .order_by()
            .values("code_id", "transcript_id")
            .annotate(n=Count("*"))
            .values_list("code_id", "transcript_id", "n")
        )
        return integer_frame(queryset, ("code_id", "transcript_id", "n"))

    counts = _cached("counts", study=study, user=user, build=read)
    return counts[counts["code_id"].isin(code_ids)].reset_index(drop=True)
