from __future__ import annotations

from uuid import UUID

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ..access import get_transcript_for_user


@login_required
def transcript_detail(request: HttpRequest, slug: str, transcript_uuid: UUID) -> HttpResponse:
    transcript = get_transcript_for_user(request, slug, transcript_uuid)
    turns = list(transcript.turns.select_related("speaker").order_by("index"))
    for turn in turns:
        turn.text = transcript.text[turn.start : turn.end]  # type: ignore[attr-defined]
    return render(
        request,
        "interviews/transcript_detail.html",
        {"study": transcript.study, "transcript": transcript, "turns": turns},
    )
