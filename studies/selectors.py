from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from interviews.ordering import naturally

from .models import Job, Membership, Study


def study_members(*, study: Study) -> QuerySet[Membership]:
    return study.memberships.select_related("user").order_by("user__username")


DASHBOARD_ROWS = 10


def study_dashboard(*, study: Study, user: Any) -> dict[str, Any]:
    """The study at a glance, in a fixed number of queries whatever its size: totals, the most
    recently added documents and the most used codes (the Documents and Codebook pages list all)."""
    from django.db.models import Sum

    from coding.models import Code
    from coding.selectors import coding_counts
    from interviews.models import Transcript

    documents = Transcript.objects.filter(study=study)
    recent = list(
        documents.defer("text").prefetch_related("participants").order_by("-created_at", "-pk")[:DASHBOARD_ROWS]
    )
    per_transcript = coding_counts(study=study, user=user, by="transcript_id", transcripts=[t.pk for t in recent])
    for transcript in recent:
        transcript.n_codings = per_transcript.get(transcript.pk, 0)  # type: ignore[attr-defined]
    per_code = coding_counts(study=study, user=user, by="code_id")
    codes = list(Code.objects.alive().filter(study=study).order_by("order", "name"))
    for code in codes:
        code.n_codings = per_code.get(code.pk, 0)  # type: ignore[attr-defined]
    used = sorted((c for c in codes if c.n_codings), key=lambda c: -c.n_codings)  # type: ignore[attr-defined]
    totals = documents.aggregate(words=Sum("word_count"))
    return {
        "transcripts": recent,
        "document_count": documents.count(),
        "word_count": totals["words"] or 0,
        "coding_count": sum(per_code.get(c.pk, 0) for c in codes),
        "participants": naturally(study.participants.all()[:200], key=lambda p: p.label),
        "codes": used[:DASHBOARD_ROWS],
        "code_count": len(codes),
        "participant_count": study.participants.count(),
        "members": study_members(study=study),
        "recent_jobs": Job.objects.filter(study=study).order_by("-created_at")[:5],
    }
