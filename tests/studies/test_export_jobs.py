"""Exports above THEMATICA_EXPORT_INLINE_ROWS run as jobs whose page offers the file."""

from __future__ import annotations

import io
from typing import Any

import openpyxl
import pytest
from django.test import override_settings
from django.urls import reverse

from coding.models import Code
from coding.services.codings import apply_coding
from coding.tasks import export_segments_task
from interviews.models import Participant
from studies.jobs import create_job
from studies.models import Job, JobKind, JobStatus, Membership
from tests.coding.helpers import make_transcript
from tests.conftest import Team

TEXT = "Interviewer: Is SHAP useful?\n\nP1: SHAP is useful. LIME less so.\n"


def _participants(team: Team, n: int = 3) -> None:
    Participant.objects.bulk_create(Participant(study=team.study, label=f"P{i}") for i in range(1, n + 1))


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    """Run the callbacks a request registers with transaction.on_commit, as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def _follow_to_job(team: Team, role: str, url: str, params: dict[str, str], on_commit) -> tuple[Job, str]:  # type: ignore[no-untyped-def]
    client = team.client(role)
    with on_commit() as callbacks:
        response = client.get(url, params)
        assert response.status_code == 302
        # The task is sent only once the job row is committed.
        assert Job.objects.get().status == JobStatus.QUEUED
    assert len(callbacks) == 1
    job = Job.objects.get()
    assert response["Location"] == job.get_absolute_url()
    page = client.get(response["Location"]).content.decode()
    return job, page


def _download(team: Team, role: str, job: Job) -> tuple[Any, bytes]:
    response = team.client(role).get(reverse("studies:job_download", args=[team.study.slug, job.uuid]))
    assert response.status_code == 200
    return response, b"".join(response.streaming_content)  # type: ignore[attr-defined]


def _first_column(fmt: str, data: bytes) -> list[str]:
    if fmt == "xlsx":
        return [row[0].value for row in openpyxl.load_workbook(io.BytesIO(data)).active.iter_rows()]  # type: ignore[union-attr]
    return [line.split(",")[0] for line in data.decode("utf-8-sig").splitlines()]


@pytest.mark.django_db
@override_settings(THEMATICA_EXPORT_INLINE_ROWS=2)
@pytest.mark.parametrize(("fmt", "content_type"), [("csv", "text/csv"), ("xlsx", "application/vnd.openxmlformats")])
def test_large_participant_export_runs_as_job_with_download(team: Team, on_commit, fmt: str, content_type: str) -> None:  # type: ignore[no-untyped-def]
    _participants(team)
    url = reverse("interviews:participant_export", args=[team.study.slug])
    job, page = _follow_to_job(team, "viewer", url, {"format": fmt}, on_commit)
    assert (job.kind, job.status, job.progress, job.created_by, job.message) == (
        JobKind.EXPORT_PARTICIPANTS, JobStatus.DONE, 100, team.viewer, "",
    )  # fmt: skip
    download_url = reverse("studies:job_download", args=[team.study.slug, job.uuid])
    assert "Participant table export" in page and download_url in page and "3 rows" in page
    response, data = _download(team, "viewer", job)
    assert response["Content-Disposition"] == f'attachment; filename="interp-participants.{fmt}"'
    assert response["Content-Type"].startswith(content_type)
    assert _first_column(fmt, data) == ["id", "P1", "P2", "P3"]


@pytest.mark.django_db
@override_settings(THEMATICA_EXPORT_INLINE_ROWS=2)
def test_download_is_404_for_outsiders_and_other_members(team: Team, on_commit) -> None:  # type: ignore[no-untyped-def]
    _participants(team)
    job, _ = _follow_to_job(
        team, "coder", reverse("interviews:participant_export", args=[team.study.slug]), {}, on_commit
    )
    download_url = reverse("studies:job_download", args=[team.study.slug, job.uuid])
    assert team.client("outsider").get(download_url).status_code == 404
    assert team.client("owner").get(download_url).status_code == 404  # the file holds what the coder sees
    assert team.client("anonymous").get(download_url).status_code == 302
    page = team.client("owner").get(job.get_absolute_url()).content.decode()
    assert download_url not in page and "The file is for cora_coder" in page


@pytest.mark.django_db
def test_small_exports_stay_inline(team: Team) -> None:
    _participants(team)
    response = team.client("viewer").get(reverse("interviews:participant_export", args=[team.study.slug]))
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    assert not Job.objects.exists()


@pytest.mark.django_db
@override_settings(THEMATICA_EXPORT_INLINE_ROWS=1)
def test_large_codebook_export(team: Team, on_commit) -> None:  # type: ignore[no-untyped-def]
    Code.objects.create(study=team.study, name="Trust")
    Code.objects.create(study=team.study, name="Method")
    job, _ = _follow_to_job(team, "viewer", reverse("coding:codebook_export", args=[team.study.slug]), {}, on_commit)
    assert job.kind == JobKind.EXPORT_CODEBOOK and job.status == JobStatus.DONE
    text = _download(team, "viewer", job)[1].decode("utf-8-sig")
    assert text.splitlines()[0].startswith("name,parent,definition") and "Trust" in text and "Method" in text


def _coded(team: Team) -> Code:
    transcript = make_transcript(team.study, TEXT)
    code = Code.objects.create(study=team.study, name="Method")
    for word in ("SHAP is", "LIME"):
        start = transcript.text.index(word)
        apply_coding(transcript=transcript, code=code, start=start, end=start + len(word), coder=team.coder)
    return code


@pytest.mark.django_db
@override_settings(THEMATICA_EXPORT_INLINE_ROWS=1)
def test_large_retrieval_export_redoes_the_query_in_the_task(team: Team, on_commit) -> None:  # type: ignore[no-untyped-def]
    code = _coded(team)
    url = reverse("coding:retrieval_export", args=[team.study.slug])
    job, _ = _follow_to_job(team, "coder", url, {"code": str(code.uuid), "mode": "any"}, on_commit)
    assert job.kind == JobKind.EXPORT_SEGMENTS and job.params == {"query": {"code": [str(code.uuid)], "mode": ["any"]}}
    assert job.status == JobStatus.DONE, job.error
    lines = _download(team, "coder", job)[1].decode("utf-8-sig").splitlines()
    assert lines[0] == "document,participant,speaker,codes,start,end,text"
    assert len(lines) == 3 and lines[1].endswith(",SHAP is") and lines[2].endswith(",LIME")


@pytest.mark.django_db
def test_export_task_rechecks_membership_and_is_idempotent(team: Team) -> None:
    code = _coded(team)
    job = create_job(
        study=team.study, kind=JobKind.EXPORT_SEGMENTS, user=team.viewer, params={"query": {"code": [str(code.uuid)]}}
    )
    Membership.objects.filter(study=team.study, user=team.viewer).delete()
    export_segments_task(job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and "no longer a member" in job.error and not job.result_file
    # A redelivered task finds the job finished and leaves it as it is.
    export_segments_task(job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and not job.result_file


@pytest.mark.django_db
def test_done_export_is_not_redone(team: Team) -> None:
    code = _coded(team)
    job = create_job(
        study=team.study, kind=JobKind.EXPORT_SEGMENTS, user=team.coder, params={"query": {"code": [str(code.uuid)]}}
    )
    export_segments_task(job.pk)
    job.refresh_from_db()
    name, finished = job.result_file.name, job.finished_at
    export_segments_task(job.pk)
    job.refresh_from_db()
    assert (job.result_file.name, job.finished_at) == (name, finished)


@pytest.mark.django_db
def test_bad_stored_query_fails_with_its_message(team: Team) -> None:
    job = create_job(
        study=team.study, kind=JobKind.EXPORT_SEGMENTS, user=team.coder, params={"query": {"where": ["x = 1"]}}
    )
    export_segments_task(job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and "Unknown attribute" in job.error
