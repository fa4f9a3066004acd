from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from studies.sweep import sweep_jobs


class Command(BaseCommand):
    help = (
        "Start again (or give up) the jobs of workers that died, re-send queued jobs no worker started, "
        "send jobs waiting for the task service, and delete uploaded files no longer kept. "
        "Beat runs this every minute; run it by hand when no beat is running."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--no-purge", action="store_true", help="Leave uploaded files alone.")

    def handle(self, *args: Any, **options: Any) -> None:
        report = sweep_jobs(purge=not options["no_purge"])
        self.stdout.write(f"Job sweep: {report}.")
