"""The theme board: themes as nested cards, codes as chips, unassigned codes, suggested themes.

Every action is a plain form post that works without JavaScript; `static/js/theme_board.js`
adds drag and drop and a keyboard way to do the same (pick up a code with Enter or Space,
choose a theme), posting the same forms with `Accept: application/json`.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.utils import acting_user
from studies.access import get_study_for_user
from studies.http import safe_next

from ..access import get_theme_for_user
from ..forms import CodeMoveForm, SuggestionForm, ThemeCreateForm, ThemeMoveForm, form_errors
from ..models import Theme
from ..selectors import theme_board
from ..services import themes as services
from ..suggest import suggest_themes

IGNORED_SESSION_KEY = "themes.ignored_suggestions"


def _wants_json(request: HttpRequest) -> bool:
    return request.headers.get("Accept") == "application/json"


def _failed(request: HttpRequest, message: str, fallback: str) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse({"error": message}, status=400)
    messages.error(request, message)
    return redirect(safe_next(request, fallback))


@login_required
@require_http_methods(["GET", "POST"])
def board(request: HttpRequest, slug: str) -> HttpResponse:
    """GET: the board. POST: a new theme (top level or under a parent), optionally with codes."""
    study = get_study_for_user(request, slug, write=request.method == "POST")
    form = ThemeCreateForm(request.POST or None, study=study)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            theme = services.create_theme(
                study=study, user=acting_user(request), name=data["name"], parent=data["parent"],
                definition=data["definition"], codes=data["codes"],
            )  # fmt: skip
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"Theme “{theme.name}” created.")
            # From a theme's page ("Add sub-theme") back to it; from the board, to the new card.
            return redirect(safe_next(request, f"{reverse('themes:board', args=[slug])}#theme-{theme.uuid}"))
    found = theme_board(study=study, user=request.user)
    flat = found.flat
    context: dict[str, Any] = {
        "study": study,
        "board": found,
        "flat": flat,
        "form": form,
        "deleted": Theme.objects.filter(study=study, deleted_at__isnull=False).order_by("-deleted_at")[:20],
        "error": form_errors(form, labels=False) if form.is_bound and form.errors else "",
    }
    return render(request, "themes/board.html", context, status=400 if context["error"] else 200)


@login_required
@require_POST
def code_move(request: HttpRequest, slug: str) -> HttpResponse:
    """Put a code in a theme, take it out, move it between themes or within one (drag, keyboard, form)."""
    study = get_study_for_user(request, slug, write=True)
    board_url = reverse("themes:board", args=[slug])
    form = CodeMoveForm(request.POST, study=study)
    if not form.is_valid():
        return _failed(request, form_errors(form, labels=False), board_url)
    data = form.cleaned_data
    try:
        services.move_theme_code(
            code=data["code"], user=acting_user(request), source=data["source"], target=data["target"],
            position=data["position"],
        )  # fmt: skip
    except ValidationError as exc:
        return _failed(request, " ".join(exc.messages), board_url)
    target = data["target"]
    where = f"“{target.name}”" if target else "the unassigned codes"
    if _wants_json(request):
        return JsonResponse({"moved": str(data["code"].uuid), "message": f"“{data['code'].name}” is in {where}."})
    messages.success(request, f"“{data['code'].name}” is in {where}.")
    anchor = f"#theme-{target.uuid}" if target else "#unassigned"
    return redirect(safe_next(request, board_url + anchor))


@login_required
@require_POST
def theme_move(request: HttpRequest, slug: str, theme_uuid: Any) -> HttpResponse:
    """Move a theme by a direction (buttons) or under a parent at a position (drag, select)."""
    theme = get_theme_for_user(request, slug, theme_uuid, write=True)
    board_url = reverse("themes:board", args=[slug])
    form = ThemeMoveForm(request.POST, study=theme.study)
    try:
        if not form.is_valid():
            raise ValidationError(form_errors(form, labels=False))
        data = form.cleaned_data
        user = acting_user(request)
        if data["direction"]:
            services.move_theme_by(theme=theme, user=user, direction=data["direction"])
        else:
            services.move_theme(theme=theme, user=user, parent=data["parent"], position=data["position"])
    except ValidationError as exc:
        return _failed(request, " ".join(exc.messages), board_url)
    if _wants_json(request):
        return JsonResponse({"moved": str(theme.uuid)})
    return redirect(safe_next(request, f"{board_url}#theme-{theme.uuid}"))


@login_required
@require_GET
def suggestions(request: HttpRequest, slug: str) -> HttpResponse:
    """Candidate themes clustered from co-occurring unassigned codes (loaded after the board, as it
    reads every coding of those codes)."""
    study = get_study_for_user(request, slug)
    data = theme_board(study=study, user=request.user)
    ignored = set(request.session.get(IGNORED_SESSION_KEY, {}).get(str(study.pk), []))
    found = suggest_themes(study=study, user=request.user, codes=data.unassigned, ignored=ignored)
    template = "themes/_suggestions.html" if request.headers.get("HX-Request") else "themes/suggestions.html"
    return render(request, template, {"study": study, "suggestions": found, "ignored_count": len(ignored)})


@login_required
@require_POST
def suggestion_decide(request: HttpRequest, slug: str) -> HttpResponse:
    """Accept a suggestion (a candidate theme with its codes) or ignore it (for this session)."""
    study = get_study_for_user(request, slug, write=True)
    board_url = reverse("themes:board", args=[slug])
    form = SuggestionForm(request.POST, study=study)
    if not form.is_valid():
        return _failed(request, form_errors(form, labels=False), board_url)
    data = form.cleaned_data
    codes = data["codes"]
    if data["action"] == "ignore":
        from ..suggest import suggestion_key

        store = request.session.get(IGNORED_SESSION_KEY, {})
        keys = set(store.get(str(study.pk), []))
        keys.add(suggestion_key([str(code.uuid) for code in codes]))
        store[str(study.pk)] = sorted(keys)
        request.session[IGNORED_SESSION_KEY] = store
        messages.info(request, "Suggestion ignored.")
        return redirect(board_url + "#suggestions")
    name = data["name"] or " / ".join(code.name for code in codes[:3])
    try:
        theme = services.create_theme(study=study, user=acting_user(request), name=name[:300], codes=codes)
    except ValidationError as exc:
        return _failed(request, " ".join(exc.messages), board_url)
    messages.success(request, f"Candidate theme “{theme.name}” created with {len(codes)} codes.")
    return redirect(f"{board_url}#theme-{theme.uuid}")
