from __future__ import annotations

import json

import pytest
from django.urls import reverse

from coding.models import Coding
from tests.conftest import Team, csrf_post

from .helpers import make_code, make_transcript


@pytest.mark.django_db
def test_recode_and_resize(team: Team) -> None:
    transcript, a, b = make_transcript(team.study), make_code(team.study, "A"), make_code(team.study, "B")
    coding = Coding.objects.create(transcript=transcript, code=a, start=0, end=5, coder=team.coder)
    url = reverse("coding:change", args=[team.study.slug, coding.uuid])
    body = json.dumps({"code": str(b.uuid), "end": 11})
    response = csrf_post(team.client("coder"), url, body, content_type="application/json")
    assert response.status_code == 200 and response.json()["replaced"] == str(coding.uuid)
    live = Coding.objects.get(retired_at=None)
    assert (live.code, live.start, live.end) == (b, 0, 11)


@pytest.mark.django_db
def test_change_removed_coding_is_409(team: Team) -> None:
    transcript, a = make_transcript(team.study), make_code(team.study, "A")
    coding = Coding.objects.create(transcript=transcript, code=a, start=0, end=5, coder=team.coder)
    Coding.objects.filter(pk=coding.pk).update(retired_at="2026-01-01T00:00:00Z")
    url = reverse("coding:change", args=[team.study.slug, coding.uuid])
    response = csrf_post(team.client("coder"), url, json.dumps({"end": 8}), content_type="application/json")
    assert response.status_code == 409


@pytest.mark.django_db
def test_change_to_an_unknown_code_is_refused_and_changes_nothing(team: Team) -> None:
    transcript, a = make_transcript(team.study), make_code(team.study, "A")
    coding = Coding.objects.create(transcript=transcript, code=a, start=0, end=5, coder=team.coder)
    url = reverse("coding:change", args=[team.study.slug, coding.uuid])
    body = json.dumps({"code": "00000000-0000-0000-0000-000000000001"})
    response = csrf_post(team.client("coder"), url, body, content_type="application/json")
    assert response.status_code == 400 and "codebook" in response.json()["error"]
    assert Coding.objects.get(retired_at=None).pk == coding.pk


@pytest.mark.django_db
@pytest.mark.parametrize("body", [{"start": "x"}, {"end": -3}, {"start": True}])
def test_malformed_offsets_get_a_clear_message(team: Team, body: dict[str, object]) -> None:
    transcript, a = make_transcript(team.study), make_code(team.study, "A")
    coding = Coding.objects.create(transcript=transcript, code=a, start=0, end=5, coder=team.coder)
    url = reverse("coding:change", args=[team.study.slug, coding.uuid])
    response = csrf_post(team.client("coder"), url, json.dumps(body), content_type="application/json")
    assert response.status_code == 400 and response.json()["error"]
    assert Coding.objects.get(retired_at=None).pk == coding.pk
