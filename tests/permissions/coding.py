from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from coding.models import Code, Coding, Memo
from coding.services.codebook import create_code
from coding.services.codings import apply_coding
from interviews.models import Transcript

from .common import NO_GET, READ, WRITE_FORM, Payload, World, post
from .world import study_transcript


def _span(transcript: Transcript, words: str) -> tuple[int, int]:
    start = transcript.text.index(words)
    return start, start + len(words)


def kwargs(team: Any) -> dict[str, Any]:
    transcript = study_transcript(team)
    # The owner's latest change is creating "Farewell", the coder's is the coding: each has
    # something to undo.
    code = create_code(study=team.study, user=team.owner, name="Greeting")
    target = create_code(study=team.study, user=team.owner, name="Farewell")
    deleted = Code.objects.create(study=team.study, name="Old idea", deleted_at=timezone.now())
    start, end = _span(transcript, "Hello there")
    coding, _ = apply_coding(transcript=transcript, code=code, start=start, end=end, coder=team.coder)
    memo = Memo.objects.create(study=team.study, target="code", code=code, body="A note", author=team.coder)
    return {
        "transcript_uuid": transcript.uuid,
        "code_uuid": code.uuid,
        "coding_uuid": coding.uuid,
        "memo_uuid": memo.uuid,
        "target_code_uuid": target.uuid,
        "deleted_code_uuid": deleted.uuid,
    }


EXPECTATIONS: dict[str, dict[str, dict[str, int]]] = {
    # --- codebook ---
    "coding:codebook": {"GET": READ, "POST": post(302)},
    "coding:codebook_export": {"GET": READ},
    # The uploaded list is kept for the preview, shown on the page.
    "coding:codebook_import": {"GET": WRITE_FORM, "POST": post(200)},
    "coding:codebook_deleted": {"GET": READ, "POST": post(302)},
    "coding:code_detail": {"GET": READ, "POST": post(302)},
    "coding:code_move": {"GET": NO_GET, "POST": post(302)},
    "coding:code_merge": {"GET": NO_GET, "POST": post(302)},
    "coding:code_split": {"GET": NO_GET, "POST": post(302)},
    "coding:code_delete": {"GET": NO_GET, "POST": post(302)},
    # --- retrieval, keyword in context, auto-coding ---
    "coding:retrieval": {"GET": READ},
    "coding:retrieval_export": {"GET": READ},
    "coding:segment_context": {"GET": READ},
    "coding:kwic": {"GET": READ},
    # Applying shows the outcome on the page.
    "coding:autocode": {"GET": WRITE_FORM, "POST": post(200)},
    # --- memos ---
    "coding:memo_list": {"GET": READ, "POST": post(302)},
    "coding:memo_new": {"GET": WRITE_FORM, "POST": post(302)},
    "coding:memo_edit": {"GET": WRITE_FORM, "POST": post(302)},
    "coding:memo_delete": {"GET": NO_GET, "POST": post(302)},
    # --- history ---
    "coding:activity": {"GET": READ},
    "coding:undo": {"GET": NO_GET, "POST": post(302)},
    # --- codings in the reader (JSON) ---
    "coding:transcript_codings": {"GET": READ},
    "coding:apply": {"GET": NO_GET, "POST": post(201)},
    "coding:change": {"GET": NO_GET, "POST": post(200)},
    "coding:remove": {"GET": NO_GET, "POST": post(200)},
}


# --- what the pages post ---------------------------------------------------------------------------


def _code(w: World) -> Code:
    return Code.objects.get(uuid=w["code_uuid"])


def _transcript(w: World) -> Transcript:
    return Transcript.objects.get(uuid=w["transcript_uuid"])


def _code_form(w: World) -> dict[str, Any]:
    code = _code(w)
    return {"name": "Greeting", "colour": "#336699", "definition": "Saying hello", "inclusion": "", "exclusion": "",
            "typical_example": "Hello there", "atypical_example": "", "version": code.version}  # fmt: skip


def _autocode(w: World) -> dict[str, Any]:
    transcript = _transcript(w)
    start, end = _span(transcript, "papers")
    return {"q": "papers", "mode": "words", "scope": "match", "code": str(w["code_uuid"]), "new_code": "",
            "action": "apply", "hit": [f"{transcript.pk}:{start}:{end}"]}  # fmt: skip


def _apply(w: World) -> dict[str, Any]:
    start, end = _span(_transcript(w), "papers")
    return {"code": str(w["target_code_uuid"]), "start": start, "end": end, "text": "papers"}


def _resize(w: World) -> dict[str, Any]:
    coding = Coding.objects.get(uuid=w["coding_uuid"])
    return {"start": coding.start, "end": coding.end + 1}


def _context(w: World) -> str:
    start, end = _span(_transcript(w), "Hello there")
    return f"?start={start}&end={end}"


PAYLOADS: dict[str, Payload] = {
    "coding:codebook": Payload(
        lambda w: {"name": "Curiosity", "parent": "", "colour": "", "definition": "Wanting to know"},
        changes=("coding.Code",),
    ),
    "coding:codebook_import": Payload(
        lambda w: {"file": SimpleUploadedFile("codes.txt", b"Motivation\n  Curiosity\n")},
        changes=("studies.StagedUpload",),
    ),
    "coding:codebook_deleted": Payload(lambda w: {"code": str(w["deleted_code_uuid"])}, changes=("coding.Code",)),
    "coding:code_detail": Payload(_code_form, changes=("coding.Code",)),
    "coding:code_move": Payload(
        lambda w: {"parent": str(w["target_code_uuid"]), "position": 0}, changes=("coding.Code",)
    ),
    "coding:code_merge": Payload(
        lambda w: {"target": str(w["target_code_uuid"])}, changes=("coding.Code", "coding.Coding")
    ),
    "coding:code_split": Payload(
        lambda w: {"name": "Greeting (formal)", "codings": [str(w["coding_uuid"])]},
        changes=("coding.Code", "coding.Coding"),
    ),
    "coding:code_delete": Payload(lambda w: {}, changes=("coding.Code",)),
    "coding:autocode": Payload(_autocode, changes=("coding.Coding",)),
    "coding:memo_list": Payload(lambda w: {"title": "Day 1", "body": "Started coding."}, changes=("coding.Memo",)),
    "coding:memo_new": Payload(
        lambda w: {"target": "code", "uuid": str(w["code_uuid"]), "title": "", "body": "About greetings"},
        changes=("coding.Memo",),
    ),
    "coding:memo_edit": Payload(
        lambda w: {"title": "", "body": "Edited note", "version": Memo.objects.get(uuid=w["memo_uuid"]).version},
        changes=("coding.Memo",),
    ),
    "coding:memo_delete": Payload(lambda w: {}, changes=("coding.Memo",)),
    "coding:undo": Payload(lambda w: {}, changes=("coding.LogEntry",)),
    "coding:apply": Payload(_apply, json=True, changes=("coding.Coding",)),
    "coding:change": Payload(_resize, json=True, changes=("coding.Coding",)),
    "coding:remove": Payload(lambda w: {}, json=True, changes=("coding.Coding",)),
}

QUERIES = {
    "coding:segment_context": _context,
    "coding:transcript_codings": lambda w: "?since=2000-01-01T00:00:00Z",
}
