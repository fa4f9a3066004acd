"""The one background-work pattern: a Job row, a Celery task that takes its id.

    job = create_job(study=..., kind=JobKind.IMPORT_TRANSCRIPT, user=..., params={...})
    enqueue(run_import_task, job)        # sent on commit, never before

In the task body (tasks are declared `acks_late=True`):

    with job_context(job_id) as job:     # None if already finished: idempotent
        if job is None:
            return
        ...report_progress(job, 50, "Parsing")...
        job.result = {...}               # or finish_job(job, result=..., result_file=...)

Leaving the block finishes the job unless the body already did. Exceptions
inside the block mark the job failed with the message; a `JobError` carries a
user-facing message, anything else is logged with its traceback and shown as
an internal error. `finish_job` and `fail_job` are the only ways a job ends.

Uploads kept between a preview and its confirmation are not jobs: see
`studies.staging`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.files.base import ContentFile, File
from django.db import transaction
from django.utils import timezone

from accounts.models import User

from .models import Job, JobKind, JobStatus, Study

logger = logging.getLogger(__name__)


class JobError(Exception):
    """A failure whose message is meant for the person who started the job."""


@transaction.atomic
def create_job(
    *,
    study: Study,
    kind: JobKind,
    user: User | None,
    params: dict[str, Any] | None = None,
    input_name: str = "",
    input_bytes: bytes | None = None,
) -> Job:
    job = Job(study=study, kind=JobKind(kind), created_by=user, params=params or {}, input_name=input_name)
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
        fail_job(job, str(exc))
    except Exception as exc:
        logger.exception("Job %s (%s) failed", job.pk, job.kind)
        fail_job(job, f"Internal error: {exc.__class__.__name__}: {exc}")
    else:
        if not job.is_finished:
            finish_job(job)


_END_FIELDS = ["status", "error", "finished_at", "progress", "result", "message", "result_file"]


@transaction.atomic
def finish_job(job: Job, *, result: dict[str, Any] | None = None, result_file: File | None = None) -> Job:
    """Mark `job` done; `result` replaces its result, `result_file` (named) is stored as its download."""
    if result is not None:
        job.result = result
    if result_file is not None:
        job.result_file.save(result_file.name or "result", result_file, save=False)
    job.status, job.error, job.progress, job.finished_at = JobStatus.DONE, "", 100, timezone.now()
    job.message = ""  # a progress message ("Saving ...") says nothing once the job is done
    job.save(update_fields=_END_FIELDS)
    return job


@transaction.atomic
def fail_job(job: Job, error: str) -> Job:
    """Mark `job` failed with a message meant for the person who started it."""
    job.status, job.error, job.finished_at = JobStatus.FAILED, error, timezone.now()
    job.save(update_fields=_END_FIELDS)
    return job
