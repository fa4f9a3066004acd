"""The theme board: themes as nested cards, codes as chips, unassigned codes, suggested themes.

Every action is a plain form post that works without JavaScript; `static/js/theme_board.js`
adds drag and drop and a keyboard way to do the same (pick up a code with Enter or Space,
choose a theme), posting the same forms with `Accept: application/json`.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.utils import acting_user
from coding.services.history import UndoRefused, undo_batch
from studies.access import get_study_for_user
from studies.http import safe_next

from ..access import get_theme_for_user
from ..forms import CodeMoveForm, SuggestionForm, ThemeCreateForm, ThemeMoveForm, form_errors
from ..models import Theme
from ..selectors import theme_board
from ..services import themes as services
from ..suggest import suggest_themes

IGNORED_SESSION_KEY = "themes.ignored_suggestions"
MOVE_NOTICE_SESSION_KEY = "themes.board_move_notice"  # per study: the last move, until undone or replaced


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
        "move_notice": _take_notice(request, study),
    }
    return render(request, "themes/board.html", context, status=400 if context["error"] else 200)


def _move_notice(move: services.CodeMove) -> dict[str, str]:
    """The board's notice after a move: what was done, what its Undo button will do, and what the
    message after undoing says (each from the mover's side, so none reads backwards)."""
    code, source, target = f"“{move.code}”", f"“{move.source}”", f"“{move.target}”"
    texts = {
        "put": (f"Put {code} in {target}.", f"Undo: take {code} back out of {target}",
                f"{code} is out of {target} again."),
        "take": (f"Took {code} out of {source}.", f"Undo: put {code} back in {source}",
                 f"{code} is back in {source}."),
        "move": (f"Moved {code} from {source} to {target}.", f"Undo: move {code} back to {source}",
                 f"{code} is back in {source} and out of {target}."),
        "leave": (f"Took {code} out of {source}; it stays in {target}.", f"Undo: put {code} back in {source}",
                  f"{code} is back in {source}."),
        "reorder": (f"Moved {code} within {target}.", f"Undo: put {code} back in its place in {target}",
                    f"{code} is back in its place in {target}."),
    }  # fmt: skip
    done, undo, undone = texts[move.kind]
    return {"batch": str(move.batch), "done": done, "undo": undo, "undone": undone}


def _take_notice(request: HttpRequest, study: Any) -> dict[str, str] | None:
    """The last move's notice, once (a later visit to the board does not repeat it); its batch
    stays undoable from the notice until the next move."""
    notices = request.session.get(MOVE_NOTICE_SESSION_KEY, {})
    notice = notices.get(str(study.pk))
    if not notice or notice.get("shown"):
        return None
    notices[str(study.pk)] = {**notice, "shown": "yes"}
    request.session[MOVE_NOTICE_SESSION_KEY] = notices
    return notice


def _undo_move(request: HttpRequest, study: Any, board_url: str) -> HttpResponse:
    """The notice's Undo button: undo that move's batch (the user's own; history checks that)."""
    notices = request.session.get(MOVE_NOTICE_SESSION_KEY, {})
    notice = notices.get(str(study.pk))
    if not notice or notice.get("batch") != request.POST.get("undo"):
        return _failed(request, "That move can no longer be undone from here; use the Activity page.", board_url)
    try:
        undo_batch(study=study, user=acting_user(request), batch=UUID(notice["batch"]))  # type: ignore[arg-type]
    except UndoRefused as exc:
        return _failed(request, str(exc), board_url)
    notices.pop(str(study.pk), None)
    request.session[MOVE_NOTICE_SESSION_KEY] = notices
    if _wants_json(request):
        return JsonResponse({"undone": notice["batch"], "message": f"Undone: {notice['undone']}"})
    messages.success(request, f"Undone: {notice['undone']}")
    return redirect(safe_next(request, board_url))


@login_required
@require_POST
def code_move(request: HttpRequest, slug: str) -> HttpResponse:
    """Put a code in a theme, take it out, move it between themes or within one (drag, keyboard, form);
    with `undo` (a batch), undo the move the board's notice offers."""
    study = get_study_for_user(request, slug, write=True)
    board_url = reverse("themes:board", args=[slug])
    if request.POST.get("undo"):
        return _undo_move(request, study, board_url)
    form = CodeMoveForm(request.POST, study=study)
    if not form.is_valid():
        return _failed(request, form_errors(form, labels=False), board_url)
    data = form.cleaned_data
    try:
        move = services.move_theme_code(
            code=data["code"], user=acting_user(request), source=data["source"], target=data["target"],
            position=data["position"],
        )  # fmt: skip
    except ValidationError as exc:
        return _failed(request, " ".join(exc.messages), board_url)
    # The board shows the notice (with its Undo button) on its next render: after the script's
    # reload or the form's redirect alike.
    notices = request.session.get(MOVE_NOTICE_SESSION_KEY, {})
    if move is None:
        notices.pop(str(study.pk), None)
    else:
        notices[str(study.pk)] = _move_notice(move)
    request.session[MOVE_NOTICE_SESSION_KEY] = notices
    target = data["target"]
    message = notices[str(study.pk)]["done"] if move else f"“{data['code'].name}” was already there."
    if _wants_json(request):
        return JsonResponse({"moved": str(data["code"].uuid), "message": message})
    if move is None:
        messages.info(request, message)
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
