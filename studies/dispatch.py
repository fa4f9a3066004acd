"""Handing jobs to the task service (the Celery broker), and handing them again when it was away.

    enqueue(task, job)          # studies.jobs: `send(job)` once the transaction commits
    send(job)                   # True if the broker took it; else the job WAITS, nothing raises
    resend_waiting_jobs()       # the stale-job sweep, and pages that show a waiting job (lazily)
    retry_job(job=job)          # "Retry now" on a job's page

A broker that cannot be reached must not turn an upload into a 500 that loses the file: the job is
marked `JobStatus.WAITING` with its file kept and a message saying so, and it is sent again when
the broker answers. Every job kind's task is named once, in `TASKS`, so a job can be sent again
from its row alone (by the sweep, a page view or a button), without the caller's task object.

Sending claims the job first: one conditional UPDATE moves it from queued-and-unsent (or waiting)
to queued-and-sent (`sent_at`), so two resenders (the sweep and a page view) never both send it.
A job that was sent but whose message was lost is sent again by marking it waiting
(`status=WAITING, sent_at=None`) and calling `resend_waiting_jobs`.

Publishing uses its own short timeouts (a request must answer within seconds, not kombu's
defaults), and after a failure the broker is taken as down for `BROKER_RECHECK_SECONDS`: the other
jobs of a 200-file upload then wait at once instead of each timing out. With no broker configured
(`task_always_eager`) tasks run in the process as before.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.db.models import Case, F, Value, When
from django.utils import timezone
from django.utils.module_loading import import_string
from kombu.exceptions import OperationalError

from config.celery import app

from .access import StudyAccess
from .models import Job, JobKind, JobStatus

logger = logging.getLogger(__name__)

# The Celery task of every job kind (a test checks each kind has one and that it is registered).
TASKS: dict[str, str] = {
    JobKind.IMPORT_TRANSCRIPT: "interviews.tasks.import_transcript_task",
    JobKind.EXPORT_PARTICIPANTS: "interviews.tasks.export_participants_task",
    JobKind.EXPORT_CODEBOOK: "coding.tasks.export_codebook_task",
    JobKind.EXPORT_SEGMENTS: "coding.tasks.export_segments_task",
    JobKind.NLP_PROCESS: "assist.tasks.process_nlp_task",
    JobKind.SUGGEST_TRAIN: "assist.tasks.train_suggestions_task",
    JobKind.SUGGEST_RUN: "assist.tasks.suggest_task",
    JobKind.DEID_DETECT: "deid.tasks.deid_detect_task",
    JobKind.SANDBOX_RUN: "explainers.tasks.sandbox_run_task",
}

WAITING_MESSAGE = (
    "Waiting for the task service (it could not be reached); the file is kept and the job starts when the "
    "service is back."
)
WAITING_MESSAGE_NO_FILE = (
    "Waiting for the task service (it could not be reached); the job starts when the service is back."
)
# What the upload (or any request that queued work) tells the person when the broker is down.
UNREACHABLE_MESSAGE = "The task service is unreachable; your file is saved and will be imported when it is back."
UNREACHABLE_MESSAGE_PLURAL = (
    "The task service is unreachable; your files are saved and will be imported when it is back."
)

CONNECT_TIMEOUT = 2.0  # seconds to open a connection to the broker
SOCKET_TIMEOUT = 2.0  # seconds a hung broker may take to answer one command
PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.5, "interval_max": 0.5}
BROKER_RECHECK_SECONDS = 5  # after a failure, sends wait at once for this long
RESEND_EVERY_SECONDS = 10  # pages showing a waiting job try to resend at most this often

_DOWN_KEY = "thematica:dispatch:broker-down"
_RESEND_KEY = "thematica:dispatch:resend-tried"


class RetryRefused(Exception):
    """A job that cannot be retried now; the message is meant for the person who asked."""


def _connection() -> Any:
    """A fresh producer connection with short timeouts, to the broker configured now (not a pooled one:
    the pool keeps kombu's long defaults, and the broker URL may change under tests)."""
    return app.connection_for_write(
        connect_timeout=CONNECT_TIMEOUT,
        transport_options={"socket_connect_timeout": CONNECT_TIMEOUT, "socket_timeout": SOCKET_TIMEOUT},
    )


def runs_in_process() -> bool:
    """Whether tasks run in this process (no broker configured): no worker, no beat."""
    return bool(app.conf.task_always_eager)


def at_most_every(key: str, seconds: int) -> bool:
    """True at most once every `seconds` per cache for `key`: lazy work that pages and uploads
    trigger (resending waiting jobs, purging old uploads) instead of a beat."""
    return bool(cache.add(key, True, seconds))


def _waiting_message(job: Job) -> str:
    return WAITING_MESSAGE if job.input_file else WAITING_MESSAGE_NO_FILE


def _claim(job: Job) -> datetime | None:
    """Mark `job` as sent now if nobody has sent it yet; the `sent_at` it got, or None if it was
    already sent, is running or is finished."""
    now = timezone.now()
    # A waiting job's message ("waiting for the task service") no longer holds; a queued job's
    # (why the sweep queued it again, say) still does.
    message = Case(When(status=JobStatus.WAITING, then=Value("")), default=F("message"))
    claimed = Job.objects.filter(
        pk=job.pk, status__in=[JobStatus.QUEUED, JobStatus.WAITING], sent_at__isnull=True
    ).update(status=JobStatus.QUEUED, message=message, sent_at=now)
    return now if claimed else None


def _wait(job: Job, sent_at: datetime, reason: str) -> None:
    """The broker did not take `job`: it waits (only if it is still as this call left it)."""
    Job.objects.filter(pk=job.pk, status=JobStatus.QUEUED, sent_at=sent_at).update(
        status=JobStatus.WAITING, message=_waiting_message(job), sent_at=None
    )
    logger.warning("Job %s (%s) waits for the task service: %s", job.pk, job.kind, reason)


def _task(job: Job) -> Any:
    # Imported by name: a process that never loaded the views (a management command) has not
    # imported every tasks module, so `app.tasks` may not hold it yet.
    return import_string(TASKS[job.kind])


def _publish(job: Job, connection: Any) -> None:
    _task(job).apply_async(args=[job.pk], connection=connection, retry=True, retry_policy=PUBLISH_RETRY_POLICY)


def _broker_failed(exc: Exception) -> str:
    cache.set(_DOWN_KEY, True, BROKER_RECHECK_SECONDS)
    if not isinstance(exc, OperationalError):
        # Not a connection failure (a broker refusing writes, say): worth its traceback in the log.
        logger.warning("Unexpected error from the task service", exc_info=exc)
    return f"{exc.__class__.__name__}: {exc}"


def send(job: Job, *, even_if_down: bool = False) -> bool:
    """Hand `job` to the task service. True if this call sent it; False if the broker could not be
    reached (the job is then WAITING with a message, and a warning is logged) or if the job was
    already sent or finished. Never raises for the broker. `even_if_down` tries even when a send
    failed moments ago (a retry by hand)."""
    if job.kind not in TASKS:
        raise ValueError(f"No task for job kind {job.kind!r}; add it to studies.dispatch.TASKS.")
    sent_at = _claim(job)
    if sent_at is None:
        return False
    if runs_in_process():
        _task(job).apply_async(args=[job.pk])
        return True
    if not even_if_down and cache.get(_DOWN_KEY):
        _wait(job, sent_at, "it could not be reached moments ago")
        return False
    try:
        with _connection() as connection:
            _publish(job, connection)
    except Exception as exc:  # whatever the broker did, the request goes on and the job waits
        _wait(job, sent_at, _broker_failed(exc))
        return False
    cache.delete(_DOWN_KEY)
    return True


def resend_waiting_jobs(*, limit: int = 500) -> int:
    """Send the WAITING jobs again, oldest first; the number sent. Cheap while the broker is still
    down: one connection attempt, not one per job. Called by the stale-job sweep and (through
    `resend_waiting_jobs_lazily`) by pages that show a waiting job."""
    jobs = list(Job.objects.filter(status=JobStatus.WAITING).order_by("created_at")[:limit])
    if not jobs:
        return 0
    if runs_in_process():
        return sum(send(job) for job in jobs)
    sent = 0
    try:
        with _connection() as connection:
            connection.ensure_connection(max_retries=1, interval_start=0, interval_step=0.2, interval_max=0.2)
            for job in jobs:
                sent_at = _claim(job)
                if sent_at is None:
                    continue  # sent meanwhile by someone else, or retried and finished
                try:
                    _publish(job, connection)
                except Exception:
                    _wait(job, sent_at, "the task service went away while jobs were sent again")
                    raise
                sent += 1
    except Exception as exc:
        logger.warning("Waiting jobs not sent (%s sent): %s", sent, _broker_failed(exc))
        return sent
    cache.delete(_DOWN_KEY)
    if sent:
        logger.info("Sent %s waiting job(s) to the task service", sent)
    return sent


def resend_waiting_jobs_lazily() -> int:
    """`resend_waiting_jobs`, at most once every RESEND_EVERY_SECONDS (per cache): pages and polls
    that show a waiting job call this, so a job starts once the broker is back and someone is
    looking, even with no sweep running."""
    if not at_most_every(_RESEND_KEY, RESEND_EVERY_SECONDS):
        return 0
    return resend_waiting_jobs()


def can_retry(job: Job) -> bool:
    """A waiting job, or a failed import whose uploaded file is still kept, may be sent again by hand;
    not an import that failed because of its file's content (`JobError(permanent=True)`), which
    would fail the same way."""
    if job.status == JobStatus.WAITING:
        return True
    return (
        job.status == JobStatus.FAILED
        and job.kind == JobKind.IMPORT_TRANSCRIPT
        and bool(job.input_file)
        and not (job.result or {}).get("permanent")
    )


def may_retry(access: StudyAccess, job: Job) -> bool:
    """Owners may retry any job of their study; coders the jobs they started."""
    return access.can_manage or (access.can_code and job.created_by_id == access.membership.user_id)


_RETRY_FIELDS = (
    "status", "message", "sent_at", "error", "result", "progress", "attempts", "started_at", "finished_at",
    "heartbeat_at",
)  # fmt: skip


@transaction.atomic
def retry_job(*, job: Job) -> Job:
    """Send `job` again by hand (after commit, trying the broker even if it failed moments ago).

    A waiting job keeps its attempts (it never started). A failed import starts over: its error,
    progress and result are cleared and its attempts reset to 0, so it gets the full number of
    starts again (THEMATICA_JOB_MAX_ATTEMPTS) and its first start is not shown as a restart after a
    dead worker. RetryRefused when the job cannot be retried."""
    locked = Job.objects.select_for_update().get(pk=job.pk)
    if not can_retry(locked):
        raise RetryRefused(_refusal(locked))
    if locked.status == JobStatus.FAILED:
        if not locked.input_file.storage.exists(locked.input_file.name or ""):
            raise RetryRefused("The uploaded file of this import is no longer kept; upload it again to import it.")
        locked.error, locked.result, locked.progress, locked.attempts = "", {}, 0, 0
        locked.started_at = locked.finished_at = locked.heartbeat_at = None
    locked.status, locked.message, locked.sent_at = JobStatus.QUEUED, "", None
    locked.save(update_fields=[*_RETRY_FIELDS])
    transaction.on_commit(lambda: send(locked, even_if_down=True))
    return locked


def _refusal(job: Job) -> str:
    if job.status in (JobStatus.QUEUED, JobStatus.RUNNING):
        return "This job is already queued or running; there is nothing to retry."
    if job.status == JobStatus.DONE:
        return "This job is done; there is nothing to retry."
    if job.kind == JobKind.IMPORT_TRANSCRIPT and (job.result or {}).get("permanent"):
        return "This file could not be read; importing it again would fail the same way. Fix or re-save it, then upload it."
    if job.kind == JobKind.IMPORT_TRANSCRIPT:
        return "The uploaded file of this import is no longer kept; upload it again to import it."
    return "A failed export is not retried; start it again from the page it was made on."


def send_again(job: Job) -> bool:
    """Send a job that was handed to the broker but never started (its message lost, say a broker
    restarted without persistence) once more; for the stale-job sweep. Only the caller that
    releases `job.sent_at` as it read it sends it, so two sweeps do not both send it."""
    released = Job.objects.filter(pk=job.pk, status=JobStatus.QUEUED, sent_at=job.sent_at).update(sent_at=None)
    return bool(released) and send(job)
