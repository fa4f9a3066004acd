from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from accounts.utils import acting_user
from studies.access import get_study_for_user
from studies.jobs import create_job, enqueue, fail_job
from studies.models import Job, JobKind

from ..importers import SUPPORTED_EXTENSIONS
from ..importers.safety import human_size
from ..models import Participant, Protocol
from ..tasks import import_transcript_task

MAX_FILES_PER_UPLOAD = 200


@login_required
@require_http_methods(["GET", "POST"])
def import_documents(request: HttpRequest, slug: str) -> HttpResponse:
    study = get_study_for_user(request, slug, write=True)
    participants = Participant.objects.filter(study=study).order_by("label")
    protocols = Protocol.objects.filter(study=study).order_by("title")
    errors: list[str] = []
    if request.method == "POST":
        files = request.FILES.getlist("files")
        labels = [label for label in request.POST.getlist("participants") if label]
        protocol_uuid = request.POST.get("protocol") or ""
        known_labels = set(participants.values_list("label", flat=True))
        if not files:
            errors.append("Choose at least one file to import.")
        if len(files) > MAX_FILES_PER_UPLOAD:
            errors.append(f"Import at most {MAX_FILES_PER_UPLOAD} files at once.")
        if any(label not in known_labels for label in labels):
            errors.append("One of the chosen participants is not in this study.")
        if protocol_uuid and not protocols.filter(uuid=protocol_uuid).exists():
            errors.append("The chosen protocol is not in this study.")
        if not errors:
            limit = settings.THEMATICA_MAX_UPLOAD_BYTES
            for upload in files:
                name = upload.name or "upload"
                params = {"participant_labels": labels, "protocol_uuid": protocol_uuid}
                if upload.size is not None and upload.size > limit:
                    job = create_job(
                        study=study, kind=JobKind.IMPORT_TRANSCRIPT, user=acting_user(request), params=params,
                        input_name=name,
                    )  # fmt: skip
                    fail_job(job, f"{name}: is {human_size(upload.size)}; the limit is {human_size(limit)}")
                    continue
                job = create_job(
                    study=study,
                    kind=JobKind.IMPORT_TRANSCRIPT,
                    user=acting_user(request),
                    params=params,
                    input_name=name,
                    input_bytes=upload.read(),
                )
                enqueue(import_transcript_task, job)
            messages.success(request, f"{len(files)} file{'s' if len(files) != 1 else ''} queued for import.")
            return redirect("interviews:import_jobs", slug=study.slug)
    return render(
        request,
        "interviews/import.html",
        {
            "study": study,
            "participants": participants,
            "protocols": protocols,
            "errors": errors,
            "accept": ",".join(f".{e}" for e in SUPPORTED_EXTENSIONS),
            "extensions": ", ".join(f".{e}" for e in SUPPORTED_EXTENSIONS),
            "limit": human_size(settings.THEMATICA_MAX_UPLOAD_BYTES),
        },
        status=400 if errors else 200,
    )


@login_required
def import_jobs(request: HttpRequest, slug: str) -> HttpResponse:
    study = get_study_for_user(request, slug)
    jobs = Job.objects.filter(study=study, kind=JobKind.IMPORT_TRANSCRIPT).order_by("-created_at")[:100]
    return render(request, "interviews/import_jobs.html", {"study": study, "jobs": jobs})
