"""Snapshots of every table and of the media files, to show that a request changed nothing.

One query for the whole database: each row as one text (its columns quoted as SQL literals),
tagged with its model, every table in one UNION ALL; one round trip, which matters on
PostgreSQL where the matrix takes thousands of snapshots. Left out: tables and columns that
change on their own when someone merely signs in or is counted (sessions, django-axes' logs of
sign-in attempts, `last_login`).
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import connection
from django.db.models import Model, Q

# Tables that a request writes whatever it is answered: sessions, and django-axes' logs of
# sign-in attempts (axes_accessattempt, axes_accesslog, axes_accessfailurelog...).
VOLATILE_TABLES = ("django_session",)
VOLATILE_PREFIXES = ("axes_",)
VOLATILE_COLUMNS = {"last_login"}
MEDIA = "media"

Rows = tuple[str, ...]


def _row_text(columns: list[str]) -> str:
    """SQL for one row as text: each column as an SQL literal (NULL, 'text', X'blob'...)."""
    quote = connection.ops.quote_name
    if connection.vendor == "sqlite":
        return " || '|' || ".join(f"quote({quote(c)})" for c in columns)
    if connection.vendor == "postgresql":
        return "concat_ws('|', " + ", ".join(f"quote_nullable({quote(c)})" for c in columns) + ")"
    raise NotImplementedError(f"No snapshot SQL for {connection.vendor}")


@cache
def _models() -> tuple[tuple[str, str, tuple[str, ...]], ...]:
    """(label, table, columns) of every installed model's table (automatic many-to-many tables
    too), once each, without the volatile ones."""
    found: dict[str, tuple[str, str, tuple[str, ...]]] = {}
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        name = meta.db_table
        if meta.proxy or not meta.managed or name in found:
            continue
        if name in VOLATILE_TABLES or name.startswith(VOLATILE_PREFIXES):
            continue
        columns = tuple(str(f.column) for f in meta.concrete_fields if f.column not in VOLATILE_COLUMNS)
        found[name] = (meta.label, name, columns)
    return tuple(found.values())


def labels() -> set[str]:
    """What a snapshot names: every model label, and `media`."""
    return {label for label, _, _ in _models()} | {MEDIA}


@cache
def _sql() -> str:
    quote = connection.ops.quote_name
    # Names from the model registry, quoted; nothing from a request.
    return " UNION ALL ".join(
        f"SELECT '{label}', {_row_text(list(columns))} FROM {quote(table)}"  # noqa: S608
        for label, table, columns in _models()
    )


def _media() -> Rows:
    root = Path(settings.MEDIA_ROOT)
    files = []
    for folder, _, names in os.walk(root):
        for name in names:
            path = Path(folder, name)
            stat = path.stat()
            files.append(f"{path.relative_to(root)} {stat.st_size} bytes, modified {stat.st_mtime_ns}")
    return tuple(sorted(files))


def take() -> dict[str, Rows]:
    """The rows of every table by model label, and the files under MEDIA_ROOT as `media`."""
    rows: dict[str, list[str]] = {label: [] for label, _, _ in _models()}
    with connection.cursor() as cursor:
        cursor.execute(_sql())
        for label, text in cursor.fetchall():
            rows[label].append(text)
    state = {label: tuple(sorted(found)) for label, found in rows.items()}
    state[MEDIA] = _media()
    return state


def changed(before: dict[str, Rows], after: dict[str, Rows]) -> list[str]:
    """The labels whose rows differ."""
    return sorted(label for label in after if before.get(label) != after[label])


def describe(before: dict[str, Rows], after: dict[str, Rows], *, limit: int = 3) -> str:
    """What changed, table by table, with a few of the rows that went and came."""
    lines = []
    for label in changed(before, after):
        old, new = set(before.get(label, ())), set(after[label])
        gone, came = sorted(old - new)[:limit], sorted(new - old)[:limit]
        lines.append(f"{label}: -{len(old - new)} +{len(new - old)} rows; gone {gone}; came {came}")
    return "\n".join(lines)


@cache
def _paths_to_study() -> tuple[tuple[type[Model], tuple[str, ...]], ...]:
    """Each model whose rows can belong to a study, with every lookup from it to a study
    ("pk" for the study itself, "study__pk", "code__study__pk", "transcript__study__pk"...),
    following many-to-one fields, at most three deep: a row is the study's if any of them
    leads there (a coding of A's document with B's code is B's business too)."""
    from studies.models import Study

    found: list[tuple[type[Model], tuple[str, ...]]] = []
    for model in apps.get_models(include_auto_created=True):
        if model._meta.proxy or not model._meta.managed:
            continue
        if model is Study:
            found.append((model, ("pk",)))
            continue
        paths: list[str] = []
        queue: list[tuple[type[Model], str, int]] = [(model, "", 0)]
        while queue:
            current, path, depth = queue.pop(0)
            for field in current._meta.concrete_fields:
                related = field.related_model
                if not (field.many_to_one or field.one_to_one) or not isinstance(related, type):
                    continue
                if related is Study:
                    paths.append(f"{path}{field.name}__pk")
                elif depth < 2:
                    queue.append((related, f"{path}{field.name}__", depth + 1))
        if paths:
            found.append((model, tuple(paths)))
    return tuple(found)


def take_study(study: Any) -> dict[str, Rows]:
    """The rows that belong to `study` (by any of their paths to it), by model label."""
    state: dict[str, Rows] = {}
    for model, paths in _paths_to_study():
        columns = [f.attname for f in model._meta.concrete_fields if f.column not in VOLATILE_COLUMNS]
        linked = Q()
        for path in paths:
            linked |= Q(**{path: study.pk})
        rows = model._base_manager.filter(linked).distinct().order_by("pk").values_list(*columns)
        state[model._meta.label] = tuple(map(repr, rows))
    return state
