from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Model
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import User
from accounts.utils import acting_user
from interviews.models import Participant, Transcript
from studies.access import get_study_for_user
from studies.http import safe_next
from studies.models import Study

from ..access import get_memo_for_user
from ..models import Code, Coding, Memo, MemoTarget
from ..selectors.reader import coding_excerpts
from ..selectors.visibility import visible_coding
from ..services import memos as services
from ..services.codebook import Conflict

MODELS: dict[str, type[Model]] = {
    MemoTarget.CODE: Code,
    MemoTarget.CODING: Coding,
    MemoTarget.TRANSCRIPT: Transcript,
    MemoTarget.PARTICIPANT: Participant,
}


def _subject(study: Study, user: Any, target: str, uuid: str) -> Any | None:
    model = MODELS.get(target)
    if model is None:
        return None
    try:
        value = UUID(uuid)
    except ValueError:
        raise Http404("No such subject.") from None
    if model is Coding:
        # Codings are read only through the visibility selector (blind rounds hide some).
        subject: Any = visible_coding(study=study, user=user, uuid=value)
        if subject is not None and subject.retired_at is not None:
            subject = None  # a removed or replaced coding takes no new memos
    else:
        subject = model._default_manager.filter(uuid=value, study=study).first()
    if subject is None:
        raise Http404("No such subject in this study.")
    return subject


@login_required
@require_http_methods(["GET", "POST"])
def memo_list(request: HttpRequest, slug: str) -> HttpResponse:
    """The study's memos: its research journal and every memo on codes, documents and people."""
    study = get_study_for_user(request, slug)
    error = ""
    if request.method == "POST":
        study = get_study_for_user(request, slug, write=True)
        try:
            services.create_memo(study=study, author=acting_user(request), target=MemoTarget.STUDY, obj=None,
                                 title=request.POST.get("title", ""), body=request.POST.get("body", ""))  # fmt: skip
            messages.success(request, "Journal entry saved.")
            return redirect("coding:memo_list", slug=slug)
        except ValidationError as exc:
            error = " ".join(exc.messages)
    memos = (
        Memo.objects.filter(study=study, deleted_at__isnull=True)
        .select_related("author", "code", "transcript", "participant")
        .order_by("-updated_at")
    )
    kind, author = request.GET.get("target", ""), request.GET.get("author", "")
    if kind in MemoTarget.values:
        memos = memos.filter(target=kind)
    if author:
        memos = memos.filter(author__username=author)
    page = Paginator(memos, 30).get_page(request.GET.get("page"))
    # Memos' codings with their code and quoted words, read through the visibility rule like every
    # coding, in one query.
    excerpts = coding_excerpts(study=study, user=request.user, coding_ids=[m.coding_id for m in page if m.coding_id])
    rows = [(memo, excerpts[memo.coding_id].code_name if memo.coding_id in excerpts else "") for memo in page]
    return render(
        request,
        "coding/memo_list.html",
        {"study": study, "page": page, "rows": rows, "excerpts": excerpts, "targets": MemoTarget.choices, "kind": kind,
         "author": author, "error": error,
         "people": User.objects.filter(memberships__study=study).order_by("username")},
        status=400 if error else 200,
    )  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def memo_new(request: HttpRequest, slug: str) -> HttpResponse:
    """A memo on any subject: ?target=code|coding|transcript|participant|study&uuid=…"""
    study = get_study_for_user(request, slug, write=True)
    data = request.POST if request.method == "POST" else request.GET
    target = data.get("target", MemoTarget.STUDY)
    if target not in MemoTarget.values:
        raise Http404("Unknown memo target.")
    subject = _subject(study, request.user, target, data.get("uuid", "")) if target != MemoTarget.STUDY else None
    error = ""
    if request.method == "POST":
        try:
            services.create_memo(study=study, author=acting_user(request), target=target, obj=subject,
                                 title=request.POST.get("title", ""), body=request.POST.get("body", ""))  # fmt: skip
            messages.success(request, "Memo saved.")
            return redirect(safe_next(request, reverse("coding:memo_list", args=[slug])))
        except ValidationError as exc:
            error = " ".join(exc.messages)
    excerpt = None
    if isinstance(subject, Coding):
        excerpt = coding_excerpts(study=study, user=request.user, coding_ids=[subject.pk]).get(subject.pk)
    return render(
        request,
        "coding/memo_form.html",
        {"study": study, "target": target, "subject": subject, "uuid": data.get("uuid", ""), "error": error,
         "next": safe_next(request, ""), "title": data.get("title", ""), "body": data.get("body", ""),
         "excerpt": excerpt},
        status=400 if error else 200,
    )  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def memo_edit(request: HttpRequest, slug: str, memo_uuid: UUID) -> HttpResponse:
    memo = get_memo_for_user(request, slug, memo_uuid, write=True)
    error = ""
    conflict = None
    title, body = memo.title, memo.body
    if request.method == "POST":
        title, body = request.POST.get("title", ""), request.POST.get("body", "")
        try:
            services.update_memo(memo=memo, user=acting_user(request), expected_version=int(request.POST.get("version", "0")),
                                 title=title, body=body)  # fmt: skip
            messages.success(request, "Memo saved.")
            return redirect(safe_next(request, reverse("coding:memo_list", args=[slug])))
        except Conflict as exc:
            conflict, error = exc.current, str(exc)
        except (ValidationError, ValueError) as exc:
            error = " ".join(exc.messages) if isinstance(exc, ValidationError) else "Reload and try again."
    excerpt = None
    if memo.coding_id:
        excerpt = coding_excerpts(study=memo.study, user=request.user, coding_ids=[memo.coding_id]).get(memo.coding_id)
    return render(
        request,
        "coding/memo_form.html",
        {"study": memo.study, "memo": memo, "title": title, "body": body, "error": error, "conflict": conflict,
         "next": safe_next(request, ""), "excerpt": excerpt},
        status=409 if conflict else (400 if error else 200),
    )  # fmt: skip


@login_required
@require_POST
def memo_delete(request: HttpRequest, slug: str, memo_uuid: UUID) -> HttpResponse:
    memo = get_memo_for_user(request, slug, memo_uuid, write=True)
    services.delete_memo(memo=memo, user=acting_user(request))
    messages.success(request, "Memo deleted (undo brings it back).")
    return redirect(safe_next(request, reverse("coding:memo_list", args=[slug])))
