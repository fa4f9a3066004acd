"""The codebook: create, edit (with optimistic locking), move, merge, split, delete and restore codes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone

from accounts.models import User
from studies.models import Study

from ..models import Code, Coding, Memo
from .history import new_batch, record

EDITABLE_FIELDS = (
    "name",
    "colour",
    "definition",
    "inclusion",
    "exclusion",
    "typical_example",
    "atypical_example",
)
PALETTE = [
    "#ffd166", "#06d6a0", "#118ab2", "#ef476f", "#8ecae6", "#f4a261", "#a8dadc", "#e9c46a", "#b5838d",
    "#90be6d", "#f28482", "#cdb4db", "#84a59d", "#ffafcc", "#bde0fe", "#e76f51",
]  # fmt: skip


class Conflict(Exception):
    """Someone changed the object since the form was loaded; nothing was saved."""

    def __init__(self, current: Any) -> None:
        self.current = current
        super().__init__("Someone else changed this in the meantime; nothing was saved. Review their version below.")


def _snapshot(code: Code) -> dict[str, Any]:
    data: dict[str, Any] = {name: getattr(code, name) for name in EDITABLE_FIELDS}
    data["parent"] = str(code.parent.uuid) if code.parent_id and code.parent else None
    data["order"] = code.order
    return data


def _check_name(study: Study, name: str, parent: Code | None, exclude: Code | None = None) -> str:
    name = name.strip()
    if not name:
        raise ValidationError("A code needs a name.")
    if len(name) > 200:
        raise ValidationError("Code names are at most 200 characters.")
    clash = Code.objects.alive().filter(study=study, parent=parent, name__iexact=name)
    if exclude is not None:
        clash = clash.exclude(pk=exclude.pk)
    if clash.exists():
        raise ValidationError(f"There is already a code called “{name}” at that level.")
    return name


def _check_colour(colour: str) -> str:
    colour = colour.strip().lower()
    if len(colour) != 7 or colour[0] != "#" or any(c not in "0123456789abcdef" for c in colour[1:]):
        raise ValidationError("Colours are written #rrggbb.")
    return colour


@transaction.atomic
def create_code(
    *,
    study: Study,
    user: User | None,
    name: str,
    parent: Code | None = None,
    colour: str = "",
    definition: str = "",
    inclusion: str = "",
    exclusion: str = "",
    typical_example: str = "",
    atypical_example: str = "",
    batch: UUID | None = None,
) -> Code:
    if parent is not None and (parent.study_id != study.pk or parent.deleted_at is not None):
        raise ValidationError("The parent code is not in this codebook.")
    name = _check_name(study, name, parent)
    siblings = Code.objects.alive().filter(study=study, parent=parent)
    order = (siblings.aggregate(m=Max("order"))["m"] or 0) + 1
    if not colour:
        colour = PALETTE[Code.objects.filter(study=study).count() % len(PALETTE)]
    code = Code.objects.create(
        study=study,
        parent=parent,
        name=name,
        colour=_check_colour(colour),
        definition=definition,
        inclusion=inclusion,
        exclusion=exclusion,
        typical_example=typical_example,
        atypical_example=atypical_example,
        order=order,
        created_by=user,
    )
    record(study=study, user=user, action="create", object_type="code", object_uuid=code.uuid,
           summary=f"created code “{code.name}”", after=_snapshot(code), batch=batch)  # fmt: skip
    return code


@transaction.atomic
def update_code(*, code: Code, user: User | None, expected_version: int, **changes: str) -> Code:
    """Change editable fields; a stale `expected_version` raises Conflict and saves nothing."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(f"Cannot change {', '.join(sorted(unknown))}.")
    locked = Code.objects.select_for_update(of=("self",)).select_related("parent").get(pk=code.pk)
    if locked.version != expected_version:
        raise Conflict(locked)
    if "name" in changes:
        changes["name"] = _check_name(locked.study, changes["name"], locked.parent, exclude=locked)
    if "colour" in changes:
        changes["colour"] = _check_colour(changes["colour"])
    changed = [name for name, value in changes.items() if getattr(locked, name) != value]
    if not changed:
        return locked
    before = _snapshot(locked)
    for name in changed:
        setattr(locked, name, changes[name])
    locked.version = F("version") + 1  # type: ignore[assignment]
    locked.save(update_fields=[*changed, "version"])
    locked.refresh_from_db()
    record(study=locked.study, user=user, action="update", object_type="code", object_uuid=locked.uuid,
           summary=f"edited code “{locked.name}” ({', '.join(changed)})",
           before={k: before[k] for k in changed}, after={k: getattr(locked, k) for k in changed})  # fmt: skip
    return locked


def _descendant_ids(code: Code) -> set[int]:
    ids: set[int] = set()
    frontier = [code.pk]
    while frontier:
        children = list(Code.objects.filter(parent_id__in=frontier).values_list("pk", flat=True))
        frontier = [c for c in children if c not in ids]
        ids.update(frontier)
    return ids


@transaction.atomic
def move_code(*, code: Code, user: User | None, parent: Code | None, position: int | None = None) -> Code:
    """Put `code` under `parent` (None = top level) at `position` among its new siblings."""
    locked = Code.objects.select_for_update(of=("self",)).select_related("parent").get(pk=code.pk)
    if parent is not None:
        if parent.pk == locked.pk or parent.pk in _descendant_ids(locked):
            raise ValidationError("A code cannot be moved inside itself or one of its sub-codes.")
        if parent.study_id != locked.study_id or parent.deleted_at is not None:
            raise ValidationError("The new parent is not in this codebook.")
    if (parent.pk if parent else None) != locked.parent_id:
        _check_name(locked.study, locked.name, parent, exclude=locked)
    before = _snapshot(locked)
    siblings = list(Code.objects.alive().filter(study=locked.study, parent=parent).exclude(pk=locked.pk))
    index = len(siblings) if position is None else max(0, min(position, len(siblings)))
    siblings.insert(index, locked)
    locked.parent = parent
    for order, sibling in enumerate(siblings, start=1):
        if sibling.pk == locked.pk:
            sibling.order = order
            sibling.version = F("version") + 1  # type: ignore[assignment]
            sibling.save(update_fields=["parent", "order", "version"])
        elif sibling.order != order:
            sibling.order = order
            sibling.save(update_fields=["order"])
    locked.refresh_from_db()
    record(study=locked.study, user=user, action="move", object_type="code", object_uuid=locked.uuid,
           summary=f"moved code “{locked.name}”", before={"parent": before["parent"], "order": before["order"]},
           after={"parent": str(parent.uuid) if parent else None, "order": locked.order})  # fmt: skip
    return locked


@dataclass
class MergeOutcome:
    target: Code
    moved: int
    collapsed: int


@transaction.atomic
def merge_codes(*, source: Code, target: Code, user: User | None) -> MergeOutcome:
    """All codings of `source` become `target`'s (exact duplicates collapse), its memos and
    sub-codes move to `target`, and `source` is soft-deleted; one batch, undone together."""
    if source.pk == target.pk:
        raise ValidationError("Choose two different codes to merge.")
    if source.study_id != target.study_id or target.deleted_at is not None or source.deleted_at is not None:
        raise ValidationError("Both codes must be live codes of this codebook.")
    if target.pk in _descendant_ids(source):
        raise ValidationError("Merge a sub-code into its parent, not the other way round.")
    batch = new_batch()
    study = source.study
    moved = collapsed = 0
    target_spans = set(
        Coding.objects.filter(code=target, deleted_at__isnull=True).values_list("transcript_id", "start", "end")
    )
    now = timezone.now()
    for coding in Coding.objects.filter(code=source, deleted_at__isnull=True).select_related("transcript"):
        before = {"code": str(source.uuid)}
        if (coding.transcript_id, coding.start, coding.end) in target_spans:
            coding.deleted_at = now
            coding.save(update_fields=["deleted_at"])
            collapsed += 1
            record(study=study, user=user, action="remove", object_type="coding", object_uuid=coding.uuid,
                   summary=f"merged duplicate coding into “{target.name}”", batch=batch,
                   before={"transcript": str(coding.transcript.uuid), "code": str(source.uuid),
                           "start": coding.start, "end": coding.end})  # fmt: skip
        else:
            coding.code = target
            coding.save(update_fields=["code"])
            target_spans.add((coding.transcript_id, coding.start, coding.end))
            moved += 1
            record(study=study, user=user, action="recode", object_type="coding", object_uuid=coding.uuid,
                   summary=f"recoded to “{target.name}”", before=before, after={"code": str(target.uuid)},
                   batch=batch)  # fmt: skip
    for memo in Memo.objects.filter(code=source):
        memo.code = target
        memo.save(update_fields=["code"])
        record(study=study, user=user, action="move", object_type="memo", object_uuid=memo.uuid,
               summary="memo moved with merged code", before={"code": str(source.uuid)},
               after={"code": str(target.uuid)}, batch=batch)  # fmt: skip
    for child in Code.objects.alive().filter(parent=source):
        record(study=study, user=user, action="move", object_type="code", object_uuid=child.uuid,
               summary=f"moved “{child.name}” under “{target.name}”", before={"parent": str(source.uuid)},
               after={"parent": str(target.uuid)}, batch=batch)  # fmt: skip
        child.parent = target
        child.save(update_fields=["parent"])
    source.deleted_at = now
    source.save(update_fields=["deleted_at"])
    record(study=study, user=user, action="merge", object_type="code", object_uuid=source.uuid,
           summary=f"merged “{source.name}” into “{target.name}” ({moved} codings moved, {collapsed} duplicates)",
           before={"deleted_at": None}, after={"deleted_at": now.isoformat(), "into": str(target.uuid)},
           batch=batch)  # fmt: skip
    return MergeOutcome(target=target, moved=moved, collapsed=collapsed)


@transaction.atomic
def split_code(*, source: Code, coding_uuids: list[str], new_name: str, user: User | None) -> Code:
    """Move the chosen codings of `source` to a new sibling code."""
    codings = list(Coding.objects.filter(code=source, deleted_at__isnull=True, uuid__in=coding_uuids))
    if not codings:
        raise ValidationError("Choose at least one coding to move to the new code.")
    batch = new_batch()
    new_code = create_code(study=source.study, user=user, name=new_name, parent=source.parent, batch=batch)
    for coding in codings:
        coding.code = new_code
        coding.save(update_fields=["code"])
        record(study=source.study, user=user, action="recode", object_type="coding", object_uuid=coding.uuid,
               summary=f"split from “{source.name}” to “{new_code.name}”", before={"code": str(source.uuid)},
               after={"code": str(new_code.uuid)}, batch=batch)  # fmt: skip
    return new_code


@dataclass
class DeletionImpact:
    codings: int
    children: int
    memos: int


def deletion_impact(*, code: Code) -> DeletionImpact:
    return DeletionImpact(
        codings=Coding.objects.filter(code=code, deleted_at__isnull=True).count(),
        children=Code.objects.alive().filter(parent=code).count(),
        memos=Memo.objects.filter(code=code, deleted_at__isnull=True).count(),
    )


@transaction.atomic
def delete_code(*, code: Code, user: User | None) -> DeletionImpact:
    """Soft-delete a code. Its codings stay in the database but are hidden while it is deleted;
    its sub-codes move up to its parent so that nothing else disappears."""
    impact = deletion_impact(code=code)
    batch = new_batch()
    for child in Code.objects.alive().filter(parent=code):
        record(study=code.study, user=user, action="move", object_type="code", object_uuid=child.uuid,
               summary=f"moved “{child.name}” up when “{code.name}” was deleted",
               before={"parent": str(code.uuid)}, after={"parent": str(code.parent.uuid) if code.parent else None},
               batch=batch)  # fmt: skip
        child.parent = code.parent
        child.save(update_fields=["parent"])
    code.deleted_at = timezone.now()
    code.save(update_fields=["deleted_at"])
    record(study=code.study, user=user, action="delete", object_type="code", object_uuid=code.uuid,
           summary=f"deleted code “{code.name}” ({impact.codings} codings hidden)",
           before={"deleted_at": None}, after={"deleted_at": code.deleted_at.isoformat()}, batch=batch)  # fmt: skip
    return impact


@transaction.atomic
def restore_code(*, code: Code, user: User | None) -> Code:
    if code.deleted_at is None:
        return code
    parent = code.parent if code.parent and code.parent.deleted_at is None else None
    _check_name(code.study, code.name, parent, exclude=code)
    before = code.deleted_at.isoformat()
    code.deleted_at = None
    code.parent = parent
    code.save(update_fields=["deleted_at", "parent"])
    record(study=code.study, user=user, action="restore", object_type="code", object_uuid=code.uuid,
           summary=f"restored code “{code.name}”", before={"deleted_at": before}, after={"deleted_at": None})  # fmt: skip
    return code


@dataclass
class CodebookImportOutcome:
    created: int
    existing: int


@transaction.atomic
def import_codebook(*, study: Study, user: User | None, planned: list[Any]) -> CodebookImportOutcome:
    """Create the planned codes top-down; codes already at the same path are left as they are."""
    from ..codebook_io import code_paths

    live = list(Code.objects.alive().filter(study=study))
    paths = code_paths(live)
    by_path = {tuple(part.lower() for part in paths[code.pk]): code for code in live}
    created = existing = 0
    batch = new_batch()
    for item in sorted(planned, key=lambda p: len(p.path)):
        key = tuple(p.lower() for p in item.path)
        if key in by_path:
            existing += 1
            continue
        parent = by_path.get(key[:-1]) if len(key) > 1 else None
        code = create_code(study=study, user=user, name=item.name, parent=parent, batch=batch, **item.fields)
        by_path[key] = code
        created += 1
    return CodebookImportOutcome(created=created, existing=existing)
