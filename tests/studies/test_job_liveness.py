"""Jobs whose worker dies, runs too long or is delivered twice; uploaded files no longer needed.

Issue 8, findings 4 (a SIGKILLed worker stranded its job at "running 10 %" for an hour, telling
nobody) and 7 (failed uploads' files were never deleted, and a finished job kept the path of its
deleted file). The real-worker version of the first is tests/faults/test_worker_kill.py.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from celery.exceptions import SoftTimeLimitExceeded, TimeLimitExceeded
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django.utils.module_loading import import_string

from interviews.models import Transcript
from studies.dispatch import TASKS
from studies.jobs import (
    JobSuperseded,
    create_job,
    finish_job,
    job_context,
    report_progress,
    time_limits,
)
from studies.models import Job, JobKind, JobStatus
from studies.sweep import purge_job_inputs, sweep_jobs
from tests.conftest import Team

INTERVIEW = b"Interviewer: How do you check a model?\n\nP3: With SHAP plots.\n\nInterviewer: Then?\n\nP3: We talk.\n"


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    """A media directory of this test's own (the purge walks the whole jobs/input tree)."""
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def _import_job(team: Team, name: str = "p3.txt", data: bytes = INTERVIEW) -> Job:
    return create_job(study=team.study, kind=JobKind.IMPORT_TRANSCRIPT, user=team.coder, input_name=name,
                      input_bytes=data)  # fmt: skip


def _running(job: Job, *, attempts: int = 1, beat_ago: float = 3600) -> Job:
    """`job` as a worker that died `beat_ago` seconds ago left it, on its `attempts`-th start."""
    beat = timezone.now() - timedelta(seconds=beat_ago)
    Job.objects.filter(pk=job.pk).update(
        status=JobStatus.RUNNING, progress=10, message="Reading the file", attempts=attempts, started_at=beat,
        heartbeat_at=beat, sent_at=beat,
    )  # fmt: skip
    job.refresh_from_db()
    return job


def _run_import(job: Job) -> None:
    from interviews.tasks import import_transcript_task

    import_transcript_task.apply(args=[job.pk])


# --- finding 7: a finished job keeps no path of a deleted file ----------------------------------


@pytest.mark.django_db
def test_a_done_import_deletes_its_upload_and_forgets_its_path(
    team: Team, media: Path, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    job = _import_job(team)
    path = job.input_file.name or ""
    assert default_storage.exists(path)
    with django_capture_on_commit_callbacks(execute=True):
        _run_import(job)
    job.refresh_from_db()
    assert job.status == JobStatus.DONE, job.error
    # Before the fix the file was deleted but the row still named it.
    assert job.input_file.name == ""
    assert not default_storage.exists(path)


@pytest.mark.django_db
def test_a_failed_import_keeps_its_upload_for_the_retention_then_the_purge_deletes_it(team: Team, media: Path) -> None:
    job = _import_job(team, "broken.pdf", b"%PDF-1.4 garbage")
    _run_import(job)
    job.refresh_from_db()
    path = job.input_file.name or ""
    assert job.status == JobStatus.FAILED and path and default_storage.exists(path)  # kept: it can be retried
    days = settings.THEMATICA_FAILED_UPLOAD_RETENTION_DAYS
    assert purge_job_inputs(now=timezone.now() + timedelta(days=days) - timedelta(hours=1)).files_deleted == 0
    assert default_storage.exists(path)
    report = purge_job_inputs(now=timezone.now() + timedelta(days=days, hours=1))
    job.refresh_from_db()
    assert report.files_deleted == 1 and job.input_file.name == "" and not default_storage.exists(path)
    assert job.status == JobStatus.FAILED and job.error  # the job and its reason stay


@pytest.mark.django_db
def test_with_no_beat_a_new_upload_purges_old_failed_uploads_at_most_hourly(
    team: Team, media: Path, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    """Tasks in the web process (no broker, no beat): a new upload is what deletes the files of
    uploads that failed longer ago than the retention."""
    from django.core.cache import cache

    from studies.sweep import _PURGE_KEY

    old = _import_job(team, "broken.pdf", b"%PDF-1.4 garbage")
    _run_import(old)
    days = settings.THEMATICA_FAILED_UPLOAD_RETENTION_DAYS
    Job.objects.filter(pk=old.pk).update(finished_at=timezone.now() - timedelta(days=days, hours=1))
    path = Job.objects.get(pk=old.pk).input_file.name or ""
    assert default_storage.exists(path)
    cache.delete(_PURGE_KEY)
    with django_capture_on_commit_callbacks(execute=True):
        _import_job(team, "next.txt")
    assert not default_storage.exists(path) and Job.objects.get(pk=old.pk).input_file.name == ""
    # Within the hour another upload does not walk the files again.
    again = _import_job(team, "again.pdf", b"%PDF-1.4 garbage")
    _run_import(again)
    Job.objects.filter(pk=again.pk).update(finished_at=timezone.now() - timedelta(days=days, hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        _import_job(team, "third.txt")
    assert default_storage.exists(Job.objects.get(pk=again.pk).input_file.name or "")
    cache.delete(_PURGE_KEY)


@pytest.mark.django_db
def test_the_purge_clears_done_jobs_that_still_name_a_deleted_file(team: Team, media: Path) -> None:
    """Rows finished before the fix name a file the task had already deleted."""
    job = _import_job(team)
    default_storage.delete(job.input_file.name or "")
    Job.objects.filter(pk=job.pk).update(status=JobStatus.DONE, finished_at=timezone.now())
    purge_job_inputs()
    job.refresh_from_db()
    assert job.input_file.name == ""


@pytest.mark.django_db
def test_a_job_never_started_within_the_retention_is_given_up_and_its_file_deleted(team: Team, media: Path) -> None:
    old, recent = _import_job(team, "old.txt"), _import_job(team, "recent.txt", b"P1: Hello.\n")
    days = settings.THEMATICA_FAILED_UPLOAD_RETENTION_DAYS
    Job.objects.filter(pk=old.pk).update(status=JobStatus.WAITING, created_at=timezone.now() - timedelta(days=days + 1))
    path = old.input_file.name or ""
    report = purge_job_inputs()
    old.refresh_from_db()
    recent.refresh_from_db()
    assert report.abandoned == 1 and old.status == JobStatus.FAILED
    assert f"within {days} days" in old.error and "Upload the file again" in old.error
    assert old.input_file.name == "" and not default_storage.exists(path)
    assert recent.status == JobStatus.QUEUED and default_storage.exists(recent.input_file.name or "")


@pytest.mark.django_db
def test_orphan_upload_files_are_deleted_once_older_than_the_retention(team: Team, media: Path) -> None:
    kept = _import_job(team)
    directory = media / "jobs" / "input" / "2020" / "01"
    directory.mkdir(parents=True)
    old_orphan, young_orphan = directory / "lost.docx", directory / "being-created.docx"
    old_orphan.write_bytes(b"x")
    young_orphan.write_bytes(b"y")
    days = settings.THEMATICA_FAILED_UPLOAD_RETENTION_DAYS
    long_ago = time.time() - (days + 1) * 86400
    os.utime(old_orphan, (long_ago, long_ago))
    os.utime(media / (kept.input_file.name or ""), (long_ago, long_ago))  # old, but a queued job's
    report = purge_job_inputs()
    assert report.orphans_deleted == 1 and not old_orphan.exists() and young_orphan.exists()
    assert default_storage.exists(kept.input_file.name or "")


@pytest.mark.django_db
def test_purge_command(team: Team, media: Path, capsys: pytest.CaptureFixture[str]) -> None:
    call_command("purge_job_inputs")
    assert "0 uploaded file(s) deleted" in capsys.readouterr().out


# --- finding 4: a job is run once even when delivered twice or its worker dies ------------------


@pytest.mark.django_db
def test_a_second_delivery_of_a_job_running_elsewhere_is_dropped(team: Team, media: Path) -> None:
    job = _running(_import_job(team), beat_ago=1)  # its worker is alive: it beat a second ago
    with job_context(job.pk) as again:
        assert again is None
    job.refresh_from_db()
    assert (job.status, job.attempts) == (JobStatus.RUNNING, 1)
    _run_import(job)
    assert not Transcript.objects.exists()


@pytest.mark.django_db
def test_a_delivery_of_a_job_whose_worker_died_takes_it_over(team: Team, media: Path) -> None:
    job = _running(_import_job(team))
    seen: list[str] = []
    with job_context(job.pk) as again:
        assert again is not None and again.attempts == 2
        seen.append(Job.objects.get(pk=job.pk).message)
        report_progress(again, 50, "Parsing")
        seen.append(Job.objects.get(pk=job.pk).message)
    assert seen == ["Started again after its worker stopped (attempt 2 of 3)", "Parsing (attempt 2 of 3)"]
    job.refresh_from_db()
    assert (job.status, job.attempts) == (JobStatus.DONE, 2)


@pytest.mark.django_db
def test_a_delivery_after_the_last_attempt_died_gives_the_job_up(team: Team, media: Path) -> None:
    job = _running(_import_job(team), attempts=3)
    _run_import(job)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and "stopped 3 times" in job.error
    assert not Transcript.objects.exists() and job.input_file.name  # kept for a retry


@pytest.mark.django_db
def test_an_attempt_that_was_taken_over_commits_nothing(
    team: Team, media: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker that only looked dead (its heartbeat stalled) finishes after another took its job
    over: its transcript is rolled back, and the job is left to the attempt that owns it."""
    import interviews.tasks

    job = _import_job(team)
    progress = interviews.tasks.report_progress

    def taken_over_meanwhile(job: Job, *args: Any) -> None:
        progress(job, *args)
        Job.objects.filter(pk=job.pk).update(attempts=job.attempts + 1, heartbeat_at=timezone.now())

    monkeypatch.setattr(interviews.tasks, "report_progress", taken_over_meanwhile)
    _run_import(job)
    job.refresh_from_db()
    assert not Transcript.objects.exists()
    assert (job.status, job.attempts) == (JobStatus.RUNNING, 2)
    first_attempt = Job.objects.get(pk=job.pk)
    first_attempt.attempts = 1
    with pytest.raises(JobSuperseded):
        finish_job(first_attempt)


@pytest.mark.django_db
def test_a_finished_job_delivered_again_is_not_redone(team: Team, media: Path) -> None:
    job = _import_job(team)
    _run_import(job)
    _run_import(job)
    job.refresh_from_db()
    assert Transcript.objects.count() == 1 and job.attempts == 1 and job.result["created"] is True


@pytest.mark.django_db(transaction=True)
def test_a_running_job_beats_from_its_own_thread(team: Team, settings: Any, media: Path) -> None:
    """The heartbeat goes on while the task is busy without reporting progress (a long parse)."""
    settings.THEMATICA_JOB_HEARTBEAT_S = 0.05
    job = _import_job(team)
    with job_context(job.pk) as running:
        assert running is not None
        first = Job.objects.get(pk=job.pk).heartbeat_at
        deadline = time.monotonic() + 30
        while Job.objects.get(pk=job.pk).heartbeat_at == first and time.monotonic() < deadline:
            time.sleep(0.02)
        assert Job.objects.get(pk=job.pk).heartbeat_at != first
    job.refresh_from_db()
    assert job.status == JobStatus.DONE


# --- the sweep ---------------------------------------------------------------------------------------


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Jobs the sweep hands to the task service (recorded, not run)."""
    import studies.dispatch
    import studies.sweep

    sent: list[int] = []

    claim = studies.dispatch._claim  # what the real send does first; the broker is left out

    def record(job: Job, **_: Any) -> bool:
        claimed = claim(job)
        if claimed:
            sent.append(job.pk)
        return bool(claimed)

    monkeypatch.setattr(studies.sweep, "send", record)
    monkeypatch.setattr(studies.dispatch, "send", record)
    return sent


@pytest.mark.django_db
def test_the_sweep_sends_a_dead_workers_job_again_and_says_so(
    team: Team, media: Path, sent: list[int], django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    dead, alive = _running(_import_job(team, "dead.txt")), _running(_import_job(team, "alive.txt"), beat_ago=1)
    with django_capture_on_commit_callbacks(execute=True):
        report = sweep_jobs()
    dead.refresh_from_db()
    alive.refresh_from_db()
    assert (report.restarted, report.given_up) == (1, 0) and sent == [dead.pk]
    assert dead.status == JobStatus.QUEUED and dead.sent_at is not None
    assert dead.message == "The worker stopped while running this job; started again (attempt 2 of 3)."
    assert alive.status == JobStatus.RUNNING and alive.attempts == 1
    page = team.client("coder").get(reverse("studies:job_detail", args=[team.study.slug, dead.uuid])).content.decode()
    assert "The worker stopped while running this job; started again (attempt 2 of 3)." in page


@pytest.mark.django_db
def test_the_sweep_gives_up_a_job_whose_worker_died_on_every_attempt(
    team: Team, media: Path, sent: list[int], django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    job = _running(_import_job(team), attempts=3)
    with django_capture_on_commit_callbacks(execute=True):
        report = sweep_jobs()
    job.refresh_from_db()
    assert report.given_up == 1 and sent == []
    assert job.status == JobStatus.FAILED and job.error.startswith("The worker running this job stopped 3 times")
    assert job.input_file.name  # kept for the retention: it can be retried by hand
    page = team.client("coder").get(reverse("interviews:import_jobs", args=[team.study.slug])).content.decode()
    assert "The worker running this job stopped 3 times" in page


@pytest.mark.django_db
def test_the_sweep_runs_a_dead_workers_import_once(
    team: Team, media: Path, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    """End to end with tasks run in the process: the job is run again and done, one transcript."""
    job = _running(_import_job(team))
    with django_capture_on_commit_callbacks(execute=True):
        sweep_jobs()
    job.refresh_from_db()
    assert (job.status, job.attempts) == (JobStatus.DONE, 2), job.error
    assert Transcript.objects.count() == 1 and job.input_file.name == ""


@pytest.mark.django_db
def test_the_sweep_resends_queued_jobs_nobody_started(team: Team, media: Path, settings: Any, sent: list[int]) -> None:
    lost, young = _import_job(team, "lost.txt"), _import_job(team, "young.txt")
    long_ago = timezone.now() - timedelta(seconds=settings.THEMATICA_JOB_RESEND_AFTER_S + 60)
    Job.objects.filter(pk=lost.pk).update(sent_at=long_ago)
    Job.objects.filter(pk=young.pk).update(sent_at=timezone.now())
    never_sent = _import_job(team, "never-sent.txt")  # its process died between commit and send
    Job.objects.filter(pk=never_sent.pk).update(created_at=long_ago)
    assert sweep_jobs().resent == 2
    assert sorted(sent) == sorted([lost.pk, never_sent.pk])


@pytest.mark.django_db
def test_the_sweep_sends_waiting_jobs(
    team: Team, media: Path, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    job = _import_job(team)
    Job.objects.filter(pk=job.pk).update(status=JobStatus.WAITING, message="Waiting for the task service")
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep_jobs().waiting_sent == 1
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and Transcript.objects.count() == 1


@pytest.mark.django_db
def test_sweep_command_and_the_worker_start_sweep(
    team: Team, media: Path, sent: list[int], capsys: pytest.CaptureFixture[str]
) -> None:
    from config.celery import sweep_when_ready

    _running(_import_job(team))
    sweep_when_ready()
    call_command("sweep_jobs")
    out = capsys.readouterr().out
    assert out.startswith("Job sweep: 0 restarted") and "orphan file(s) deleted" in out
    assert Job.objects.get().status == JobStatus.QUEUED  # restarted by the worker-start sweep


# --- time limits ---------------------------------------------------------------------------------------


def test_every_job_task_has_its_kinds_time_limits_and_the_broker_waits_longer() -> None:
    longest = 0
    for kind in JobKind:
        soft, hard = time_limits(kind)
        assert 0 < soft < hard
        task = import_string(TASKS[kind])
        assert (task.soft_time_limit, task.time_limit, task.acks_late) == (soft, hard, True)
        longest = max(longest, hard)
    # A message still being worked on must not be handed to a second worker.
    assert settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] > longest
    schedule = {str(entry["task"]) for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert schedule == {"studies.tasks.sweep_jobs_task", "studies.tasks.purge_job_inputs_task"}
    for name in schedule:
        import_string(name)


@pytest.mark.django_db
def test_an_import_past_its_soft_time_limit_fails_saying_so(
    team: Team, media: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import interviews.tasks

    def too_slow(**_: Any) -> None:
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr(interviews.tasks, "import_transcript", too_slow)
    job = _import_job(team)
    _run_import(job)
    job.refresh_from_db()
    soft, _ = time_limits(JobKind.IMPORT_TRANSCRIPT)
    assert job.status == JobStatus.FAILED
    assert job.error.startswith(f"The transcript import took longer than {soft // 60} minutes and was stopped.")
    assert job.input_file.name  # kept for a retry


@pytest.mark.django_db
def test_an_import_killed_at_its_hard_time_limit_fails_saying_so(team: Team, media: Path) -> None:
    from interviews.tasks import import_transcript_task

    job = _running(_import_job(team), beat_ago=1)
    _, hard = time_limits(JobKind.IMPORT_TRANSCRIPT)
    # What the worker's main process calls once it has killed the pool process running the task.
    import_transcript_task.on_failure(TimeLimitExceeded(hard), "task-id", (job.pk,), {}, None)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert job.error.startswith(f"The transcript import took longer than {hard // 60} minutes and was stopped.")


def test_a_job_message_carries_no_time_limits_so_the_workers_own_apply(monkeypatch: pytest.MonkeyPatch) -> None:
    """Celery puts the sender's limits in the message and a worker prefers them to its own: a web
    process with other settings (or an older release) would set the worker's limits."""
    from config.celery import app
    from interviews.tasks import import_transcript_task

    sent: dict[str, Any] = {}
    monkeypatch.setattr(app.conf, "task_always_eager", False)
    monkeypatch.setattr(app, "send_task", lambda name, args, kwargs, **options: sent.update(options))
    import_transcript_task.apply_async(args=[1])
    assert (sent["time_limit"], sent["soft_time_limit"]) == (None, None)
    assert import_transcript_task.soft_time_limit == time_limits(JobKind.IMPORT_TRANSCRIPT)[0]


@pytest.mark.django_db(transaction=True)
def test_work_rolled_back_after_finish_job_leaves_a_failed_job_with_its_file(team: Team, media: Path) -> None:
    """`finish_job` changed the job in memory (result, cleared file) before its transaction
    committed; when the commit failed, `fail_job` saved those changes: a failed job with no file
    and a result linking to rolled-back work."""
    from django.db import transaction

    job = _import_job(team)
    path = job.input_file.name or ""
    with job_context(job.pk) as running:
        assert running is not None
        with transaction.atomic():
            finish_job(running, result={"transcript_uuid": "rolled-back"})
            raise RuntimeError("the commit failed")
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and "RuntimeError" in job.error
    assert job.input_file.name == path and default_storage.exists(path)
    assert "transcript_uuid" not in job.result
