"""JSON endpoints the reader calls to apply, change, remove and poll codings."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from uuid import UUID

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_GET, require_POST

from interviews.access import get_transcript_for_user
from studies.models import Study

from ..access import get_coding_for_user
from ..forms import ApplyCodingForm, ChangeCodingForm, form_errors
from ..selectors import code_payload, coding_changes_since, coding_payload
from ..services import codings as services


def _body(request: HttpRequest) -> dict[str, Any]:
    """The request's JSON object; form posts (no JavaScript) are accepted too."""
    if request.content_type != "application/json":
        return request.POST.dict()
    try:
        data = json.loads(request.body or b"{}")
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValidationError("The request body is not valid JSON.") from exc
    if not isinstance(data, dict):
        raise ValidationError("The request body must be a JSON object.")
    return data


def _error(exc: ValidationError, status: int = 400) -> JsonResponse:
    return JsonResponse({"error": " ".join(exc.messages)}, status=status)


def _cleaned(
    form_class: type[ApplyCodingForm | ChangeCodingForm], request: HttpRequest, study: Study
) -> dict[str, Any]:
    """The request's JSON (or form) body through `form_class`; invalid input raises with its message."""
    form = form_class(_body(request), study=study)
    if not form.is_valid():
        raise ValidationError(form_errors(form))
    return form.cleaned_data


@login_required
@require_POST
def apply_coding(request: HttpRequest, slug: str, transcript_uuid: UUID) -> JsonResponse:
    transcript = get_transcript_for_user(request, slug, transcript_uuid, write=True)
    try:
        data = _cleaned(ApplyCodingForm, request, transcript.study)
        applied = services.apply_coding_with_code(
            transcript=transcript,
            coder=request.user,  # type: ignore[arg-type]
            code=data["code"],
            new_code_name=data["new_code"],
            turn_index=data["turn"],
            start=data["start"],
            end=data["end"],
            expected_text=data["text"],
        )
    except ValidationError as exc:
        return _error(exc, status=409 if {services.TEXT_CHANGED, services.TURNS_CHANGED} & set(exc.messages) else 400)
    placed = applied.placement
    return JsonResponse(
        {"coding": coding_payload(placed.coding), "created": placed.created, "code": code_payload(applied.code),
         "new_code": applied.created_code, "joined": placed.joined_uuids},
        status=201 if placed.created else 200,
    )  # fmt: skip


@login_required
@require_POST
def change_coding(request: HttpRequest, slug: str, coding_uuid: UUID) -> JsonResponse:
    coding = get_coding_for_user(request, slug, coding_uuid, write=True)
    try:
        data = _cleaned(ChangeCodingForm, request, coding.transcript.study)
        placed = services.change_coding(
            coding=coding,
            user=request.user,  # type: ignore[arg-type]
            start=data["start"],
            end=data["end"],
            code=data["code"],
            new_code_name=data["new_code"],
        )
    except ValidationError as exc:
        return _error(exc, status=409 if "removed in the meantime" in " ".join(exc.messages) else 400)
    return JsonResponse(
        {"coding": coding_payload(placed.coding), "replaced": str(coding.uuid), "joined": placed.joined_uuids,
         "code": code_payload(placed.coding.code)}
    )  # fmt: skip


@login_required
@require_POST
def remove_coding(request: HttpRequest, slug: str, coding_uuid: UUID) -> JsonResponse:
    coding = get_coding_for_user(request, slug, coding_uuid, write=True)
    services.remove_coding(coding=coding, user=request.user)  # type: ignore[arg-type]
    return JsonResponse({"removed": str(coding.uuid)})


@login_required
@require_GET
def transcript_codings(request: HttpRequest, slug: str, transcript_uuid: UUID) -> JsonResponse:
    """What changed since `?since=` (ISO time from the previous answer): the reader's poll."""
    transcript = get_transcript_for_user(request, slug, transcript_uuid)
    now = timezone.now()
    since: datetime | None = parse_datetime(request.GET.get("since", "") or "")
    if since is None:
        return JsonResponse({"error": "Pass ?since= with the time of the previous answer."}, status=400)
    payload = coding_changes_since(transcript=transcript, user=request.user, since=since)
    payload["now"] = now.isoformat()
    return JsonResponse(payload)
