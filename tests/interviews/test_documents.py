"""document_list, document_edit, document_speakers and document_delete."""

from __future__ import annotations

import pytest
from django.urls import reverse

from interviews.models import Participant, Protocol, Speaker, Transcript
from interviews.services.imports import import_transcript
from tests.conftest import Team, csrf_post

TEXT = b"Interviewer: Hi\n\nRespondent: Hello\n\nInterviewer: Bye\n"


@pytest.mark.django_db
def test_list_and_edit_metadata(team: Team) -> None:
    transcript = import_transcript(study=team.study, filename="a.txt", data=TEXT, user=None).transcript
    p1 = Participant.objects.create(study=team.study, label="P1")
    protocol = Protocol.objects.create(study=team.study, title="Main")
    assert (
        "a" in team.client("viewer").get(reverse("interviews:document_list", args=[team.study.slug])).content.decode()
    )
    url = reverse("interviews:document_edit", args=[team.study.slug, transcript.uuid])
    bad = csrf_post(team.client("coder"), url, {"title": "A", "interview_date": "yesterday", "mode": "recorded"})
    assert bad.status_code == 400 and "YYYY-MM-DD" in bad.content.decode()
    good = csrf_post(team.client("coder"), url, {
        "title": "Interview A", "participants": [str(p1.uuid)], "interview_date": "2024-03-01", "duration": "1:02:03",
        "interviewer": "Ana", "mode": "recorded", "language": "en", "protocol": str(protocol.uuid), "citation": "",
    })  # fmt: skip
    assert good.status_code == 302
    transcript.refresh_from_db()
    assert (transcript.title, transcript.duration_seconds, transcript.protocol) == ("Interview A", 3723, protocol)
    assert list(transcript.participants.all()) == [p1]


@pytest.mark.django_db
def test_map_speakers(team: Team) -> None:
    transcript = import_transcript(study=team.study, filename="a.txt", data=TEXT, user=None).transcript
    p1 = Participant.objects.create(study=team.study, label="P1")
    respondent = Speaker.objects.get(transcript=transcript, label="Respondent")
    url = reverse("interviews:document_speakers", args=[team.study.slug, transcript.uuid])
    assert (
        csrf_post(team.client("coder"), url, {f"speaker-{respondent.pk}": f"participant:{p1.uuid}"}).status_code == 302
    )
    respondent.refresh_from_db()
    assert respondent.participant == p1 and p1 in transcript.participants.all()


@pytest.mark.django_db
def test_delete_document(team: Team) -> None:
    transcript = import_transcript(study=team.study, filename="a.txt", data=TEXT, user=None).transcript
    url = reverse("interviews:document_delete", args=[team.study.slug, transcript.uuid])
    assert csrf_post(team.client("viewer"), url).status_code == 403
    assert csrf_post(team.client("coder"), url).status_code == 302
    assert not Transcript.objects.exists()
