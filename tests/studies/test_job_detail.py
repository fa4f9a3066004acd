from __future__ import annotations

import pytest
from django.urls import reverse

from studies.jobs import create_job
from studies.models import JobKind, JobStatus
from tests.conftest import Team


@pytest.mark.django_db
def test_running_job_fragment_polls_and_finished_does_not(team: Team) -> None:
    job = create_job(study=team.study, kind=JobKind.IMPORT_TRANSCRIPT, user=team.coder, input_name="<b>x</b>.docx")
    url = reverse("studies:job_detail", args=[team.study.slug, job.uuid])
    fragment = team.client("viewer").get(url, HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-trigger="every 1s"' in fragment and "&lt;b&gt;x&lt;/b&gt;.docx" in fragment
    job.status, job.error = JobStatus.FAILED, "x.docx: the file is empty."
    job.save(update_fields=["status", "error"])
    page = team.client("viewer").get(url).content.decode()
    assert "hx-trigger" not in page and "the file is empty" in page


@pytest.mark.django_db
def test_job_of_other_study_is_404(team: Team) -> None:
    from tests.factories import make_study

    other = make_study(owner=team.outsider)
    job = create_job(study=other, kind=JobKind.IMPORT_TRANSCRIPT, user=team.outsider)
    assert team.client("owner").get(reverse("studies:job_detail", args=[team.study.slug, job.uuid])).status_code == 404


@pytest.mark.django_db
def test_a_finished_job_does_not_show_its_last_progress_message(team: Team) -> None:
    """A failed or finished job said "Failed" (or "Done") beside a stale "Reading the file"."""
    from studies.jobs import fail_job, report_progress

    job = create_job(study=team.study, kind=JobKind.EXPORT_CODEBOOK, user=team.coder, input_name="codebook")
    report_progress(job, 10, "Reading the file")
    url = reverse("studies:job_detail", args=[team.study.slug, job.uuid])
    assert "Reading the file" in team.client("viewer").get(url).content.decode()
    fail_job(job, "codebook: it broke.")
    page = team.client("viewer").get(url).content.decode()
    assert "it broke" in page and "Reading the file" not in page
