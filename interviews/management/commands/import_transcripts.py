"""python manage.py import_transcripts --study SLUG [--dry-run] [--unlabelled previous] [--rename OLD=NEW]
[--speaker LABEL=P3|interviewer|other] [--participant P3] [--user NAME] FILE...

`--dry-run` prints, for each file, the speakers the import would store (turns, words, first turn,
doubts) and the convention detected, and stores nothing. A normal run prints the same briefly, with
the doubts as warnings. A file that cannot be read — whatever goes wrong with it — is reported and
the others are imported; the run ends with a summary naming each failed file and exits non-zero
when any failed.

Labels in `--rename` and `--speaker` match whatever their letter case and the spacing between a stem
and its number ("interviewer1" is "Interviewer 1"). A file that has no speaker such a label names
fails (is reported, and the others are imported): a typo does not silently import the defaults.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import User
from interviews.importers import ImportFailure, SpeakerOptions, label_key
from interviews.models import Participant, SpeakerRole
from interviews.services.imports import (
    UNLABELLED_CHOICES,
    SpeakerMapping,
    TranscriptPreview,
    import_transcript,
    preview_transcript,
)
from studies.models import Study
from studies.text import storable

logger = logging.getLogger(__name__)

EXCERPT_CHARS = 80
ROLE_WORDS = {
    "interviewer": SpeakerRole.INTERVIEWER,
    "other": SpeakerRole.OTHER,
    "participant": SpeakerRole.PARTICIPANT,
}
UNLABELLED_WORDS = {
    "previous": "continue the previous speaker",
    "participant": "are the participant speaking",
    "none": "none (every paragraph has its own label)",
}


def _pairs(values: list[str], option: str) -> list[tuple[str, str]]:
    pairs = []
    for value in values:
        old, sep, new = value.partition("=")
        if not sep or not old.strip() or not new.strip():
            raise CommandError(f"{option} takes LABEL=VALUE, not {value!r}.")
        pairs.append((old.strip(), new.strip()))
    return pairs


def _who(mapping: SpeakerMapping) -> str:
    if mapping.participant:
        return f"participant {mapping.participant}"
    return {"interviewer": "interview team", "other": "other"}.get(mapping.role, "participant (not in the study)")


def _excerpt(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= EXCERPT_CHARS else text[: EXCERPT_CHARS - 1].rstrip() + "…"


class Command(BaseCommand):
    help = "Import transcript files (txt, md, docx, odt, pdf, html, vtt, srt, csv, xlsx) into a study."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--study", required=True, help="Study slug.")
        parser.add_argument("--participant", action="append", default=[], help="Participant id (repeatable).")
        parser.add_argument("--user", help="Username recorded as the importer.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Print the speakers each file would have; store nothing."
        )
        parser.add_argument(
            "--unlabelled", choices=UNLABELLED_CHOICES, default="auto",
            help="Paragraphs without a speaker label: continue the previous speaker, are the participant "
            "speaking, or as detected (auto, the default).",
        )  # fmt: skip
        parser.add_argument(
            "--rename", action="append", default=[], metavar="OLD=NEW",
            help="Store speaker OLD as NEW (repeatable); two labels renamed to the same NEW are merged.",
        )  # fmt: skip
        parser.add_argument(
            "--speaker", action="append", default=[], metavar="LABEL=WHO",
            help="Who speaker LABEL (as stored, after --rename) is: a participant id of the study, "
            "interviewer, participant or other (repeatable).",
        )  # fmt: skip
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
        speaker_options = SpeakerOptions(
            renames=dict(_pairs(options["rename"], "--rename")), unlabelled=options["unlabelled"]
        )
        speaker_map = self._speaker_map(study, _pairs(options["speaker"], "--speaker"))
        failed: list[tuple[str, str]] = []  # (file name, problem)
        imported = already = 0
        for name in options["files"]:
            path = Path(name)
            try:
                data = path.read_bytes()
                if options["dry_run"]:
                    self._print_preview(
                        preview_transcript(
                            study=study, filename=path.name, data=data, options=speaker_options,
                            participant_labels=options["participant"], speaker_map=speaker_map,
                            strict_labels=True,
                        )
                    )  # fmt: skip
                    continue
                outcome = import_transcript(
                    study=study, filename=path.name, data=data, user=user, participant_labels=options["participant"],
                    speaker_options=speaker_options, speaker_map=speaker_map or None, strict_labels=True,
                )  # fmt: skip
            except OSError as exc:
                failed.append((path.name, f"cannot be read ({exc.strerror or exc})"))
                self.stderr.write(f"failed: {path.name}: {failed[-1][1]}")
                continue
            except ImportFailure as exc:
                failed.append((exc.filename, exc.problem))
                self.stderr.write(f"failed: {exc}")
                continue
            except Exception as exc:  # anything else: this file fails, the batch goes on
                logger.exception("Importing %s failed", path.name)
                problem = storable(f"could not be imported ({exc.__class__.__name__}: {exc})")
                failed.append((path.name, problem))
                self.stderr.write(f"failed: {path.name}: {problem}")
                continue
            transcript = outcome.transcript
            if not outcome.created:
                already += 1
                self.stdout.write(f"already imported: {path.name} → “{transcript.title}”")
                continue
            imported += 1
            summary = outcome.summary
            speakers = ", ".join(f"{s['label']} {s['turns']}" for s in summary.get("speakers", []))
            self.stdout.write(
                f"imported: {path.name} → “{transcript.title}” ({summary.get('turns', 0)} turns, "
                f"{summary.get('words', 0)} words{'; speakers: ' + speakers if speakers else ''})"
            )
            for warning in [*outcome.warnings, *summary.get("doubts", [])]:
                self.stdout.write(f"  warning: {warning}")
        total = len(options["files"])
        verb = "previewed" if options["dry_run"] else "imported"
        if not options["dry_run"] and total > 1:
            parts = [f"{imported} imported"]
            if already:
                parts.append(f"{already} already imported")
            if failed:
                parts.append(f"{len(failed)} failed: " + "; ".join(f"{name} — {problem}" for name, problem in failed))
            self.stdout.write(f"Summary: {', '.join(parts)}.")
        if failed:
            names = ", ".join(name for name, _ in failed)
            raise CommandError(f"{len(failed)} of {total} files failed; {total - len(failed)} {verb}. Failed: {names}.")
        if options["dry_run"]:
            self.stdout.write(f"{total} file{'s' if total != 1 else ''} previewed; nothing was stored.")

    def _speaker_map(self, study: Study, pairs: list[tuple[str, str]]) -> dict[str, SpeakerMapping]:
        participants = {p.label.lower(): p.label for p in Participant.objects.filter(study=study)}
        mapping: dict[str, SpeakerMapping] = {}
        first: dict[str, str] = {}  # label_key → the label as first given
        for label, who in pairs:
            if who.lower() in ROLE_WORDS:
                value = SpeakerMapping(ROLE_WORDS[who.lower()])
            elif who.lower() in participants:
                value = SpeakerMapping(SpeakerRole.PARTICIPANT, participants[who.lower()])
            else:
                raise CommandError(
                    f"--speaker {label}={who}: {who!r} is neither a participant of this study nor "
                    "interviewer, participant or other."
                )
            earlier = first.setdefault(label_key(label), label)
            if earlier in mapping and mapping[earlier] != value:
                raise CommandError(
                    f"--speaker {earlier}=… and --speaker {label}={who} say different things of one speaker "
                    "(letter case and spacing do not count)."
                )
            mapping[earlier] = value
        return mapping

    def _print_preview(self, preview: TranscriptPreview) -> None:
        already = f" (already imported as “{preview.already_imported}”)" if preview.already_imported else ""
        self.stdout.write(
            f"preview: {preview.filename}{already} — {preview.format}, {preview.turns} turns, {preview.words} words, "
            f"{len(preview.speakers)} speaker{'s' if len(preview.speakers) != 1 else ''}"
        )
        if preview.detected:
            self.stdout.write(f"  convention: {preview.detected}")
        if preview.participant_label:
            self.stdout.write(f"  participant named in the file: {preview.participant_label}")
        self.stdout.write(f"  unlabelled paragraphs: {UNLABELLED_WORDS.get(preview.unlabelled, preview.unlabelled)}")
        for speaker in preview.speakers:
            self.stdout.write(
                f"  {speaker.label} — {speaker.turns} turn{'s' if speaker.turns != 1 else ''}, "
                f"{speaker.words} word{'s' if speaker.words != 1 else ''} → {_who(speaker.mapping)}"
            )
            if speaker.first_turns:
                self.stdout.write(f"    “{_excerpt(speaker.first_turns[0])}”")
            for doubt in speaker.doubts:
                self.stdout.write(f"    doubt: {doubt}")
        for doubt in preview.doubts:
            self.stdout.write(f"  doubt: {doubt}")
