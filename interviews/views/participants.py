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

from studies.access import get_in_study_or_404, get_study_for_user
from studies.jobs import create_job
from studies.models import Job, JobStatus, Study

from ..access import get_participant_for_user
from ..importers import ImportFailure
from ..models import Attribute, AttributeType, Participant
from ..selectors import participant_table, study_attributes
from ..services import participants as services
from ..tables import read_table, rows_of, to_csv_bytes, to_xlsx_bytes

TABLE_KIND = "participant_table"


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
    table = participant_table(study=study)
    if request.GET.get("format") == "xlsx":
        response = HttpResponse(
            to_xlsx_bytes(table), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        response["Content-Disposition"] = f'attachment; filename="{study.slug}-participants.xlsx"'
        return response
    response = HttpResponse(to_csv_bytes(table), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{study.slug}-participants.csv"'
    return response


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
    """Step 1: upload a CSV/XLSX table; it is checked and kept for the mapping step."""
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
                job = create_job(study=study, kind=TABLE_KIND, user=request.user, input_name=name, input_bytes=data)  # type: ignore[arg-type]
                return redirect("interviews:participant_import_map", slug=slug, table_uuid=job.uuid)
    return render(
        request, "interviews/participant_import.html", {"study": study, "error": error}, status=400 if error else 200
    )


@login_required
@require_http_methods(["GET", "POST"])
def participant_import_map(request: HttpRequest, slug: str, table_uuid: UUID) -> HttpResponse:
    """Step 2: preview, map columns to attributes, validate every row, then save all or nothing."""
    study = get_study_for_user(request, slug, write=True)
    job = get_in_study_or_404(Job.objects.filter(kind=TABLE_KIND), study, uuid=table_uuid)
    if job.is_finished:
        messages.info(request, "That table was already imported.")
        return redirect("interviews:participant_list", slug=slug)
    with job.input_file.open("rb") as handle:
        frame = read_table(job.input_name, handle.read(), max_bytes=settings.THEMATICA_MAX_UPLOAD_BYTES)
    attributes = list(study_attributes(study=study))
    by_name = {a.name.lower(): a for a in attributes}
    columns: list[dict[str, Any]] = []
    for index, name in enumerate(frame.columns):
        values = frame[name].tolist()
        suggested, choices = services.suggest_type(values)
        if index == 0 or name.lower() in ("id", "pid", "participant", "label"):
            default = "id" if not any(c["default"] == "id" for c in columns) else "ignore"
        elif name.lower() in by_name:
            default = f"attr:{by_name[name.lower()].pk}"
        else:
            default = "new"
        columns.append({"index": index, "name": name, "suggested": suggested, "choices": choices, "default": default})
    outcome = None
    if request.method == "POST":
        plan: list[services.ColumnPlan] = []
        choices_for_new: dict[str, list[str]] = {}
        for column in columns:
            choice = request.POST.get(f"map-{column['index']}", "ignore")
            column["default"] = choice
            if choice == "id":
                plan.append(services.ColumnPlan(column["name"], "id"))
            elif choice == "new":
                new_type = request.POST.get(f"type-{column['index']}", column["suggested"])
                if new_type not in AttributeType.values:
                    new_type = AttributeType.TEXT
                column["suggested"] = new_type
                plan.append(services.ColumnPlan(column["name"], "new", new_type=new_type))
                choices_for_new[column["name"]] = column["choices"] or sorted(
                    {str(v).strip() for v in frame[column["name"]] if str(v).strip()}
                )
            elif choice.startswith("attr:"):
                attribute = next((a for a in attributes if f"attr:{a.pk}" == choice), None)
                if attribute is not None:
                    plan.append(services.ColumnPlan(column["name"], "attribute", attribute=attribute))
        outcome = services.import_participant_table(
            study=study, rows=rows_of(frame), plan=plan, choices_for_new=choices_for_new
        )
        if not outcome.errors:
            job.status, job.progress = JobStatus.DONE, 100
            job.result = {"created": outcome.created, "updated": outcome.updated}
            job.input_file.delete(save=False)
            job.save(update_fields=["status", "progress", "result", "input_file"])
            messages.success(
                request,
                f"Imported {job.input_name}: {outcome.created} participants created, {outcome.updated} updated"
                + (f"; new attributes: {', '.join(outcome.new_attributes)}." if outcome.new_attributes else "."),
            )
            return redirect("interviews:participant_list", slug=slug)
    preview = frame.head(8)
    return render(
        request,
        "interviews/participant_import_map.html",
        {
            "study": study,
            "job": job,
            "columns": columns,
            "attribute_options": [
                (f"attr:{a.pk}", f"Attribute: {a.name} ({a.get_type_display().lower()})") for a in attributes
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
