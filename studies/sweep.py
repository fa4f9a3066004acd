"""The stale-job sweep: jobs whose worker died, jobs no worker picked up, and old uploaded files.

    report = sweep_jobs()        # beat every THEMATICA_JOB_SWEEP_INTERVAL_S, each worker at start,
                                 # and `manage.py sweep_jobs`
    purge_job_inputs()           # beat hourly, `manage.py purge_job_inputs` (and `sweep_jobs`)

A worker killed mid-task (SIGKILL, out of memory, a lost machine) leaves its job RUNNING and its
message unacknowledged; Redis would hand the message out again only after the visibility timeout
(tens of minutes). The sweep notices sooner, from the job's heartbeat (studies.jobs):

- a RUNNING job whose heartbeat is older than THEMATICA_JOB_STALE_AFTER_S is sent again, with a
  message saying why and which attempt this is, up to THEMATICA_JOB_MAX_ATTEMPTS starts; then it
  fails with the reason;
- a QUEUED job that no worker started THEMATICA_JOB_RESEND_AFTER_S after it was sent (a message
  lost with the broker's data, or a process that died between its commit and the send) is sent
  again; a duplicate delivery is harmless (`job_context` drops it);
- WAITING jobs (the broker was unreachable) are sent again by `studies.dispatch`.

The uploaded file of a failed job is kept THEMATICA_FAILED_UPLOAD_RETENTION_DAYS so it can be
retried, then deleted; a job that was never started in that time is given up and its file deleted;
files under jobs/input that no job refers to are deleted once they are as old.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.core.files.storage import Storage, default_storage
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from .dispatch import at_most_every, resend_waiting_jobs, send, send_again
from .jobs import JobSuperseded, attempt_note, fail_job, gave_up_message, max_attempts, stale_before
from .models import Job, JobStatus

logger = logging.getLogger(__name__)

JOB_INPUT_DIR = "jobs/input"
BATCH = 500  # jobs handled per sweep and step; the next sweep takes the rest


def restarted_message(attempts: int) -> str:
    """Shown on a job sent again because its worker died; `attempts` is the attempt about to start."""
    return f"The worker stopped while running this job; started again{attempt_note(attempts)}."


def abandoned_message(days: int) -> str:
    return (
        f"No worker started this job within {days} days, so it was given up and its uploaded file deleted. "
        "Upload the file again to import it."
    )


@dataclass
class SweepReport:
    restarted: int = 0  # running jobs of a dead worker sent again
    given_up: int = 0  # running jobs of a dead worker failed after their last attempt
    resent: int = 0  # queued jobs nobody started, sent again
    waiting_sent: int = 0  # waiting jobs sent now the broker answers
    purge: PurgeReport | None = None

    def __str__(self) -> str:
        text = (
            f"{self.restarted} restarted, {self.given_up} given up, {self.resent} re-sent, "
            f"{self.waiting_sent} waiting job(s) sent"
        )
        return f"{text}; {self.purge}" if self.purge is not None else text


@dataclass
class PurgeReport:
    abandoned: int = 0  # never-started jobs given up after the retention
    files_deleted: int = 0  # uploaded files of failed, abandoned or done jobs
    orphans_deleted: int = 0  # files under jobs/input that no job refers to

    def __str__(self) -> str:
        return (
            f"{self.abandoned} abandoned job(s) given up, {self.files_deleted} uploaded file(s) deleted, "
            f"{self.orphans_deleted} orphan file(s) deleted"
        )


def sweep_jobs(*, now: datetime | None = None, purge: bool = False) -> SweepReport:
    """Restart or give up the jobs of dead workers, re-send jobs nobody started, send waiting jobs
    (and, with `purge`, `purge_job_inputs`)."""
    now = now or timezone.now()
    report = SweepReport()
    report.restarted, report.given_up = _restart_stale_jobs(now)
    report.resent = _resend_unstarted_jobs(now)
    report.waiting_sent = resend_waiting_jobs()
    if purge:
        report.purge = purge_job_inputs(now=now)
    if report.restarted or report.given_up or report.resent or report.waiting_sent:
        logger.warning("Job sweep: %s", report)
    return report


def _restart_stale_jobs(now: datetime) -> tuple[int, int]:
    cutoff = stale_before(now)
    stale = Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, started_at__lt=cutoff)
    restarted = given_up = 0
    with transaction.atomic():
        # Rows a worker is claiming right now are skipped: the next sweep sees them as they are.
        jobs = list(
            Job.objects.select_for_update(skip_locked=True)
            .filter(stale, status=JobStatus.RUNNING)
            .order_by("heartbeat_at")[:BATCH]
        )
        for job in jobs:
            if job.attempts >= max_attempts():
                fail_job(job, gave_up_message(job.attempts))
                given_up += 1
                continue
            # Queued and not sent: `dispatch.send` claims and sends it once this commits.
            job.status, job.sent_at, job.message = JobStatus.QUEUED, None, restarted_message(job.attempts + 1)
            job.save(update_fields=["status", "sent_at", "message"])
            transaction.on_commit(partial(send, job))
            restarted += 1
    for job in jobs:
        logger.warning("Job %s (%s) lost its worker: %s", job.pk, job.kind, job.error or job.message)
    return restarted, given_up


def _resend_unstarted_jobs(now: datetime) -> int:
    cutoff = now - timedelta(seconds=settings.THEMATICA_JOB_RESEND_AFTER_S)
    jobs = list(
        Job.objects.alias(sent=Coalesce("sent_at", "created_at"))
        .filter(status=JobStatus.QUEUED, sent__lt=cutoff)
        .order_by("sent")[:BATCH]
    )
    resent = 0
    for job in jobs:
        sent_at = job.sent_at
        if send_again(job):  # only if nobody sent or started it meanwhile
            logger.warning("Job %s (%s) was sent at %s and never started; sent it again", job.pk, job.kind, sent_at)
            resent += 1
    return resent


def purge_job_inputs(*, now: datetime | None = None, storage: Storage | None = None) -> PurgeReport:
    """Delete the uploaded files that are no longer kept.

    - A job never started within the retention is given up (failed, saying so) and its file deleted.
    - A failed job's file is deleted once it failed more than the retention ago; a done job's at once
      (done jobs delete their own; this clears older rows that still name a deleted file).
    - A file under jobs/input that no job refers to is deleted once it is older than the retention
      (younger ones may belong to a job being created)."""
    now = now or timezone.now()
    storage = storage or default_storage
    days = settings.THEMATICA_FAILED_UPLOAD_RETENTION_DAYS
    cutoff = now - timedelta(days=days)
    report = PurgeReport()
    abandoned: list[int] = []
    for job in Job.objects.filter(status__in=[JobStatus.QUEUED, JobStatus.WAITING], created_at__lt=cutoff)[:BATCH]:
        try:
            fail_job(job, abandoned_message(days))
        except JobSuperseded:  # started or ended meanwhile
            continue
        abandoned.append(job.pk)
    report.abandoned = len(abandoned)
    rows = list(
        Job.objects.exclude(input_file="")
        .filter(Q(pk__in=abandoned) | Q(status=JobStatus.DONE) | Q(status=JobStatus.FAILED, finished_at__lt=cutoff))
        .values_list("pk", "input_file")[:BATCH]
    )
    for _, name in rows:
        if name and storage.exists(name):
            storage.delete(name)
            report.files_deleted += 1
    Job.objects.filter(pk__in=[pk for pk, _ in rows]).update(input_file="")
    report.orphans_deleted = _delete_orphans(storage, cutoff)
    return report


PURGE_EVERY_SECONDS = 3600
_PURGE_KEY = "thematica:sweep:purge-tried"


def purge_job_inputs_lazily() -> PurgeReport | None:
    """`purge_job_inputs` at most once an hour (per cache), for each new upload: with no broker
    (tasks run in the web process, no beat) nothing else would delete failed uploads' files."""
    if not at_most_every(_PURGE_KEY, PURGE_EVERY_SECONDS):
        return None
    try:
        return purge_job_inputs()
    except Exception:  # never fail the upload that triggered it
        logger.exception("Purging uploaded files no longer kept failed")
        return None


def _files_under(storage: Storage, directory: str) -> list[str]:
    try:
        directories, files = storage.listdir(directory)
    except FileNotFoundError:
        return []
    names = [f"{directory}/{name}" for name in files]
    for sub in directories:
        names += _files_under(storage, f"{directory}/{sub}")
    return names


def _delete_orphans(storage: Storage, cutoff: datetime) -> int:
    files = _files_under(storage, JOB_INPUT_DIR)
    if not files:
        return 0
    referenced = set(Job.objects.exclude(input_file="").values_list("input_file", flat=True))
    deleted = 0
    for name in files:
        if name not in referenced and storage.get_modified_time(name) < cutoff:
            storage.delete(name)
            deleted += 1
    return deleted
