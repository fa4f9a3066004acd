from __future__ import annotations

import datetime as dt
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from accounts.utils import acting_user
from coding.selectors import coding_counts, has_visible_codings, transcript_codings, visible_codings
from studies.access import get_study_for_user, study_access

from ..access import get_transcript_for_user
from ..models import Participant, Protocol, ProtocolQuestion, SpeakerRole, Transcript, TranscriptMode
from ..ordering import naturally
from ..selectors import suggest_question_links
from ..services import documents as services
from ..services import protocols as protocol_services
from ..services.corrections import StaleVersion, correct_transcript, preview_correction


@login_required
def document_list(request: HttpRequest, slug: str) -> HttpResponse:
    study = get_study_for_user(request, slug)
    counts = coding_counts(study=study, user=request.user, by="transcript_id")
    review = dict(
        visible_codings(study=study, user=request.user)
        .filter(needs_review=True)
        .values("transcript_id")
        .annotate(n=Count("id"))
        .values_list("transcript_id", "n")
    )
    transcripts = list(Transcript.objects.filter(study=study).defer("text").prefetch_related("participants"))
    for transcript in transcripts:
        transcript.n_codings = counts.get(transcript.pk, 0)  # type: ignore[attr-defined]
        transcript.n_review = review.get(transcript.pk, 0)  # type: ignore[attr-defined]
    return render(
        request,
        "interviews/document_list.html",
        {"study": study, "transcripts": naturally(transcripts, key=lambda t: t.title)},
    )


def _protocol(protocols: QuerySet[Protocol], value: str) -> Protocol | None:
    if not value:
        return None
    try:
        return protocols.filter(uuid=UUID(value)).first()
    except ValueError as exc:
        raise ValidationError("Choose a protocol of this study.") from exc


@login_required
@require_http_methods(["GET", "POST"])
def document_edit(request: HttpRequest, slug: str, transcript_uuid: UUID) -> HttpResponse:
    transcript = get_transcript_for_user(request, slug, transcript_uuid, write=True)
    study = transcript.study
    participants = Participant.objects.filter(study=study).order_by("label")
    protocols = Protocol.objects.filter(study=study).order_by("title")
    error = ""
    if request.method == "POST":
        data = request.POST
        try:
            date_text = data.get("interview_date", "").strip()
            try:
                interview_date = dt.date.fromisoformat(date_text) if date_text else None
            except ValueError as exc:
                raise ValidationError("Write the interview date as YYYY-MM-DD.") from exc
            services.update_metadata(
                transcript=transcript,
                title=data.get("title", ""),
                participants=list(participants.filter(uuid__in=data.getlist("participants"))),
                interview_date=interview_date,
                duration_seconds=services.parse_duration(data.get("duration", "")),
                interviewer=data.get("interviewer", ""),
                mode=data.get("mode", TranscriptMode.RECORDED),
                language=data.get("language", "en"),
                protocol=_protocol(protocols, data.get("protocol", "")),
                citation=data.get("citation", ""),
            )
            messages.success(request, "Document details saved.")
            return redirect("interviews:document_list", slug=slug)
        except ValidationError as exc:
            error = " ".join(exc.messages)
    chosen = set(transcript.participants.values_list("pk", flat=True))
    duration = ""
    if transcript.duration_seconds is not None:
        s = transcript.duration_seconds
        duration = f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}"
    return render(
        request,
        "interviews/document_edit.html",
        {"study": study, "transcript": transcript, "participants": participants, "chosen": chosen,
         "protocols": protocols, "modes": TranscriptMode.choices, "duration": duration, "error": error},
        status=400 if error else 200,
    )  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def document_speakers(request: HttpRequest, slug: str, transcript_uuid: UUID) -> HttpResponse:
    transcript = get_transcript_for_user(request, slug, transcript_uuid, write=True)
    participants = Participant.objects.filter(study=transcript.study).order_by("label")
    speakers = list(transcript.speakers.annotate(n_turns=Count("turns")).order_by("label"))
    error = ""
    if request.method == "POST":
        by_uuid = {str(p.uuid): p for p in participants}
        try:
            choices: list[services.SpeakerChoice] = []
            for speaker in speakers:
                choice = request.POST.get(f"speaker-{speaker.pk}", "")
                if choice.startswith("participant:"):
                    participant = by_uuid.get(choice.split(":", 1)[1])
                    if participant is None:
                        raise ValidationError("That participant is not in this study.")
                    choices.append(services.SpeakerChoice(speaker, SpeakerRole.PARTICIPANT, participant))
                elif choice in SpeakerRole.values:
                    choices.append(services.SpeakerChoice(speaker, choice, None))
            services.map_speakers(transcript=transcript, choices=choices)
            messages.success(request, "Speakers saved.")
            return redirect("interviews:document_speakers", slug=slug, transcript_uuid=transcript.uuid)
        except ValidationError as exc:
            error = " ".join(exc.messages)
    return render(
        request,
        "interviews/document_speakers.html",
        {"study": transcript.study, "transcript": transcript, "speakers": speakers, "participants": participants,
         "error": error},
        status=400 if error else 200,
    )  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def document_questions(request: HttpRequest, slug: str, transcript_uuid: UUID) -> HttpResponse:
    """Link turns to the protocol questions they answer, by hand or from suggestions."""
    transcript = get_transcript_for_user(request, slug, transcript_uuid, write=request.method == "POST")
    questions = (
        list(ProtocolQuestion.objects.filter(protocol=transcript.protocol).order_by("order", "id"))
        if transcript.protocol_id
        else []
    )
    if request.method == "POST":
        by_id = {str(q.pk): q for q in questions}
        by_index = {str(t.index): t for t in transcript.turns.all()}
        linked = 0
        for key in request.POST:
            value = request.POST.get(key, "")
            if key.startswith("turn-") and key[5:] in by_index:
                turn = by_index[key[5:]]
                turn.transcript = transcript
                question = by_id.get(value)
                if (question.pk if question else None) != turn.question_id:
                    protocol_services.link_turn(turn=turn, question=question)
                    linked += 1
        messages.success(request, f"{linked} link{'s' if linked != 1 else ''} saved.")
        return redirect("interviews:document_questions", slug=slug, transcript_uuid=transcript.uuid)
    turns = [
        (t, transcript.text[t.start : t.end])
        for t in transcript.turns.select_related("speaker", "question").order_by("index")
    ]
    suggestions = {s["turn"].pk: s for s in suggest_question_links(transcript=transcript)}  # type: ignore[attr-defined]
    return render(
        request,
        "interviews/document_questions.html",
        {"study": transcript.study, "transcript": transcript, "turns": turns, "questions": questions,
         "suggestions": suggestions, "can_code": study_access(request).can_code},
    )  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def document_correct(request: HttpRequest, slug: str, transcript_uuid: UUID) -> HttpResponse:
    """Correct the canonical text; codings are re-anchored and uncertain ones flagged."""
    transcript = get_transcript_for_user(request, slug, transcript_uuid, write=True)
    new_text = transcript.text
    error = ""
    changes: list[tuple[str, str]] = []
    if request.method == "POST":
        new_text = request.POST.get("text", "")
        try:
            version = int(request.POST.get("version", "0"))
        except ValueError:
            version = -1
        if request.POST.get("action") == "save":
            try:
                outcome = correct_transcript(
                    transcript=transcript, new_text=new_text, user=acting_user(request), expected_version=version
                )
                messages.success(
                    request,
                    f"Text saved as version {outcome.version}: {outcome.moved} codings moved exactly, "
                    f"{outcome.flagged} flagged for review, {outcome.unchanged} unchanged.",
                )
                return redirect("interviews:document_correct", slug=slug, transcript_uuid=transcript.uuid)
            except StaleVersion as exc:
                error = str(exc)
            except ValidationError as exc:
                error = " ".join(exc.messages)
        else:
            changes = preview_correction(transcript=transcript, new_text=new_text)
            if not changes:
                error = "No changes."
    flagged = list(
        transcript_codings(transcript=transcript, user=request.user)
        .filter(needs_review=True)
        .select_related("code")
        .order_by("start")
    )
    reader = reverse("interviews:transcript_detail", args=[slug, transcript.uuid])
    return render(
        request,
        "interviews/document_correct.html",
        {"study": transcript.study, "transcript": transcript, "text": new_text, "changes": changes[:200],
         "error": error, "flagged": [(c, transcript.text[c.start : c.end], f"{reader}#pos-{c.start}-{c.end}") for c in flagged],
         "has_codings": has_visible_codings(transcript=transcript, user=request.user)},
        status=409 if error.startswith("Someone") else (400 if error and error != "No changes." else 200),
    )  # fmt: skip


@login_required
@require_POST
def document_delete(request: HttpRequest, slug: str, transcript_uuid: UUID) -> HttpResponse:
    transcript = get_transcript_for_user(request, slug, transcript_uuid, write=True)
    services.delete_transcript(transcript=transcript)
    messages.success(request, f"“{transcript.title}” and its codings were deleted.")
    return redirect("interviews:document_list", slug=slug)
