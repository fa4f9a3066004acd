"""The coding workspace's exports, built the same way in the request and in an export job."""

from __future__ import annotations

from typing import Any

from interviews.tables import to_csv_bytes
from studies.exports import ExportFile
from studies.models import Study

from .codebook_io import export_frame
from .selectors import Segment, codebook_tree, segments_frame


def codebook_export(*, study: Study, user: Any) -> ExportFile:
    """The live codebook as CSV, with each code's count of codings the user can see."""
    tree = codebook_tree(study=study, user=user)
    frame = export_frame([row.code for row in tree], {row.code.pk: row.count for row in tree})
    return ExportFile(f"{study.slug}-codebook.csv", to_csv_bytes(frame), len(frame))


def segments_export(*, study: Study, segments: list[Segment]) -> ExportFile:
    """Retrieved segments as CSV (the retrieval page's export)."""
    frame = segments_frame(study=study, segments=segments)
    return ExportFile(f"{study.slug}-segments.csv", to_csv_bytes(frame), len(frame))
