from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from accounts.utils import acting_user
from studies.access import get_study_for_user

from ..models import Code
from ..selectors import PatternError, codebook_tree, compile_pattern, search_hits
from ..services.autocode import SCOPES, apply_autocode, widen


def _uuid(value: str) -> UUID | None:
    try:
        return UUID(value)
    except ValueError:
        return None


@login_required
@require_http_methods(["GET", "POST"])
def autocode(request: HttpRequest, slug: str) -> HttpResponse:
    """Search, preview every hit with its context, untick some, apply as one undoable step."""
    study = get_study_for_user(request, slug, write=True)
    data = request.POST if request.method == "POST" else request.GET
    form: dict[str, Any] = {
        "q": data.get("q", ""),
        "mode": data.get("mode", "words") if data.get("mode") in ("words", "phrases", "regex") else "words",
        "scope": data.get("scope", "match") if data.get("scope") in SCOPES else "match",
        "role": data.get("role", "") if data.get("role") in ("participant", "interviewer") else "",
        "case": data.get("case") == "on",
        "code": data.get("code", ""),
        "new_code": data.get("new_code", "").strip(),
    }
    error = ""
    hits: list[Any] = []
    outcome = None
    if form["q"]:
        try:
            pattern = compile_pattern(text=form["q"], mode=form["mode"], case_sensitive=form["case"])
            hits = widen(search_hits(study=study, pattern=pattern, speaker_role=form["role"]), form["scope"])
        except (PatternError, ValidationError) as exc:
            error = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
    if request.method == "POST" and data.get("action") == "apply" and not error:
        chosen = set(request.POST.getlist("hit"))
        selected = [h for h in hits if h.key in chosen]
        try:
            code = None
            if not form["new_code"]:
                code_uuid = _uuid(form["code"])
                code = Code.objects.alive().filter(study=study, uuid=code_uuid).first() if code_uuid else None
                if code is None:
                    raise ValidationError("Choose the code to apply, or name a new one.")
            outcome = apply_autocode(
                study=study, user=acting_user(request), code=code, new_code_name=form["new_code"], hits=selected,
                description=f"search “{' / '.join(line.strip() for line in form['q'].splitlines() if line.strip())[:60]}”, {form['scope']}",
            )  # fmt: skip
            code = outcome.code
            messages.success(
                request,
                f"Applied “{code.name}” to {outcome.applied} passages"
                + (f" ({outcome.skipped} were already coded)" if outcome.skipped else "")
                + ".",
            )
        except ValidationError as exc:
            error = " ".join(exc.messages)
    rows = [
        {"hit": h, "left": h.transcript.text[max(0, h.start - 60) : h.start], "text": h.transcript.text[h.start : h.end],
         "right": h.transcript.text[h.end : h.end + 60]}
        for h in hits
    ]  # fmt: skip
    return render(
        request,
        "coding/autocode.html",
        {"study": study, "form": form, "rows": rows, "error": error, "outcome": outcome, "tree": codebook_tree(study=study, user=request.user, counts=False)},
        status=400 if error else 200,
    )  # fmt: skip
