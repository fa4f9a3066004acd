"""A theme's page: what it is (definition, narrative, status), what it holds (sub-themes, codes,
findings) and the review aids a researcher checks a theme against: its excerpts by code and
participant, who supports it and who does not, codes entangled with codes outside it."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from accounts.utils import acting_user
from coding.models import Code
from coding.selectors.themes import codings_per_code, participants_supporting, theme_excerpts
from interviews.models import Participant
from interviews.ordering import naturally
from studies.access import study_access

from ..access import get_theme_for_user
from ..forms import StatusForm, ThemeCreateForm, ThemeEditForm, form_errors
from ..models import Theme, ThemeStatus
from ..selectors import theme_node
from ..services import themes as services
from ..suggest import boundary_cues

PER_PAGE = 50
SHOWN_PARTICIPANTS = 200  # chips listed per group; a count says how many more
NIL = UUID(int=0)


def _page_number(request: HttpRequest) -> int:
    try:
        return max(1, int(request.GET.get("page", "1")))
    except ValueError:
        return 1


def _by_code_and_participant(rows: list[dict[str, Any]], code_ids: set[int]) -> list[dict[str, Any]]:
    """The page's excerpts grouped by code (the theme's own codes only), then by participant:
    `[{code, participants: [{label, rows}]}]`, codes and participants in first-seen order."""
    groups: dict[int, dict[str, Any]] = {}
    for row in rows:
        for code in row["codes"]:
            if code.pk not in code_ids:
                continue
            group = groups.setdefault(code.pk, {"code": code, "participants": {}, "count": 0})
            label = row["participant"] or "(no participant)"
            group["participants"].setdefault(label, []).append(row)
            group["count"] += 1
    return [
        {"code": g["code"], "count": g["count"],
         "participants": [{"label": label, "rows": items} for label, items in g["participants"].items()]}
        for g in groups.values()
    ]  # fmt: skip


@login_required
@require_GET
def theme_detail(request: HttpRequest, slug: str, theme_uuid: UUID) -> HttpResponse:
    theme = get_theme_for_user(request, slug, theme_uuid)
    return _render_detail(request, theme)


def _render_detail(
    request: HttpRequest, theme: Theme, *, edit_form: ThemeEditForm | None = None, conflict: Theme | None = None,
    error: str = "", status: int = 200,
) -> HttpResponse:  # fmt: skip
    study = theme.study
    node = theme_node(theme=theme)
    own_ids = [code.pk for code in node.codes]
    all_ids = node.all_code_ids
    # One code's excerpts (a tab), or all of the theme's and its sub-themes'.
    chosen: Code | None = None
    chosen_uuid = request.GET.get("code", "")
    if chosen_uuid:
        chosen = next((c for n in node.walk() for c in n.codes if str(c.uuid) == chosen_uuid), None)
    query_ids = [chosen.pk] if chosen else all_ids
    number = _page_number(request)
    page = theme_excerpts(study=study, user=request.user, code_ids=query_ids, page=number, per_page=PER_PAGE)
    pages = max(1, -(-page.total // PER_PAGE))
    # Each code's number of excerpts for the tabs (one more grouped query when one code is chosen).
    counts = codings_per_code(study=study, user=request.user, code_ids=all_ids) if chosen else page.per_code
    tabs = [(code, counts.get(code.pk, 0)) for code in dict.fromkeys(c for n in node.walk() for c in n.codes)]
    all_total = sum(counts.values())
    support = participants_supporting(study=study, user=request.user, code_ids=all_ids)
    rows = Participant.objects.filter(study=study).values_list("pk", "uuid", "label")
    participants = naturally(list(rows), key=lambda p: p[2])
    # One reversed URL, filled per participant: a study of 1,000 participants reversed 1,000 URLs.
    link = reverse("interviews:participant_detail", args=[study.slug, NIL]).replace(str(NIL), "{}")
    with_support = [(label, link.format(uuid), support[pk]) for pk, uuid, label in participants if pk in support]
    without_support = [(label, link.format(uuid)) for pk, uuid, label in participants if pk not in support]
    access = study_access(request)
    can_code = access.can_code
    codes_outside: list[Code] = []
    if can_code:
        inside = set(own_ids)
        codes_outside = [
            c
            for c in Code.objects.alive().filter(study=study).only("uuid", "name").order_by("name")
            if c.pk not in inside
        ]
    context = {
        "study": study,
        "theme": theme,
        "node": node,
        "statuses": ThemeStatus.choices,
        "edit_form": edit_form or ThemeEditForm(initial={
            "name": theme.name, "definition": theme.definition, "narrative": theme.narrative,
            "version": theme.version}),
        "conflict": conflict,
        "error": error,
        "page": page,
        "tabs": tabs,
        "all_total": all_total,
        "has_codes": bool(all_ids),
        "groups": _by_code_and_participant(page.rows, set(query_ids)),
        "page_number": number,
        "pages": pages,
        "chosen": chosen,
        "with_support": with_support[:SHOWN_PARTICIPANTS],
        "with_support_count": len(with_support),
        "with_support_more": max(0, len(with_support) - SHOWN_PARTICIPANTS),
        "without_support": without_support[:SHOWN_PARTICIPANTS],
        "without_support_more": max(0, len(without_support) - SHOWN_PARTICIPANTS),
        "participant_total": len(participants),
        "codes_outside": codes_outside,
        "sub_theme_form": ThemeCreateForm(study=study),
    }  # fmt: skip
    return render(request, "themes/theme_detail.html", context, status=status)


@login_required
@require_POST
def theme_edit(request: HttpRequest, slug: str, theme_uuid: UUID) -> HttpResponse:
    """Name, definition and narrative, checked against the version the form was loaded at."""
    theme = get_theme_for_user(request, slug, theme_uuid, write=True)
    form = ThemeEditForm(request.POST)
    if not form.is_valid():
        return _render_detail(request, theme, edit_form=form, error=form_errors(form), status=400)
    data = form.cleaned_data
    try:
        theme = services.update_theme(
            theme=theme, user=acting_user(request), expected_version=data["version"],
            name=data["name"], definition=data["definition"], narrative=data["narrative"],
        )  # fmt: skip
    except services.Conflict as exc:
        return _render_detail(request, theme, edit_form=form, conflict=exc.current, error=str(exc), status=409)
    except ValidationError as exc:
        return _render_detail(request, theme, edit_form=form, error=" ".join(exc.messages), status=400)
    messages.success(request, f"Theme “{theme.name}” saved.")
    return redirect("themes:detail", slug=slug, theme_uuid=theme.uuid)


@login_required
@require_POST
def theme_status(request: HttpRequest, slug: str, theme_uuid: UUID) -> HttpResponse:
    theme = get_theme_for_user(request, slug, theme_uuid, write=True)
    form = StatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors(form, labels=False))
        return redirect("themes:detail", slug=slug, theme_uuid=theme.uuid)
    try:
        theme = services.set_status(
            theme=theme, user=acting_user(request), status=form.cleaned_data["status"],
            expected_version=form.cleaned_data["version"],
        )  # fmt: skip
    except services.Conflict as exc:
        messages.error(request, f"{exc} (It is now {exc.current.get_status_display().lower()}.)")
    else:
        messages.success(request, f"“{theme.name}” is {theme.get_status_display().lower()}.")
    return redirect("themes:detail", slug=slug, theme_uuid=theme.uuid)


@login_required
@require_POST
def theme_delete(request: HttpRequest, slug: str, theme_uuid: UUID) -> HttpResponse:
    theme = get_theme_for_user(request, slug, theme_uuid, write=True)
    services.delete_theme(theme=theme, user=acting_user(request))
    messages.success(request, f"Theme “{theme.name}” deleted; its sub-themes moved up. Restore it from the board.")
    return redirect("themes:board", slug=slug)


@login_required
@require_POST
def theme_restore(request: HttpRequest, slug: str, theme_uuid: UUID) -> HttpResponse:
    theme = get_theme_for_user(request, slug, theme_uuid, write=True, deleted=True)
    try:
        theme = services.restore_theme(theme=theme, user=acting_user(request))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("themes:board", slug=slug)
    messages.success(request, f"Theme “{theme.name}” restored.")
    return redirect(f"{reverse('themes:board', args=[slug])}#theme-{theme.uuid}")


@login_required
@require_GET
def theme_boundary(request: HttpRequest, slug: str, theme_uuid: UUID) -> HttpResponse:
    """The boundary cue (codes of the theme overlapping codes outside it), loaded after the page: it
    joins the theme's codings with every coding of their documents, which a large study makes the
    slowest part of the page."""
    theme = get_theme_for_user(request, slug, theme_uuid)
    node = theme_node(theme=theme)
    boundary = boundary_cues(study=theme.study, user=request.user, code_ids=node.all_code_ids)
    template = "themes/_boundary.html" if request.headers.get("HX-Request") else "themes/boundary.html"
    return render(request, template, {"study": theme.study, "theme": theme, "cues": boundary.cues,
                                      "boundary": boundary})  # fmt: skip
