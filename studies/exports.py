"""Exports: small ones answer the request, large ones run as jobs with a download.

A view counts the rows and calls `export_response`; at most
`THEMATICA_EXPORT_INLINE_ROWS` rows are built in the request and sent as an
attachment, more become a job whose task calls `run_export` and whose page
offers the file when it is done (`studies:job_download`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.files.base import ContentFile
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from accounts.models import User
from accounts.utils import acting_user

from .access import membership_for
from .jobs import JobError, create_job, enqueue, finish_job, job_context, report_progress
from .models import Job, JobKind, Study

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def content_type_for(filename: str) -> str:
    return CONTENT_TYPES.get(filename.rsplit(".", 1)[-1].lower(), "application/octet-stream")


@dataclass(frozen=True)
class ExportFile:
    filename: str
    data: bytes
    rows: int


def attachment(export: ExportFile) -> HttpResponse:
    response = HttpResponse(export.data, content_type=content_type_for(export.filename))
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    return response


def export_response(
    request: HttpRequest,
    *,
    study: Study,
    rows: int,
    kind: JobKind,
    task: Any,
    params: dict[str, Any],
    build: Callable[[], ExportFile],
) -> HttpResponse:
    """The file itself for up to THEMATICA_EXPORT_INLINE_ROWS rows; above that, a job whose task
    builds the same file from `params`, and a redirect to the job's page."""
    if rows <= settings.THEMATICA_EXPORT_INLINE_ROWS:
        return attachment(build())
    job = create_job(study=study, kind=kind, user=acting_user(request), params=params)
    enqueue(task, job)
    messages.info(
        request, f"{rows:,} rows: the export is prepared in the background; download it here when it is ready."
    )
    return redirect(job)


def run_export(job_id: int, build: Callable[[Job, User], ExportFile]) -> None:
    """The body of an export task: check the person is still a member, build, store the file."""
    with job_context(job_id) as job:
        if job is None:
            return
        user = job.created_by
        if user is None or membership_for(user, job.study) is None:
            raise JobError("You are no longer a member of this study, so the export was not made.")
        report_progress(job, 10, "Collecting the rows")
        export = build(job, user)
        report_progress(job, 90, f"Saving {export.filename}")
        finish_job(
            job,
            result={"filename": export.filename, "rows": export.rows},
            result_file=ContentFile(export.data, name=export.filename),
        )
