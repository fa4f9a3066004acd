"""Celery task of text processing: takes a Job id and calls `assist.services.process_transcripts`."""

from __future__ import annotations

import time

from django.urls import reverse

from studies.jobs import job_context, job_task, report_progress
from studies.models import JobKind

from .services import Progress, job_transcripts, process_transcripts

PROGRESS_EVERY_S = 1.0  # one progress write a second at most, however many transcripts


@job_task(JobKind.NLP_PROCESS)
def process_nlp_task(job_id: int) -> None:
    # Each group of transcripts commits its results on its own (a study-wide run must not hold row
    # locks on every transcript until it ends); a transcript's results are replaced as a whole, so
    # an attempt started again after its worker died stores the same rows once.
    with job_context(job_id) as job:
        if job is None:
            return
        report_progress(job, 0, "Processing the text")
        last = [0.0]

        def progress(p: Progress) -> None:
            now = time.monotonic()
            if now - last[0] >= PROGRESS_EVERY_S or p.transcripts_done == p.transcripts_total:
                last[0] = now
                report_progress(
                    job, p.percent, f"{p.transcripts_done}/{p.transcripts_total} transcripts, {p.words_done:,} words"
                )

        transcripts = job_transcripts(job)
        summary = process_transcripts(transcripts, progress=progress)
        # The job's page links to what was processed (studies/_job_status.html shows url/link_text).
        found = f"{summary.mentions} technique mention{'s' if summary.mentions != 1 else ''}"
        one = not (job.params or {}).get("all") and summary.transcripts + summary.skipped == 1
        only = transcripts.first() if one else None
        if only is not None:
            link = {"url": only.get_absolute_url(), "link_text": f"Open “{only.title}” ({found})"}
        else:
            link = {
                "url": reverse("interviews:document_list", args=[job.study.slug]),
                "link_text": f"{summary.transcripts} transcripts processed ({found})",
            }
        job.result = {**summary.as_json(), **link}
