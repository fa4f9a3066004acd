from __future__ import annotations

import pytest
from django.core.files.base import ContentFile

from studies.jobs import JobError, create_job, fail_job, finish_job, job_context, report_progress
from studies.models import Job, JobKind, JobStatus
from tests.conftest import Team


@pytest.mark.django_db
def test_job_runs_once_and_records_result(team: Team) -> None:
    job = create_job(
        study=team.study, kind=JobKind.IMPORT_TRANSCRIPT, user=team.coder, input_name="a.txt", input_bytes=b"hello"
    )
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
    job = create_job(study=team.study, kind=JobKind.IMPORT_TRANSCRIPT, user=team.coder)
    with job_context(job.pk) as running:
        assert running is not None
        raise JobError("interview.docx: the file is empty.")
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert job.error == "interview.docx: the file is empty."


@pytest.mark.django_db
def test_unexpected_failure_is_reported_as_internal(team: Team) -> None:
    job = create_job(study=team.study, kind=JobKind.IMPORT_TRANSCRIPT, user=team.coder)
    with job_context(job.pk) as running:
        assert running is not None
        raise ValueError("boom")
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert "Internal error" in job.error and "boom" in job.error


@pytest.mark.django_db
def test_kinds_are_the_enumeration(team: Team) -> None:
    with pytest.raises(ValueError, match="not a valid JobKind"):
        create_job(study=team.study, kind="made_up", user=team.coder)  # type: ignore[arg-type]
    assert Job._meta.get_field("kind").choices == JobKind.choices


@pytest.mark.django_db
def test_finish_and_fail_job(team: Team) -> None:
    job = create_job(study=team.study, kind=JobKind.EXPORT_CODEBOOK, user=team.coder)
    finish_job(job, result={"filename": "c.csv", "rows": 1}, result_file=ContentFile(b"name\nA\n", name="c.csv"))
    job.refresh_from_db()
    assert (job.status, job.progress, job.result_filename) == (JobStatus.DONE, 100, "c.csv")
    assert job.finished_at is not None and job.result_file.read() == b"name\nA\n"
    other = create_job(study=team.study, kind=JobKind.IMPORT_TRANSCRIPT, user=team.coder)
    fail_job(other, "a.pdf: is 60 MB; the limit is 50 MB")
    other.refresh_from_db()
    assert other.status == JobStatus.FAILED and other.error.startswith("a.pdf") and other.finished_at is not None


@pytest.mark.django_db
def test_a_body_that_finishes_its_job_is_not_finished_twice(team: Team) -> None:
    job = create_job(study=team.study, kind=JobKind.EXPORT_CODEBOOK, user=team.coder)
    with job_context(job.pk) as running:
        assert running is not None
        finish_job(running, result={"rows": 3})
        finished_at = running.finished_at
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.result == {"rows": 3} and job.finished_at == finished_at
