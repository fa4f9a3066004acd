from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import User
from accounts.utils import acting_user
from coding.selectors import coding_counts, has_visible_codings, transcript_codings, visible_codings
from coding.services.history import undoable_batches
from studies.access import get_study_for_user, study_access

from ..access import get_transcript_for_user
from ..forms import NEW_SPEAKER, JoinTurnsForm, MergeSpeakersForm, ReassignTurnForm, SplitTurnForm
from ..models import Participant, Protocol, ProtocolQuestion, SpeakerRole, SpeakerTurn, Transcript, TranscriptMode
from ..ordering import naturally
from ..selectors import suggest_question_links
from ..services import documents as services
from ..services import protocols as protocol_services
from ..services import speakers as speaker_services
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


@dataclass
class ReviewTurn:
    """One turn as the speaker review page lists it."""

    turn: SpeakerTurn
    text: str
    number: int
    splits: list[tuple[int, str]]  # (offset, the words the second part would begin with)
    next: SpeakerTurn | None
    between: str  # the document's text between this turn and the next (joined into the turn)
    error: str = ""  # why a change to this turn was just refused


PREVIEW_CHARS = 48


def _preview(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= PREVIEW_CHARS else text[:PREVIEW_CHARS].rstrip() + "…"


def _speakers_page(
    request: HttpRequest, transcript: Transcript, *, error: str = "", error_turn: str | None = None
) -> HttpResponse:
    """The speaker review page: speakers with their counts and mapping, merge, and every turn
    with reassign, split and join. A fixed number of queries however long the document."""
    participants = Participant.objects.filter(study=transcript.study).order_by("label")
    speakers = list(transcript.speakers.select_related("participant").order_by("label"))
    by_pk = {s.pk: s for s in speakers}
    for speaker in speakers:
        speaker.n_turns = speaker.n_words = 0  # type: ignore[attr-defined]
    text = transcript.text
    turns = list(SpeakerTurn.objects.filter(transcript=transcript).order_by("index"))
    rows = []
    for position, turn in enumerate(turns):
        turn.speaker = by_pk.get(turn.speaker_id) if turn.speaker_id else None  # type: ignore[assignment]
        speech = text[turn.start : turn.end]
        if turn.speaker is not None:
            turn.speaker.n_turns += 1  # type: ignore[attr-defined]
            turn.speaker.n_words += len(speech.split())  # type: ignore[attr-defined]
        following = turns[position + 1] if position + 1 < len(turns) else None
        rows.append(
            ReviewTurn(
                turn=turn,
                text=speech,
                number=turn.index + 1,
                splits=[(at, _preview(text[at : turn.end])) for at in speaker_services.sentence_starts(text, turn.start, turn.end)],
                next=following,
                between=" ".join(text[turn.end : following.start].split()) if following else "",
                error=error if error_turn == str(turn.pk) else "",
            )
        )  # fmt: skip
    access = study_access(request)
    last_change = (
        undoable_batches(study=transcript.study, user=acting_user(request))
        .filter(object_type=speaker_services.OBJECT_TYPE, object_uuid=transcript.uuid)
        .order_by("-created_at", "-id")
        .first()
        if access.can_code
        else None
    )
    return render(
        request,
        "interviews/document_speakers.html",
        {"study": transcript.study, "transcript": transcript, "speakers": speakers, "participants": participants,
         "turns": rows, "error": error, "last_change": last_change, "new_speaker": NEW_SPEAKER},
        status=400 if error else 200,
    )  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def document_speakers(request: HttpRequest, slug: str, transcript_uuid: UUID) -> HttpResponse:
    """Speaker review: who each speaker is (this form), merge, reassign, split and join (their own views)."""
    transcript = get_transcript_for_user(request, slug, transcript_uuid, write=True)
    error = ""
    if request.method == "POST":
        participants = Participant.objects.filter(study=transcript.study)
        by_uuid = {str(p.uuid): p for p in participants}
        try:
            choices: list[services.SpeakerChoice] = []
            for speaker in transcript.speakers.order_by("label"):
                choice = request.POST.get(f"speaker-{speaker.pk}", "")
                if choice.startswith("participant:"):
                    participant = by_uuid.get(choice.split(":", 1)[1])
                    if participant is None:
                        raise ValidationError("That participant is not in this study.")
                    choices.append(services.SpeakerChoice(speaker, SpeakerRole.PARTICIPANT, participant))
                elif choice in SpeakerRole.values:
                    choices.append(services.SpeakerChoice(speaker, choice, None))
            services.map_speakers(transcript=transcript, choices=choices, user=acting_user(request))
            messages.success(request, "Speakers saved.")
            return redirect("interviews:document_speakers", slug=slug, transcript_uuid=transcript.uuid)
        except ValidationError as exc:
            error = " ".join(exc.messages)
    return _speakers_page(request, transcript, error=error)


def _review_action(
    request: HttpRequest, slug: str, transcript_uuid: UUID, form_class: type[Any], act: Callable[[Any, User], Any]
) -> HttpResponse:
    """Parse a speaker review POST with `form_class`, run `act(cleaned_data, user)` (a service),
    then back to the review page at the turn; a refused change re-renders the page with why."""
    transcript = get_transcript_for_user(request, slug, transcript_uuid, write=True)
    form = form_class(request.POST, transcript=transcript)
    # The turn the form was posted from, where the page shows a refusal too.
    at = request.POST.get("turn") or request.POST.get("first")
    if not form.is_valid():
        return _speakers_page(request, transcript, error=form.first_error(), error_turn=at)
    try:
        anchor = act(form.cleaned_data, acting_user(request))
    except ValidationError as exc:
        return _speakers_page(request, transcript, error=" ".join(exc.messages), error_turn=at)
    url = reverse("interviews:document_speakers", args=[slug, transcript.uuid])
    return redirect(f"{url}#{anchor}" if anchor else url)


@login_required
@require_POST
def speakers_merge(request: HttpRequest, slug: str, transcript_uuid: UUID) -> HttpResponse:
    def act(data: dict[str, Any], user: User) -> str:
        keep, absorb = data["keep"], data["absorb"]
        speaker_services.merge_speakers(transcript=keep.transcript, keep=keep, absorb=absorb, user=user)
        messages.success(request, f"“{absorb.label}” merged into “{keep.label}”.")
        return "speakers"

    return _review_action(request, slug, transcript_uuid, MergeSpeakersForm, act)


@login_required
@require_POST
def turn_reassign(request: HttpRequest, slug: str, transcript_uuid: UUID) -> HttpResponse:
    def act(data: dict[str, Any], user: User) -> str:
        turn = data["turn"]
        speaker_services.reassign_turn(turn=turn, speaker=data["speaker"], label=data["label"], user=user)
        now = SpeakerTurn.objects.select_related("speaker").get(pk=turn.pk).speaker
        messages.success(request, f"Turn {turn.index + 1} is now spoken by “{now.label if now else '—'}”.")
        return f"turn-{turn.index}"

    return _review_action(request, slug, transcript_uuid, ReassignTurnForm, act)


@login_required
@require_POST
def turn_split(request: HttpRequest, slug: str, transcript_uuid: UUID) -> HttpResponse:
    def act(data: dict[str, Any], user: User) -> str:
        turn = data["turn"]
        speaker_services.split_turn(turn=turn, at=data["at"], speaker=data["speaker"], label=data["label"], user=user)
        messages.success(request, f"Turn {turn.index + 1} split in two: turns {turn.index + 1} and {turn.index + 2}.")
        return f"turn-{turn.index}"

    return _review_action(request, slug, transcript_uuid, SplitTurnForm, act)


@login_required
@require_POST
def turn_join(request: HttpRequest, slug: str, transcript_uuid: UUID) -> HttpResponse:
    def act(data: dict[str, Any], user: User) -> str:
        first, second = data["first"], data["second"]
        speaker_services.join_turns(first=first, second=second, user=user)
        messages.success(request, f"Turns {first.index + 1} and {second.index + 1} joined.")
        return f"turn-{first.index}"

    return _review_action(request, slug, transcript_uuid, JoinTurnsForm, act)


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
        # Fields are named by the turn's id, not its position: speaker review can split or join
        # turns while this page is open, and a position would then name another turn.
        by_id_turn = {str(t.pk): t for t in transcript.turns.all()}
        linked = 0
        for key in request.POST:
            value = request.POST.get(key, "")
            if key.startswith("turn-") and key[5:] in by_id_turn:
                turn = by_id_turn[key[5:]]
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
                for warning in outcome.warnings:
                    messages.warning(request, warning)
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
    services.delete_transcript(transcript=transcript, user=acting_user(request))
    messages.success(request, f"“{transcript.title}” and its codings were deleted.")
    return redirect("interviews:document_list", slug=slug)
