from __future__ import annotations

import pytest
from django.urls import reverse

from coding.models import Coding
from tests.conftest import Team, csrf_post
from tests.factories import make_study

from .helpers import make_code, make_transcript


@pytest.mark.django_db
def test_remove(team: Team) -> None:
    transcript, code = make_transcript(team.study), make_code(team.study)
    coding = Coding.objects.create(transcript=transcript, code=code, start=0, end=5, coder=team.coder)
    response = csrf_post(team.client("owner"), reverse("coding:remove", args=[team.study.slug, coding.uuid]))
    assert response.status_code == 200
    coding.refresh_from_db()
    assert coding.retired_at is not None


@pytest.mark.django_db
def test_coding_of_another_study_is_404(team: Team) -> None:
    other = make_study(owner=team.outsider)
    transcript, code = make_transcript(other), make_code(other)
    coding = Coding.objects.create(transcript=transcript, code=code, start=0, end=5)
    response = csrf_post(team.client("owner"), reverse("coding:remove", args=[team.study.slug, coding.uuid]))
    assert response.status_code == 404
