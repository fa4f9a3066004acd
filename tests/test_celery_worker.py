"""A real Celery worker on Redis runs an import job end to end.

The rest of the suite runs tasks eagerly; this test starts celery's test
worker in a thread against the broker in CELERY_BROKER_URL and the test
database, so the job really crosses the queue.
"""

from __future__ import annotations

import time

import pytest
from django.db import transaction

from config.celery import app
from interviews.models import Transcript
from studies.jobs import create_job, enqueue
from studies.models import Job, JobStatus
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
                    kind="import_transcript",
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
