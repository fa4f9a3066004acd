from __future__ import annotations

import pytest

from studies.jobs import JobError, create_job, job_context, report_progress
from studies.models import Job, JobStatus
from tests.conftest import Team


@pytest.mark.django_db
def test_job_runs_once_and_records_result(team: Team) -> None:
    job = create_job(study=team.study, kind="test", user=team.coder, input_name="a.txt", input_bytes=b"hello")
    assert job.status == JobStatus.QUEUED
    assert job.input_file.read() == b"hello"
    with job_context(job.pk) as running:
        assert running is not None and running.status == JobStatus.RUNNING
        report_progress(running, 40, "Parsing")
        assert Job.objects.get(pk=job.pk).progress == 40
        running.result = {"answer": 42}
    job.refresh_from_db()
    assert (job.status, job.progress, job.result) == (JobStatus.DONE, 100, {"answer": 42})
    # A redelivered task finds the job finished and does nothing.
    with job_context(job.pk) as again:
        assert again is None


@pytest.mark.django_db
def test_job_failure_keeps_user_message(team: Team) -> None:
    job = create_job(study=team.study, kind="test", user=team.coder)
    with job_context(job.pk) as running:
        assert running is not None
        raise JobError("interview.docx: the file is empty.")
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert job.error == "interview.docx: the file is empty."


@pytest.mark.django_db
def test_unexpected_failure_is_reported_as_internal(team: Team) -> None:
    job = create_job(study=team.study, kind="test", user=team.coder)
    with job_context(job.pk) as running:
        assert running is not None
        raise ValueError("boom")
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert "Internal error" in job.error and "boom" in job.error
