from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.html import escape

from interviews.models import Participant, Transcript
from studies.jobs import create_job
from studies.models import Job, JobKind, JobStatus
from tests.conftest import Team, csrf_post
from tests.factories import make_study

INTERVIEW = b"Interviewer: How do you check a model?\n\nP3: With SHAP plots.\n\nInterviewer: Then?\n\nP3: We talk.\n"
# "Participant 2" speaks once: the summary says so.
WITH_ONE_OFF = (
    b"Interviewer: How do you check a model?\n\nP3: With SHAP plots, mostly.\n\n"
    b"Interviewer: And then?\n\nP3: We talk to the risk team.\n\n"
    b"Participant 2: Can I add something about the risk team?\n\n"
    b"Interviewer: Please do.\n\nP3: They read every plot.\n"
)


@pytest.mark.django_db
def test_lists_import_jobs_with_polling_for_unfinished(team: Team) -> None:
    create_job(study=team.study, kind=JobKind.IMPORT_TRANSCRIPT, user=team.coder, input_name="queued.docx")
    create_job(study=team.study, kind=JobKind.EXPORT_PARTICIPANTS, user=team.coder, input_name="not-an-import.csv")
    body = team.client("viewer").get(reverse("interviews:import_jobs", args=[team.study.slug])).content.decode()
    assert "queued.docx" in body and "not-an-import.csv" not in body and 'hx-trigger="every 1s"' in body
    assert "Import documents" not in body  # viewers cannot import


@pytest.mark.django_db
def test_finished_imports_do_not_show_the_stale_progress_message(
    team: Team, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    """Issue 9: a finished import showed "Done" (or "Failed") beside "Reading the file"."""
    url = reverse("interviews:import", args=[team.study.slug])
    with django_capture_on_commit_callbacks(execute=True):
        csrf_post(team.client("coder"), url, {"files": [SimpleUploadedFile("broken.pdf", b"%PDF-1.4 garbage"),
                                                        SimpleUploadedFile("ok.txt", INTERVIEW)],
                                              "skip_preview": "1"})  # fmt: skip
    # A job finished by an earlier version kept its last progress message.
    stale = create_job(study=team.study, kind=JobKind.IMPORT_TRANSCRIPT, user=team.coder, input_name="old.docx")
    Job.objects.filter(pk=stale.pk).update(status=JobStatus.DONE, message="Reading the file", progress=100)
    page = team.client("viewer").get(reverse("interviews:import_jobs", args=[team.study.slug])).content.decode()
    assert page.count("status-done") == 2 and page.count("status-failed") == 1
    assert "Reading the file" not in page


@pytest.mark.django_db
def test_running_import_shows_its_progress_and_polls_its_own_row(team: Team) -> None:
    job = create_job(study=team.study, kind=JobKind.IMPORT_TRANSCRIPT, user=team.coder, input_name="running.docx")
    Job.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, message="Reading the file", progress=10)
    client = team.client("viewer")
    page = client.get(reverse("interviews:import_jobs", args=[team.study.slug])).content.decode()
    assert "Reading the file" in page and f"?job={job.uuid}" in page
    row = client.get(reverse("interviews:import_jobs", args=[team.study.slug]), {"job": str(job.uuid)}).content
    assert row.decode().lstrip().startswith(f'<div class="job job-running import-job" id="job-{job.uuid}"')
    other_study = create_job(study=make_study("Other"), kind=JobKind.IMPORT_TRANSCRIPT, user=None)
    missing = client.get(reverse("interviews:import_jobs", args=[team.study.slug]), {"job": str(other_study.uuid)})
    assert missing.status_code == 404


@pytest.mark.django_db
def test_finished_import_shows_its_summary_and_doubts(team: Team, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    Participant.objects.create(study=team.study, label="P3")
    url = reverse("interviews:import", args=[team.study.slug])
    with django_capture_on_commit_callbacks(execute=True):
        csrf_post(team.client("coder"), url, {"files": [SimpleUploadedFile("p3.txt", WITH_ONE_OFF)],
                                              "skip_preview": "1"})  # fmt: skip
    job = Job.objects.get()
    transcript = Transcript.objects.get()
    assert job.result["turns"] == transcript.turns.count() and job.result["words"] == transcript.word_count
    speakers = {s["label"]: s for s in job.result["speakers"]}
    assert speakers["P3"]["participant"] == "P3" and speakers["Interviewer"]["role"] == "interviewer"
    assert speakers["P3"]["turns"] == transcript.turns.filter(speaker__label="P3").count()
    assert speakers["Participant 2"]["turns"] == 1
    assert any("Participant 2" in doubt for doubt in job.result["doubts"])
    page = team.client("viewer").get(reverse("interviews:import_jobs", args=[team.study.slug])).content.decode()
    assert f"{job.result['turns']} turns · {transcript.word_count} words · 3 speakers" in page
    assert "participant P3" in page and "interview team" in page
    assert f'href="{job.result["url"]}"' in page  # the row links to the document
    for doubt in job.result["doubts"]:
        assert escape(doubt) in page
