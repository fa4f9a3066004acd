"""Set-based primitives for insert-only codings: retire rows, insert replacements, carry memos.

Every write of `Coding` rows goes through here or through `bulk_create` of new rows in the
services. Each primitive is one SQL statement whatever the number of rows, so merges of
100,000 codings and their undo take a constant number of queries.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from django.db import connection
from django.db.models import Field, OuterRef, QuerySet, Subquery

from ..ids import UUID7_SQL
from ..models import Coding, Memo

# Columns copied by `copy_rows`, in order; `replaces_id` is set to the source row's id.
_COPIED = ("study_id", "transcript_id", "text_version", "code_id", "start", "end", "coder_id", "needs_review")


# Rows inserted in the order of the live indexes' keys touch each index page once, not at random.
_IN_INDEX_ORDER = "src.transcript_id, src.coder_id, src.start"


def lock_transcripts(transcript_ids: Any) -> list[tuple[int, int]]:
    """Lock the transcripts (ids or a subquery of them) whose codings an action writes, in id
    order so two actions never deadlock, and return their (id, current text version). A text
    correction locks its transcript too, so the two never interleave."""
    from interviews.models import Transcript

    no_key = connection.features.has_select_for_no_key_update
    return list(
        Transcript.objects.filter(pk__in=transcript_ids)
        .order_by("pk")
        .select_for_update(no_key=no_key)
        .values_list("pk", "text_version")
    )


def retire(rows: QuerySet[Coding], *, batch: UUID, now: datetime) -> int:
    """Retire the live rows among `rows` in one UPDATE; returns how many were live."""
    return rows.filter(retired_at__isnull=True).update(retired_at=now, retired_batch=batch)


def _prep(name: str, value: Any) -> Any:
    field = Coding._meta.get_field(name)
    assert isinstance(field, Field)
    return field.get_db_prep_value(value, connection)


def _new_uuid_sql() -> str:
    if connection.vendor == "postgresql":
        return UUID7_SQL
    # SQLite stores UUIDs as 32 hex characters.
    return "lower(hex(randomblob(16)))"


def _where(rows: QuerySet[Coding]) -> tuple[str | None, list[Any]]:
    """The WHERE clause of a queryset on the codings table alone (no joins), to use in an
    UPDATE of that table directly: `id IN (subquery)` would make PostgreSQL read the whole
    table to match ids. (None, []) when the queryset joins other tables."""
    query = rows.query
    if len([alias for alias, count in query.alias_refcount.items() if count]) > 1 or query.is_sliced:
        return None, []
    compiler = query.get_compiler(connection=connection)
    sql, params = compiler.compile(query.where)
    return (sql or "TRUE"), list(params)


def copy_rows(
    rows: QuerySet[Coding],
    *,
    batch: UUID,
    now: datetime,
    set_values: dict[str, Any] | None = None,
    ignore_conflicts: bool = False,
    retire_sources: bool = False,
) -> int:
    """INSERT ... SELECT a replacement of every row in `rows` (one statement).

    Replacements get a new uuid, `replaces` pointing at their source, `created_at` = now and
    `batch`, with columns overridden by `set_values` (column name → value); they are live.
    `ignore_conflicts` skips rows that would duplicate a live coding. `retire_sources`
    retires the live source rows by `batch` too, in the same statement on PostgreSQL (a
    data-modifying WITH: one pass over the rows) and in a second one elsewhere.
    """
    if retire_sources and ignore_conflicts:
        raise ValueError("Retiring the sources and skipping conflicts do not go together.")
    set_values = dict(set_values or {})
    table = connection.ops.quote_name(Coding._meta.db_table)
    source_sql, source_params = rows.values("id").query.sql_with_params()
    columns = ["uuid", *_COPIED, "created_at", "batch", "retired_at", "retired_batch", "replaces_id"]
    select: list[str] = [_new_uuid_sql()]
    params: list[Any] = []
    for column in _COPIED:
        if column in set_values:
            select.append("%s")
            params.append(set_values.pop(column))
        else:
            select.append(f"src.{connection.ops.quote_name(column)}")
    select += ["%s", "%s", "NULL", "NULL"]
    params += [_prep("created_at", now), _prep("batch", batch)]
    select.append("src.id")
    if set_values:
        raise ValueError(f"Cannot set {sorted(set_values)} on copied codings.")
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    where_sql, where_params = _where(rows)
    if where_sql is None:
        where_sql, where_params = f"id IN ({source_sql})", list(source_params)
    if retire_sources and connection.vendor == "postgresql":
        sql = (
            f"WITH src AS (UPDATE {table} SET retired_at = %s, retired_batch = %s "  # noqa: S608 (names are ours)
            f"WHERE ({where_sql}) AND retired_at IS NULL RETURNING *) "
            f"INSERT INTO {table} ({quoted}) SELECT {', '.join(select)} FROM src"
            f" ORDER BY {_IN_INDEX_ORDER}"
        )
        retire_params = [_prep("retired_at", now), _prep("retired_batch", batch)]
        with connection.cursor() as cursor:
            cursor.execute(sql, [*retire_params, *where_params, *params])
            return cursor.rowcount
    sql = (
        f"INSERT INTO {table} ({quoted}) SELECT {', '.join(select)} "  # noqa: S608 (names are ours)
        f"FROM (SELECT * FROM {table} WHERE {where_sql}) src WHERE TRUE ORDER BY {_IN_INDEX_ORDER}"
    )
    if ignore_conflicts:
        sql += " ON CONFLICT DO NOTHING"
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *where_params])
        count = cursor.rowcount
    if retire_sources:
        # Every row that a row of this batch replaces is retired by it.
        retire(Coding.objects.filter(replaced_by__batch=batch), batch=batch, now=now)
    return count


def carry_memos(replacements: QuerySet[Coding]) -> int:
    """Memos on the rows that `replacements` replace move to their replacement (one UPDATE)."""
    return Memo.objects.filter(coding_id__in=replacements.values("replaces_id")).update(
        coding_id=Subquery(replacements.filter(replaces_id=OuterRef("coding_id")).values("id")[:1])
    )


def join_memos(union_of: dict[int, int]) -> list[list[int]]:
    """Memos on each coding joined into a union (key) move to the union row (value).
    Returns [[memo id, coding id it was on], ...], which undo uses to put them back."""
    moves = [
        [pk, coding_id]
        for pk, coding_id in Memo.objects.filter(coding_id__in=list(union_of)).values_list("pk", "coding_id")
        if coding_id is not None
    ]
    Memo.objects.bulk_update([Memo(pk=pk, coding_id=union_of[old]) for pk, old in moves], ["coding"])
    return moves
