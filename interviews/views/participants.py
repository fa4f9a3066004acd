from __future__ import annotations

from typing import Any
from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from accounts.utils import acting_user
from studies.access import get_in_study_or_404, get_study_for_user
from studies.exports import export_response
from studies.models import JobKind, StagedKind, Study
from studies.staging import StagedUploadExpired, get_staged_upload, stage_upload

from ..access import get_participant_for_user
from ..exports import participants_export
from ..importers import ImportFailure
from ..models import Attribute, AttributeType, Participant
from ..selectors import participant_table, study_attributes
from ..services import participants as services
from ..tables import read_table
from ..tasks import export_participants_task


@login_required
def participant_list(request: HttpRequest, slug: str) -> HttpResponse:
    study = get_study_for_user(request, slug)
    table = participant_table(study=study)
    uuids = dict(Participant.objects.filter(study=study).values_list("label", "uuid"))
    rows = [(uuids.get(row[0]), row) for row in table.itertuples(index=False, name=None)]
    return render(
        request, "interviews/participant_list.html", {"study": study, "columns": list(table.columns), "rows": rows}
    )


@login_required
def participant_export(request: HttpRequest, slug: str) -> HttpResponse:
    study = get_study_for_user(request, slug)
    fmt = "xlsx" if request.GET.get("format") == "xlsx" else "csv"
    return export_response(
        request, study=study, rows=Participant.objects.filter(study=study).count(), kind=JobKind.EXPORT_PARTICIPANTS,
        task=export_participants_task, params={"format": fmt}, build=lambda: participants_export(study=study, fmt=fmt),
    )  # fmt: skip


def _values_from_post(request: HttpRequest, attributes: list[Attribute]) -> dict[Attribute, Any]:
    return {a: request.POST.get(f"attr-{a.pk}", "") for a in attributes}


def _participant_form(
    request: HttpRequest, study: Study, participant: Participant | None
) -> tuple[HttpResponse | None, dict[str, Any]]:
    attributes = list(study_attributes(study=study))
    errors: dict[str, list[str]] = {}
    current = {v.attribute_id: v.display for v in participant.values.all()} if participant else {}
    label = participant.label if participant else ""
    notes = participant.notes if participant else ""
    if request.method == "POST":
        label, notes = request.POST.get("label", ""), request.POST.get("notes", "")
        values = _values_from_post(request, attributes)
        current = {a.pk: str(v) for a, v in values.items()}
        try:
            saved = services.save_participant(
                study=study, label=label, notes=notes, values=values, participant=participant
            )
            messages.success(request, f"Participant {saved.label} saved.")
            return redirect("interviews:participant_detail", slug=study.slug, participant_uuid=saved.uuid), {}
        except ValidationError as exc:
            errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    fields = [(a, current.get(a.pk, ""), errors.get(a.name, [])) for a in attributes]
    return None, {
        "study": study,
        "participant": participant,
        "fields": fields,
        "label": label,
        "notes": notes,
        "errors": errors.get("__all__", []),
        "has_errors": bool(errors),
    }


@login_required
@require_http_methods(["GET", "POST"])
def participant_create(request: HttpRequest, slug: str) -> HttpResponse:
    study = get_study_for_user(request, slug, write=True)
    response, context = _participant_form(request, study, None)
    if response is not None:
        return response
    return render(request, "interviews/participant_form.html", context, status=400 if context["has_errors"] else 200)


@login_required
@require_http_methods(["GET", "POST"])
def participant_edit(request: HttpRequest, slug: str, participant_uuid: UUID) -> HttpResponse:
    participant = get_participant_for_user(request, slug, participant_uuid, write=True)
    response, context = _participant_form(request, participant.study, participant)
    if response is not None:
        return response
    return render(request, "interviews/participant_form.html", context, status=400 if context["has_errors"] else 200)


@login_required
@require_POST
def participant_delete(request: HttpRequest, slug: str, participant_uuid: UUID) -> HttpResponse:
    participant = get_participant_for_user(request, slug, participant_uuid, write=True)
    services.delete_participant(participant=participant)
    messages.success(request, f"Participant {participant.label} deleted.")
    return redirect("interviews:participant_list", slug=slug)


@login_required
def participant_detail(request: HttpRequest, slug: str, participant_uuid: UUID) -> HttpResponse:
    participant = get_participant_for_user(request, slug, participant_uuid)
    values = participant.values.select_related("attribute").order_by("attribute__order", "attribute__name")
    transcripts = participant.transcripts.order_by("title")
    return render(
        request,
        "interviews/participant_detail.html",
        {
            "study": participant.study,
            "participant": participant,
            "values": values,
            "transcripts": transcripts,
            "memos": participant.memos.filter(deleted_at__isnull=True).select_related("author"),
            "memo_target": "participant",
            "memo_uuid": participant.uuid,
        },
    )


# --- table import --------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def participant_import(request: HttpRequest, slug: str) -> HttpResponse:
    """Step 1: upload a CSV/XLSX table; it is checked and kept (for a day) for the mapping step."""
    study = get_study_for_user(request, slug, write=True)
    error = ""
    if request.method == "POST":
        upload = request.FILES.get("table")
        if upload is None:
            error = "Choose a CSV or XLSX file."
        else:
            name = upload.name or "table.csv"
            limit = settings.THEMATICA_MAX_UPLOAD_BYTES
            data = upload.read(limit + 1)
            try:
                read_table(name, data, max_bytes=limit)
            except ImportFailure as exc:
                error = str(exc)
            else:
                staged = stage_upload(
                    study=study, user=acting_user(request), kind=StagedKind.PARTICIPANT_TABLE, name=name, data=data
                )
                return redirect("interviews:participant_import_map", slug=slug, table_uuid=staged.uuid)
    return render(
        request, "interviews/participant_import.html", {"study": study, "error": error}, status=400 if error else 200
    )


@login_required
@require_http_methods(["GET", "POST"])
def participant_import_map(request: HttpRequest, slug: str, table_uuid: UUID) -> HttpResponse:
    """Step 2: preview, map columns to attributes, validate every row, then save all or nothing."""
    study = get_study_for_user(request, slug, write=True)
    user = acting_user(request)
    try:
        staged = get_staged_upload(study=study, user=user, kind=StagedKind.PARTICIPANT_TABLE, uuid=table_uuid)
    except StagedUploadExpired as exc:
        messages.error(request, str(exc))
        return redirect("interviews:participant_import", slug=slug)
    frame = read_table(staged.name, bytes(staged.data), max_bytes=settings.THEMATICA_MAX_UPLOAD_BYTES)
    columns = services.table_columns(study=study, frame=frame)
    outcome = None
    if request.method == "POST":
        mapping: dict[int, str] = {}
        types: dict[int, str] = {}
        for column in columns:
            column.default = mapping[column.index] = request.POST.get(f"map-{column.index}", services.IGNORE)
            new_type = request.POST.get(f"type-{column.index}", column.suggested)
            column.suggested = types[column.index] = (
                new_type if new_type in AttributeType.values else AttributeType.TEXT
            )
        try:
            outcome = services.import_mapped_table(
                study=study, frame=frame, columns=columns, mapping=mapping, types=types, staged=staged
            )
        except StagedUploadExpired as exc:
            messages.error(request, str(exc))
            return redirect("interviews:participant_import", slug=slug)
        if not outcome.errors:
            messages.success(
                request,
                f"Imported {staged.name}: {outcome.created} participants created, {outcome.updated} updated"
                + (f"; new attributes: {', '.join(outcome.new_attributes)}." if outcome.new_attributes else "."),
            )
            for warning in outcome.warnings:
                messages.warning(request, warning)
            return redirect("interviews:participant_list", slug=slug)
    preview = frame.head(8)
    return render(
        request,
        "interviews/participant_import_map.html",
        {
            "study": study,
            "staged": staged,
            "columns": columns,
            "attribute_options": [
                (f"attr:{a.pk}", f"Attribute: {a.name} ({a.get_type_display().lower()})")
                for a in study_attributes(study=study)
            ],
            "types": AttributeType.choices,
            "preview_rows": [
                list(r) for r in preview.astype(object).where(preview.notna(), "").itertuples(index=False)
            ],
            "row_count": len(frame),
            "outcome": outcome,
        },
        status=400 if outcome and outcome.errors else 200,
    )


# --- attributes ----------------------------------------------------------------------------------


def _choices(raw: str) -> list[str]:
    return [line.strip() for line in raw.replace(",", "\n").splitlines() if line.strip()]


@login_required
@require_http_methods(["GET", "POST"])
def attribute_list(request: HttpRequest, slug: str) -> HttpResponse:
    study = get_study_for_user(request, slug)
    error = ""
    if request.method == "POST":
        study = get_study_for_user(request, slug, manage=True)
        try:
            attribute = services.create_attribute(
                study=study,
                name=request.POST.get("name", ""),
                type=request.POST.get("type", ""),
                choices=_choices(request.POST.get("choices", "")),
                description=request.POST.get("description", ""),
            )
            messages.success(request, f"Attribute “{attribute.name}” added.")
            return redirect("interviews:attribute_list", slug=slug)
        except ValidationError as exc:
            error = " ".join(exc.messages)
    attributes = study_attributes(study=study)
    return render(
        request,
        "interviews/attribute_list.html",
        {"study": study, "attributes": attributes, "types": AttributeType.choices, "error": error},
        status=400 if error else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def attribute_edit(request: HttpRequest, slug: str, attribute_uuid: UUID) -> HttpResponse:
    study = get_study_for_user(request, slug, manage=True)
    attribute = get_in_study_or_404(Attribute.objects.all(), study, uuid=attribute_uuid)
    error = ""
    if request.method == "POST":
        try:
            services.update_attribute(
                attribute=attribute,
                name=request.POST.get("name", ""),
                type=request.POST.get("type", attribute.type),
                choices=_choices(request.POST.get("choices", "")),
                description=request.POST.get("description", ""),
            )
            messages.success(request, f"Attribute “{attribute.name}” saved.")
            return redirect("interviews:attribute_list", slug=slug)
        except ValidationError as exc:
            error = " ".join(exc.messages)
            attribute.refresh_from_db()
    return render(
        request,
        "interviews/attribute_form.html",
        {"study": study, "attribute": attribute, "types": AttributeType.choices, "error": error,
         "value_count": attribute.values.count()},
        status=400 if error else 200,
    )  # fmt: skip


@login_required
@require_POST
def attribute_delete(request: HttpRequest, slug: str, attribute_uuid: UUID) -> HttpResponse:
    study = get_study_for_user(request, slug, manage=True)
    attribute = get_in_study_or_404(Attribute.objects.all(), study, uuid=attribute_uuid)
    count = services.delete_attribute(attribute=attribute)
    messages.success(request, f"Attribute “{attribute.name}” deleted with its {count} values.")
    return redirect("interviews:attribute_list", slug=slug)
