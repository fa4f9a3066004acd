"""One atomic service per user action: a failure leaves nothing behind, undo removes all."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from coding.models import Code, Coding
from coding.selectors import compile_pattern, search_hits
from coding.services.autocode import apply_autocode
from coding.services.history import undo_last
from tests.conftest import Team, csrf_post

from .helpers import make_transcript


@pytest.mark.django_db
def test_failed_apply_with_a_new_code_leaves_no_code(team: Team) -> None:
    transcript = make_transcript(team.study)
    url = reverse("coding:apply", args=[team.study.slug, transcript.uuid])
    body = json.dumps({"new_code": "Fresh", "start": 0, "end": 10_000})
    response = csrf_post(team.client("coder"), url, body, content_type="application/json")
    assert response.status_code == 400 and "outside this document" in response.json()["error"]
    assert not Code.objects.filter(name="Fresh").exists()


@pytest.mark.django_db
def test_failed_apply_to_a_missing_turn_with_a_new_code_leaves_no_code(team: Team) -> None:
    transcript = make_transcript(team.study)
    url = reverse("coding:apply", args=[team.study.slug, transcript.uuid])
    body = json.dumps({"new_code": "Fresh", "turn": 99})
    response = csrf_post(team.client("coder"), url, body, content_type="application/json")
    assert response.status_code == 400 and not Code.objects.filter(name="Fresh").exists()


@pytest.mark.django_db
def test_apply_with_a_new_code_is_one_undoable_action(team: Team) -> None:
    transcript = make_transcript(team.study)
    url = reverse("coding:apply", args=[team.study.slug, transcript.uuid])
    body = json.dumps({"new_code": "Fresh", "start": 0, "end": 5})
    assert csrf_post(team.client("coder"), url, body, content_type="application/json").status_code == 201
    undo_last(study=team.study, user=team.coder)
    assert not Coding.objects.filter(retired_at=None).exists()
    assert not Code.objects.alive().filter(name="Fresh").exists()


@pytest.mark.django_db
def test_failed_autocode_with_a_new_code_leaves_no_code(team: Team) -> None:
    make_transcript(team.study)
    url = reverse("coding:autocode", args=[team.study.slug])
    response = csrf_post(team.client("coder"), url, {"q": "SHAP", "new_code": "Fresh", "action": "apply"})
    assert response.status_code == 400 and "No hits are selected" in response.content.decode()
    assert not Code.objects.filter(name="Fresh").exists()


@pytest.mark.django_db
def test_undoing_an_autocode_that_created_a_code_removes_the_code(team: Team) -> None:
    make_transcript(team.study)
    hits = search_hits(study=team.study, pattern=compile_pattern(text="SHAP", mode="words"))
    outcome = apply_autocode(study=team.study, user=team.coder, hits=hits, description="t", new_code_name="SHAP")
    assert outcome.created_code and outcome.applied == 1
    undo_last(study=team.study, user=team.coder)
    assert not Coding.objects.filter(retired_at=None).exists()
    assert Code.objects.get(pk=outcome.code.pk).deleted_at is not None
