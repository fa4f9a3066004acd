"""document_speakers saves every speaker's mapping or none."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from interviews.models import Participant, Speaker, SpeakerRole
from interviews.services.documents import SpeakerChoice, map_speakers
from interviews.services.imports import import_transcript
from tests.conftest import Team, csrf_post
from tests.factories import make_study

TEXT = b"Interviewer: Hi\n\nRespondent: Hello\n\nInterviewer: Bye\n"


@pytest.mark.django_db
def test_one_bad_speaker_saves_none(team: Team) -> None:
    transcript = import_transcript(study=team.study, filename="a.txt", data=TEXT, user=None).transcript
    interviewer = Speaker.objects.get(transcript=transcript, label="Interviewer")
    respondent = Speaker.objects.get(transcript=transcript, label="Respondent")
    before = interviewer.role
    assert before != SpeakerRole.OTHER
    stranger = Participant.objects.create(study=make_study(), label="P9")
    url = reverse("interviews:document_speakers", args=[team.study.slug, transcript.uuid])
    response = csrf_post(team.client("coder"), url, {
        f"speaker-{interviewer.pk}": SpeakerRole.OTHER,  # valid, and saved first by label order
        f"speaker-{respondent.pk}": f"participant:{stranger.uuid}",  # not in this study
    })  # fmt: skip
    assert response.status_code == 400 and "not in this study" in response.content.decode()
    interviewer.refresh_from_db()
    respondent.refresh_from_db()
    assert interviewer.role == before and respondent.participant is None


@pytest.mark.django_db
def test_all_speakers_saved_together(team: Team) -> None:
    transcript = import_transcript(study=team.study, filename="a.txt", data=TEXT, user=None).transcript
    p1 = Participant.objects.create(study=team.study, label="P1")
    interviewer = Speaker.objects.get(transcript=transcript, label="Interviewer")
    respondent = Speaker.objects.get(transcript=transcript, label="Respondent")
    url = reverse("interviews:document_speakers", args=[team.study.slug, transcript.uuid])
    response = csrf_post(team.client("coder"), url, {
        f"speaker-{interviewer.pk}": SpeakerRole.INTERVIEWER, f"speaker-{respondent.pk}": f"participant:{p1.uuid}",
    })  # fmt: skip
    assert response.status_code == 302
    respondent.refresh_from_db()
    assert respondent.role == SpeakerRole.PARTICIPANT and respondent.participant == p1
    assert list(transcript.participants.all()) == [p1]


@pytest.mark.django_db
def test_malformed_participant_is_a_message(team: Team) -> None:
    transcript = import_transcript(study=team.study, filename="a.txt", data=TEXT, user=None).transcript
    respondent = Speaker.objects.get(transcript=transcript, label="Respondent")
    url = reverse("interviews:document_speakers", args=[team.study.slug, transcript.uuid])
    response = csrf_post(team.client("coder"), url, {f"speaker-{respondent.pk}": "participant:not-a-uuid"})
    assert response.status_code == 400 and "not in this study" in response.content.decode()


@pytest.mark.django_db
def test_service_rolls_back_every_speaker(team: Team) -> None:
    transcript = import_transcript(study=team.study, filename="a.txt", data=TEXT, user=None).transcript
    interviewer = Speaker.objects.get(transcript=transcript, label="Interviewer")
    respondent = Speaker.objects.get(transcript=transcript, label="Respondent")
    stranger = Participant.objects.create(study=make_study(), label="P9")
    with pytest.raises(ValidationError, match="not in this study"):
        map_speakers(transcript=transcript, choices=[
            SpeakerChoice(interviewer, SpeakerRole.OTHER), SpeakerChoice(respondent, SpeakerRole.PARTICIPANT, stranger),
        ])  # fmt: skip
    interviewer.refresh_from_db()
    assert interviewer.role != SpeakerRole.OTHER


@pytest.mark.django_db
def test_mapping_a_speaker_away_unlinks_the_participant_it_was(team: Team) -> None:
    """Mapping “Respondent” to P3 and back left P3 linked to the document, so retrieval still
    counted the document's segments for P3."""
    transcript = import_transcript(study=team.study, filename="a.txt", data=TEXT, user=None).transcript
    p3, p4 = (Participant.objects.create(study=team.study, label=label) for label in ("P3", "P4"))
    interviewer = Speaker.objects.get(transcript=transcript, label="Interviewer")
    respondent = Speaker.objects.get(transcript=transcript, label="Respondent")
    map_speakers(transcript=transcript, choices=[SpeakerChoice(respondent, SpeakerRole.PARTICIPANT, p3)])
    assert list(transcript.participants.all()) == [p3]
    map_speakers(transcript=transcript, choices=[SpeakerChoice(respondent, SpeakerRole.PARTICIPANT, p4)])
    assert list(transcript.participants.all()) == [p4]
    # Another speaker who is the same person keeps the link.
    map_speakers(transcript=transcript, choices=[SpeakerChoice(interviewer, SpeakerRole.PARTICIPANT, p4)])
    map_speakers(transcript=transcript, choices=[SpeakerChoice(respondent, SpeakerRole.PARTICIPANT, None)])
    assert list(transcript.participants.all()) == [p4]
    map_speakers(transcript=transcript, choices=[SpeakerChoice(interviewer, SpeakerRole.INTERVIEWER, None)])
    assert not transcript.participants.exists()


@pytest.mark.django_db
def test_saving_who_the_speakers_are_is_in_the_history_and_undone_from_it(team: Team) -> None:
    """“Save who they are” changed roles and participant links with no history entry: it could not be undone."""
    from coding.models import LogEntry
    from coding.services.history import UndoRefused, undo_last
    from interviews.models import SpeakerTurn
    from interviews.services.speakers import split_turn

    transcript = import_transcript(study=team.study, filename="a.txt", data=TEXT, user=None).transcript
    p3 = Participant.objects.create(study=team.study, label="P3")
    respondent = Speaker.objects.get(transcript=transcript, label="Respondent")
    interviewer = Speaker.objects.get(transcript=transcript, label="Interviewer")
    url = reverse("interviews:document_speakers", args=[team.study.slug, transcript.uuid])
    csrf_post(team.client("coder"), url, {
        f"speaker-{interviewer.pk}": SpeakerRole.OTHER, f"speaker-{respondent.pk}": f"participant:{p3.uuid}",
    })  # fmt: skip
    entry = LogEntry.objects.get(object_type="speaker", action="map")
    assert entry.user == team.coder and "changed who the speakers of “a” are" in entry.summary
    assert list(transcript.participants.all()) == [p3]
    undo_last(study=team.study, user=team.coder)
    respondent.refresh_from_db()
    interviewer.refresh_from_db()
    assert (respondent.role, respondent.participant, interviewer.role) == (
        SpeakerRole.PARTICIPANT, None, SpeakerRole.INTERVIEWER,
    )  # fmt: skip
    assert not transcript.participants.exists()
    # Saving without a change writes nothing.
    csrf_post(team.client("coder"), url, {
        f"speaker-{interviewer.pk}": SpeakerRole.INTERVIEWER, f"speaker-{respondent.pk}": SpeakerRole.PARTICIPANT,
    })  # fmt: skip
    assert LogEntry.objects.filter(object_type="speaker", action="map").count() == 1
    # An older turn change is not undone over a later change of who the speakers are.
    turn = SpeakerTurn.objects.get(transcript=transcript, index=0)
    split = split_turn(turn=turn, at=turn.start + 1, user=team.coder)
    map_speakers(transcript=transcript, choices=[SpeakerChoice(respondent, SpeakerRole.OTHER)], user=team.owner)
    from coding.services.history import undo_batch

    with pytest.raises(UndoRefused, match="speakers of “a” were changed since"):
        undo_batch(study=team.study, user=team.coder, batch=split.batch)
