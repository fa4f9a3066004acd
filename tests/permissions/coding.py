from __future__ import annotations

from typing import Any

from coding.models import Code, Coding, Memo
from interviews.models import Transcript

from .common import READ, WRITE_FORM, expect, post


def kwargs(team: Any) -> dict[str, Any]:
    transcript = Transcript.objects.filter(study=team.study).first() or Transcript.objects.create(
        study=team.study, title="Interview P1", text="Hello there."
    )
    code = Code.objects.create(study=team.study, name="Greeting")
    coding = Coding.objects.create(transcript=transcript, code=code, start=0, end=5, coder=team.coder)
    memo = Memo.objects.create(study=team.study, target="code", code=code, body="A note", author=team.coder)
    return {
        "transcript_uuid": transcript.uuid,
        "code_uuid": code.uuid,
        "coding_uuid": coding.uuid,
        "memo_uuid": memo.uuid,
    }


NO_GET = expect(302, 405, 405, 405, 405)

EXPECTATIONS: dict[str, dict[str, dict[str, int]]] = {
    # --- codebook ---
    "coding:codebook": {"GET": READ, "POST": post(400)},
    "coding:codebook_export": {"GET": READ},
    "coding:codebook_import": {"GET": WRITE_FORM, "POST": post(400)},
    "coding:codebook_deleted": {"GET": READ, "POST": post(404)},
    # Posting without the version the form carries is a stale edit: 409, nothing saved.
    "coding:code_detail": {"GET": READ, "POST": post(409)},
    "coding:code_move": {"GET": NO_GET, "POST": post(302)},
    "coding:code_merge": {"GET": NO_GET, "POST": post(302)},
    "coding:code_split": {"GET": NO_GET, "POST": post(302)},
    "coding:code_delete": {"GET": NO_GET, "POST": post(302)},
    # --- retrieval, keyword in context, auto-coding ---
    "coding:retrieval": {"GET": READ},
    "coding:retrieval_export": {"GET": READ},
    # Without ?start=&end= there is no segment to show context for, but only members learn that.
    "coding:segment_context": {"GET": expect(302, 404, 400, 400, 400)},
    "coding:kwic": {"GET": READ},
    "coding:autocode": {"GET": WRITE_FORM, "POST": post(200)},
    # --- memos ---
    "coding:memo_list": {"GET": READ, "POST": post(400)},
    "coding:memo_new": {"GET": WRITE_FORM, "POST": post(400)},
    # A post without the memo's version is a stale edit.
    "coding:memo_edit": {"GET": WRITE_FORM, "POST": post(409)},
    "coding:memo_delete": {"GET": NO_GET, "POST": post(302)},
    # --- history ---
    "coding:activity": {"GET": READ},
    "coding:undo": {"GET": NO_GET, "POST": post(302)},
    # --- codings in the reader ---
    # Without ?since= the poll is a bad request, but only members learn that.
    "coding:transcript_codings": {"GET": expect(302, 404, 400, 400, 400)},
    "coding:apply": {"GET": expect(302, 405, 405, 405, 405), "POST": post(400)},
    "coding:change": {"GET": expect(302, 405, 405, 405, 405), "POST": post(200)},
    "coding:remove": {"GET": expect(302, 405, 405, 405, 405), "POST": post(200)},
}
