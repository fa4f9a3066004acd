from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from interviews.models import Participant, Transcript
from studies.models import Job
from tests.conftest import Team, csrf_post

from .importer_helpers import DATA


def _upload(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, (DATA / name).read_bytes())


@pytest.mark.django_db
def test_upload_several_files_creates_jobs_and_transcripts(team: Team, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    Participant.objects.create(study=team.study, label="P5")
    url = reverse("interviews:import", args=[team.study.slug])
    with django_capture_on_commit_callbacks(execute=True):
        response = csrf_post(
            team.client("coder"),
            url,
            {
                "files": [_upload("interview_p1.txt"), _upload("interview_p5.vtt"), _upload("sample.docx")],
                "skip_preview": "1",
            },
        )
    assert response.status_code == 302 and response["Location"] == reverse(
        "interviews:import_jobs", args=[team.study.slug]
    )
    assert Job.objects.filter(study=team.study, status="done").count() == 3
    assert Transcript.objects.filter(study=team.study).count() == 3
    vtt = Transcript.objects.get(source_filename="interview_p5.vtt")
    assert vtt.participants.get().label == "P5"


@pytest.mark.django_db
def test_bad_file_fails_its_job_with_reason_and_others_succeed(team: Team, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    url = reverse("interviews:import", args=[team.study.slug])
    with django_capture_on_commit_callbacks(execute=True):
        csrf_post(team.client("coder"), url, {"files": [SimpleUploadedFile("broken.pdf", b"%PDF-1.4 garbage"),
                                                        _upload("interview_p6.srt")], "skip_preview": "1"})  # fmt: skip
    failed = Job.objects.get(input_name="broken.pdf")
    assert failed.status == "failed" and failed.error.startswith("broken.pdf: ")
    assert Transcript.objects.filter(study=team.study).count() == 1
    page = team.client("viewer").get(reverse("interviews:import_jobs", args=[team.study.slug])).content.decode()
    assert "broken.pdf: " in page and "Open “interview p6”" in page


@pytest.mark.django_db
@override_settings(THEMATICA_MAX_UPLOAD_BYTES=100)
def test_oversized_file_is_refused_without_storing_it(team: Team) -> None:
    url = reverse("interviews:import", args=[team.study.slug])
    csrf_post(team.client("coder"), url, {"files": [_upload("interview_p1.txt")], "skip_preview": "1"})
    job = Job.objects.get()
    assert job.status == "failed" and "the limit is 100 bytes" in job.error and not job.input_file


@pytest.mark.django_db
def test_no_files_is_a_clear_error(team: Team) -> None:
    response = csrf_post(team.client("coder"), reverse("interviews:import", args=[team.study.slug]), {})
    assert response.status_code == 400 and "Choose at least one file" in response.content.decode()


@pytest.mark.django_db
def test_viewer_cannot_import(team: Team) -> None:
    url = reverse("interviews:import", args=[team.study.slug])
    response = csrf_post(team.client("viewer"), url, {"files": [_upload("interview_p1.txt")]})
    assert response.status_code == 403 and not Job.objects.exists()
