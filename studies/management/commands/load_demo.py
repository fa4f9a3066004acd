"""python manage.py load_demo [--owner USERNAME] [--reset]"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import User
from studies.demo.loader import load_demo


class Command(BaseCommand):
    help = "Create or update the demo studies built from the seed papers (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--owner", help="Existing username to make owner of the demo studies.")
        parser.add_argument("--reset", action="store_true", help="Delete the demo studies first and rebuild them.")

    def handle(self, *args: Any, **options: Any) -> None:
        owner = None
        if options.get("owner"):
            owner = User.objects.filter(username=options["owner"]).first()
            if owner is None:
                raise CommandError(f"No user called {options['owner']!r}.")
        report = load_demo(owner=owner, reset=options.get("reset", False))
        if options.get("verbosity", 1):
            self.stdout.write(report.summary())
