from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from accounts.models import User
from interviews.models import Transcript
from interviews.tables import to_csv_bytes
from studies.access import get_study_for_user
from studies.models import Study

from ..models import Code
from ..query import QueryError, participant_filter
from ..selectors import (
    PatternError,
    RetrievalQuery,
    codebook_tree,
    compile_pattern,
    find_segments,
    search_hits,
    segment_page,
    segments_frame,
)


def _ids(values: list[str], allowed: dict[str, int]) -> list[int]:
    return [allowed[v] for v in values if v in allowed]


def _date(value: str, end: bool = False) -> dt.datetime | None:
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        return None
    moment = dt.datetime.combine(day, dt.time.max if end else dt.time.min)
    return timezone.make_aware(moment)


def _query_from(request: HttpRequest, study: Study) -> tuple[RetrievalQuery, dict[str, Any], list[str]]:
    codes = {str(c.uuid): c.pk for c in Code.objects.alive().filter(study=study)}
    transcripts = {str(t.uuid): t.pk for t in Transcript.objects.filter(study=study).only("uuid")}
    coders = {u.username: u.pk for u in User.objects.filter(memberships__study=study)}
    get = request.GET
    errors: list[str] = []
    query = RetrievalQuery(
        codes=_ids(get.getlist("code"), codes),
        mode="all" if get.get("mode") == "all" else "any",
        exclude=_ids(get.getlist("exclude"), codes),
        scope="turn" if get.get("scope") == "turn" else "span",
        transcripts=_ids(get.getlist("document"), transcripts),
        coders=_ids(get.getlist("coder"), coders),
        date_from=_date(get.get("from", "")),
        date_to=_date(get.get("to", ""), end=True),
    )
    where = get.get("where", "").strip()
    if where:
        try:
            query.participants = participant_filter(study=study, text=where)
        except QueryError as exc:
            errors.append(" ".join(exc.messages))
    form = {
        "codes": set(get.getlist("code")),
        "exclude": set(get.getlist("exclude")),
        "mode": query.mode,
        "scope": query.scope,
        "where": where,
        "documents": set(get.getlist("document")),
        "coders": set(get.getlist("coder")),
        "from": get.get("from", ""),
        "to": get.get("to", ""),
    }
    return query, form, errors


@login_required
def retrieval(request: HttpRequest, slug: str) -> HttpResponse:
    """Coded segments by codes (AND/OR/NOT, same span or same turn) and participant attributes."""
    study = get_study_for_user(request, slug)
    query, form, errors = _query_from(request, study)
    page = None
    searched = bool(request.GET)
    if searched and not errors:
        segments = find_segments(study=study, user=request.user, query=query)
        try:
            number = max(1, int(request.GET.get("page", "1")))
        except ValueError:
            number = 1
        page = segment_page(study=study, segments=segments, page=number)
        page_number = number
        pages = max(1, -(-page.total // 50))
    else:
        page_number, pages = 1, 1
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "coding/retrieval.html",
        {"study": study, "tree": codebook_tree(study=study, user=request.user), "form": form, "errors": errors, "result": page,
         "page_number": page_number, "pages": pages, "query_string": params.urlencode(), "searched": searched,
         "documents": Transcript.objects.filter(study=study).only("uuid", "title").order_by("title"),
         "coders": User.objects.filter(memberships__study=study).order_by("username")},
        status=400 if errors else 200,
    )  # fmt: skip


@login_required
def retrieval_export(request: HttpRequest, slug: str) -> HttpResponse:
    study = get_study_for_user(request, slug)
    query, _, errors = _query_from(request, study)
    if errors:
        return HttpResponse(" ".join(errors), status=400, content_type="text/plain; charset=utf-8")
    frame = segments_frame(study=study, segments=find_segments(study=study, user=request.user, query=query))
    response = HttpResponse(to_csv_bytes(frame), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{study.slug}-segments.csv"'
    return response


@login_required
def kwic(request: HttpRequest, slug: str) -> HttpResponse:
    """Keyword in context over every document of the study."""
    study = get_study_for_user(request, slug)
    text = request.GET.get("q", "")
    mode = request.GET.get("mode", "words")
    case = request.GET.get("case") == "on"
    error = ""
    rows: list[dict[str, Any]] = []
    per_document: dict[str, int] = {}
    if text:
        try:
            pattern = compile_pattern(text=text, mode=mode, case_sensitive=case)
            for hit in search_hits(study=study, pattern=pattern):
                source = hit.transcript.text
                rows.append({"hit": hit, "left": source[max(0, hit.start - 70) : hit.start].replace("\n", " "),
                             "match": source[hit.start : hit.end], "right": source[hit.end : hit.end + 70].replace("\n", " ")})  # fmt: skip
                per_document[hit.transcript.title] = per_document.get(hit.transcript.title, 0) + 1
        except PatternError as exc:
            error = str(exc)
    return render(
        request,
        "coding/kwic.html",
        {"study": study, "q": text, "mode": mode, "case": case, "error": error, "rows": rows[:2000],
         "total": len(rows), "per_document": sorted(per_document.items(), key=lambda x: -x[1])},
        status=400 if error else 200,
    )  # fmt: skip
