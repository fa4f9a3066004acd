"""The corpus's exports, built the same way in the request and in an export job."""

from __future__ import annotations

from studies.exports import ExportFile
from studies.models import Study

from .selectors import participant_table
from .tables import to_csv_bytes, to_xlsx_bytes


def participants_export(*, study: Study, fmt: str) -> ExportFile:
    """The participant table (one row per participant, one column per attribute) as CSV or XLSX."""
    table = participant_table(study=study)
    if fmt == "xlsx":
        return ExportFile(f"{study.slug}-participants.xlsx", to_xlsx_bytes(table), len(table))
    return ExportFile(f"{study.slug}-participants.csv", to_csv_bytes(table), len(table))
