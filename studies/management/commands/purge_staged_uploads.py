from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from studies.staging import purge_staged_uploads


class Command(BaseCommand):
    help = "Delete staged uploads (import previews never confirmed) older than a day."

    def handle(self, *args: Any, **options: Any) -> None:
        deleted = purge_staged_uploads()
        self.stdout.write(f"{deleted} expired staged upload{'s' if deleted != 1 else ''} deleted.")
