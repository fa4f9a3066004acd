"""Two-step imports keep their upload as a StagedUpload, never as a job that stays queued."""

from __future__ import annotations

import importlib
import io
import os
from datetime import timedelta
from uuid import uuid4

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from coding.models import Code
from interviews.models import Participant
from studies.jobs import create_job
from studies.models import Job, JobKind, JobStatus, StagedKind, StagedUpload
from studies.staging import EXPIRED_MESSAGE, StagedUploadExpired, get_staged_upload, stage_upload
from tests.conftest import Team, csrf_post


def _preview_participants(team: Team):  # type: ignore[no-untyped-def]
    url = reverse("interviews:participant_import", args=[team.study.slug])
    return csrf_post(team.client("coder"), url, {"table": SimpleUploadedFile("people.csv", b"id,role\nP1,DS\n")})


def _preview_codebook(team: Team):  # type: ignore[no-untyped-def]
    url = reverse("coding:codebook_import", args=[team.study.slug])
    return csrf_post(team.client("coder"), url, {"file": SimpleUploadedFile("cb.txt", b"Trust\n\tOver-trust\n")})


@pytest.mark.django_db
def test_abandoned_previews_leave_no_queued_jobs(team: Team) -> None:
    assert _preview_participants(team).status_code == 302
    assert _preview_codebook(team).status_code == 200
    assert not Job.objects.filter(status=JobStatus.QUEUED).exists()
    assert not Job.objects.exists()


def _expire_all() -> None:
    StagedUpload.objects.update(expires_at=timezone.now() - timedelta(seconds=1))


@pytest.mark.django_db
def test_expired_participant_preview_says_so(team: Team) -> None:
    map_url = _preview_participants(team)["Location"]
    _expire_all()
    for response in (team.client("coder").get(map_url), csrf_post(team.client("coder"), map_url, {"map-0": "id"})):
        assert response.status_code == 302
        assert response["Location"] == reverse("interviews:participant_import", args=[team.study.slug])
    page = team.client("coder").get(map_url, follow=True).content.decode()
    assert EXPIRED_MESSAGE in page and not Participant.objects.exists()


@pytest.mark.django_db
def test_missing_or_someone_elses_participant_preview_says_so(team: Team) -> None:
    map_url = _preview_participants(team)["Location"]
    page = team.client("owner").get(map_url, follow=True).content.decode()  # not the owner's upload
    assert EXPIRED_MESSAGE in page
    missing = reverse("interviews:participant_import_map", args=[team.study.slug, uuid4()])
    assert EXPIRED_MESSAGE in team.client("coder").get(missing, follow=True).content.decode()


@pytest.mark.django_db
def test_expired_or_reused_codebook_preview_says_so(team: Team) -> None:
    url = reverse("coding:codebook_import", args=[team.study.slug])
    staged = _preview_codebook(team).context["staged"]
    apply = {"staged": str(staged.uuid), "action": "apply"}
    assert csrf_post(team.client("coder"), url, apply).status_code == 302
    assert not StagedUpload.objects.exists() and Code.objects.count() == 2
    # The same preview confirmed again (a second tab, the back button) creates nothing.
    again = csrf_post(team.client("coder"), url, apply, follow=True)
    assert EXPIRED_MESSAGE in again.content.decode() and Code.objects.count() == 2
    staged = _preview_codebook(team).context["staged"]
    _expire_all()
    expired = csrf_post(team.client("coder"), url, {"staged": str(staged.uuid), "action": "apply"}, follow=True)
    assert EXPIRED_MESSAGE in expired.content.decode()
    malformed = csrf_post(team.client("coder"), url, {"staged": "not-a-uuid", "action": "apply"}, follow=True)
    assert EXPIRED_MESSAGE in malformed.content.decode()


@pytest.mark.django_db
def test_failed_mapping_keeps_the_preview_for_another_try(team: Team) -> None:
    map_url = _preview_participants(team)["Location"]
    # No column mapped to the id: an error report, nothing written, the upload kept.
    assert csrf_post(team.client("coder"), map_url, {"map-0": "ignore"}).status_code == 400
    assert StagedUpload.objects.count() == 1 and not Participant.objects.exists()
    assert csrf_post(team.client("coder"), map_url, {"map-0": "id", "map-1": "new"}).status_code == 302
    assert Participant.objects.get().label == "P1" and not StagedUpload.objects.exists()


@pytest.mark.django_db
def test_expired_uploads_are_purged_when_staging_and_by_command(team: Team) -> None:
    old = stage_upload(study=team.study, user=team.coder, kind=StagedKind.CODEBOOK, name="a.txt", data=b"A")
    _expire_all()
    fresh = stage_upload(study=team.study, user=team.coder, kind=StagedKind.CODEBOOK, name="b.txt", data=b"B")
    assert list(StagedUpload.objects.all()) == [fresh]
    assert fresh.expires_at - fresh.created_at == timedelta(days=1)
    assert not StagedUpload.objects.filter(pk=old.pk).exists()
    _expire_all()
    out = io.StringIO()
    call_command("purge_staged_uploads", stdout=out)
    assert "1 expired staged upload deleted" in out.getvalue() and not StagedUpload.objects.exists()


@pytest.mark.django_db
def test_staged_upload_needs_its_own_kind(team: Team) -> None:
    staged = stage_upload(study=team.study, user=team.coder, kind=StagedKind.CODEBOOK, name="a.txt", data=b"A")
    with pytest.raises(StagedUploadExpired):
        get_staged_upload(study=team.study, user=team.coder, kind=StagedKind.PARTICIPANT_TABLE, uuid=staged.uuid)
    assert get_staged_upload(study=team.study, user=team.coder, kind=StagedKind.CODEBOOK, uuid=staged.uuid) == staged


@pytest.mark.django_db
def test_migration_drops_never_queued_preview_jobs(team: Team) -> None:
    from django.apps import apps

    migration = importlib.import_module("studies.migrations.0003_drop_preview_jobs")
    import_job = create_job(study=team.study, kind=JobKind.IMPORT_TRANSCRIPT, user=team.coder, input_name="a.txt")
    for kind in ("participant_table", "codebook_import"):
        Job.objects.create(study=team.study, kind=kind, created_by=team.coder, input_name=f"{kind}.csv")
    preview = Job.objects.get(kind="participant_table")
    preview.input_file.save("t.csv", ContentFile(b"id\nP1\n"))
    path = preview.input_file.path
    migration.drop_preview_jobs(apps, None)
    assert list(Job.objects.all()) == [import_job]
    assert not os.path.exists(path)
