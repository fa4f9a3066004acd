"""Reads of themes (not of codings: those are in `coding.selectors.themes`).

Each function runs a fixed number of queries however many themes and codes a study has: the
board of a study with 101 detailed themes under 6 overarching ones is one page load, not 107.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from accounts.models import User
from coding.models import Code
from coding.selectors import coding_counts
from studies.models import Study

from .models import Theme, ThemeCode


@dataclass
class ThemeNode:
    """A theme in its tree (the board's, or browse mode's pruned one): its codes (in their order),
    its sub-themes, its depth, and — where a page counts them — its number of live findings."""

    theme: Theme
    depth: int
    codes: list[Code] = field(default_factory=list)
    children: list[ThemeNode] = field(default_factory=list)
    parent: ThemeNode | None = None
    findings: int = 0

    @property
    def path(self) -> list[Theme]:
        """The themes above this one, outermost first (for breadcrumbs)."""
        chain: list[Theme] = []
        node = self.parent
        while node is not None:
            chain.insert(0, node.theme)
            node = node.parent
        return chain

    def walk(self) -> list[ThemeNode]:
        """This node and everything below it, depth first in board order."""
        out = [self]
        for child in self.children:
            out.extend(child.walk())
        return out

    @property
    def all_code_ids(self) -> list[int]:
        """Ids of the codes of this theme and of its sub-themes, each once."""
        seen: dict[int, None] = {}
        for node in self.walk():
            for code in node.codes:
                seen.setdefault(code.pk, None)
        return list(seen)


@dataclass
class ThemeBoard:
    roots: list[ThemeNode]
    by_id: dict[int, ThemeNode]
    unassigned: list[Code]
    counts: dict[int, int]

    @property
    def flat(self) -> list[ThemeNode]:
        return flatten(self.roots)


def flatten(roots: list[ThemeNode]) -> list[ThemeNode]:
    """Every node of a forest, depth first in board order."""
    out: list[ThemeNode] = []
    for root in roots:
        out.extend(root.walk())
    return out


def pruned(roots: list[ThemeNode], keep: Callable[[Theme], bool]) -> list[ThemeNode]:
    """A copy of a forest with only the themes `keep` accepts: a kept theme under a left-out one
    hangs under its nearest kept ancestor (or becomes a root), depths follow the new tree."""
    shown: list[ThemeNode] = []

    def visit(node: ThemeNode, parent: ThemeNode | None) -> None:
        if keep(node.theme):
            mine = ThemeNode(theme=node.theme, depth=0 if parent is None else parent.depth + 1, codes=node.codes,
                             parent=parent, findings=node.findings)  # fmt: skip
            (parent.children if parent is not None else shown).append(mine)
            parent = mine
        for child in node.children:
            visit(child, parent)

    for root in roots:
        visit(root, None)
    return shown


def theme_tree(*, study: Study) -> tuple[list[ThemeNode], dict[int, ThemeNode]]:
    """The study's live themes as a forest, with their live codes (two queries).

    A theme whose parent is deleted (or, defensively, part of a cycle the services refuse)
    is shown at the top level rather than lost.
    """
    themes = list(Theme.objects.alive().filter(study=study).select_related("status_by").order_by("order", "id"))
    nodes = {t.pk: ThemeNode(theme=t, depth=0) for t in themes}
    rows = (
        ThemeCode.objects.filter(theme__in=nodes.keys(), code__deleted_at__isnull=True)
        .select_related("code")
        .order_by("order", "id")
    )
    for row in rows:
        nodes[row.theme_id].codes.append(row.code)
    roots: list[ThemeNode] = []
    for theme in themes:
        node = nodes[theme.pk]
        parent = nodes.get(theme.parent_id) if theme.parent_id else None
        if parent is not None and not _is_ancestor(node, parent, nodes):
            node.parent = parent
            parent.children.append(node)
        else:
            roots.append(node)
    for root in roots:
        for node in root.walk():
            node.depth = 0 if node.parent is None else node.parent.depth + 1
    return roots, nodes


def _is_ancestor(node: ThemeNode, candidate: ThemeNode, nodes: dict[int, ThemeNode]) -> bool:
    """Whether `node` is above `candidate` by the stored parents (a cycle in the data)."""
    seen: set[int] = set()
    current: Theme | None = candidate.theme
    while current is not None and current.pk not in seen:
        if current.pk == node.theme.pk:
            return True
        seen.add(current.pk)
        parent = nodes.get(current.parent_id) if current.parent_id else None
        current = parent.theme if parent else None
    return False


def theme_board(*, study: Study, user: User | Any) -> ThemeBoard:
    """Everything the board shows: the theme forest, codes not in any live theme, coding counts."""
    roots, nodes = theme_tree(study=study)
    assigned = {code.pk for node in nodes.values() for code in node.codes}
    codes = list(Code.objects.alive().filter(study=study).order_by("order", "name"))
    counts = coding_counts(study=study, user=user, by="code_id")
    # Each code object carries its count, so the template reads it instead of looking it up.
    for code in codes:
        code.coding_count = counts.get(code.pk, 0)  # type: ignore[attr-defined]
    for node in nodes.values():
        for code in node.codes:
            code.coding_count = counts.get(code.pk, 0)  # type: ignore[attr-defined]
    return ThemeBoard(
        roots=roots,
        by_id=nodes,
        unassigned=[code for code in codes if code.pk not in assigned],
        counts=counts,
    )


def theme_node(*, theme: Theme) -> ThemeNode:
    """The node of one theme with its sub-themes and codes (the same two queries as the board)."""
    _, nodes = theme_tree(study=theme.study)
    return nodes[theme.pk]
