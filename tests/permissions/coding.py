from __future__ import annotations

from typing import Any

from coding.models import Code, Coding
from interviews.models import Transcript

from .common import expect, post


def kwargs(team: Any) -> dict[str, Any]:
    transcript = Transcript.objects.filter(study=team.study).first() or Transcript.objects.create(
        study=team.study, title="Interview P1", text="Hello there."
    )
    code = Code.objects.create(study=team.study, name="Greeting")
    coding = Coding.objects.create(transcript=transcript, code=code, start=0, end=5, coder=team.coder)
    return {"transcript_uuid": transcript.uuid, "code_uuid": code.uuid, "coding_uuid": coding.uuid}


EXPECTATIONS: dict[str, dict[str, dict[str, int]]] = {
    # --- codings in the reader ---
    # Without ?since= the poll is a bad request, but only members learn that.
    "coding:transcript_codings": {"GET": expect(302, 404, 400, 400, 400)},
    "coding:apply": {"GET": expect(302, 405, 405, 405, 405), "POST": post(400)},
    "coding:change": {"GET": expect(302, 405, 405, 405, 405), "POST": post(200)},
    "coding:remove": {"GET": expect(302, 405, 405, 405, 405), "POST": post(200)},
}
