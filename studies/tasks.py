"""Periodic tasks of the job machinery, scheduled by beat (CELERY_BEAT_SCHEDULE in settings)."""

from __future__ import annotations

from celery import shared_task

from .sweep import purge_job_inputs, sweep_jobs


@shared_task(ignore_result=True)
def sweep_jobs_task() -> str:
    """Restart or give up the jobs of dead workers, re-send jobs nobody started (studies.sweep)."""
    return str(sweep_jobs())


@shared_task(ignore_result=True)
def purge_job_inputs_task() -> str:
    """Delete the uploaded files no longer kept (studies.sweep.purge_job_inputs)."""
    return str(purge_job_inputs())
