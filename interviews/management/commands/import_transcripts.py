"""python manage.py import_transcripts --study SLUG [--participant P3] [--user NAME] FILE..."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import User
from interviews.importers import ImportFailure
from interviews.services.imports import import_transcript
from studies.models import Study


class Command(BaseCommand):
    help = "Import transcript files (txt, md, docx, odt, pdf, html, vtt, srt, csv, xlsx) into a study."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--study", required=True, help="Study slug.")
        parser.add_argument("--participant", action="append", default=[], help="Participant id (repeatable).")
        parser.add_argument("--user", help="Username recorded as the importer.")
        parser.add_argument("files", nargs="+")

    def handle(self, *args: Any, **options: Any) -> None:
        study = Study.objects.filter(slug=options["study"]).first()
        if study is None:
            raise CommandError(f"No study with slug {options['study']!r}.")
        user = None
        if options.get("user"):
            user = User.objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"No user called {options['user']!r}.")
        failures = 0
        for name in options["files"]:
            path = Path(name)
            try:
                data = path.read_bytes()
                outcome = import_transcript(
                    study=study, filename=path.name, data=data, user=user, participant_labels=options["participant"]
                )
            except OSError as exc:
                failures += 1
                self.stderr.write(f"failed: {path.name}: cannot be read ({exc.strerror})")
                continue
            except ImportFailure as exc:
                failures += 1
                self.stderr.write(f"failed: {exc}")
                continue
            transcript = outcome.transcript
            verb = "imported" if outcome.created else "already imported"
            self.stdout.write(
                f"{verb}: {path.name} → “{transcript.title}” ({transcript.turns.count()} turns, "
                f"{transcript.word_count} words)"
            )
            for warning in outcome.warnings if outcome.created else []:
                self.stdout.write(f"  warning: {warning}")
        if failures:
            raise CommandError(f"{failures} of {len(options['files'])} files failed.")
