"""Codings as training data for code suggestions (`assist.suggest.examples`).

The model of a study learns from the study's live codings of live codes, read here through the
same rule as every other read (`visibility.visible_codings`), as plain values in one query.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from studies.models import Study

from .visibility import visible_codings


def training_codings(*, study: Study, user: Any = None) -> QuerySet[Any]:
    """(uuid, transcript_id, code_id, start, end) of the study's live codings of live codes, by
    transcript and position. Live codings are always on their transcript's current text version.
    `user` is passed to the visibility rule (None: the study's model, which learns from everyone)."""
    return (
        visible_codings(study=study, user=user)
        .order_by("transcript_id", "start", "end", "pk")
        .values_list("uuid", "transcript_id", "code_id", "start", "end")
    )
