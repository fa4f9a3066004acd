"""The codebook as a tree with coding counts (own and with descendants)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from django.db.models import QuerySet

from accounts.models import User
from studies.models import Study

from ..models import Code
from .visibility import coding_counts


def study_codes(*, study: Study) -> QuerySet[Code]:
    return Code.objects.alive().filter(study=study).order_by("order", "name")


@dataclass
class CodeRow:
    code: Code
    depth: int
    count: int
    total: int = 0
    has_children: bool = False
    # Filled by pages that link each row (reversing 500 URLs one by one is slow).
    urls: dict[str, str] = field(default_factory=dict, repr=False)

    @property
    def indent(self) -> str:
        return "· " * self.depth


def with_urls(rows: list[CodeRow], **patterns: str) -> list[CodeRow]:
    """Give each row its URLs from patterns reversed once with the nil UUID as the code."""
    nil = str(UUID(int=0))
    for row in rows:
        uuid = str(row.code.uuid)
        row.urls = {name: pattern.replace(nil, uuid) for name, pattern in patterns.items()}
    return rows


def codebook_tree(*, study: Study, user: User | Any, counts: bool = True) -> list[CodeRow]:
    """Live codes in tree order with visible coding counts, own (`count`) and including
    sub-codes at any depth (`total`: a parent with no codings of its own and 7 in its
    children has count 0 and total 7): one grouped count query and one query for the codes.
    Pages that only list the codes (pickers) pass `counts=False` and skip the count."""
    per_code = coding_counts(study=study, user=user, by="code_id") if counts else {}
    codes = list(study_codes(study=study))
    ids = {c.pk for c in codes}
    children: dict[int | None, list[Code]] = {}
    for code in codes:
        parent = code.parent_id if code.parent_id in ids else None
        children.setdefault(parent, []).append(code)
    ordered: list[CodeRow] = []

    def walk(parent: int | None, depth: int) -> int:
        subtotal = 0
        for code in children.get(parent, []):
            row = CodeRow(code, depth, per_code.get(code.pk, 0), has_children=code.pk in children)
            ordered.append(row)
            row.total = row.count + walk(code.pk, depth + 1)
            subtotal += row.total
        return subtotal

    walk(None, 0)
    return ordered
