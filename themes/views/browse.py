"""Browse mode: the study's results as a team reads or presents them — read-only.

Only themes marked reviewed or final are shown (candidates are work in progress), in their tree: a
reviewed theme under a candidate one is shown under its nearest shown ancestor. Each theme's page
holds its findings with their quotes (participant, a link into the reader at the quote), coverage
and cited techniques, and links to the previous and next theme in tree order (the keys ← → and p/n
follow them; `?present=1` sets the large type for a projector). Any member may browse; nothing here
writes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from uuid import UUID

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from studies.access import get_study_for_user
from studies.models import Study

from ..coverage import finding_views
from ..models import Finding, Theme, ThemeStatus
from ..selectors import ThemeNode, theme_tree

SHOWN = (ThemeStatus.REVIEWED, ThemeStatus.FINAL)


@dataclass
class BrowseNode:
    theme: Theme
    depth: int
    children: list[BrowseNode] = field(default_factory=list)
    parent: BrowseNode | None = None
    findings: int = 0

    def walk(self) -> list[BrowseNode]:
        out = [self]
        for child in self.children:
            out.extend(child.walk())
        return out

    @property
    def path(self) -> list[Theme]:
        chain: list[Theme] = []
        node = self.parent
        while node is not None:
            chain.insert(0, node.theme)
            node = node.parent
        return chain


def browse_tree(study: Study) -> list[BrowseNode]:
    """The reviewed and final themes as a forest (three queries), each with its number of live findings."""
    roots, _ = theme_tree(study=study)
    counts: dict[int, int] = {}
    for theme_id in Finding.objects.alive().filter(study=study).values_list("theme_id", flat=True):
        counts[theme_id] = counts.get(theme_id, 0) + 1
    shown: list[BrowseNode] = []

    def visit(node: ThemeNode, parent: BrowseNode | None) -> None:
        if node.theme.status in SHOWN:
            mine = BrowseNode(theme=node.theme, depth=0 if parent is None else parent.depth + 1, parent=parent)
            mine.findings = counts.get(node.theme.pk, 0)
            (parent.children if parent is not None else shown).append(mine)
            parent = mine
        for child in node.children:
            visit(child, parent)

    for root in roots:
        visit(root, None)
    return shown


def _flat(roots: list[BrowseNode]) -> list[BrowseNode]:
    out: list[BrowseNode] = []
    for root in roots:
        out.extend(root.walk())
    return out


def _present(request: HttpRequest) -> bool:
    return request.GET.get("present") == "1"


@login_required
@require_GET
def browse(request: HttpRequest, slug: str) -> HttpResponse:
    study = get_study_for_user(request, slug)
    roots = browse_tree(study)
    flat = _flat(roots)
    return render(
        request,
        "themes/browse.html",
        {
            "study": study,
            "roots": roots,
            "flat": flat,
            "first": flat[0] if flat else None,
            "present": _present(request),
        },
    )


@login_required
@require_GET
def browse_theme(request: HttpRequest, slug: str, theme_uuid: UUID) -> HttpResponse:
    study = get_study_for_user(request, slug)
    flat = _flat(browse_tree(study))
    index = next((i for i, node in enumerate(flat) if node.theme.uuid == theme_uuid), None)
    if index is None:  # not in the study, deleted, or not reviewed yet: browse mode does not show it
        raise Http404("No such reviewed theme in this study.")
    node = flat[index]
    findings = list(Finding.objects.alive().filter(theme=node.theme).order_by("order", "id"))
    return render(
        request,
        "themes/browse_theme.html",
        {
            "study": study,
            "node": node,
            "theme": node.theme,
            "views": finding_views(study=study, user=request.user, findings=findings),
            "previous": flat[index - 1] if index > 0 else None,
            "next": flat[index + 1] if index + 1 < len(flat) else None,
            "position": index + 1,
            "count": len(flat),
            "present": _present(request),
        },
    )
