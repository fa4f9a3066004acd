from __future__ import annotations

from uuid import UUID

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ..access import get_protocol_for_user


@login_required
def protocol_detail(request: HttpRequest, slug: str, protocol_uuid: UUID) -> HttpResponse:
    protocol = get_protocol_for_user(request, slug, protocol_uuid)
    return render(
        request,
        "interviews/protocol_detail.html",
        {"study": protocol.study, "protocol": protocol, "questions": protocol.questions.all()},
    )
