from __future__ import annotations

from typing import Any

from interviews.models import Attribute, Participant, Protocol, Transcript
from studies.models import StagedKind
from studies.staging import stage_upload

from .common import MANAGE_FORM, READ, WRITE_FORM, expect, post


def kwargs(team: Any) -> dict[str, Any]:
    participant = Participant.objects.create(study=team.study, label="P1")
    transcript = Transcript.objects.create(study=team.study, title="Interview P1", text="Hello there.")
    protocol = Protocol.objects.create(study=team.study, title="Main protocol")
    attribute = Attribute.objects.create(study=team.study, name="role", type="category", choices=["DS"])
    table = stage_upload(study=team.study, user=team.coder, kind=StagedKind.PARTICIPANT_TABLE, name="t.csv",
                         data=b"id,role\nP2,DS\n")  # fmt: skip
    staged_transcript = stage_upload(study=team.study, user=team.coder, kind=StagedKind.TRANSCRIPT, name="p1.txt",
                                     data=b"Interviewer: Hello?\n\nP1: Hi.\n")  # fmt: skip
    return {
        "attribute_uuid": attribute.uuid,
        "table_uuid": table.uuid,
        "participant_uuid": participant.uuid,
        "transcript_uuid": transcript.uuid,
        "protocol_uuid": protocol.uuid,
        "staged_uuid": staged_transcript.uuid,
    }


EXPECTATIONS: dict[str, dict[str, dict[str, int]]] = {
    "interviews:participant_list": {"GET": READ},
    "interviews:participant_detail": {"GET": READ},
    "interviews:participant_create": {"GET": WRITE_FORM, "POST": post(400)},
    "interviews:participant_edit": {"GET": WRITE_FORM, "POST": post(400)},
    "interviews:participant_delete": {"GET": expect(302, 405, 405, 405, 405), "POST": post(302)},
    "interviews:participant_export": {"GET": READ},
    "interviews:participant_import": {"GET": WRITE_FORM, "POST": post(400)},
    # The preview belongs to the coder who uploaded it; to anyone else it is gone (a message and
    # a redirect to the upload form). With no mapping posted, every column is ignored: no id
    # column, so an error report.
    "interviews:participant_import_map": {
        "GET": expect(302, 404, 403, 200, 302),
        "POST": expect(302, 404, 403, 400, 302),
    },
    "interviews:attribute_list": {"GET": READ, "POST": post(400, min_role="owner")},
    "interviews:attribute_edit": {"GET": MANAGE_FORM, "POST": post(400, min_role="owner")},
    "interviews:attribute_delete": {"GET": expect(302, 405, 405, 405, 405), "POST": post(302, min_role="owner")},
    "interviews:transcript_detail": {"GET": READ},
    "interviews:protocol_detail": {"GET": READ, "POST": post(400)},
    "interviews:protocol_list": {"GET": READ, "POST": post(400)},
    "interviews:protocol_delete": {"GET": expect(302, 405, 405, 405, 405), "POST": post(302)},
    "interviews:document_list": {"GET": READ},
    "interviews:document_edit": {"GET": WRITE_FORM, "POST": post(400)},
    "interviews:document_speakers": {"GET": WRITE_FORM, "POST": post(302)},
    # Speaker review actions: an empty post names no turn or speaker, so the page comes back with why.
    "interviews:speakers_merge": {"GET": expect(302, 405, 405, 405, 405), "POST": post(400)},
    "interviews:turn_reassign": {"GET": expect(302, 405, 405, 405, 405), "POST": post(400)},
    "interviews:turn_split": {"GET": expect(302, 405, 405, 405, 405), "POST": post(400)},
    "interviews:turn_join": {"GET": expect(302, 405, 405, 405, 405), "POST": post(400)},
    "interviews:document_questions": {"GET": READ, "POST": post(302)},
    # An empty correction is refused with a message; nothing is saved.
    "interviews:document_correct": {"GET": WRITE_FORM, "POST": post(200)},
    "interviews:document_delete": {"GET": expect(302, 405, 405, 405, 405), "POST": post(302)},
    "interviews:import": {"GET": WRITE_FORM, "POST": expect(302, 404, 403, 400, 400)},
    "interviews:import_jobs": {"GET": READ},
    # With no staged files named (?f=...) the preview has expired: a message and back to the upload.
    "interviews:import_preview": {"GET": expect(302, 404, 403, 302, 302), "POST": expect(302, 404, 403, 302, 302)},
    # A staged file belongs to the coder who uploaded it; to anyone else it does not exist.
    "interviews:import_preview_file": {
        "GET": expect(302, 405, 405, 405, 405),
        "POST": expect(302, 404, 403, 200, 404),
    },
}
