from __future__ import annotations

from uuid import UUID

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from studies.access import get_study_for_user

from ..access import get_participant_for_user
from ..selectors import participant_table


@login_required
def participant_list(request: HttpRequest, slug: str) -> HttpResponse:
    study = get_study_for_user(request, slug)
    table = participant_table(study=study)
    return render(request, "interviews/participant_list.html", {"study": study, "table": table})


@login_required
def participant_detail(request: HttpRequest, slug: str, participant_uuid: UUID) -> HttpResponse:
    participant = get_participant_for_user(request, slug, participant_uuid)
    values = participant.values.select_related("attribute").order_by("attribute__order", "attribute__name")
    return render(
        request,
        "interviews/participant_detail.html",
        {"study": participant.study, "participant": participant, "values": values},
    )
