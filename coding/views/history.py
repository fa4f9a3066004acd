from __future__ import annotations

import re
from dataclasses import dataclass

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
from ..services.history import UndoRefused, undo_batch, undo_last, undoable_entry_batches

# Line breaks of any kind (CR, LF, CRLF, vertical tab, form feed, Unicode line and paragraph separators).
_BREAKS = re.compile(r"\s*[\r\n\v\f\x1c-\x1e\x85\u2028\u2029]+\s*")
_SPACES = re.compile(r"\s+")
# Auto-coding used to describe its search with Python's repr ('a\\r\\nb'); the summary keeps at
# most 300 characters, so the closing quote may be cut off.
_REPR_SEARCH = re.compile(
    r"""\(search (?P<quote>['"])(?P<body>(?:\\.|(?!(?P=quote))[^\\])*)(?P<end>(?P=quote)?)""", re.S
)
_REPR_ESCAPE = re.compile(r"\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)", re.S)
_SIMPLE_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "\\": "\\", "'": "'", '"': '"'}


def _collapse(text: str) -> str:
    """One line: each run of line breaks becomes " / ", any other run of whitespace one space."""
    return _SPACES.sub(" ", _BREAKS.sub(" / ", text.strip()))


def _unrepr(body: str) -> str:
    def one(match: re.Match[str]) -> str:
        escape = match.group(1)
        if escape[0] in "xuU" and len(escape) > 1:
            return chr(int(escape[1:], 16))
        return _SIMPLE_ESCAPES.get(escape, match.group(0))

    return _REPR_ESCAPE.sub(one, body)


def readable_summary(summary: str) -> str:
    """A history summary as one line of plain text, for the activity feed."""

    def search(match: re.Match[str]) -> str:
        return f"(search “{_collapse(_unrepr(match.group('body')))}{'”' if match.group('end') else ''}"

    return _collapse(_REPR_SEARCH.sub(search, summary, count=1))


@dataclass(frozen=True)
class FeedRow:
    entry: LogEntry
    summary: str
    # Whether its batch can be undone here (only then does the row offer Undo).
    undoable: bool = False


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
    undoable = undoable_entry_batches(study=study, batches=list({entry.batch for entry in page}))
    rows = [
        FeedRow(entry=entry, summary=readable_summary(entry.summary), undoable=entry.batch in undoable)
        for entry in page
    ]
    people = User.objects.filter(memberships__study=study).order_by("username")
    return render(
        request,
        "coding/activity.html",
        {"study": study, "page": page, "rows": rows, "people": people, "user_filter": user_filter, "kind": kind,
         "kinds": ["code", "coding", "memo", "speaker", "suggestion", "theme", "finding", "transcript"]},
    )  # fmt: skip
