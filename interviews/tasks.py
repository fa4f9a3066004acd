"""Celery tasks of the corpus: each takes a Job id and calls a service."""

from __future__ import annotations

from django.db import transaction
from django.urls import reverse

from studies.exports import run_export
from studies.jobs import JobError, finish_job, job_context, job_task, report_progress
from studies.models import JobKind

from .exports import participants_export
from .importers import ImportFailure
from .models import Protocol, TranscriptMode
from .services.imports import choices_from_params, import_transcript


@job_task(JobKind.IMPORT_TRANSCRIPT)
def import_transcript_task(job_id: int) -> None:
    with job_context(job_id) as job:
        if job is None:
            return
        report_progress(job, 10, "Reading the file")
        if not job.input_file:
            raise JobError(f"{job.input_name}: the uploaded file is no longer kept; upload it again.")
        with job.input_file.open("rb") as handle:
            data = handle.read()
        params = job.params or {}
        protocol = None
        if params.get("protocol_uuid"):
            protocol = Protocol.objects.filter(study=job.study, uuid=params["protocol_uuid"]).first()
        # The speaker choices made in the import preview; none for a direct import.
        speaker_options, speaker_map = choices_from_params(params)
        # The transcript and the job's end commit together: a worker killed before the commit leaves
        # neither (the job is started again), and of two attempts racing only one commits.
        with transaction.atomic():
            try:
                outcome = import_transcript(
                    study=job.study,
                    filename=job.input_name,
                    data=data,
                    user=job.created_by,
                    participant_labels=params.get("participant_labels") or [],
                    protocol=protocol,
                    mode=params.get("mode") or TranscriptMode.RECORDED,
                    speaker_options=speaker_options,
                    speaker_map=speaker_map,
                )
            except ImportFailure as exc:
                # The file's content is at fault: importing it again would fail the same way.
                raise JobError(str(exc), permanent=True) from exc
            transcript = outcome.transcript
            # Finishing deletes the uploaded bytes once this commits: they are kept only until imported.
            finish_job(
                job,
                result={
                    "transcript_uuid": str(transcript.uuid),
                    "created": outcome.created,
                    "url": reverse("interviews:transcript_detail", args=[job.study.slug, transcript.uuid]),
                    "link_text": f"Open “{transcript.title}”",
                    "warnings": outcome.warnings,
                    "turns": transcript.turns.count(),
                    "words": transcript.word_count,
                    # The import summary: who speaks how much, and what looks doubtful (see import_summary).
                    "speakers": outcome.summary.get("speakers", []),
                    "doubts": outcome.summary.get("doubts", []),
                    "detected": outcome.summary.get("detected", ""),
                },
            )


@job_task(JobKind.EXPORT_PARTICIPANTS)
def export_participants_task(job_id: int) -> None:
    run_export(job_id, lambda job, _user: participants_export(study=job.study, fmt=job.params.get("format", "csv")))
