"""A real Celery worker on Redis runs an import job end to end.

The rest of the suite runs tasks eagerly; this test starts celery's test
worker in a thread against the broker in CELERY_BROKER_URL and the test
database, so the job really crosses the queue.
"""

from __future__ import annotations

import time

import pytest
from django.db import transaction
from django.test import override_settings
from django.urls import reverse

from config.celery import app
from interviews.models import Participant, Transcript
from studies.jobs import create_job, enqueue
from studies.models import Job, JobKind, JobStatus
from tests.conftest import Team


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_import_job_runs_on_real_worker(team: Team) -> None:
    from celery.contrib.testing.worker import start_worker

    from interviews.tasks import import_transcript_task

    app.conf.task_always_eager = False
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=20):
            with transaction.atomic():
                job = create_job(
                    study=team.study,
                    kind=JobKind.IMPORT_TRANSCRIPT,
                    user=team.coder,
                    input_name="worker-test.txt",
                    input_bytes=b"Interviewer: Do you use SHAP?\n\nP1: Every day, mostly for debugging.\n",
                )
                enqueue(import_transcript_task, job)
                # Nothing is sent before commit: the worker cannot see the row yet.
                assert Job.objects.get(pk=job.pk).status == JobStatus.QUEUED
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                job.refresh_from_db()
                if job.is_finished:
                    break
                time.sleep(0.2)
    finally:
        app.conf.task_always_eager = True
    assert job.status == JobStatus.DONE, job.error
    transcript = Transcript.objects.get(study=team.study)
    assert "Every day, mostly for debugging." in transcript.text
    assert transcript.turns.count() == 2


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
@override_settings(THEMATICA_EXPORT_INLINE_ROWS=2)
def test_large_export_runs_on_real_worker(team: Team) -> None:
    """An export above the inline limit becomes a job that crosses the queue and leaves a download.
    (Kept in this file: two real workers on one queue in parallel test processes would take each
    other's tasks.)"""
    from celery.contrib.testing.worker import start_worker

    Participant.objects.bulk_create(Participant(study=team.study, label=f"P{i}") for i in range(1, 4))
    app.conf.task_always_eager = False
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=20):
            response = team.client("coder").get(reverse("interviews:participant_export", args=[team.study.slug]))
            job = Job.objects.get()
            assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and not job.is_finished:
                time.sleep(0.2)
                job.refresh_from_db()
    finally:
        app.conf.task_always_eager = True
    assert job.status == JobStatus.DONE, job.error
    download = team.client("coder").get(reverse("studies:job_download", args=[team.study.slug, job.uuid]))
    lines = b"".join(download.streaming_content).decode("utf-8-sig").splitlines()  # type: ignore[attr-defined]
    assert [line.split(",")[0] for line in lines] == ["id", "P1", "P2", "P3"]
