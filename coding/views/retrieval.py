from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.models import User
from interviews.models import Transcript
from interviews.ordering import natural_key
from studies.access import get_in_study_or_404, get_study_for_user
from studies.exports import export_response
from studies.models import JobKind

from ..exports import segments_export
from ..retrieval_params import SegmentContextForm, filter_help, retrieval_query
from ..selectors import (
    MAX_HITS,
    PatternError,
    codebook_tree,
    compile_pattern,
    find_segments,
    search_hits,
    segment_page,
)
from ..selectors.retrieval import segment_context as context_of
from ..tasks import export_segments_task


@login_required
def retrieval(request: HttpRequest, slug: str) -> HttpResponse:
    """Coded segments by codes (AND/OR/NOT, same span or same turn) and participant attributes."""
    study = get_study_for_user(request, slug)
    query, form, errors = retrieval_query(study=study, data=request.GET)
    page = None
    searched = bool(request.GET)
    if searched and not errors:
        try:
            number = max(1, int(request.GET.get("page", "1")))
        except ValueError:
            number = 1
        page = segment_page(study=study, user=request.user, query=query, page=number)
        page_number = number
        pages = max(1, -(-page.total // 50))
    else:
        page_number, pages = 1, 1
    params = request.GET.copy()
    params.pop("page", None)
    # The form's choices with their state worked out here: a study has hundreds of codes and
    # documents, and a template comparing each against the query costs more than the query.
    codes = [
        {
            "uuid": str(row.code.uuid),
            "name": row.code.name,
            "colour": row.code.colour,
            "depth": row.depth,
            "checked": str(row.code.uuid) in form["codes"],
            "excluded": str(row.code.uuid) in form["exclude"],
        }
        for row in codebook_tree(study=study, user=request.user, counts=False)
    ]
    documents = [
        {"uuid": str(uuid), "title": title, "selected": str(uuid) in form["documents"]}
        for uuid, title in Transcript.objects.filter(study=study).order_by("title").values_list("uuid", "title")
    ]
    return render(
        request,
        "coding/retrieval.html",
        {"study": study, "codes": codes, "form": form, "errors": errors, "result": page,
         "page_number": page_number, "pages": pages, "query_string": params.urlencode(), "searched": searched,
         "documents": documents, "filter_help": filter_help(study=study),
         "coders": User.objects.filter(memberships__study=study).order_by("username")},
        status=400 if errors else 200,
    )  # fmt: skip


@login_required
def segment_context(request: HttpRequest, slug: str, transcript_uuid: UUID) -> HttpResponse:
    """The turn a retrieved segment lies in (or, with `around`, that turn and the turns before
    and after), with their speakers: the fragment the retrieval page expands in place."""
    study = get_study_for_user(request, slug)
    transcript = get_in_study_or_404(Transcript.objects.only("uuid", "title", "text"), study, uuid=transcript_uuid)
    form = SegmentContextForm(request.GET, length=len(transcript.text))
    if not form.is_valid():
        message = " ".join(str(e) for errors in form.errors.values() for e in errors)
        return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")
    start, end, around = form.cleaned_data["start"], form.cleaned_data["end"], form.cleaned_data["around"]
    return render(
        request,
        "coding/_retrieval_context.html",
        {"study": study, "transcript": transcript, "start": start, "end": end, "around": around,
         "turns": context_of(transcript=transcript, start=start, end=end, around=around)},
    )  # fmt: skip


@login_required
def retrieval_export(request: HttpRequest, slug: str) -> HttpResponse:
    """The segments as CSV; a large export runs as a job that redoes the query for the same person."""
    study = get_study_for_user(request, slug)
    query, _, errors = retrieval_query(study=study, data=request.GET)
    if errors:
        return HttpResponse(" ".join(errors), status=400, content_type="text/plain; charset=utf-8")
    segments = find_segments(study=study, user=request.user, query=query)
    return export_response(
        request, study=study, rows=len(segments), kind=JobKind.EXPORT_SEGMENTS, task=export_segments_task,
        params={"query": dict(request.GET.lists())}, build=lambda: segments_export(study=study, segments=segments),
    )  # fmt: skip


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
    # Documents in natural order (P2 before P10), then by position, as retrieval lists them.
    rows.sort(key=lambda row: (natural_key(row["hit"].transcript.title), row["hit"].transcript.pk, row["hit"].start))
    return render(
        request,
        "coding/kwic.html",
        {"study": study, "q": text, "mode": mode, "case": case, "error": error, "rows": rows[:2000],
         "total": len(rows), "capped": len(rows) >= MAX_HITS,
         "per_document": sorted(per_document.items(), key=lambda x: -x[1])},
        status=400 if error else 200,
    )  # fmt: skip
