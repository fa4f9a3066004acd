from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from coding.models import Coding
from tests.conftest import Team

from .helpers import make_code, make_transcript


@pytest.mark.django_db
def test_poll_returns_added_and_removed_since(team: Team) -> None:
    transcript, code = make_transcript(team.study), make_code(team.study)
    before = timezone.now() - timedelta(minutes=5)
    old = Coding.objects.create(
        transcript=transcript, code=code, start=0, end=5, created_at=before - timedelta(hours=1)
    )
    new = Coding.objects.create(transcript=transcript, code=code, start=6, end=9, coder=team.owner)
    Coding.objects.filter(pk=old.pk).update(retired_at=timezone.now())
    url = reverse("coding:transcript_codings", args=[team.study.slug, transcript.uuid])
    data = team.client("viewer").get(url, {"since": before.isoformat()}).json()
    assert [c["id"] for c in data["added"]] == [str(new.uuid)]
    assert data["removed"] == [str(old.uuid)]
    assert data["codes"][0]["name"] == "Trust" and data["now"]


@pytest.mark.django_db
def test_deleted_code_hides_its_codings(team: Team) -> None:
    transcript, code = make_transcript(team.study), make_code(team.study)
    Coding.objects.create(transcript=transcript, code=code, start=0, end=5)
    code.deleted_at = timezone.now()
    code.save(update_fields=["deleted_at"])
    url = reverse("coding:transcript_codings", args=[team.study.slug, transcript.uuid])
    data = team.client("viewer").get(url, {"since": "2000-01-01T00:00:00+00:00"}).json()
    assert data["added"] == [] and data["codes"] == []


@pytest.mark.django_db
def test_since_is_required(team: Team) -> None:
    transcript = make_transcript(team.study)
    url = reverse("coding:transcript_codings", args=[team.study.slug, transcript.uuid])
    assert team.client("viewer").get(url).status_code == 400
