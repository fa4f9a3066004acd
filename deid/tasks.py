"""Celery task of the de-identification scan: takes a Job id and calls `deid.services.scan_transcript`."""

from __future__ import annotations

from django.urls import reverse

from interviews.models import Transcript
from interviews.services.corrections import StaleVersion
from studies.jobs import JobError, job_context, job_task, report_progress
from studies.models import JobKind

from .services import scan_transcript


@job_task(JobKind.DEID_DETECT)
def deid_detect_task(job_id: int) -> None:
    # Proposals of a text version are replaced as a whole in one transaction (decided ones kept),
    # so an attempt started again after its worker died stores the same rows once.
    with job_context(job_id) as job:
        if job is None:
            return
        uuid = str((job.params or {}).get("transcript") or "")
        transcript = Transcript.objects.filter(study_id=job.study_id, uuid=uuid).first() if uuid else None
        if transcript is None:
            raise JobError("The document was deleted before it could be scanned.", permanent=True)
        report_progress(job, 10, "Looking for names, places and contact details")
        try:
            outcome = scan_transcript(transcript=transcript)
        except StaleVersion as exc:
            raise JobError("The text changed while it was being scanned; scan it again.") from exc
        report_progress(job, 90, f"{outcome.proposed} proposals stored")
        found = f"{outcome.proposed} proposal{'s' if outcome.proposed != 1 else ''}"
        job.result = {
            **outcome.as_json(),
            "url": reverse("deid:review", args=[job.study.slug, transcript.uuid]),
            "link_text": f"Review the de-identification of “{transcript.title}” ({found})",
        }
