from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from interviews.ordering import naturally

from .models import Job, Membership, Study


def study_members(*, study: Study) -> QuerySet[Membership]:
    return study.memberships.select_related("user").order_by("user__username")


def study_dashboard(*, study: Study, user: Any) -> dict[str, Any]:
    """Everything the dashboard shows, in a bounded number of queries."""
    from coding.models import Code
    from coding.selectors import coding_counts
    from interviews.models import Transcript

    per_transcript = coding_counts(study=study, user=user, by="transcript_id")
    per_code = coding_counts(study=study, user=user, by="code_id")
    transcripts = list(Transcript.objects.filter(study=study).prefetch_related("participants"))
    for transcript in transcripts:
        transcript.n_codings = per_transcript.get(transcript.pk, 0)  # type: ignore[attr-defined]
    codes = list(Code.objects.alive().filter(study=study).order_by("order", "name"))
    for code in codes:
        code.n_codings = per_code.get(code.pk, 0)  # type: ignore[attr-defined]
    return {
        "transcripts": naturally(transcripts, key=lambda t: t.title),
        "participants": naturally(study.participants.all(), key=lambda p: p.label),
        "codes": codes,
        "participant_count": study.participants.count(),
        "members": study_members(study=study),
        "recent_jobs": Job.objects.filter(study=study).order_by("-created_at")[:5],
    }
