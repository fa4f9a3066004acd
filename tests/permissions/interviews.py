from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from interviews.models import Attribute, Participant, Protocol, ProtocolQuestion, Speaker, SpeakerTurn, Transcript
from interviews.services.protocols import add_questions
from interviews.services.speakers import sentence_starts
from studies.models import StagedKind
from studies.staging import stage_upload

from .common import MANAGE_FORM, NO_GET, READ, WRITE_FORM, Payload, World, expect, post
from .world import study_transcript


def kwargs(team: Any) -> dict[str, Any]:
    participant = Participant.objects.create(study=team.study, label="P1")
    protocol = Protocol.objects.create(study=team.study, title="Main protocol")
    add_questions(protocol=protocol, text="How did you start?\nWhat do you do now?")
    transcript = study_transcript(team)
    Transcript.objects.filter(pk=transcript.pk).update(protocol=protocol)
    attribute = Attribute.objects.create(study=team.study, name="role", type="category", choices=["DS", "UX"])
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
    "interviews:participant_create": {"GET": WRITE_FORM, "POST": post(302)},
    "interviews:participant_edit": {"GET": WRITE_FORM, "POST": post(302)},
    "interviews:participant_delete": {"GET": NO_GET, "POST": post(302)},
    "interviews:participant_export": {"GET": READ},
    "interviews:participant_import": {"GET": WRITE_FORM, "POST": post(302)},
    # The preview belongs to the coder who uploaded it; to anyone else it is gone (a message and
    # a redirect to the upload form).
    "interviews:participant_import_map": {
        "GET": expect(302, 404, 403, 200, 302),
        "POST": expect(302, 404, 403, 302, 302),
    },
    "interviews:attribute_list": {"GET": READ, "POST": post(302, min_role="owner")},
    "interviews:attribute_edit": {"GET": MANAGE_FORM, "POST": post(302, min_role="owner")},
    "interviews:attribute_delete": {"GET": NO_GET, "POST": post(302, min_role="owner")},
    "interviews:transcript_detail": {"GET": READ},
    "interviews:protocol_detail": {"GET": READ, "POST": post(302)},
    "interviews:protocol_list": {"GET": READ, "POST": post(302)},
    "interviews:protocol_delete": {"GET": NO_GET, "POST": post(302)},
    "interviews:document_list": {"GET": READ},
    "interviews:document_edit": {"GET": WRITE_FORM, "POST": post(302)},
    "interviews:document_speakers": {"GET": WRITE_FORM, "POST": post(302)},
    "interviews:speakers_merge": {"GET": NO_GET, "POST": post(302)},
    "interviews:turn_reassign": {"GET": NO_GET, "POST": post(302)},
    "interviews:turn_split": {"GET": NO_GET, "POST": post(302)},
    "interviews:turn_join": {"GET": NO_GET, "POST": post(302)},
    "interviews:document_questions": {"GET": READ, "POST": post(302)},
    "interviews:document_correct": {"GET": WRITE_FORM, "POST": post(302)},
    "interviews:document_delete": {"GET": NO_GET, "POST": post(302)},
    "interviews:import": {"GET": WRITE_FORM, "POST": post(302)},
    "interviews:import_jobs": {"GET": READ},
    # The staged files (?f=...) are the coder's: to anyone else the preview has expired (a message
    # and back to the upload).
    "interviews:import_preview": {"GET": expect(302, 404, 403, 200, 302), "POST": expect(302, 404, 403, 302, 302)},
    # A staged file belongs to the coder who uploaded it; to anyone else it does not exist.
    "interviews:import_preview_file": {"GET": NO_GET, "POST": expect(302, 404, 403, 200, 404)},
}


# --- what the pages post ---------------------------------------------------------------------------


def _attribute(w: World) -> Attribute:
    return Attribute.objects.get(uuid=w["attribute_uuid"])


def _participant(w: World) -> Participant:
    return Participant.objects.get(uuid=w["participant_uuid"])


def _transcript(w: World) -> Transcript:
    return Transcript.objects.get(uuid=w["transcript_uuid"])


def _turns(w: World) -> list[SpeakerTurn]:
    return list(SpeakerTurn.objects.filter(transcript__uuid=w["transcript_uuid"]).order_by("index"))


def _speakers(w: World) -> dict[str, Speaker]:
    return {s.label: s for s in Speaker.objects.filter(transcript__uuid=w["transcript_uuid"])}


def _participant_form(w: World) -> dict[str, Any]:
    return {"label": "P9", "notes": "Joined late", f"attr-{_attribute(w).pk}": "UX"}


def _document_form(w: World) -> dict[str, Any]:
    return {"title": "Interview P1 (day 2)", "participants": [str(w["participant_uuid"])],
            "interview_date": "2024-05-06", "duration": "0:45:00", "interviewer": "Ana", "mode": "recorded",
            "language": "en", "protocol": str(w["protocol_uuid"]), "citation": "Interview 1"}  # fmt: skip


def _split(w: World) -> dict[str, Any]:
    first = _turns(w)[0]
    text = _transcript(w).text
    return {"turn": first.pk, "at": sentence_starts(text, first.start, first.end)[0]}


def _speaker_map(w: World) -> dict[str, Any]:
    speakers = _speakers(w)
    return {f"speaker-{speakers['Interviewer'].pk}": "other",
            f"speaker-{speakers['P1'].pk}": f"participant:{w['participant_uuid']}"}  # fmt: skip


def _question_links(w: World) -> dict[str, Any]:
    question = ProtocolQuestion.objects.filter(protocol__uuid=w["protocol_uuid"]).order_by("order").first()
    assert question is not None
    return {f"turn-{_turns(w)[0].pk}": str(question.pk)}


def _correction(w: World) -> dict[str, Any]:
    transcript = _transcript(w)
    return {"text": transcript.text.replace("It was hard.", "It was very hard."),
            "version": transcript.text_version, "action": "save"}  # fmt: skip


def _preview_choices(w: World) -> dict[str, Any]:
    """The preview form of the staged interview, as the page fills it in (speaker P1 is the study's P1)."""
    prefix = f"f-{w['staged_uuid']}"
    return {f"{prefix}-count": 2, f"{prefix}-include": "1", f"{prefix}-unlabelled": "auto",
            f"{prefix}-s0-source": "Interviewer", f"{prefix}-s0-name": "Interviewer", f"{prefix}-s0-who": "interviewer",
            f"{prefix}-s1-source": "P1", f"{prefix}-s1-name": "P1",
            f"{prefix}-s1-who": f"participant:{w['participant_uuid']}"}  # fmt: skip


def _staged_query(w: World) -> str:
    return f"?f={w['staged_uuid']}"


PAYLOADS: dict[str, Payload] = {
    "interviews:participant_create": Payload(
        _participant_form, changes=("interviews.Participant", "interviews.AttributeValue")
    ),
    "interviews:participant_edit": Payload(
        lambda w: {**_participant_form(w), "label": "P1"},
        changes=("interviews.Participant", "interviews.AttributeValue"),
    ),
    "interviews:participant_delete": Payload(lambda w: {}, changes=("interviews.Participant",)),
    "interviews:participant_import": Payload(
        lambda w: {"table": SimpleUploadedFile("people.csv", b"id,role\nP3,UX\n", content_type="text/csv")},
        changes=("studies.StagedUpload",),
    ),
    "interviews:participant_import_map": Payload(
        lambda w: {"map-0": "id", "map-1": f"attr:{_attribute(w).pk}", "type-0": "text", "type-1": "category"},
        changes=("interviews.Participant", "interviews.AttributeValue", "studies.StagedUpload"),
        unchanged_for=frozenset({"owner"}),
    ),
    "interviews:attribute_list": Payload(
        lambda w: {"name": "age", "type": "number", "choices": "", "description": "In years"},
        changes=("interviews.Attribute",),
    ),
    "interviews:attribute_edit": Payload(
        lambda w: {"name": "team role", "type": "category", "choices": "DS, UX, PM", "description": "Their role"},
        changes=("interviews.Attribute",),
    ),
    "interviews:attribute_delete": Payload(lambda w: {}, changes=("interviews.Attribute",)),
    "interviews:protocol_detail": Payload(
        lambda w: {"action": "add", "questions": "Anything else?"}, changes=("interviews.ProtocolQuestion",)
    ),
    "interviews:protocol_list": Payload(
        lambda w: {"title": "Follow-up protocol", "description": "Second round", "questions": "What changed?"},
        changes=("interviews.Protocol", "interviews.ProtocolQuestion"),
    ),
    "interviews:protocol_delete": Payload(lambda w: {}, changes=("interviews.Protocol",)),
    "interviews:document_edit": Payload(
        _document_form, changes=("interviews.Transcript", "interviews.Transcript_participants")
    ),
    "interviews:document_speakers": Payload(_speaker_map, changes=("interviews.Speaker",)),
    "interviews:speakers_merge": Payload(
        lambda w: {"absorb": _speakers(w)["P1"].pk, "keep": _speakers(w)["Interviewer"].pk},
        changes=("interviews.Speaker", "interviews.SpeakerTurn"),
    ),
    "interviews:turn_reassign": Payload(
        lambda w: {"turn": _turns(w)[0].pk, "speaker": _speakers(w)["P1"].pk}, changes=("interviews.SpeakerTurn",)
    ),
    "interviews:turn_split": Payload(_split, changes=("interviews.SpeakerTurn",)),
    "interviews:turn_join": Payload(
        lambda w: {"first": _turns(w)[0].pk, "second": _turns(w)[1].pk}, changes=("interviews.SpeakerTurn",)
    ),
    "interviews:document_questions": Payload(_question_links, changes=("interviews.SpeakerTurn",)),
    "interviews:document_correct": Payload(_correction, changes=("interviews.Transcript",)),
    "interviews:document_delete": Payload(lambda w: {}, changes=("interviews.Transcript", "coding.LogEntry")),
    "interviews:import": Payload(
        lambda w: {
            "files": [SimpleUploadedFile("p2.txt", b"Interviewer: Hi?\n\nP2: Hello.\n")],
            "participants": ["P1"],
            "protocol": str(w["protocol_uuid"]),
        },
        changes=("studies.StagedUpload",),
    ),
    "interviews:import_preview": Payload(
        lambda w: {**_preview_choices(w), "action": "confirm"},
        query=_staged_query,
        changes=("studies.Job", "studies.StagedUpload", "media"),
        unchanged_for=frozenset({"owner"}),
    ),
    # Shows the file again with other choices; stores nothing.
    "interviews:import_preview_file": Payload(
        lambda w: {**_preview_choices(w), f"f-{w['staged_uuid']}-unlabelled": "previous"}
    ),
}

QUERIES = {"interviews:import_preview": _staged_query}
