"""The retrieval form's query string as a `RetrievalQuery`, for the page, its export and the
export job; the segment-context request; the attribute filter's example for this study."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django import forms
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.datastructures import MultiValueDict

from accounts.models import User
from interviews.models import Attribute, AttributeType, AttributeValue, Transcript
from studies.models import Study

from .models import Code
from .query import _TOKEN, KEYWORDS, QueryError, participant_filter
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


class SegmentContextForm(forms.Form):
    """Which text to show around a segment: its code point range in the document's current
    text, and whether to add the turn before and the turn after."""

    start = forms.IntegerField(min_value=0)
    end = forms.IntegerField(min_value=0)
    around = forms.BooleanField(required=False)

    def __init__(self, data: MultiValueDict[str, str], *, length: int) -> None:
        super().__init__(data)
        self.length = length

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start is not None and end is not None and not start <= end <= self.length:
            raise forms.ValidationError("The position is not in this document; reload the page.")
        return data


# --- the attribute filter's example -----------------------------------------------------------


@dataclass
class FilterHelp:
    """The study's own attribute names and a filter that works on them (the placeholder)."""

    names: list[str]
    example: str


def quoted(text: str) -> str:
    """`text` as one name or value of the filter language, quoted only if it has to be."""
    match = _TOKEN.fullmatch(text)
    if text and match is not None and match.lastgroup == "word" and text.lower() not in KEYWORDS:
        return text
    return '"' + re.sub(r'(["\\])', r"\\\1", text) + '"'


def _condition(attribute: Attribute) -> str | None:
    """A comparison on `attribute` with a value it really has (a choice or a participant's)."""
    name = quoted(attribute.name)
    example: dict[str, Any] = {
        "text": getattr(attribute, "example_text", ""),
        "number": getattr(attribute, "example_number", None),
        "date": getattr(attribute, "example_date", None),
        "bool": getattr(attribute, "example_bool", None),
    }
    kind = attribute.type
    if kind == AttributeType.CATEGORY and len(attribute.choices) >= 2:
        return f"{name} in ({quoted(attribute.choices[0])}, {quoted(attribute.choices[1])})"
    if kind == AttributeType.CATEGORY and attribute.choices:
        return f"{name} = {quoted(attribute.choices[0])}"
    if kind == AttributeType.NUMBER:
        return f"{name} >= {example['number']:g}" if example["number"] is not None else None
    if kind == AttributeType.DATE:
        return f"{name} >= {example['date'].isoformat()}" if example["date"] is not None else None
    if kind == AttributeType.BOOLEAN:
        return f"{name} = {'no' if example['bool'] is False else 'yes'}"
    value = str(example["text"] or "").strip()
    if not value:
        return None
    if len(value) <= 24:
        return f"{name} = {quoted(value)}"
    word = max(re.findall(r"\w+", value) or [value[:24]], key=len)
    return f"{name} ~ {quoted(word)}"


def filter_help(*, study: Study) -> FilterHelp:
    """The attribute names of `study` and an example filter built from up to two of them, with
    values its participants have: one query, however many participants."""

    def first(column: str, **exclude: Any) -> Subquery:
        values = AttributeValue.objects.filter(attribute=OuterRef("pk")).exclude(**exclude).order_by("pk")
        return Subquery(values.values(column)[:1])

    attributes = list(
        Attribute.objects.filter(study=study)
        .order_by("order", "name")
        .annotate(
            example_text=first("value_text", value_text=""),
            example_number=first("value_number", value_number=None),
            example_date=first("value_date", value_date=None),
            example_bool=first("value_bool", value_bool=None),
        )
    )
    conditions = [c for c in (_condition(a) for a in attributes) if c]
    return FilterHelp(names=[a.name for a in attributes], example=" and ".join(conditions[:2]))
