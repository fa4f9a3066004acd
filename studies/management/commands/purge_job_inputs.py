from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from studies.sweep import purge_job_inputs


class Command(BaseCommand):
    help = (
        "Delete the uploaded files of jobs that failed (or were never started) more than "
        "THEMATICA_FAILED_UPLOAD_RETENTION_DAYS ago, and files under jobs/input that no job refers to."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        report = purge_job_inputs()
        days = settings.THEMATICA_FAILED_UPLOAD_RETENTION_DAYS
        self.stdout.write(f"Uploads kept {days} days after a failure: {report}.")
