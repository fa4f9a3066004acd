from __future__ import annotations

from functools import partial
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from accounts.utils import acting_user
from assist.views import code_rules_context
from interviews.importers import ImportFailure
from interviews.models import Transcript
from interviews.ordering import naturally
from studies.access import get_in_study_or_404, get_study_for_user
from studies.exports import export_response
from studies.http import safe_next
from studies.models import JobKind, StagedKind, Study
from studies.staging import StagedUploadExpired, apply_staged_upload, get_staged_upload, stage_upload

from ..access import get_code_for_user
from ..codebook_io import PATH_SEPARATOR, code_paths, parse_csv, parse_indented, validate_plan
from ..exports import codebook_export as codebook_export_file
from ..forms import CodeMergeForm, CodeMoveForm, CodeSplitForm, form_errors
from ..models import Code
from ..selectors import codebook_tree, study_codes, visible_codings
from ..selectors.codebook import with_urls
from ..services import codebook as services
from ..tasks import export_codebook_task


def _live_code(study: Study, value: str) -> Code | None:
    """The live code of `study` whose uuid is `value`, or None (also for malformed uuids)."""
    try:
        return Code.objects.alive().filter(study=study, uuid=UUID(value)).first() if value else None
    except ValueError:
        return None


@login_required
@require_http_methods(["GET", "POST"])
def codebook(request: HttpRequest, slug: str) -> HttpResponse:
    study = get_study_for_user(request, slug)
    error = ""
    if request.method == "POST":
        study = get_study_for_user(request, slug, write=True)
        parent = _live_code(study, request.POST.get("parent", ""))
        try:
            code = services.create_code(
                study=study,
                user=acting_user(request),
                name=request.POST.get("name", ""),
                parent=parent,
                colour=request.POST.get("colour", ""),
                definition=request.POST.get("definition", ""),
            )
            messages.success(request, f"Code “{code.name}” created.")
            return redirect("coding:codebook", slug=slug)
        except ValidationError as exc:
            error = " ".join(exc.messages)
    query = request.GET.get("q", "").strip()
    nil = UUID(int=0)
    all_codes = with_urls(
        codebook_tree(study=study, user=request.user),
        detail=reverse("coding:code_detail", args=[slug, nil]),
        move=reverse("coding:code_move", args=[slug, nil]),
    )
    tree = [row for row in all_codes if query.lower() in row.code.name.lower()] if query else all_codes
    return render(
        request,
        "coding/codebook.html",
        {"study": study, "tree": tree, "query": query, "error": error, "all_codes": all_codes,
         "deleted_count": Code.objects.filter(study=study, deleted_at__isnull=False).count()},
        status=400 if error else 200,
    )  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def code_detail(request: HttpRequest, slug: str, code_uuid: UUID) -> HttpResponse:
    code = get_code_for_user(request, slug, code_uuid, write=request.method == "POST")
    study = code.study
    conflict = None
    error = ""
    form = {name: getattr(code, name) for name in services.EDITABLE_FIELDS}
    if request.method == "POST":
        form = {name: request.POST.get(name, "") for name in services.EDITABLE_FIELDS}
        try:
            version = int(request.POST.get("version", "0"))
            code = services.update_code(code=code, user=acting_user(request), expected_version=version, **form)
            code.study = study
            messages.success(request, f"Code “{code.name}” saved.")
            return redirect("coding:code_detail", slug=slug, code_uuid=code.uuid)
        except services.Conflict as exc:
            conflict = exc.current
            error = str(exc)
        except (ValidationError, ValueError) as exc:
            error = " ".join(exc.messages) if isinstance(exc, ValidationError) else "Reload the page and try again."
    # The first 500 in reading order (documents in natural order: P2 before P10, then position),
    # chosen from light rows before the texts are loaded.
    visible = visible_codings(study=study, user=request.user).filter(code=code)
    rows = list(visible.values_list("pk", "transcript_id", "start"))
    titles = dict(Transcript.objects.filter(pk__in={t for _, t, _ in rows}).values_list("pk", "title"))
    rank = {pk: i for i, pk in enumerate(naturally(titles, key=lambda pk: titles[pk]))}
    first = [pk for pk, _, _ in sorted(rows, key=lambda r: (rank[r[1]], r[2]))[:500]]
    by_pk = {c.pk: c for c in visible.filter(pk__in=first).select_related("transcript", "coder")}
    codings = [by_pk[pk] for pk in first if pk in by_pk]
    excerpts = [(c, c.transcript.text[c.start : c.end]) for c in codings]
    tree = codebook_tree(study=study, user=request.user)
    row = next((r for r in tree if r.code.pk == code.pk), None)
    others = [r for r in tree if r.code.pk != code.pk]
    status = 409 if conflict else (400 if error else 200)
    return render(
        request,
        "coding/code_detail.html",
        {"study": study, "code": code, "form": form, "conflict": conflict, "error": error, "excerpts": excerpts,
         "others": others, "row": row, "impact": services.deletion_impact(code=code, user=request.user), "fields": services.EDITABLE_FIELDS,
         "memos": code.memos.filter(deleted_at__isnull=True).select_related("author"), "memo_target": "code",
         "memo_uuid": code.uuid, **code_rules_context(request, code)},
        status=status,
    )  # fmt: skip


@login_required
@require_POST
def code_move(request: HttpRequest, slug: str, code_uuid: UUID) -> HttpResponse:
    """Move by keyboard buttons (direction) or by drag and drop (parent + position)."""
    code = get_code_for_user(request, slug, code_uuid, write=True)
    user = acting_user(request)
    form = CodeMoveForm(request.POST, study=code.study)
    try:
        if not form.is_valid():
            raise ValidationError(form_errors(form))
        data = form.cleaned_data
        if data["direction"]:
            services.move_code_by(code=code, user=user, direction=data["direction"])
        else:
            services.move_code(code=code, user=user, parent=data["parent"], position=data["position"])
    except ValidationError as exc:
        message = " ".join(exc.messages)
        if request.headers.get("Accept") == "application/json":
            return JsonResponse({"error": message}, status=400)
        messages.error(request, message)
        return redirect("coding:codebook", slug=slug)
    if request.headers.get("Accept") == "application/json":
        return JsonResponse({"moved": str(code.uuid)})
    return redirect(safe_next(request, f"{reverse('coding:codebook', args=[slug])}#code-{code.uuid}"))


@login_required
@require_POST
def code_merge(request: HttpRequest, slug: str, code_uuid: UUID) -> HttpResponse:
    source = get_code_for_user(request, slug, code_uuid, write=True)
    form = CodeMergeForm(request.POST, study=source.study)
    if not form.is_valid():
        messages.error(request, form_errors(form, labels=False))
        return redirect("coding:code_detail", slug=slug, code_uuid=source.uuid)
    target = form.cleaned_data["target"]
    try:
        outcome = services.merge_codes(source=source, target=target, user=acting_user(request))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("coding:code_detail", slug=slug, code_uuid=source.uuid)
    messages.success(
        request,
        f"Merged “{source.name}” into “{target.name}”: {outcome.moved} codings moved, "
        f"{outcome.collapsed} joined with overlapping codings of the same coder. Undo restores both codes.",
    )
    return redirect("coding:code_detail", slug=slug, code_uuid=target.uuid)


@login_required
@require_POST
def code_split(request: HttpRequest, slug: str, code_uuid: UUID) -> HttpResponse:
    source = get_code_for_user(request, slug, code_uuid, write=True)
    form = CodeSplitForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(form_errors(form, labels=False))
        outcome = services.split_code(
            source=source, coding_uuids=form.cleaned_data["codings"], new_name=form.cleaned_data["name"],
            user=acting_user(request),
        )  # fmt: skip
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("coding:code_detail", slug=slug, code_uuid=source.uuid)
    messages.success(request, f"Moved {outcome.moved} codings to the new code “{outcome.code.name}”.")
    return redirect("coding:code_detail", slug=slug, code_uuid=outcome.code.uuid)


@login_required
@require_POST
def code_delete(request: HttpRequest, slug: str, code_uuid: UUID) -> HttpResponse:
    code = get_code_for_user(request, slug, code_uuid, write=True)
    impact = services.delete_code(code=code, user=acting_user(request))
    messages.success(
        request,
        f"Deleted “{code.name}”: {impact.codings} codings hidden, {impact.children} sub-codes moved up. "
        "Restore it from the deleted codes, or undo.",
    )
    return redirect("coding:codebook", slug=slug)


@login_required
@require_http_methods(["GET", "POST"])
def codebook_deleted(request: HttpRequest, slug: str) -> HttpResponse:
    study = get_study_for_user(request, slug, write=request.method == "POST")
    if request.method == "POST":
        code = get_in_study_or_404(
            Code.objects.filter(deleted_at__isnull=False), study, uuid=request.POST.get("code") or None
        )
        try:
            services.restore_code(code=code, user=acting_user(request))
            messages.success(request, f"Restored “{code.name}” with its codings.")
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return redirect("coding:codebook_deleted", slug=slug)
    deleted = Code.objects.filter(study=study, deleted_at__isnull=False).order_by("-deleted_at")
    return render(request, "coding/codebook_deleted.html", {"study": study, "deleted": deleted})


@login_required
def codebook_export(request: HttpRequest, slug: str) -> HttpResponse:
    study = get_study_for_user(request, slug)
    return export_response(
        request, study=study, rows=study_codes(study=study).count(), kind=JobKind.EXPORT_CODEBOOK,
        task=export_codebook_task, params={}, build=lambda: codebook_export_file(study=study, user=request.user),
    )  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def codebook_import(request: HttpRequest, slug: str) -> HttpResponse:
    """Upload a CSV or an indented list, preview the tree, then create the codes."""
    study = get_study_for_user(request, slug, write=True)
    user = acting_user(request)
    error = ""
    planned = None
    staged = None
    if request.method == "POST":
        try:
            if request.POST.get("staged"):
                staged = get_staged_upload(
                    study=study, user=user, kind=StagedKind.CODEBOOK, uuid=request.POST["staged"]
                )
                name, data = staged.name, bytes(staged.data)
            else:
                upload = request.FILES.get("file")
                if upload is None:
                    raise ImportFailure("(no file)", "choose a CSV file or an indented text list")
                name, data = upload.name or "codebook.txt", upload.read(5 * 1024 * 1024 + 1)
                if len(data) > 5 * 1024 * 1024:
                    raise ImportFailure(name, "is larger than 5 MB; a codebook is much smaller")
            warnings: list[str] = []
            parse = parse_csv if name.lower().endswith(".csv") else parse_indented
            planned = parse(name, data, warnings)
            for warning in warnings:
                messages.warning(request, warning)
            live = list(Code.objects.alive().filter(study=study))
            validate_plan(name, planned, set(code_paths(live).values()))
            if staged is not None and request.POST.get("action") == "apply":
                outcome = apply_staged_upload(
                    staged, partial(services.import_codebook, study=study, user=user, planned=planned)
                )
                messages.success(
                    request, f"Codebook imported: {outcome.created} codes created, {outcome.existing} already there."
                )
                return redirect("coding:codebook", slug=slug)
            if staged is None:
                staged = stage_upload(study=study, user=user, kind=StagedKind.CODEBOOK, name=name, data=data)
        except ImportFailure as exc:
            error = str(exc)
            planned = None
        except StagedUploadExpired as exc:
            messages.error(request, str(exc))
            return redirect("coding:codebook_import", slug=slug)
    rows = [(PATH_SEPARATOR.join(p.path), len(p.path) - 1, p) for p in planned or []]
    return render(
        request, "coding/codebook_import.html", {"study": study, "error": error, "rows": rows, "staged": staged},
        status=400 if error else 200,
    )  # fmt: skip
