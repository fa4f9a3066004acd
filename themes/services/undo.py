"""Undo of theme changes, called by `coding.services.history.undo_batch` for entries of object_type
"theme" (as speakers and suggestions are undone by their own apps). Each inversion puts back what
the entry's `before` says, and refuses (UndoRefused, nothing undone) when the theme changed since."""

from __future__ import annotations

from typing import Any

from django.db.models import F

from coding.models import Code, LogEntry
from coding.services.history import UndoRefused

from ..models import Theme, ThemeCode
from .themes import descendant_ids, lock_study_themes


def _theme_by_uuid(value: str | None) -> Theme | None:
    return Theme.objects.filter(uuid=value).first() if value else None


def _parent_uuid(theme: Theme) -> str | None:
    return str(theme.parent.uuid) if theme.parent_id and theme.parent else None


def _bump_version(theme: Theme, fields: list[str]) -> None:
    theme.version = F("version") + 1  # type: ignore[assignment]
    theme.save(update_fields=[*fields, "version"])


def undo_theme_change(entry: LogEntry, now: Any) -> None:
    # Serialise with moves (themes.services.themes.move_theme): the cycle check below reads the tree.
    lock_study_themes(entry.study_id)
    theme = Theme.objects.select_for_update().filter(uuid=entry.object_uuid).first()
    if theme is None:
        raise UndoRefused("A theme in this change no longer exists.")
    action = entry.action
    before, after = entry.before or {}, entry.after or {}
    if action == "create":
        theme.deleted_at = now
        _bump_version(theme, ["deleted_at"])
    elif action == "update":
        if any(getattr(theme, k) != v for k, v in after.items()):
            raise UndoRefused(f"“{theme.name}” was edited again since; undo that first.")
        for key, value in before.items():
            setattr(theme, key, value)
        theme.version = F("version") + 1  # type: ignore[assignment]
        theme.save(update_fields=[*before, "version"])
    elif action == "move":
        if _parent_uuid(theme) != after.get("parent"):
            raise UndoRefused(f"“{theme.name}” was moved again since; undo that first.")
        parent = _theme_by_uuid(before.get("parent"))
        if parent is not None and (parent.pk == theme.pk or parent.pk in descendant_ids(theme)):
            # Another move since put the old parent inside this theme: going back would make a cycle.
            raise UndoRefused(
                f"“{parent.name}” is now inside “{theme.name}”, so “{theme.name}” cannot go back under it; "
                "move the themes by hand instead."
            )
        theme.parent = parent
        theme.order = before.get("order", theme.order)
        theme.version = F("version") + 1  # type: ignore[assignment]
        theme.save(update_fields=["parent", "order", "version"])
    elif action == "status":
        if theme.status != after.get("status"):
            raise UndoRefused(f"The status of “{theme.name}” changed again since; undo that first.")
        theme.status = before.get("status", theme.status)
        theme.status_by_id = before.get("status_by")
        theme.status_at = before.get("status_at")
        theme.version = F("version") + 1  # type: ignore[assignment]
        theme.save(update_fields=["status", "status_by", "status_at", "version"])
    elif action == "delete":
        theme.deleted_at = None
        _bump_version(theme, ["deleted_at"])
        # Sub-themes come back only if they are still where the delete put them (its parent level);
        # one moved since stays where its mover put it.
        Theme.objects.filter(uuid__in=before.get("children", []), parent_id=theme.parent_id).exclude(
            pk=theme.pk
        ).update(parent=theme, version=F("version") + 1)
    elif action == "restore":
        theme.deleted_at = now
        _bump_version(theme, ["deleted_at"])
    elif action == "add_codes":
        ThemeCode.objects.filter(theme=theme, code__uuid__in=after.get("codes", [])).delete()
    elif action == "remove_codes":
        codes = {str(c.uuid): c for c in Code.objects.filter(uuid__in=before.get("codes", []))}
        orders = before.get("orders") or []
        rows = [
            ThemeCode(theme=theme, code=codes[u], order=orders[i] if i < len(orders) else 0)
            for i, u in enumerate(before.get("codes", []))
            if u in codes
        ]
        ThemeCode.objects.bulk_create(rows, ignore_conflicts=True)
    elif action == "reorder_codes":
        orders = {int(k): v for k, v in (before.get("orders") or {}).items()}
        rows = list(ThemeCode.objects.filter(theme=theme, code_id__in=orders))
        for row in rows:
            row.order = orders[row.code_id]
        ThemeCode.objects.bulk_update(rows, ["order"])
