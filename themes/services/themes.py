"""Themes: create, edit (optimistic locking), nest and reorder, set status, group codes, delete and restore.

Every function is one user action: atomic, checked against the study, and logged in the study
history (`coding.services.history.record`, object_type "theme"). Grouping codes is set-based
(a fixed number of statements however many codes move), so accepting a suggested theme of
forty codes or the demo loader's 101 detailed themes costs no more per code than one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone

from accounts.models import User
from coding.models import Code, LogEntry
from coding.services.codebook import MOVE_DIRECTIONS, Conflict, descendant_ids, move_in_tree, place_among
from coding.services.history import new_batch, record
from studies.models import Study

from ..models import Theme, ThemeCode, ThemeStatus

__all__ = [
    "EDITABLE_FIELDS",
    "MOVE_DIRECTIONS",
    "CodeMove",
    "Conflict",
    "add_codes",
    "carry_code_memberships",
    "create_theme",
    "delete_theme",
    "move_theme",
    "move_theme_by",
    "move_theme_code",
    "remove_codes",
    "restore_theme",
    "set_status",
    "update_theme",
]

EDITABLE_FIELDS = ("name", "definition", "narrative")
NAME_MAX = 300


def _snapshot(theme: Theme) -> dict[str, Any]:
    data: dict[str, Any] = {name: getattr(theme, name) for name in EDITABLE_FIELDS}
    data["parent"] = str(theme.parent.uuid) if theme.parent_id and theme.parent else None
    data["order"] = theme.order
    data["status"] = theme.status
    return data


def _check_name(name: str) -> str:
    # Names are often a participant's words, so two themes may share one (unlike codes at a level).
    name = name.strip()
    if not name:
        raise ValidationError("A theme needs a name.")
    if len(name) > NAME_MAX:
        raise ValidationError(f"Theme names are at most {NAME_MAX} characters.")
    return name


def _check_status(status: str) -> str:
    if status not in ThemeStatus.values:
        raise ValidationError("A theme is a candidate, reviewed or final.")
    return status


def _check_codes(study: Study, codes: Sequence[Code]) -> list[Code]:
    """The codes, deduplicated, after checking that every one is a live code of `study`."""
    unique = list({code.pk: code for code in codes}.values())
    if any(code.study_id != study.pk or code.deleted_at is not None for code in unique):
        raise ValidationError("Every code must be a live code of this study's codebook.")
    return unique


def _check_parent(study: Study, parent: Theme | None) -> None:
    if parent is not None and (parent.study_id != study.pk or parent.deleted_at is not None):
        raise ValidationError("The parent theme is not in this study.")


def lock_study_themes(study_id: int) -> None:
    """Serialise changes to the study's theme tree: take the study row's lock.

    Locking only the moved theme lets two concurrent opposite moves (A under B, B under A) both
    pass their descendant check and make a cycle; with the study row locked, the second move
    waits, then reads the tree the first one left and refuses. (SQLite serialises writes anyway.)
    """
    Study.objects.select_for_update().filter(pk=study_id).values_list("pk", flat=True).first()


def _lock(theme: Theme) -> Theme:
    return Theme.objects.select_for_update(of=("self",)).select_related("study", "parent").get(pk=theme.pk)


def _bump(theme: Theme, fields: list[str]) -> None:
    """Save `fields` and increment the version, then reload the row (the version is an F expression)."""
    theme.version = F("version") + 1  # type: ignore[assignment]
    theme.save(update_fields=[*fields, "version"])
    theme.refresh_from_db()


@transaction.atomic
def create_theme(
    *,
    study: Study,
    user: User | None,
    name: str,
    parent: Theme | None = None,
    definition: str = "",
    narrative: str = "",
    codes: Sequence[Code] = (),
    status: str = ThemeStatus.CANDIDATE,
    batch: UUID | None = None,
) -> Theme:
    """A new theme at the end of its level, holding `codes` (one action, one history batch)."""
    _check_parent(study, parent)
    name = _check_name(name)
    status = _check_status(status)
    codes = _check_codes(study, codes)
    batch = batch or new_batch()
    order = (Theme.objects.alive().filter(study=study, parent=parent).aggregate(m=Max("order"))["m"] or 0) + 1
    now = timezone.now()
    theme = Theme.objects.create(
        study=study,
        parent=parent,
        name=name,
        definition=definition,
        narrative=narrative,
        status=status,
        # A theme created as reviewed or final (the demo loader's published themes) says who decided.
        status_by=user if status != ThemeStatus.CANDIDATE else None,
        status_at=now if status != ThemeStatus.CANDIDATE else None,
        order=order,
        created_by=user,
        created_at=now,
    )
    record(study=study, user=user, action="create", object_type="theme", object_uuid=theme.uuid,
           summary=f"created theme “{theme.name}”", after=_snapshot(theme), batch=batch)  # fmt: skip
    if codes:
        _add(theme, user, codes, batch=batch)
    return theme


@transaction.atomic
def update_theme(*, theme: Theme, user: User | None, expected_version: int, **changes: str) -> Theme:
    """Change name, definition or narrative; a stale `expected_version` raises Conflict and saves nothing."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(f"Cannot change {', '.join(sorted(unknown))}.")
    locked = _lock(theme)
    if locked.version != expected_version:
        raise Conflict(locked)
    if "name" in changes:
        changes["name"] = _check_name(changes["name"])
    changed = [name for name, value in changes.items() if getattr(locked, name) != value]
    if not changed:
        return locked
    before = _snapshot(locked)
    for name in changed:
        setattr(locked, name, changes[name])
    _bump(locked, changed)
    record(study=locked.study, user=user, action="update", object_type="theme", object_uuid=locked.uuid,
           summary=f"edited theme “{locked.name}” ({', '.join(changed)})",
           before={k: before[k] for k in changed}, after={k: getattr(locked, k) for k in changed})  # fmt: skip
    return locked


@transaction.atomic
def set_status(*, theme: Theme, user: User | None, status: str, expected_version: int | None = None) -> Theme:
    """Candidate → reviewed → final (or back): records who decided and when.

    Any transition is allowed, since a review can send a theme back; what matters for the team is
    that the page says who moved it and when, and the history keeps every step.
    """
    status = _check_status(status)
    locked = _lock(theme)
    if expected_version is not None and locked.version != expected_version:
        raise Conflict(locked)
    if locked.status == status:
        return locked
    before = {"status": locked.status, "status_by": locked.status_by_id,
              "status_at": locked.status_at.isoformat() if locked.status_at else None}  # fmt: skip
    locked.status, locked.status_by, locked.status_at = status, user, timezone.now()
    _bump(locked, ["status", "status_by", "status_at"])
    record(study=locked.study, user=user, action="status", object_type="theme", object_uuid=locked.uuid,
           summary=f"marked theme “{locked.name}” {locked.get_status_display().lower()}", before=before,
           after={"status": status, "status_by": user.pk if user else None,
                  "status_at": locked.status_at.isoformat() if locked.status_at else None})  # fmt: skip
    return locked


@transaction.atomic
def move_theme(
    *, theme: Theme, user: User | None, parent: Theme | None, position: int | None = None,
    expected_version: int | None = None,
) -> Theme:  # fmt: skip
    """Put `theme` under `parent` (None = top level) at `position` among its new siblings.

    A theme cannot go inside itself or one of its own sub-themes: that would make a cycle,
    and a cycle has no top level to show it under.
    """
    lock_study_themes(theme.study_id)
    locked = _lock(theme)
    if expected_version is not None and locked.version != expected_version:
        raise Conflict(locked)
    if parent is not None:
        if parent.pk == locked.pk or parent.pk in descendant_ids(locked):
            raise ValidationError("A theme cannot be moved inside itself or one of its sub-themes.")
        _check_parent(locked.study, parent)
    before = _snapshot(locked)
    siblings = Theme.objects.alive().filter(study=locked.study, parent=parent).order_by("order", "id")
    locked.parent = parent
    locked.order = place_among(locked, siblings, position)
    _bump(locked, ["parent", "order"])
    record(study=locked.study, user=user, action="move", object_type="theme", object_uuid=locked.uuid,
           summary=f"moved theme “{locked.name}”" + (f" under “{parent.name}”" if parent else " to the top level"),
           before={"parent": before["parent"], "order": before["order"]},
           after={"parent": str(parent.uuid) if parent else None, "order": locked.order})  # fmt: skip
    return locked


@transaction.atomic
def move_theme_by(*, theme: Theme, user: User | None, direction: str) -> Theme:
    """The board's keyboard and no-JS moves: up, down, indent (under the theme above), outdent."""
    return move_in_tree(
        node=theme, direction=direction, noun="theme",
        level=lambda parent: list(Theme.objects.alive().filter(study=theme.study, parent=parent).order_by("order", "id")),
        move=lambda parent, position: move_theme(theme=theme, user=user, parent=parent, position=position),
    )  # fmt: skip


@transaction.atomic
def delete_theme(*, theme: Theme, user: User | None) -> Theme:
    """Soft-delete a theme; its sub-themes move up to its parent so nothing else disappears.

    Its codes stay assigned (restoring brings the theme back whole); its findings are hidden with it.
    """
    locked = _lock(theme)
    if locked.deleted_at is not None:
        return locked
    children = Theme.objects.alive().filter(parent=locked)
    child_uuids = [str(u) for u in children.values_list("uuid", flat=True)]
    children.update(parent=locked.parent, version=F("version") + 1)
    locked.deleted_at = timezone.now()
    _bump(locked, ["deleted_at"])
    record(study=locked.study, user=user, action="delete", object_type="theme", object_uuid=locked.uuid,
           summary=f"deleted theme “{locked.name}” ({len(child_uuids)} sub-themes moved up)",
           before={"deleted_at": None, "children": child_uuids},
           after={"deleted_at": locked.deleted_at.isoformat() if locked.deleted_at else None})  # fmt: skip
    return locked


@transaction.atomic
def restore_theme(*, theme: Theme, user: User | None) -> Theme:
    """Bring a deleted theme back, under its old parent if that is alive, else at the top level."""
    locked = _lock(theme)
    if locked.deleted_at is None:
        return locked
    parent = locked.parent if locked.parent and locked.parent.deleted_at is None else None
    before = locked.deleted_at.isoformat()
    locked.deleted_at, locked.parent = None, parent
    _bump(locked, ["deleted_at", "parent"])
    record(study=locked.study, user=user, action="restore", object_type="theme", object_uuid=locked.uuid,
           summary=f"restored theme “{locked.name}”", before={"deleted_at": before}, after={"deleted_at": None})  # fmt: skip
    return locked


# --- codes in themes ----------------------------------------------------------------------------


def _add(theme: Theme, user: User | None, codes: list[Code], *, batch: UUID, position: int | None = None) -> int:
    """Insert the codes not yet in `theme` (set-based: three statements whatever their number)."""
    present = set(ThemeCode.objects.filter(theme=theme, code__in=codes).values_list("code_id", flat=True))
    new = [code for code in codes if code.pk not in present]
    if not new:
        return 0
    if position is None:
        start = (ThemeCode.objects.filter(theme=theme).aggregate(m=Max("order"))["m"] or 0) + 1
    else:
        # Make room: shift the codes at and after `position` (1-based orders) down by len(new).
        start = position + 1
        ThemeCode.objects.filter(theme=theme, order__gte=start).update(order=F("order") + len(new))
    ThemeCode.objects.bulk_create(
        [ThemeCode(theme=theme, code=code, order=start + i) for i, code in enumerate(new)], ignore_conflicts=True
    )
    names = ", ".join(f"“{code.name}”" for code in new[:5]) + (f" and {len(new) - 5} more" if len(new) > 5 else "")
    record(study=theme.study, user=user, action="add_codes", object_type="theme", object_uuid=theme.uuid,
           summary=f"added {names} to theme “{theme.name}”",
           after={"codes": [str(code.uuid) for code in new]}, batch=batch)  # fmt: skip
    return len(new)


def _remove(theme: Theme, user: User | None, codes: list[Code], *, batch: UUID, summary: str = "") -> int:
    rows = ThemeCode.objects.filter(theme=theme, code__in=codes)
    present = list(rows.order_by("order").values_list("code__uuid", "order"))
    removed, _ = rows.delete()
    if removed:
        if not summary:
            taken = f"“{codes[0].name}”" if len(codes) == 1 else f"{removed} code{'s' if removed != 1 else ''}"
            summary = f"took {taken} out of theme “{theme.name}”"
        # `before` keeps each removed code with its place, so undo puts it back where it was.
        record(study=theme.study, user=user, action="remove_codes", object_type="theme", object_uuid=theme.uuid,
               summary=summary, before={"codes": [str(u) for u, _ in present], "orders": [o for _, o in present]},
               batch=batch)  # fmt: skip
    return removed


@transaction.atomic
def add_codes(*, theme: Theme, user: User | None, codes: Sequence[Code], batch: UUID | None = None) -> int:
    """Put codes in a theme (those already in it are left where they are); returns how many were added."""
    if theme.deleted_at is not None:
        raise ValidationError("This theme is deleted; restore it first.")
    return _add(theme, user, _check_codes(theme.study, codes), batch=batch or new_batch())


@transaction.atomic
def remove_codes(*, theme: Theme, user: User | None, codes: Sequence[Code]) -> int:
    """Take codes out of a theme (the codes themselves and their codings are untouched)."""
    return _remove(theme, user, list({code.pk: code for code in codes}.values()), batch=new_batch())


@dataclass(frozen=True)
class CodeMove:
    """What one board move did, for the board's notice and its Undo button (which undoes `batch`).

    `kind`: "put" (into `target` from the unassigned codes), "take" (out of `source`, back to
    unassigned), "move" (from `source` to `target`), "leave" (out of `source`; it was already in
    `target`), "reorder" (within `target`).
    """

    batch: UUID
    kind: str
    code: str
    source: str = ""
    target: str = ""


@transaction.atomic
def move_theme_code(
    *, code: Code, user: User | None, source: Theme | None, target: Theme | None, position: int | None = None
) -> CodeMove | None:
    """The board's drag: take `code` out of `source` (None: from the unassigned list) and put it in
    `target` (None: back to unassigned) at `position` (0-based; None = at the end).

    Within one theme this reorders. A code already in `target` (codes may sit in several themes)
    is moved to `position` there and still taken out of `source`. Returns what was done (None when
    nothing changed), its history entries all in one batch so that one undo reverses the move.
    """
    study = code.study
    _check_codes(study, [code])
    for theme in (source, target):
        if theme is not None and (theme.study_id != study.pk or theme.deleted_at is not None):
            raise ValidationError("That theme is not in this study.")
    if source is None and target is None:
        return None
    batch = new_batch()
    if source is not None and target is not None and source.pk == target.pk:
        _reorder(target, user, code, position, batch=batch)
        return _outcome(batch, "reorder", code, source, target)
    if source is not None:
        # Undo names the batch by its oldest entry ("Undone: …"), so a move's first entry says it all.
        moving = target is not None and not ThemeCode.objects.filter(theme=target, code=code).exists()
        summary = (
            f"moved “{code.name}” from theme “{source.name}” to theme “{target.name}”" if moving and target else ""
        )
        _remove(source, user, [code], batch=batch, summary=summary)
    if target is None:
        return _outcome(batch, "take", code, source, None)
    if ThemeCode.objects.filter(theme=target, code=code).exists():
        _reorder(target, user, code, position, batch=batch)
        return _outcome(batch, "leave" if source is not None else "reorder", code, source, target)
    _add(target, user, [code], batch=batch, position=position)
    return _outcome(batch, "move" if source is not None else "put", code, source, target)


def _outcome(batch: UUID, kind: str, code: Code, source: Theme | None, target: Theme | None) -> CodeMove | None:
    if not LogEntry.objects.filter(batch=batch).exists():
        return None  # Already so (dropped where it was): nothing to tell, nothing to undo.
    return CodeMove(
        batch=batch,
        kind=kind,
        code=code.name,
        source=source.name if source else "",
        target=target.name if target else "",
    )


def _reorder(theme: Theme, user: User | None, code: Code, position: int | None, *, batch: UUID) -> None:
    rows = list(ThemeCode.objects.filter(theme=theme).order_by("order", "id"))
    row = next((r for r in rows if r.code_id == code.pk), None)
    if row is None:
        raise ValidationError("That code is not in this theme.")
    previous = {item.code_id: item.order for item in rows}
    rows.remove(row)
    index = len(rows) if position is None else max(0, min(position, len(rows)))
    rows.insert(index, row)
    changed = []
    for order, item in enumerate(rows, start=1):
        if item.order != order:
            item.order = order
            changed.append(item)
    if not changed:
        return
    ThemeCode.objects.bulk_update(changed, ["order"])
    record(study=theme.study, user=user, action="reorder_codes", object_type="theme", object_uuid=theme.uuid,
           summary=f"moved “{code.name}” to place {index + 1} in theme “{theme.name}”",
           before={"orders": {str(item.code_id): previous[item.code_id] for item in changed}},
           after={"code": str(code.uuid), "order": index + 1}, batch=batch)  # fmt: skip


def carry_code_memberships(*, source: Code, target: Code, user: User | None, batch: UUID) -> int:
    """On a code merge (`coding.services.codebook.merge_codes`), put `target` in every theme
    `source` was in, at `source`'s place, and take `source` out (where `target` is already in
    the theme, `source` only leaves it). Returns how many themes gained `target`.

    Without this the merged code's themes silently lose it: the membership would point at a
    soft-deleted code. History entries go in the merge's `batch` (for each theme a remove_codes
    entry, then an add_codes one), so undoing the merge undoes them too, newest first: `target`
    leaves, `source` comes back at its old place. Set-based: five statements whatever the number
    of themes.
    """
    rows = list(ThemeCode.objects.filter(code=source).select_related("theme").order_by("theme_id"))
    if not rows:
        return 0
    has_target = set(
        ThemeCode.objects.filter(code=target, theme_id__in=[r.theme_id for r in rows]).values_list(
            "theme_id", flat=True
        )
    )
    gains = [r.theme_id for r in rows if r.theme_id not in has_target]
    ThemeCode.objects.filter(code=source, theme_id__in=has_target).delete()
    ThemeCode.objects.filter(code=source, theme_id__in=gains).update(code=target)
    entries = []
    for row in rows:
        theme = row.theme
        entries.append(
            LogEntry(study_id=theme.study_id, user=user, action="remove_codes", object_type="theme",
                     object_uuid=theme.uuid, batch=batch, before={"codes": [str(source.uuid)], "orders": [row.order]},
                     summary=f"took “{source.name}” out of theme “{theme.name}” (merged into “{target.name}”)"[:300])
        )  # fmt: skip
        if row.theme_id not in has_target:
            entries.append(
                LogEntry(study_id=theme.study_id, user=user, action="add_codes", object_type="theme",
                         object_uuid=theme.uuid, batch=batch, after={"codes": [str(target.uuid)]},
                         summary=f"put “{target.name}” in theme “{theme.name}” (merged from “{source.name}”)"[:300])
            )  # fmt: skip
    now = timezone.now()
    for i, entry in enumerate(entries):
        # Undo goes newest first: each add must be undone before the remove of the same theme.
        entry.created_at = now + timedelta(microseconds=i)
    LogEntry.objects.bulk_create(entries)
    return len(gains)
