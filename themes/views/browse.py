"""Browse mode: the study's results as a team reads or presents them — read-only.

Only themes marked reviewed or final are shown (candidates are work in progress), in their tree: a
reviewed theme under a candidate one is shown under its nearest shown ancestor. Each theme's page
holds its findings with their quotes (participant, a link into the reader at the quote), coverage
and cited techniques, and links to the previous and next theme in tree order (the keys ← → and p/n
follow them; `?present=1` sets the large type for a projector). Any member may browse; nothing here
writes.
"""

from __future__ import annotations

from uuid import UUID

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from studies.access import get_study_for_user
from studies.models import Study

from ..coverage import finding_views
from ..models import Finding, ThemeStatus
from ..selectors import ThemeNode, flatten, pruned, theme_tree

SHOWN = (ThemeStatus.REVIEWED, ThemeStatus.FINAL)


def browse_tree(study: Study) -> list[ThemeNode]:
    """The reviewed and final themes as a forest (three queries), each with its number of live findings."""
    roots, nodes = theme_tree(study=study)
    for theme_id in Finding.objects.alive().filter(study=study).values_list("theme_id", flat=True):
        if theme_id in nodes:
            nodes[theme_id].findings += 1
    return pruned(roots, lambda theme: theme.status in SHOWN)


def _present(request: HttpRequest) -> bool:
    return request.GET.get("present") == "1"


@login_required
@require_GET
def browse(request: HttpRequest, slug: str) -> HttpResponse:
    study = get_study_for_user(request, slug)
    roots = browse_tree(study)
    flat = flatten(roots)
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
    flat = flatten(browse_tree(study))
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
