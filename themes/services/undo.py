"""Undo of theme changes, called by `coding.services.history.undo_batch` for entries of object_type
"theme" (as speakers and suggestions are undone by their own apps). Each inversion puts back what
the entry's `before` says, and refuses (UndoRefused, nothing undone) when the theme changed since."""

from __future__ import annotations

from typing import Any

from django.db.models import F

from coding.models import Code, LogEntry
from coding.services.history import UndoRefused

from ..models import Theme, ThemeCode


def _theme_by_uuid(value: str | None) -> Theme | None:
    return Theme.objects.filter(uuid=value).first() if value else None


def undo_theme_change(entry: LogEntry, now: Any) -> None:
    theme = Theme.objects.select_for_update().filter(uuid=entry.object_uuid).first()
    if theme is None:
        raise UndoRefused("A theme in this change no longer exists.")
    action = entry.action
    before, after = entry.before or {}, entry.after or {}
    if action == "create":
        theme.deleted_at = now
        theme.save(update_fields=["deleted_at"])
    elif action == "update":
        if any(getattr(theme, k) != v for k, v in after.items()):
            raise UndoRefused(f"“{theme.name}” was edited again since; undo that first.")
        for key, value in before.items():
            setattr(theme, key, value)
        theme.version = F("version") + 1  # type: ignore[assignment]
        theme.save(update_fields=[*before, "version"])
    elif action == "move":
        theme.parent = _theme_by_uuid(before.get("parent"))
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
        theme.save(update_fields=["deleted_at"])
        Theme.objects.filter(uuid__in=before.get("children", [])).update(parent=theme)
    elif action == "restore":
        theme.deleted_at = now
        theme.save(update_fields=["deleted_at"])
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
