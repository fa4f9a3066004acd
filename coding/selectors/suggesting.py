"""Reads of codings that code suggestions need (`assist.suggestions`): system reads for jobs.

Suggestions are made per study for every coder, so these read all coders' live codings through the
visibility rule with no particular user (`visible_codings(user=None)`): when blind agreement rounds
narrow that rule, they narrow it here too. Each is one query, whatever the number of codings.
"""

from __future__ import annotations

from collections.abc import Iterable

from studies.models import Study

from .visibility import coding_counts, visible_codings


def coded_spans(*, study: Study, transcript_ids: Iterable[int]) -> dict[int, list[tuple[int, int, int]]]:
    """Each transcript's live codings as (code_id, start, end), in text order: a suggestion run never
    suggests a code already coded on a segment. Live codings are on their transcript's current text."""
    spans: dict[int, list[tuple[int, int, int]]] = {}
    rows = (
        visible_codings(study=study, user=None)
        .filter(transcript_id__in=list(transcript_ids))
        .order_by("transcript_id", "start", "end")
        .values_list("transcript_id", "code_id", "start", "end")
    )
    for transcript_id, code_id, start, end in rows:
        spans.setdefault(transcript_id, []).append((code_id, start, end))
    return spans


def codings_per_code(*, study: Study) -> dict[int, int]:
    """Live codings of each live code of the study (all coders): whether a model can be trained yet."""
    return coding_counts(study=study, user=None, by="code_id")
