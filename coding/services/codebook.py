"""The codebook: create, edit (with optimistic locking), move, merge, split, delete and restore codes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, F, Max, OuterRef, QuerySet
from django.utils import timezone

from accounts.models import User
from studies.models import Study

from ..models import Code, Coding, Memo
from .history import new_batch, record
from .rows import carry_memos, copy_rows, join_memos, lock_transcripts, retire

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


@transaction.atomic
def find_or_create_code(*, study: Study, user: User | None, name: str, batch: UUID | None = None) -> tuple[Code, bool]:
    """The live top-level code called `name` (any case), or a new one; (code, created)."""
    existing = Code.objects.alive().filter(study=study, parent__isnull=True, name__iexact=name.strip()).first()
    if existing is not None:
        return existing, False
    return create_code(study=study, user=user, name=name, batch=batch), True


def descendant_ids(node: Any) -> set[int]:
    """Ids of every node below `node` in its study's tree (codes, themes; deleted ones included),
    in one query for the whole tree."""
    children: dict[int, list[int]] = {}
    for pk, parent_id in type(node).objects.filter(study_id=node.study_id).values_list("pk", "parent_id"):
        if parent_id is not None:
            children.setdefault(parent_id, []).append(pk)
    ids: set[int] = set()
    frontier = [node.pk]
    while frontier:
        frontier = [c for parent in frontier for c in children.get(parent, []) if c not in ids]
        ids.update(frontier)
    return ids


def place_among(node: Any, siblings: QuerySet[Any], position: int | None) -> int:
    """Renumber `siblings` (a level of a tree ordered by `order`: codes, themes) so that `node` goes
    in at `position` (None = last); the others' changed orders are written in one statement, and
    `node`'s new order is returned for its caller to save with the rest of the move."""
    others = [s for s in siblings if s.pk != node.pk]
    index = len(others) if position is None else max(0, min(position, len(others)))
    others.insert(index, node)
    changed = []
    for order, sibling in enumerate(others, start=1):
        if sibling.pk != node.pk and sibling.order != order:
            sibling.order = order
            changed.append(sibling)
    type(node).objects.bulk_update(changed, ["order"])
    return index + 1


@transaction.atomic
def move_code(*, code: Code, user: User | None, parent: Code | None, position: int | None = None) -> Code:
    """Put `code` under `parent` (None = top level) at `position` among its new siblings."""
    locked = Code.objects.select_for_update(of=("self",)).select_related("parent").get(pk=code.pk)
    if parent is not None:
        if parent.pk == locked.pk or parent.pk in descendant_ids(locked):
            raise ValidationError("A code cannot be moved inside itself or one of its sub-codes.")
        if parent.study_id != locked.study_id or parent.deleted_at is not None:
            raise ValidationError("The new parent is not in this codebook.")
    if (parent.pk if parent else None) != locked.parent_id:
        _check_name(locked.study, locked.name, parent, exclude=locked)
    before = _snapshot(locked)
    siblings = Code.objects.alive().filter(study=locked.study, parent=parent).order_by("order", "name")
    locked.parent = parent
    locked.order = place_among(locked, siblings, position)
    locked.version = F("version") + 1  # type: ignore[assignment]
    locked.save(update_fields=["parent", "order", "version"])
    locked.refresh_from_db()
    record(study=locked.study, user=user, action="move", object_type="code", object_uuid=locked.uuid,
           summary=f"moved code “{locked.name}”", before={"parent": before["parent"], "order": before["order"]},
           after={"parent": str(parent.uuid) if parent else None, "order": locked.order})  # fmt: skip
    return locked


MOVE_DIRECTIONS = ("up", "down", "indent", "outdent")


def move_in_tree[N: Any](
    *, node: N, direction: str, noun: str, level: Callable[[Any], list[N]], move: Callable[..., N]
) -> N:
    """The keyboard and no-JS moves of a node in a tree ordered per level (codes in the codebook,
    themes on the board): up, down, indent (under the node above), outdent (after its parent).
    `level(parent_id)` lists a level's live nodes in order; `move(parent=..., position=...)` does it."""
    if direction not in MOVE_DIRECTIONS:
        raise ValidationError(f"Move a {noun} up, down, in or out.")
    siblings = level(node.parent_id)
    index = next((i for i, n in enumerate(siblings) if n.pk == node.pk), 0)
    if direction == "up":
        return move(parent=node.parent, position=max(0, index - 1))
    if direction == "down":
        return move(parent=node.parent, position=index + 1)
    if direction == "indent":
        if index == 0:
            raise ValidationError(f"There is no {noun} above at this level to move it under.")
        return move(parent=siblings[index - 1], position=None)
    if node.parent is None:
        raise ValidationError(f"This {noun} is already at the top level.")
    grandparent = node.parent.parent
    above = level(grandparent.pk if grandparent is not None else None)
    after = next((i for i, n in enumerate(above) if n.pk == node.parent_id), len(above))
    return move(parent=grandparent, position=after + 1)


@transaction.atomic
def move_code_by(*, code: Code, user: User | None, direction: str) -> Code:
    """The codebook's keyboard moves: up, down, indent (under the code above), outdent."""
    return move_in_tree(
        node=code, direction=direction, noun="code",
        level=lambda parent: list(Code.objects.alive().filter(study=code.study, parent=parent).order_by("order", "name")),
        move=lambda parent, position: move_code(code=code, user=user, parent=parent, position=position),
    )  # fmt: skip


@dataclass
class MergeOutcome:
    target: Code
    moved: int
    collapsed: int


def _union_groups(rows: list[tuple[int, ...]]) -> list[list[tuple[int, ...]]]:
    """Group (id, transcript, version, coder, start, end, code) rows whose spans overlap or
    touch, per transcript version and coder."""
    by_key: dict[tuple[int, int, int], list[tuple[int, ...]]] = {}
    for row in rows:
        by_key.setdefault((row[1], row[2], row[3]), []).append(row)
    groups: list[list[tuple[int, ...]]] = []
    for items in by_key.values():
        items.sort(key=lambda r: (r[4], r[5]))
        current: list[tuple[int, ...]] = []
        reach = -1
        for row in items:
            if current and row[4] <= reach:
                current.append(row)
                reach = max(reach, row[5])
            else:
                if len(current) > 1:
                    groups.append(current)
                current, reach = [row], row[5]
        if len(current) > 1:
            groups.append(current)
    return groups


@transaction.atomic
def merge_codes(*, source: Code, target: Code, user: User | None) -> MergeOutcome:
    """All codings of `source` become `target`'s, its memos and sub-codes move to `target`,
    and `source` is soft-deleted; one batch, undone together.

    Set-based: a constant number of queries whatever the number of codings. Each source
    coding is retired and a replacement with `target` inserted; a coder's codings that then
    overlap or touch one another are joined into their union.
    """
    if source.pk == target.pk:
        raise ValidationError("Choose two different codes to merge.")
    if source.study_id != target.study_id or target.deleted_at is not None or source.deleted_at is not None:
        raise ValidationError("Both codes must be live codes of this codebook.")
    if target.pk in descendant_ids(source):
        raise ValidationError("Merge a sub-code into its parent, not the other way round.")
    source = Code.objects.select_for_update(of=("self",)).get(pk=source.pk)
    batch = new_batch()
    study = source.study
    now = timezone.now()
    live = Coding.objects.live().filter(study_id=source.study_id)  # leads the live-codings index
    lock_transcripts(live.filter(code_id__in=(source.pk, target.pk)).values("transcript_id"))
    # A source coding with a partner (the same coder's coding of either code, overlapping or
    # touching it) joins a union; the others are copied one for one.
    partner = live.filter(
        code_id__in=(source.pk, target.pk),
        transcript_id=OuterRef("transcript_id"),
        text_version=OuterRef("text_version"),
        coder_id=OuterRef("coder_id"),
        start__lte=OuterRef("end"),
        end__gte=OuterRef("start"),
    ).exclude(pk=OuterRef("pk"))
    source_partner = partner.filter(code_id=source.pk)
    fields = ("id", "transcript_id", "text_version", "coder_id", "start", "end", "code_id")
    joined = list(live.filter(code=source).filter(Exists(partner)).values_list(*fields))
    joined_source = [row[0] for row in joined]
    joined += list(live.filter(code=target).filter(Exists(source_partner)).values_list(*fields))
    # The rest are copied one for one; naming the few joined ones beats repeating the search.
    plain = live.filter(code=source)
    plain = plain.exclude(pk__in=joined_source) if len(joined_source) < 10_000 else plain.exclude(Exists(partner))
    moved = copy_rows(
        plain,
        batch=batch,
        now=now,
        set_values={"code_id": target.pk},
        retire_sources=True,
    )
    groups = _union_groups(joined)
    unions = [
        Coding(
            study_id=study.pk, transcript_id=g[0][1], text_version=g[0][2], coder_id=g[0][3], code=target,
            start=min(r[4] for r in g), end=max(r[5] for r in g), batch=batch, created_at=now,
            replaces_id=min((r for r in g), key=lambda r: (r[6] != target.pk, r[0]))[0],
        )
        for g in groups
    ]  # fmt: skip
    retire(live.filter(code=source), batch=batch, now=now)
    retire(live.filter(pk__in=[r[0] for r in joined if r[6] == target.pk]), batch=batch, now=now)
    Coding.objects.bulk_create(unions)
    carry_memos(Coding.objects.filter(batch=batch))
    # Memos on codings joined into a union follow it.
    memo_moves = join_memos({row[0]: unions[i].pk for i, group in enumerate(groups) for row in group})
    memo_uuids = [str(u) for u in Memo.objects.filter(code=source).values_list("uuid", flat=True)]
    Memo.objects.filter(code=source).update(code=target)
    child_uuids = [str(u) for u in Code.objects.alive().filter(parent=source).values_list("uuid", flat=True)]
    Code.objects.alive().filter(parent=source).update(parent=target)
    # The themes app groups codes; the merged code's themes keep it as `target` (in this batch, so
    # undone with the merge). Imported here: the codebook does not depend on themes at import time.
    from themes.services.themes import carry_code_memberships

    carry_code_memberships(source=source, target=target, user=user, batch=batch)
    source.deleted_at = now
    source.save(update_fields=["deleted_at"])
    from_source = moved + sum(1 for row in joined if row[6] == source.pk)
    collapsed = len(joined) - len(groups)
    record(study=study, user=user, action="merge", object_type="code", object_uuid=source.uuid,
           summary=f"merged “{source.name}” into “{target.name}” ({from_source} codings moved, "
                   f"{collapsed} joined with overlapping ones)",
           before={"deleted_at": None, "children": child_uuids, "memos": memo_uuids},
           after={"deleted_at": now.isoformat(), "into": str(target.uuid), "memo_moves": memo_moves},
           batch=batch)  # fmt: skip
    return MergeOutcome(target=target, moved=from_source, collapsed=collapsed)


@dataclass
class SplitOutcome:
    code: Code
    moved: int


@transaction.atomic
def split_code(*, source: Code, coding_uuids: list[str], new_name: str, user: User) -> SplitOutcome:
    """Move the chosen codings of `source` (those the user can see) to a new sibling code."""
    from ..selectors.visibility import codings_by_uuid

    chosen = codings_by_uuid(study=source.study, user=user, code=source, uuids=coding_uuids)
    if not chosen.exists():
        raise ValidationError("Choose at least one coding to move to the new code.")
    batch = new_batch()
    now = timezone.now()
    lock_transcripts(chosen.values("transcript_id"))
    new_code = create_code(study=source.study, user=user, name=new_name, parent=source.parent, batch=batch)
    chosen_ids = list(chosen.values_list("pk", flat=True))
    moved = copy_rows(
        Coding.objects.filter(pk__in=chosen_ids), batch=batch, now=now, set_values={"code_id": new_code.pk}
    )
    retire(Coding.objects.filter(pk__in=chosen_ids), batch=batch, now=now)
    carry_memos(Coding.objects.filter(batch=batch))
    record(study=source.study, user=user, action="split", object_type="code", object_uuid=source.uuid,
           summary=f"split {moved} codings from “{source.name}” to “{new_code.name}”",
           after={"into": str(new_code.uuid)}, batch=batch)  # fmt: skip
    return SplitOutcome(code=new_code, moved=moved)


@dataclass
class DeletionImpact:
    codings: int
    children: int
    memos: int


def deletion_impact(*, code: Code, user: User | Any) -> DeletionImpact:
    from ..selectors.visibility import code_coding_count

    return DeletionImpact(
        codings=code_coding_count(code=code, user=user),
        children=Code.objects.alive().filter(parent=code).count(),
        memos=Memo.objects.filter(code=code, deleted_at__isnull=True).count(),
    )


@transaction.atomic
def delete_code(*, code: Code, user: User | None) -> DeletionImpact:
    """Soft-delete a code. Its codings stay in the database but are hidden while it is deleted;
    its sub-codes move up to its parent so that nothing else disappears."""
    impact = deletion_impact(code=code, user=user)
    children = Code.objects.alive().filter(parent=code)
    child_uuids = [str(u) for u in children.values_list("uuid", flat=True)]
    children.update(parent=code.parent)
    code.deleted_at = timezone.now()
    code.save(update_fields=["deleted_at"])
    record(study=code.study, user=user, action="delete", object_type="code", object_uuid=code.uuid,
           summary=f"deleted code “{code.name}” ({impact.codings} codings hidden, {impact.children} sub-codes moved up)",
           before={"deleted_at": None, "children": child_uuids},
           after={"deleted_at": code.deleted_at.isoformat()})  # fmt: skip
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
