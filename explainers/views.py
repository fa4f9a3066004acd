"""The technique pages of a study: the vocabulary with how often the study's interviews mention each
technique, and one technique's mentions in context. Pages read stored mentions only (see
`explainers.selectors`); none runs spaCy."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from studies.access import get_study_for_user

from .selectors import MENTION_CAP, PER_DOCUMENT, mention_counts, technique_citations, technique_documents
from .techniques import FAMILIES, by_family, by_slug


@login_required
def technique_list(request: HttpRequest, slug: str) -> HttpResponse:
    study = get_study_for_user(request, slug)
    counts = mention_counts(study)
    families = []
    for family, label in FAMILIES.items():
        rows = [
            {"technique": t, "mentions": counts.get(t.slug, (0, 0))[0], "documents": counts.get(t.slug, (0, 0))[1]}
            for t in sorted(by_family(family), key=lambda t: t.name.casefold())
        ]
        if rows:
            families.append({"label": label, "rows": rows, "mentioned": sum(1 for r in rows if r["mentions"])})
    return render(
        request,
        "explainers/technique_list.html",
        {
            "study": study,
            "families": families,
            "total_mentions": sum(n for n, _ in counts.values()),
            "techniques_mentioned": len(counts),
        },
    )


@login_required
def technique_detail(request: HttpRequest, slug: str, technique_slug: str) -> HttpResponse:
    study = get_study_for_user(request, slug)
    try:
        technique = by_slug(technique_slug)
    except KeyError:
        raise Http404("No such technique.") from None
    documents, total = technique_documents(study, technique.slug)
    shown = sum(len(d.excerpts) for d in documents)
    return render(
        request,
        "explainers/technique_detail.html",
        {
            "study": study,
            "technique": technique,
            "family": FAMILIES.get(technique.family, technique.family),
            "recognised_as": [*technique.acronyms, *technique.variants],
            "documents": documents,
            "total": total,
            "shown": shown,
            "cap": MENTION_CAP,
            "per_document": PER_DOCUMENT,
            "citations": technique_citations(study, technique.slug, request.user),
        },
    )
