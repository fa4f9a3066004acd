from __future__ import annotations

import json

import pytest
from django.urls import reverse

from coding.models import Code, Coding
from tests.conftest import Team, csrf_post

from .helpers import make_code, make_transcript


def _post(client, url, body):  # type: ignore[no-untyped-def]
    return csrf_post(client, url, json.dumps(body), content_type="application/json")


@pytest.mark.django_db
def test_apply_existing_code(team: Team) -> None:
    transcript, code = make_transcript(team.study), make_code(team.study)
    url = reverse("coding:apply", args=[team.study.slug, transcript.uuid])
    response = _post(team.client("coder"), url, {"code": str(code.uuid), "start": 0, "end": 11, "text": "Interviewer"})
    assert response.status_code == 201
    data = response.json()
    assert data["coding"]["start"] == 0 and data["code"]["name"] == "Trust"
    assert _post(team.client("coder"), url, {"code": str(code.uuid), "start": 0, "end": 11}).status_code == 200


@pytest.mark.django_db
def test_create_code_on_the_fly_and_code_a_turn(team: Team) -> None:
    transcript = make_transcript(team.study)
    url = reverse("coding:apply", args=[team.study.slug, transcript.uuid])
    response = _post(team.client("coder"), url, {"new_code": "Actionability", "turn": 3})
    assert response.status_code == 201 and response.json()["new_code"] is True
    coding = Coding.objects.get()
    assert coding.code == Code.objects.get(name="Actionability")
    assert transcript.text[coding.start : coding.end] == "Because users can act on them."


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"start": 0, "end": 5}, "Choose a code"),
        ({"code": "PLACEHOLDER", "start": "x", "end": 5}, "whole number"),
        ({"code": "PLACEHOLDER", "start": 0, "end": 99999}, "outside this document"),
        ({"code": "PLACEHOLDER", "start": 0, "end": 5, "text": "Hello"}, "does not match"),
        ({"code": "PLACEHOLDER", "turn": 99}, "No such turn"),
    ],
)
def test_bad_requests_explain_themselves(team: Team, body: dict, message: str) -> None:  # type: ignore[type-arg]
    transcript, code = make_transcript(team.study), make_code(team.study)
    body = {k: (str(code.uuid) if v == "PLACEHOLDER" else v) for k, v in body.items()}
    response = _post(team.client("coder"), reverse("coding:apply", args=[team.study.slug, transcript.uuid]), body)
    assert response.status_code == 400 and message in response.json()["error"]
    assert not Coding.objects.exists()


@pytest.mark.django_db
def test_malformed_json(team: Team) -> None:
    transcript = make_transcript(team.study)
    url = reverse("coding:apply", args=[team.study.slug, transcript.uuid])
    response = csrf_post(team.client("coder"), url, "{not json", content_type="application/json")
    assert response.status_code == 400 and "not valid JSON" in response.json()["error"]


@pytest.mark.django_db
def test_viewer_cannot_code(team: Team) -> None:
    transcript, code = make_transcript(team.study), make_code(team.study)
    url = reverse("coding:apply", args=[team.study.slug, transcript.uuid])
    assert _post(team.client("viewer"), url, {"code": str(code.uuid), "start": 0, "end": 5}).status_code == 403
    assert not Coding.objects.exists()


@pytest.mark.django_db
def test_a_selection_across_turns_sends_null_text_and_is_coded(team: Team) -> None:
    transcript, code = make_transcript(team.study), make_code(team.study)
    url = reverse("coding:apply", args=[team.study.slug, transcript.uuid])
    body = json.dumps({"code": str(code.uuid), "start": 10, "end": 60, "text": None})
    response = csrf_post(team.client("coder"), url, body, content_type="application/json")
    assert response.status_code == 201 and response.json()["coding"]["end"] == 60


@pytest.mark.django_db
def test_coding_a_turn_on_a_stale_page_after_a_split_is_refused(team: Team) -> None:
    """The reader names a whole turn by its index; after speaker review split a turn, index 3
    is another turn, so the page's range for it must match or nothing is coded."""
    from interviews.models import SpeakerTurn
    from interviews.services.speakers import split_turn

    transcript, code = make_transcript(team.study), make_code(team.study)
    first = SpeakerTurn.objects.get(transcript=transcript, index=0)
    seen = SpeakerTurn.objects.get(transcript=transcript, index=3)
    split_turn(turn=first, at=first.start + transcript.text[first.start : first.end].index(" ") + 1, user=team.owner)
    url = reverse("coding:apply", args=[team.study.slug, transcript.uuid])
    body = {"code": str(code.uuid), "turn": 3, "start": seen.start, "end": seen.end}
    response = _post(team.client("coder"), url, body)
    assert response.status_code == 409 and "turns of this document were changed" in response.json()["error"]
    assert not Coding.objects.exists()
    body["turn"] = 4  # the same turn under its new index
    assert _post(team.client("coder"), url, body).status_code == 201
    assert Coding.objects.get().start == seen.start
