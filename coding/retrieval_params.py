"""The retrieval form's query string as a `RetrievalQuery`, for the page, its export and the export job."""

from __future__ import annotations

import datetime as dt
from typing import Any
from uuid import UUID

from django.utils import timezone
from django.utils.datastructures import MultiValueDict

from accounts.models import User
from interviews.models import Transcript
from studies.models import Study

from .models import Code
from .query import QueryError, participant_filter
from .selectors import RetrievalQuery


def _ids(values: list[str], allowed: dict[str, int]) -> list[int]:
    return [allowed[v] for v in values if v in allowed]


def _uuids(values: list[str]) -> list[UUID]:
    found = []
    for value in values:
        try:
            found.append(UUID(value))
        except ValueError:
            continue
    return found


def _date(value: str, end: bool = False) -> dt.datetime | None:
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        return None
    moment = dt.datetime.combine(day, dt.time.max if end else dt.time.min)
    return timezone.make_aware(moment)


def retrieval_query(
    *, study: Study, data: MultiValueDict[str, str]
) -> tuple[RetrievalQuery, dict[str, Any], list[str]]:
    """The query, the form's values to show again, and the errors (of the attribute filter)."""
    # Only the codes, documents and coders named (a study may have hundreds of each); unknown
    # or malformed ones are ignored, as a stale link should be.
    named_codes = _uuids([*data.getlist("code"), *data.getlist("exclude")])
    codes = {
        str(uuid): pk
        for uuid, pk in Code.objects.alive().filter(study=study, uuid__in=named_codes).values_list("uuid", "pk")
    }
    transcripts = {
        str(uuid): pk
        for uuid, pk in Transcript.objects.filter(study=study, uuid__in=_uuids(data.getlist("document"))).values_list(
            "uuid", "pk"
        )
    }
    coders = dict(
        User.objects.filter(memberships__study=study, username__in=data.getlist("coder")).values_list("username", "pk")
    )
    errors: list[str] = []
    query = RetrievalQuery(
        codes=_ids(data.getlist("code"), codes),
        mode="all" if data.get("mode") == "all" else "any",
        exclude=_ids(data.getlist("exclude"), codes),
        scope="turn" if data.get("scope") == "turn" else "span",
        transcripts=_ids(data.getlist("document"), transcripts),
        coders=_ids(data.getlist("coder"), coders),
        date_from=_date(data.get("from", "")),
        date_to=_date(data.get("to", ""), end=True),
    )
    where = data.get("where", "").strip()
    if where:
        try:
            query.participants = participant_filter(study=study, text=where)
        except QueryError as exc:
            errors.append(" ".join(exc.messages))
    form = {
        "codes": set(data.getlist("code")),
        "exclude": set(data.getlist("exclude")),
        "mode": query.mode,
        "scope": query.scope,
        "where": where,
        "documents": set(data.getlist("document")),
        "coders": set(data.getlist("coder")),
        "from": data.get("from", ""),
        "to": data.get("to", ""),
    }
    return query, form, errors
