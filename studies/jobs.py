"""The one background-work pattern: a Job row, a Celery task that takes its id.

    job = create_job(study=..., kind=JobKind.IMPORT_TRANSCRIPT, user=..., params={...})
    enqueue(run_import_task, job)        # sent on commit, never before

The task is declared with `@job_task(JobKind...)` (late acknowledgement, the kind's time limits)
and its body is:

    with job_context(job_id) as job:     # None if finished or running elsewhere: idempotent
        if job is None:
            return
        ...report_progress(job, 50, "Parsing")...
        job.result = {...}               # or finish_job(job, result=..., result_file=...)

Leaving the block finishes the job unless the body already did. Exceptions
inside the block mark the job failed with the message; a `JobError` carries a
user-facing message, anything else is logged with its traceback and shown as
an internal error. `finish_job` and `fail_job` are the only ways a job ends.

Workers die (SIGKILL, out of memory, a lost machine) and brokers redeliver, so a job may be started
more than once; it must still be done exactly once:

- While a task runs, a thread touches the job's `heartbeat_at` every THEMATICA_JOB_HEARTBEAT_S.
  A delivery of a job that is running with a fresh heartbeat is dropped (another worker has it);
  one whose heartbeat is stale (THEMATICA_JOB_STALE_AFTER_S) takes it over. `attempts` counts the
  starts; after THEMATICA_JOB_MAX_ATTEMPTS the job fails with the reason (`studies.sweep` starts a
  dead worker's job again, or gives it up).
- `finish_job` and `fail_job` end a job only if it is still this attempt's (same `attempts`, not
  finished), under a row lock; otherwise they raise `JobSuperseded` and the attempt's transaction
  rolls back. A task that writes rows writes them in the same transaction as `finish_job`, so a
  killed attempt leaves nothing half-written and two racing attempts commit once.
- A task past its kind's soft time limit fails its job saying so; past the hard limit the worker
  kills it and `JobTask.on_failure` fails the job.

A done job's uploaded file is deleted (and the field cleared) when it finishes; a failed job keeps
it for THEMATICA_FAILED_UPLOAD_RETENTION_DAYS so it can be retried (`studies.sweep`).

Uploads kept between a preview and its confirmation are not jobs: see
`studies.staging`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from celery import Task, shared_task
from celery.exceptions import SoftTimeLimitExceeded, TimeLimitExceeded
from django.conf import settings
from django.core.files.base import ContentFile, File
from django.db import DatabaseError, connections, transaction
from django.utils import timezone

from accounts.models import User

from .dispatch import TASKS, send
from .models import Job, JobKind, JobStatus, Study

logger = logging.getLogger(__name__)


class JobError(Exception):
    """A failure whose message is meant for the person who started the job. `permanent`: running
    the job again cannot help (the file itself is unreadable), so it is not offered for retry."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class JobSuperseded(Exception):
    """The job is no longer this attempt's: another attempt took it over, or it ended meanwhile.
    The attempt's work is rolled back and dropped; the job is left as the other attempt leaves it."""


# --- tasks ----------------------------------------------------------------------------------------


def _duration(seconds: int) -> str:
    if seconds % 60 == 0 and seconds >= 120:
        return f"{seconds // 60} minutes"
    return f"{seconds} seconds"


def time_limits(kind: str) -> tuple[int, int]:
    """The (soft, hard) time limits in seconds of a job kind (THEMATICA_JOB_TIME_LIMITS)."""
    soft, hard = settings.THEMATICA_JOB_TIME_LIMITS[str(kind)]
    return int(soft), int(hard)


def time_limit_message(kind: str, *, hard: bool = False) -> str:
    """What a job stopped at its time limit tells the person who started it."""
    soft_limit, hard_limit = time_limits(kind)
    what = JobKind(kind).label.lower()
    hint = {
        JobKind.IMPORT_TRANSCRIPT: "Splitting the document into smaller files may help",
        JobKind.NLP_PROCESS: "`manage.py process_nlp` processes a study without a time limit",
        JobKind.SUGGEST_TRAIN: "Training runs again after the next coding change",
        JobKind.SUGGEST_RUN: "Suggesting for fewer transcripts at a time may help",
        JobKind.DEID_DETECT: "Splitting a very long document into parts may help",
        JobKind.SANDBOX_RUN: "Smaller settings (fewer instances, reruns or samples) may help",
    }.get(JobKind(kind), "Exporting fewer rows may help")
    return (
        f"The {what} took longer than {_duration(hard_limit if hard else soft_limit)} and was stopped. "
        f"{hint}; whoever runs Thematica can also raise the limit."
    )


class JobTask(Task):  # type: ignore[misc]
    """The base of every job's task (`job_task`): fails the job when the worker kills the task at its
    hard time limit. (Everything else a task raises is handled inside `job_context`.)"""

    job_kind = ""

    def apply_async(self, *args: Any, **options: Any) -> Any:
        # Celery puts the sender's time limits in the message and a worker applies those first; send
        # none, so the limits are the worker's own (THEMATICA_JOB_TIME_LIMITS in its settings).
        options.setdefault("time_limit", None)
        options.setdefault("soft_time_limit", None)
        return super().apply_async(*args, **options)

    def on_failure(self, exc: Exception, task_id: str, args: Any, kwargs: Any, einfo: Any) -> None:
        # Called in the worker's main process for a hard time limit: the pool process is gone.
        if not isinstance(exc, TimeLimitExceeded) or not args:
            return
        try:
            job = Job.objects.filter(pk=args[0]).first()
            if job is not None and not job.is_finished:
                fail_job(job, time_limit_message(self.job_kind, hard=True))
        except JobSuperseded:
            pass
        except DatabaseError:
            logger.exception("Job %s passed its hard time limit and could not be marked failed", args[0])
        finally:
            release_connections()


def release_connections() -> None:
    """Close this thread's database connections (outside a transaction): the worker's main process
    keeps none open for the pool processes it forks to inherit."""
    for connection in connections.all(initialized_only=True):
        if not connection.in_atomic_block:
            connection.close()


def job_task(kind: JobKind) -> Callable[[Callable[..., Any]], Any]:
    """Declare the Celery task of a job kind: late acknowledgement (a task whose worker dies is
    redelivered) and the kind's soft and hard time limits."""
    soft, hard = time_limits(kind)
    return shared_task(base=JobTask, job_kind=str(kind), acks_late=True, soft_time_limit=soft, time_limit=hard)


# --- jobs -----------------------------------------------------------------------------------------


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
        # Failed uploads' files are deleted after their retention; without a beat (tasks in the web
        # process) uploads are what looks for them, at most hourly.
        from .dispatch import runs_in_process
        from .sweep import purge_job_inputs_lazily

        if runs_in_process():
            transaction.on_commit(purge_job_inputs_lazily)
    job.save()
    return job


def enqueue(task: Any, job: Job) -> None:
    """Send the task after the surrounding transaction commits (`studies.dispatch.send`: if the
    broker cannot be reached the job waits, with its file, and is sent again when it is back)."""
    if getattr(task, "name", None) != TASKS.get(job.kind):
        raise ValueError(f"{getattr(task, 'name', task)!r} is not the task of {job.kind!r} jobs (dispatch.TASKS).")
    transaction.on_commit(lambda: send(job))


def max_attempts() -> int:
    return max(1, int(settings.THEMATICA_JOB_MAX_ATTEMPTS))


def attempt_note(attempts: int) -> str:
    """ " (attempt 2 of 3)" for a job started again after its worker stopped; "" for a first attempt."""
    return f" (attempt {attempts} of {max_attempts()})" if attempts > 1 else ""


def report_progress(job: Job, progress: int, message: str = "") -> None:
    job.progress = max(0, min(100, progress))
    job.message = (message[:480] + attempt_note(job.attempts)).strip()
    job.heartbeat_at = timezone.now()
    # Not over an attempt that took the job over, nor over a finished job.
    Job.objects.filter(pk=job.pk, attempts=job.attempts).exclude(status__in=[JobStatus.DONE, JobStatus.FAILED]).update(
        progress=job.progress, message=job.message, heartbeat_at=job.heartbeat_at
    )


def stale_before(now: datetime | None = None) -> datetime:
    """A running job whose heartbeat is older than this has lost its worker."""
    return (now or timezone.now()) - timedelta(seconds=settings.THEMATICA_JOB_STALE_AFTER_S)


def is_stale(job: Job, now: datetime | None = None) -> bool:
    beat = job.heartbeat_at or job.started_at
    return beat is None or beat < stale_before(now)


def gave_up_message(attempts: int) -> str:
    return (
        f"The worker running this job stopped {attempts} times before it could finish, so it was given up. "
        "The file may be too large or damaged for the task service; try a smaller or re-saved file, "
        "or ask whoever runs Thematica to look at the workers' logs."
    )


def _start(job_id: int) -> Job | None:
    """Claim job `job_id` for this attempt: the job, RUNNING with `attempts` counted, or None when
    there is nothing to do (gone, finished, or running with a fresh heartbeat elsewhere)."""
    now = timezone.now()
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.is_finished:
            # Late acknowledgement can redeliver a task: a finished job is not redone.
            return None
        if job.status == JobStatus.RUNNING and not is_stale(job, now):
            logger.info(
                "Job %s is running elsewhere (heartbeat %s); this delivery is dropped", job.pk, job.heartbeat_at
            )
            return None
        if job.status == JobStatus.RUNNING and job.attempts >= max_attempts():
            # The broker redelivered a job whose worker died on its last attempt.
            fail_job(job, gave_up_message(job.attempts))
            return None
        if job.status == JobStatus.RUNNING:
            logger.warning("Job %s lost its worker (heartbeat %s); taking it over", job.pk, job.heartbeat_at)
        job.attempts += 1
        job.status, job.started_at, job.heartbeat_at = JobStatus.RUNNING, now, now
        if job.attempts > 1:
            job.message = f"Started again after its worker stopped{attempt_note(job.attempts)}"
        job.save(update_fields=["status", "started_at", "heartbeat_at", "attempts", "message"])
    return job


class Heartbeat:
    """Touches a running job's `heartbeat_at` every THEMATICA_JOB_HEARTBEAT_S from a thread of its
    own (with its own database connection, closed when it stops), so a long step without progress
    reports (parsing a large file) still shows its worker is alive. It stops when the job is no
    longer this attempt's."""

    def __init__(self, job: Job) -> None:
        self.job_id, self.attempts = job.pk, job.attempts
        self.interval = max(0.1, float(settings.THEMATICA_JOB_HEARTBEAT_S))
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"job-{job.pk}-heartbeat", daemon=True)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        try:
            while not self._stop.wait(self.interval):
                try:
                    touched = Job.objects.filter(
                        pk=self.job_id, status=JobStatus.RUNNING, attempts=self.attempts
                    ).update(heartbeat_at=timezone.now())
                except DatabaseError as exc:
                    # The database is away: the next beat reconnects; a long outage makes the job
                    # look stale, and the final commit check keeps it done at most once.
                    logger.warning("Job %s heartbeat failed: %s", self.job_id, exc)
                    connections["default"].close()
                    continue
                if not touched:
                    return
        finally:
            connections.close_all()  # this thread's own connections


@contextmanager
def job_context(job_id: int) -> Iterator[Job | None]:
    job = _start(job_id)
    if job is None:
        yield None
        return
    with Heartbeat(job):
        try:
            yield job
        except JobSuperseded:
            logger.warning("Job %s was taken over or ended by another attempt; this attempt's work is dropped", job.pk)
        except JobError as exc:
            _fail_if_current(job, str(exc), permanent=exc.permanent)
        except SoftTimeLimitExceeded:
            _fail_if_current(job, time_limit_message(job.kind))
        except Exception as exc:
            logger.exception("Job %s (%s) failed", job.pk, job.kind)
            _fail_if_current(job, f"Internal error: {exc.__class__.__name__}: {exc}")
        else:
            if not job.is_finished:
                try:
                    finish_job(job)
                except JobSuperseded:
                    logger.warning("Job %s was taken over or ended by another attempt", job.pk)


def _fail_if_current(job: Job, error: str, *, permanent: bool = False) -> None:
    # What the attempt changed on the row in memory (a result, a cleared input file: `finish_job`
    # inside a transaction that then failed to commit) is not what the database holds: start again
    # from the stored row, so a failed job keeps its file and shows no result of rolled-back work.
    job.refresh_from_db(fields=["result", "input_file", "result_file", "progress", "message"])
    if permanent:
        job.result = {**(job.result or {}), "permanent": True}
    try:
        fail_job(job, error)
    except JobSuperseded:
        logger.warning("Job %s failed (%s) but was taken over or ended by another attempt", job.pk, error)


def _lock_if_current(job: Job) -> None:
    """Lock the job's row for the caller's transaction; JobSuperseded if another attempt took the
    job over (its `attempts` moved on) or it ended meanwhile."""
    current = Job.objects.select_for_update().filter(pk=job.pk).values_list("status", "attempts").first()
    if current is None or current[0] in (JobStatus.DONE, JobStatus.FAILED) or current[1] != job.attempts:
        raise JobSuperseded(f"Job {job.pk} is no longer this attempt's")


_END_FIELDS = [
    "status", "error", "finished_at", "progress", "result", "message", "result_file", "input_file", "heartbeat_at",
]  # fmt: skip


@transaction.atomic
def finish_job(job: Job, *, result: dict[str, Any] | None = None, result_file: File | None = None) -> Job:
    """Mark `job` done; `result` replaces its result, `result_file` (named) is stored as its download.

    The uploaded input is no longer needed: its file is deleted once this commits and the field
    cleared. JobSuperseded (nothing stored) if the job is no longer this attempt's."""
    _lock_if_current(job)
    if result is not None:
        job.result = result
    if result_file is not None:
        job.result_file.save(result_file.name or "result", result_file, save=False)
    if job.input_file:
        storage, name = job.input_file.storage, job.input_file.name or ""
        transaction.on_commit(lambda: storage.delete(name))
        job.input_file = ""  # type: ignore[assignment]
    job.status, job.error, job.progress, job.finished_at = JobStatus.DONE, "", 100, timezone.now()
    job.message = ""  # a progress message ("Saving ...") says nothing once the job is done
    job.save(update_fields=_END_FIELDS)
    return job


@transaction.atomic
def fail_job(job: Job, error: str) -> Job:
    """Mark `job` failed with a message meant for the person who started it. Its uploaded file is
    kept for THEMATICA_FAILED_UPLOAD_RETENTION_DAYS (a retry needs it; `studies.sweep` purges it).
    JobSuperseded if the job is no longer this attempt's."""
    _lock_if_current(job)
    job.status, job.error, job.finished_at = JobStatus.FAILED, error, timezone.now()
    job.save(update_fields=_END_FIELDS)
    return job
