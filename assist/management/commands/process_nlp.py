"""python manage.py process_nlp --study SLUG [--study SLUG ...] | --all-studies [--stale]

Processes a study's transcripts again (sentences, technique mentions) in this process, not through
the task service: after the technique vocabulary or the pipeline changed, or to fill in transcripts
imported while no worker ran. `--stale` leaves out transcripts whose stored results are current.
Progress goes to stderr ("12/40 transcripts, 240,000 words, 15,300 words/s"); the summary of each
study to stdout.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from assist.selectors import unprocessed_transcripts
from assist.services import ProcessingSummary, Progress, process_transcripts
from studies.models import Study

PROGRESS_EVERY_S = 0.5


class Command(BaseCommand):
    help = "Segment a study's transcripts into sentences and find technique mentions, storing the results."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--study", action="append", default=[], help="Study slug (repeatable).")
        parser.add_argument("--all-studies", action="store_true", help="Every study.")
        parser.add_argument(
            "--stale", action="store_true", help="Only transcripts never processed, corrected since, or outdated."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        slugs: list[str] = options["study"]
        if options["all_studies"] == bool(slugs):
            raise CommandError("Give --study SLUG (one or more) or --all-studies.")
        if options["all_studies"]:
            studies = list(Study.objects.order_by("slug"))
        else:
            found = {s.slug: s for s in Study.objects.filter(slug__in=slugs)}
            missing = [slug for slug in slugs if slug not in found]
            if missing:
                raise CommandError(f"No study with the slug {', '.join(missing)}.")
            studies = [found[slug] for slug in dict.fromkeys(slugs)]
        for study in studies:
            transcripts = unprocessed_transcripts(study) if options["stale"] else study.transcripts.all()
            summary = process_transcripts(transcripts, progress=self._progress_printer())
            self.stdout.write(self._summary(study, summary))
            if summary.transcripts:
                # New sentences: the study's code suggestions are made again (if it has rules or a model).
                from assist.suggestions import queue_after_processing

                if queue_after_processing(study=study, user=None, transcripts=None) is not None:
                    self.stdout.write(f"{study.slug}: code suggestions queued.")

    def _progress_printer(self) -> Any:
        interactive = self.stderr.isatty()
        last = [0.0]

        def show(p: Progress) -> None:
            now = time.monotonic()
            finished = p.transcripts_done == p.transcripts_total
            if not finished and now - last[0] < PROGRESS_EVERY_S:
                return
            last[0] = now
            line = (
                f"{p.transcripts_done}/{p.transcripts_total} transcripts, {p.words_done:,} words, "
                f"{p.words_per_s:,.0f} words/s"
            )
            if interactive:
                self.stderr.write(f"\r{line}", ending="\n" if finished else "")
                self.stderr.flush()
            else:
                self.stderr.write(line)

        return show

    def _summary(self, study: Study, s: ProcessingSummary) -> str:
        if not s.transcripts and not s.skipped:
            return f"{study.slug}: no transcripts to process."
        line = (
            f"{study.slug}: {s.transcripts} transcript(s) processed, {s.words:,} words, {s.sentences:,} sentences, "
            f"{s.mentions:,} technique mention(s) in {s.seconds:.1f} s ({s.words_per_s:,.0f} words/s)"
        )
        if s.skipped:
            line += f"; {s.skipped} corrected meanwhile, left to their own processing"
        return line + "."
