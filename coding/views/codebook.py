from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from accounts.utils import acting_user
from interviews.importers import ImportFailure
from interviews.tables import to_csv_bytes
from studies.access import get_in_study_or_404, get_study_for_user
from studies.jobs import create_job
from studies.models import Job, JobStatus, Study

from ..access import get_code_for_user
from ..codebook_io import PATH_SEPARATOR, export_frame, parse_csv, parse_indented, validate_plan
from ..models import Code
from ..selectors import codebook_tree, visible_codings
from ..services import codebook as services

CODEBOOK_IMPORT = "codebook_import"


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
    tree = codebook_tree(study=study, user=request.user)
    if query:
        tree = [row for row in tree if query.lower() in row[0].name.lower()]
    return render(
        request,
        "coding/codebook.html",
        {"study": study, "tree": tree, "query": query, "error": error, "all_codes": codebook_tree(study=study, user=request.user),
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
    codings = list(
        visible_codings(study=study, user=request.user)
        .filter(code=code)
        .select_related("transcript", "coder")
        .order_by("transcript__title", "start")[:500]
    )
    excerpts = [(c, c.transcript.text[c.start : c.end]) for c in codings]
    others = [row for row in codebook_tree(study=study, user=request.user) if row[0].pk != code.pk]
    status = 409 if conflict else (400 if error else 200)
    return render(
        request,
        "coding/code_detail.html",
        {"study": study, "code": code, "form": form, "conflict": conflict, "error": error, "excerpts": excerpts,
         "others": others, "impact": services.deletion_impact(code=code), "fields": services.EDITABLE_FIELDS,
         "memos": code.memos.filter(deleted_at__isnull=True).select_related("author"), "memo_target": "code",
         "memo_uuid": code.uuid},
        status=status,
    )  # fmt: skip


@login_required
@require_POST
def code_move(request: HttpRequest, slug: str, code_uuid: UUID) -> HttpResponse:
    """Move by keyboard buttons (direction) or by drag and drop (parent + position)."""
    code = get_code_for_user(request, slug, code_uuid, write=True)
    user = acting_user(request)
    direction = request.POST.get("direction", "")
    siblings = list(Code.objects.alive().filter(study=code.study, parent=code.parent).order_by("order", "name"))
    index = next((i for i, c in enumerate(siblings) if c.pk == code.pk), 0)
    try:
        if direction == "up":
            services.move_code(code=code, user=user, parent=code.parent, position=max(0, index - 1))
        elif direction == "down":
            services.move_code(code=code, user=user, parent=code.parent, position=index + 1)
        elif direction == "indent":
            if index == 0:
                raise ValidationError("There is no code above at this level to move it under.")
            services.move_code(code=code, user=user, parent=siblings[index - 1])
        elif direction == "outdent":
            if code.parent is None:
                raise ValidationError("This code is already at the top level.")
            grandparent = code.parent.parent
            parent_siblings = list(
                Code.objects.alive().filter(study=code.study, parent=grandparent).order_by("order", "name")
            )
            after = next((i for i, c in enumerate(parent_siblings) if c.pk == code.parent_id), len(parent_siblings))
            services.move_code(code=code, user=user, parent=grandparent, position=after + 1)
        else:
            parent_uuid = request.POST.get("parent", "")
            parent = _live_code(code.study, parent_uuid)
            if parent_uuid and parent is None:
                raise ValidationError("The new parent is not in this codebook.")
            position = request.POST.get("position")
            services.move_code(code=code, user=user, parent=parent, position=int(position) if position else None)
    except (ValidationError, ValueError) as exc:
        message = " ".join(exc.messages) if isinstance(exc, ValidationError) else "Bad position."
        if request.headers.get("Accept") == "application/json":
            return JsonResponse({"error": message}, status=400)
        messages.error(request, message)
        return redirect("coding:codebook", slug=slug)
    if request.headers.get("Accept") == "application/json":
        return JsonResponse({"moved": str(code.uuid)})
    return redirect(f"{request.POST.get('next') or ''}" or f"/studies/{slug}/codebook/#code-{code.uuid}")


@login_required
@require_POST
def code_merge(request: HttpRequest, slug: str, code_uuid: UUID) -> HttpResponse:
    source = get_code_for_user(request, slug, code_uuid, write=True)
    target = _live_code(source.study, request.POST.get("target", ""))
    if target is None:
        messages.error(request, "Choose the code to merge into.")
        return redirect("coding:code_detail", slug=slug, code_uuid=source.uuid)
    try:
        outcome = services.merge_codes(source=source, target=target, user=acting_user(request))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("coding:code_detail", slug=slug, code_uuid=source.uuid)
    messages.success(
        request,
        f"Merged “{source.name}” into “{target.name}”: {outcome.moved} codings moved, "
        f"{outcome.collapsed} duplicates collapsed. Undo restores both codes.",
    )
    return redirect("coding:code_detail", slug=slug, code_uuid=target.uuid)


@login_required
@require_POST
def code_split(request: HttpRequest, slug: str, code_uuid: UUID) -> HttpResponse:
    source = get_code_for_user(request, slug, code_uuid, write=True)
    try:
        new_code = services.split_code(
            source=source, coding_uuids=request.POST.getlist("codings"), new_name=request.POST.get("name", ""),
            user=acting_user(request),
        )  # fmt: skip
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("coding:code_detail", slug=slug, code_uuid=source.uuid)
    messages.success(request, f"Moved {new_code.codings.count()} codings to the new code “{new_code.name}”.")
    return redirect("coding:code_detail", slug=slug, code_uuid=new_code.uuid)


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
    tree = codebook_tree(study=study, user=request.user)
    frame = export_frame([code for code, _, _ in tree], {code.pk: n for code, _, n in tree})
    response = HttpResponse(to_csv_bytes(frame), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{study.slug}-codebook.csv"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def codebook_import(request: HttpRequest, slug: str) -> HttpResponse:
    """Upload a CSV or an indented list, preview the tree, then create the codes."""
    study = get_study_for_user(request, slug, write=True)
    error = ""
    planned = None
    job = None
    if request.method == "POST":
        try:
            if request.POST.get("job"):
                job = get_in_study_or_404(Job.objects.filter(kind=CODEBOOK_IMPORT), study, uuid=request.POST["job"])
                with job.input_file.open("rb") as handle:
                    data = handle.read()
                name = job.input_name
            else:
                upload = request.FILES.get("file")
                if upload is None:
                    raise ImportFailure("(no file)", "choose a CSV file or an indented text list")
                name, data = upload.name or "codebook.txt", upload.read(5 * 1024 * 1024 + 1)
                if len(data) > 5 * 1024 * 1024:
                    raise ImportFailure(name, "is larger than 5 MB; a codebook is much smaller")
            planned = parse_csv(name, data) if name.lower().endswith(".csv") else parse_indented(name, data)
            from ..codebook_io import code_paths

            live = list(Code.objects.alive().filter(study=study))
            validate_plan(name, planned, set(code_paths(live).values()))
            if job is not None and request.POST.get("action") == "apply":
                outcome = services.import_codebook(study=study, user=acting_user(request), planned=planned)
                job.status = JobStatus.DONE
                job.input_file.delete(save=False)
                job.save(update_fields=["status", "input_file"])
                messages.success(
                    request, f"Codebook imported: {outcome.created} codes created, {outcome.existing} already there."
                )
                return redirect("coding:codebook", slug=slug)
            if job is None:
                job = create_job(
                    study=study, kind=CODEBOOK_IMPORT, user=acting_user(request), input_name=name, input_bytes=data
                )
        except ImportFailure as exc:
            error = str(exc)
            planned = None
    rows = [(PATH_SEPARATOR.join(p.path), len(p.path) - 1, p) for p in planned or []]
    return render(
        request, "coding/codebook_import.html", {"study": study, "error": error, "rows": rows, "job": job},
        status=400 if error else 200,
    )  # fmt: skip
