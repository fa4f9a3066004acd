from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet

from interviews.ordering import naturally

from .models import Job, Membership, Study


def study_members(*, study: Study) -> QuerySet[Membership]:
    return study.memberships.select_related("user").order_by("user__username")


def study_dashboard(*, study: Study) -> dict[str, Any]:
    """Everything the dashboard shows, in a bounded number of queries."""
    from coding.models import Code
    from interviews.models import Transcript

    transcripts = (
        Transcript.objects.filter(study=study)
        .annotate(n_codings=Count("codings", filter=Q(codings__deleted_at__isnull=True)))
        .prefetch_related("participants")
        .order_by("title")
    )
    codes = (
        Code.objects.alive()
        .filter(study=study)
        .annotate(n_codings=Count("codings", filter=Q(codings__deleted_at__isnull=True)))
        .order_by("order", "name")
    )
    return {
        "transcripts": naturally(transcripts, key=lambda t: t.title),
        "participants": naturally(study.participants.all(), key=lambda p: p.label),
        "codes": codes,
        "participant_count": study.participants.count(),
        "members": study_members(study=study),
        "recent_jobs": Job.objects.filter(study=study).order_by("-created_at")[:5],
    }
