from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.models import User
from accounts.utils import acting_user
from studies.access import get_study_for_user
from studies.http import safe_next

from ..models import LogEntry
from ..services.history import UndoRefused, undo_batch, undo_last


@login_required
@require_POST
def undo(request: HttpRequest, slug: str) -> HttpResponse:
    """Undo the user's latest change, or a given batch of theirs."""
    study = get_study_for_user(request, slug, write=True)
    user = acting_user(request)
    try:
        batch = request.POST.get("batch")
        outcome = undo_batch(study=study, user=user, batch=batch) if batch else undo_last(study=study, user=user)  # type: ignore[arg-type]
        messages.success(request, f"Undone: {outcome.summary}.")
    except UndoRefused as exc:
        messages.error(request, str(exc))
    except ValueError:
        messages.error(request, "That change could not be found.")
    return redirect(safe_next(request, reverse("coding:activity", args=[slug])))


@login_required
def activity(request: HttpRequest, slug: str) -> HttpResponse:
    study = get_study_for_user(request, slug)
    entries = LogEntry.objects.filter(study=study).select_related("user", "undone_by").order_by("-created_at", "-id")
    user_filter = request.GET.get("user", "")
    kind = request.GET.get("type", "")
    if user_filter:
        entries = entries.filter(user__username=user_filter)
    if kind:
        entries = entries.filter(object_type=kind)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    people = User.objects.filter(memberships__study=study).order_by("username")
    return render(
        request,
        "coding/activity.html",
        {"study": study, "page": page, "people": people, "user_filter": user_filter, "kind": kind,
         "kinds": ["code", "coding", "memo", "transcript"]},
    )  # fmt: skip
