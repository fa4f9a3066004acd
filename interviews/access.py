"""Access helpers for the corpus; see studies.access for the rules."""

from __future__ import annotations

from uuid import UUID

from django.http import HttpRequest

from studies.access import get_in_study_or_404, get_study_for_user

from .models import Participant, Protocol, Transcript


def get_participant_for_user(
    request: HttpRequest, slug: str, participant_uuid: UUID, *, write: bool = False
) -> Participant:
    study = get_study_for_user(request, slug, write=write)
    participant = get_in_study_or_404(Participant.objects.select_related("study"), study, uuid=participant_uuid)
    return participant


def get_transcript_for_user(
    request: HttpRequest, slug: str, transcript_uuid: UUID, *, write: bool = False
) -> Transcript:
    study = get_study_for_user(request, slug, write=write)
    transcript = get_in_study_or_404(Transcript.objects.select_related("study"), study, uuid=transcript_uuid)
    return transcript


def get_protocol_for_user(request: HttpRequest, slug: str, protocol_uuid: UUID, *, write: bool = False) -> Protocol:
    study = get_study_for_user(request, slug, write=write)
    protocol = get_in_study_or_404(Protocol.objects.select_related("study"), study, uuid=protocol_uuid)
    return protocol
