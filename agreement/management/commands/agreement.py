"""python manage.py agreement --study SLUG --coders alice,bob --unit char|sentence|turn|document [--csv]

Prints the intercoder agreement of the named coders (usernames) per code and overall. Without
--csv, two tables: over every unit, and over only the units some coder coded. With --csv, one
row per code plus an `(overall)` row, columns
`code,units,percent,cohen_kappa,fleiss_kappa,bp_kappa,krippendorff_alpha`, empty where a
coefficient is not defined; over every unit, or with --exclude-uncoded over the coded ones.
`--transcripts UUID,...` limits it to some documents; `--confusion` (two coders) adds the
characters each pair of codes shares between them.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pandas as pd
from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import User
from agreement.report import (
    AgreementReport,
    agreement_report,
    confusion_table,
    csv_text,
    shown,
)
from agreement.units import Level, UnitsUnavailable
from interviews.models import Transcript
from studies.models import Membership, Study

UNITS = {"char": Level.CHARACTER, "sentence": Level.SENTENCE, "turn": Level.TURN, "document": Level.DOCUMENT}


def _names(value: str) -> list[str]:
    return list(dict.fromkeys(part.strip() for part in value.split(",") if part.strip()))


def _aligned(frame: pd.DataFrame) -> list[str]:
    """The table as text: the code column to the left, figures to the right."""
    cells = [[str(c) for c in frame.columns], *([str(v) for v in row] for row in frame.itertuples(index=False))]
    widths = [max(len(row[i]) for row in cells) for i in range(len(frame.columns))]
    return [
        "  ".join(
            cell.ljust(width) if i == 0 else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        )
        for row in cells
    ]


class Command(BaseCommand):
    help = "Intercoder agreement of some coders per code and overall (percent, Cohen, Fleiss, Brennan-Prediger, alpha)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--study", required=True, help="Study slug.")
        parser.add_argument("--coders", required=True, help="Usernames, comma-separated (two or more).")
        parser.add_argument("--unit", required=True, choices=list(UNITS), help="The unit of agreement.")
        parser.add_argument("--csv", action="store_true", help="CSV on stdout: one row per code and (overall).")
        parser.add_argument(
            "--exclude-uncoded", action="store_true", help="With --csv: only units at least one coder coded."
        )
        parser.add_argument("--transcripts", default="", help="Document UUIDs, comma-separated (default: all).")
        parser.add_argument("--confusion", action="store_true", help="Also the two coders' code confusion table.")

    def handle(self, *args: Any, **options: Any) -> None:
        study = Study.objects.filter(slug=options["study"]).first()
        if study is None:
            raise CommandError(f"No study with the slug {options['study']}.")
        usernames = _names(options["coders"])
        if len(usernames) < 2:
            raise CommandError("Give at least two coders: --coders alice,bob")
        found = {u.username: u for u in User.objects.filter(username__in=usernames)}
        missing = [name for name in usernames if name not in found]
        if missing:
            raise CommandError(f"No user named {', '.join(missing)}.")
        coders = [found[name] for name in usernames]
        members = set(Membership.objects.filter(study=study, user__in=coders).values_list("user_id", flat=True))
        outsiders = [c.username for c in coders if c.pk not in members]
        if outsiders:
            # Their figures would read as if they had coded nothing; a typo must not pass for that.
            raise CommandError(
                f"{', '.join(outsiders)} {'is' if len(outsiders) == 1 else 'are'} not a member of {study.slug}."
            )
        transcript_ids = self._transcripts(study, options["transcripts"])
        # The command line reads as the operator who has the database itself (`user=None`).
        try:
            report = agreement_report(
                study=study, user=None, coders=coders, level=UNITS[options["unit"]], transcript_ids=transcript_ids
            )
        except UnitsUnavailable as exc:
            raise CommandError(str(exc)) from exc
        if options["csv"]:
            self.stdout.write(csv_text(report.table(exclude_uncoded=options["exclude_uncoded"])), ending="")
            return
        self.stdout.write(self._text(study, report))
        if options["confusion"]:
            if len(coders) != 2:
                raise CommandError("The confusion table is for two coders.")
            table = confusion_table(
                study=study, user=None, coder_a=coders[0], coder_b=coders[1], transcript_ids=transcript_ids
            )
            self.stdout.write(
                f"\nCharacters coded with the row's code by {coders[0].username} and the column's by "
                f"{coders[1].username}:\n{table.to_string(na_rep='')}"
            )

    def _transcripts(self, study: Study, value: str) -> list[int] | None:
        if not value:
            return None
        try:
            uuids = [UUID(part) for part in _names(value)]
        except ValueError as exc:
            raise CommandError("--transcripts takes document UUIDs, comma-separated.") from exc
        found = dict(Transcript.objects.filter(study=study, uuid__in=uuids).values_list("uuid", "pk"))
        missing = [str(u) for u in uuids if u not in found]
        if missing:
            raise CommandError(f"No document {', '.join(missing)} in this study.")
        return [found[u] for u in uuids]

    def _text(self, study: Study, report: AgreementReport) -> str:
        kappa = "cohen_kappa" if len(report.coders) == 2 else "fleiss_kappa"
        heading = "Cohen κ" if kappa == "cohen_kappa" else "Fleiss κ"
        lines = [
            f"{study.slug}: {', '.join(report.coders)} on {report.transcripts} document(s), "
            f"unit: {report.level.unit_name}; overall pools every code's units."
        ]
        for title, table in (
            ("All units", report.all_units),
            ("Only units at least one coder coded", report.coded_units),
        ):
            frame = pd.DataFrame(
                {
                    "code": table["code"],
                    "units": table["units"].map("{:,}".format),
                    "percent": table["percent"].map(lambda v: shown(v, percent=True)),
                    heading: table[kappa].map(shown),
                    "B-P κ": table["bp_kappa"].map(shown),
                    "Krippendorff α": table["krippendorff_alpha"].map(shown),
                }
            )
            lines += ["", f"{title}:", *_aligned(frame)]
        return "\n".join(lines) + "\n"
