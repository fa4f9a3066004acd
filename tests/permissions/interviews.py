from __future__ import annotations

from typing import Any

from interviews.models import Participant, Protocol, Transcript

from .common import READ, WRITE_FORM, expect


def kwargs(team: Any) -> dict[str, Any]:
    participant = Participant.objects.create(study=team.study, label="P1")
    transcript = Transcript.objects.create(study=team.study, title="Interview P1", text="Hello there.")
    protocol = Protocol.objects.create(study=team.study, title="Main protocol")
    return {
        "participant_uuid": participant.uuid,
        "transcript_uuid": transcript.uuid,
        "protocol_uuid": protocol.uuid,
    }


EXPECTATIONS: dict[str, dict[str, dict[str, int]]] = {
    "interviews:participant_list": {"GET": READ},
    "interviews:participant_detail": {"GET": READ},
    "interviews:transcript_detail": {"GET": READ},
    "interviews:protocol_detail": {"GET": READ},
    "interviews:import": {"GET": WRITE_FORM, "POST": expect(302, 404, 403, 400, 400)},
    "interviews:import_jobs": {"GET": READ},
}
