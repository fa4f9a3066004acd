"""Celery tasks of the coding workspace: each takes a Job id (see studies.jobs)."""

from __future__ import annotations

from typing import Any

from django.utils.datastructures import MultiValueDict

from studies.exports import ExportFile, run_export
from studies.jobs import JobError, job_task, report_progress
from studies.models import Job, JobKind

from .exports import codebook_export, segments_export
from .retrieval_params import retrieval_query
from .selectors import find_segments


@job_task(JobKind.EXPORT_CODEBOOK)
def export_codebook_task(job_id: int) -> None:
    run_export(job_id, lambda job, user: codebook_export(study=job.study, user=user))


def _segments(job: Job, user: Any) -> ExportFile:
    # The query is the retrieval form's query string, kept when the job was made; codes and
    # documents deleted since simply no longer match.
    query, _, errors = retrieval_query(study=job.study, data=MultiValueDict(job.params.get("query") or {}))
    if errors:
        raise JobError(" ".join(errors))
    segments = find_segments(study=job.study, user=user, query=query)
    report_progress(job, 40, f"Writing {len(segments):,} segments")
    return segments_export(study=job.study, segments=segments)


@job_task(JobKind.EXPORT_SEGMENTS)
def export_segments_task(job_id: int) -> None:
    run_export(job_id, _segments)
