from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from studies.access import get_study_for_user

from ..access import get_protocol_for_user
from ..models import Protocol
from ..services import protocols as services


@login_required
@require_http_methods(["GET", "POST"])
def protocol_list(request: HttpRequest, slug: str) -> HttpResponse:
    study = get_study_for_user(request, slug)
    error = ""
    if request.method == "POST":
        study = get_study_for_user(request, slug, write=True)
        try:
            protocol = services.create_protocol(
                study=study, title=request.POST.get("title", ""), description=request.POST.get("description", "")
            )
            if request.POST.get("questions", "").strip():
                services.add_questions(protocol=protocol, text=request.POST["questions"])
            messages.success(request, f"Protocol “{protocol.title}” created.")
            return redirect(protocol)
        except ValidationError as exc:
            error = " ".join(exc.messages)
    protocols = Protocol.objects.filter(study=study).prefetch_related("questions").order_by("title")
    return render(
        request, "interviews/protocol_list.html", {"study": study, "protocols": protocols, "error": error},
        status=400 if error else 200,
    )  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def protocol_detail(request: HttpRequest, slug: str, protocol_uuid: UUID) -> HttpResponse:
    """The protocol and, for coders, its editing actions (one form per action)."""
    protocol = get_protocol_for_user(request, slug, protocol_uuid, write=request.method == "POST")
    error = ""
    if request.method == "POST":
        action = request.POST.get("action", "")
        question = protocol.questions.filter(pk=request.POST.get("question") or 0).first()
        try:
            if action == "add":
                added = services.add_questions(protocol=protocol, text=request.POST.get("questions", ""))
                messages.success(request, f"{len(added)} question{'s' if len(added) != 1 else ''} added.")
            elif action == "rename":
                services.update_protocol(
                    protocol=protocol, title=request.POST.get("title", ""),
                    description=request.POST.get("description", ""),
                )  # fmt: skip
            elif action in ("up", "down") and question is not None:
                services.move_question(question=question, direction=1 if action == "down" else -1)
            elif action == "edit" and question is not None:
                services.update_question(
                    question=question, text=request.POST.get("text", ""), section=request.POST.get("section", "")
                )
            elif action == "delete" and question is not None:
                services.delete_question(question=question)
                messages.success(request, "Question deleted.")
            else:
                raise ValidationError("Unknown action or question.")
            return redirect(
                f"{protocol.get_absolute_url()}#q-{question.pk}" if question and action != "delete" else protocol
            )
        except ValidationError as exc:
            error = " ".join(exc.messages)
    questions = protocol.questions.order_by("order", "id")
    transcripts = protocol.transcripts.order_by("title")
    return render(
        request,
        "interviews/protocol_detail.html",
        {"study": protocol.study, "protocol": protocol, "questions": questions, "transcripts": transcripts,
         "error": error},
        status=400 if error else 200,
    )  # fmt: skip


@login_required
@require_POST
def protocol_delete(request: HttpRequest, slug: str, protocol_uuid: UUID) -> HttpResponse:
    protocol = get_protocol_for_user(request, slug, protocol_uuid, write=True)
    protocol.delete()
    messages.success(request, f"Protocol “{protocol.title}” deleted; documents that followed it keep their text.")
    return redirect("interviews:protocol_list", slug=slug)
