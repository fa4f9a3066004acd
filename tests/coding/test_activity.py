"""activity and undo."""

from __future__ import annotations

import pytest
from django.urls import reverse

from coding.models import Code, LogEntry
from coding.services import codebook as services
from tests.conftest import Team, csrf_post


@pytest.mark.django_db
def test_feed_filters_and_undo_own_change(team: Team) -> None:
    mine = services.create_code(study=team.study, user=team.coder, name="Mine")
    services.create_code(study=team.study, user=team.owner, name="Theirs")
    url = reverse("coding:activity", args=[team.study.slug])
    body = team.client("coder").get(url, {"user": team.coder.username}).content.decode()
    assert "created code “Mine”" in body and "Theirs" not in body
    assert body.count(">Undo</button>") == 1  # only one's own changes offer undo
    response = csrf_post(team.client("coder"), reverse("coding:undo", args=[team.study.slug]), follow=True)
    assert "Undone: created code “Mine”" in response.content.decode()
    assert Code.objects.get(pk=mine.pk).deleted_at is not None
    assert Code.objects.get(name="Theirs").deleted_at is None
    assert LogEntry.objects.filter(action="undo", user=team.coder).exists()


@pytest.mark.django_db
def test_nothing_to_undo_message(team: Team) -> None:
    response = csrf_post(team.client("coder"), reverse("coding:undo", args=[team.study.slug]), follow=True)
    assert "nothing left to undo" in response.content.decode()


@pytest.mark.django_db
def test_cannot_undo_someone_elses_batch(team: Team) -> None:
    services.create_code(study=team.study, user=team.owner, name="Theirs")
    batch = LogEntry.objects.get().batch
    response = csrf_post(
        team.client("coder"), reverse("coding:undo", args=[team.study.slug]), {"batch": str(batch)}, follow=True
    )
    assert "nothing of yours to undo" in response.content.decode()
    assert Code.objects.get().deleted_at is None


@pytest.mark.django_db
def test_feed_offers_speaker_changes_as_a_kind(team: Team) -> None:
    from interviews.models import SpeakerTurn
    from interviews.services.speakers import split_turn
    from tests.coding.helpers import make_transcript

    transcript = make_transcript(team.study, "Interviewer: Hello there. How are you?\n\nP1: Fine.\n", "s.txt")
    turn = SpeakerTurn.objects.get(transcript=transcript, index=0)
    split_turn(turn=turn, at=transcript.text.index("How"), user=team.coder)
    url = reverse("coding:activity", args=[team.study.slug])
    body = team.client("viewer").get(url, {"type": "speaker"}).content.decode()
    assert '<option value="speaker" selected>speakers</option>' in body and "split turn 1" in body
