"""The one background-work pattern: a Job row, a Celery task that takes its id.

    job = create_job(study=..., kind="import_transcript", user=..., params={...})
    enqueue(run_import_task, job)        # sent on commit, never before

In the task body:

    with job_context(job_id) as job:     # None if already finished: idempotent
        if job is None:
            return
        ...report_progress(job, 50, "Parsing")...
        job.result = {...}

Exceptions inside the block mark the job failed with the message; a
`JobError` carries a user-facing message, anything else is logged with its
traceback and shown as an internal error.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from accounts.models import User

from .models import Job, JobStatus, Study

logger = logging.getLogger(__name__)


class JobError(Exception):
    """A failure whose message is meant for the person who started the job."""


@transaction.atomic
def create_job(
    *,
    study: Study,
    kind: str,
    user: User | None,
    params: dict[str, Any] | None = None,
    input_name: str = "",
    input_bytes: bytes | None = None,
) -> Job:
    job = Job(study=study, kind=kind, created_by=user, params=params or {}, input_name=input_name)
    if input_bytes is not None:
        job.input_file.save(input_name or "input", ContentFile(input_bytes), save=False)
    job.save()
    return job


def enqueue(task: Any, job: Job) -> None:
    """Send the task after the surrounding transaction commits."""
    job_id = job.pk
    transaction.on_commit(lambda: task.delay(job_id))


def report_progress(job: Job, progress: int, message: str = "") -> None:
    job.progress = max(0, min(100, progress))
    job.message = message[:500]
    Job.objects.filter(pk=job.pk).update(progress=job.progress, message=job.message)


@contextmanager
def job_context(job_id: int) -> Iterator[Job | None]:
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.is_finished:
            # Late acknowledgement can redeliver a task: a finished job is not redone.
            yield None
            return
        job.status = JobStatus.RUNNING
        job.started_at = timezone.now()
        job.save(update_fields=["status", "started_at"])
    try:
        yield job
    except JobError as exc:
        _finish(job, JobStatus.FAILED, error=str(exc))
    except Exception as exc:
        logger.exception("Job %s (%s) failed", job.pk, job.kind)
        _finish(job, JobStatus.FAILED, error=f"Internal error: {exc.__class__.__name__}: {exc}")
    else:
        _finish(job, JobStatus.DONE)


def _finish(job: Job, status: str, error: str = "") -> None:
    job.status = status
    job.error = error
    job.finished_at = timezone.now()
    if status == JobStatus.DONE:
        job.progress = 100
    job.save(update_fields=["status", "error", "finished_at", "progress", "result", "message", "result_file"])
