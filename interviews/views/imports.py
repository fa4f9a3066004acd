"""Importing documents: upload, the speaker preview (before anything is stored), and the import jobs.

documents/import/                  upload; by default the files are staged for the preview
documents/import/preview/?f=...    the preview of the staged files: confirm, cancel or update
documents/import/preview/<uuid>/   one file's preview again with other choices (htmx)
documents/imports/                 the import jobs with their summaries
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import quote, urlencode
from uuid import UUID

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.uploadedfile import UploadedFile
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from accounts.utils import acting_user
from studies import dispatch
from studies.access import StudyAccess, get_study_access, get_study_for_user
from studies.jobs import create_job, enqueue, fail_job
from studies.models import Job, JobKind, JobStatus, StagedUpload, Study
from studies.staging import EXPIRED_MESSAGE, StagedUploadExpired

from ..importers import SUPPORTED_EXTENSIONS, ImportFailure, SpeakerOptions, label_key
from ..importers.safety import human_size
from ..models import Participant, Protocol, SpeakerRole, TranscriptMode
from ..services import imports as services
from ..tasks import import_transcript_task

MAX_FILES_PER_UPLOAD = 200
MAX_PREVIEW_FILES = 20  # larger batches import without the preview
MAX_SPEAKERS = 500

UNLABELLED_OPTIONS = [
    ("auto", "As detected"),
    ("previous", "Continue the previous speaker"),
    ("participant", "Are the participant speaking"),
]


# --- upload ---------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def import_documents(request: HttpRequest, slug: str) -> HttpResponse:
    study = get_study_for_user(request, slug, write=True)
    participants = Participant.objects.filter(study=study).order_by("label")
    protocols = Protocol.objects.filter(study=study).order_by("title")
    errors: list[str] = []
    skip_preview = request.method == "POST" and bool(request.POST.get("skip_preview"))
    if request.method == "POST":
        files = request.FILES.getlist("files")
        labels = [label for label in request.POST.getlist("participants") if label]
        protocol_uuid = request.POST.get("protocol") or ""
        mode = request.POST.get("mode") or TranscriptMode.RECORDED
        known_labels = set(participants.values_list("label", flat=True))
        if not files:
            errors.append("Choose at least one file to import.")
        if len(files) > MAX_FILES_PER_UPLOAD:
            errors.append(f"Import at most {MAX_FILES_PER_UPLOAD} files at once.")
        elif len(files) > MAX_PREVIEW_FILES and not skip_preview:
            errors.append(
                f"The preview shows at most {MAX_PREVIEW_FILES} files; tick “Import without preview” for larger "
                "batches, or choose fewer files."
            )
        if any(label not in known_labels for label in labels):
            errors.append("One of the chosen participants is not in this study.")
        if protocol_uuid and not (_is_uuid(protocol_uuid) and protocols.filter(uuid=protocol_uuid).exists()):
            errors.append("The chosen protocol is not in this study.")
        if mode not in TranscriptMode.values:
            errors.append("Choose a kind of document from the list.")
        if not errors and skip_preview:
            jobs = _queue_direct(request, study, files, labels, protocol_uuid, mode)
            _report_queued(request, jobs, len(files))
            return redirect("interviews:import_jobs", slug=study.slug)
        if not errors:
            limit = settings.THEMATICA_MAX_UPLOAD_BYTES
            kept: list[tuple[str, bytes]] = []
            for upload in files:
                name = upload.name or "upload"
                if upload.size is not None and upload.size > limit:
                    messages.error(
                        request, f"{name}: is {human_size(upload.size)}; the limit is {human_size(limit)}. "
                        "It was left out."
                    )  # fmt: skip
                    continue
                kept.append((name, upload.read(limit + 1)))
            if kept:
                staged = services.stage_transcripts(study=study, user=acting_user(request), files=kept)
                query = _batch_query([s.uuid for s in staged], labels, protocol_uuid, mode)
                return redirect(reverse("interviews:import_preview", args=[study.slug]) + query)
            errors.append("None of the files can be imported.")
    return render(
        request,
        "interviews/import.html",
        {
            "study": study,
            "participants": participants,
            "protocols": protocols,
            "errors": errors,
            "skip_preview": skip_preview,
            "max_preview": MAX_PREVIEW_FILES,
            "accept": ",".join(f".{e}" for e in SUPPORTED_EXTENSIONS),
            "extensions": ", ".join(f".{e}" for e in SUPPORTED_EXTENSIONS),
            "limit": human_size(settings.THEMATICA_MAX_UPLOAD_BYTES),
            "modes": TranscriptMode.choices,
            "mode": request.POST.get("mode") or TranscriptMode.RECORDED,
        },
        status=400 if errors else 200,
    )


def _queue_direct(
    request: HttpRequest, study: Study, files: list[UploadedFile], labels: list[str], protocol_uuid: str, mode: str
) -> list[Job]:
    """Import without preview: one job per file, with the detected speaker defaults. The jobs queued."""
    limit = settings.THEMATICA_MAX_UPLOAD_BYTES
    queued: list[Job] = []
    for upload in files:
        name = upload.name or "upload"
        params = {"participant_labels": labels, "protocol_uuid": protocol_uuid, "mode": mode}
        if upload.size is not None and upload.size > limit:
            job = create_job(
                study=study, kind=JobKind.IMPORT_TRANSCRIPT, user=acting_user(request), params=params, input_name=name
            )
            fail_job(job, f"{name}: is {human_size(upload.size)}; the limit is {human_size(limit)}")
            continue
        job = create_job(
            study=study,
            kind=JobKind.IMPORT_TRANSCRIPT,
            user=acting_user(request),
            params=params,
            input_name=name,
            input_bytes=upload.read(),
        )
        enqueue(import_transcript_task, job)
        queued.append(job)
    return queued


def _report_queued(request: HttpRequest, jobs: list[Job], count: int) -> None:
    """Say how the batch went: imported and failed when the imports already ran (no task service:
    they run in this process), that the files are kept and wait when the task service could not
    take them, else that they are queued. The jobs were sent on commit, so their rows say which."""
    statuses = Counter(Job.objects.filter(pk__in=[job.pk for job in jobs]).values_list("status", flat=True))
    files = f"{count} file{'s' if count != 1 else ''}"
    if statuses[JobStatus.WAITING]:
        messages.warning(request, dispatch.UNREACHABLE_MESSAGE if count == 1 else dispatch.UNREACHABLE_MESSAGE_PLURAL)
    elif jobs and statuses[JobStatus.DONE] + statuses[JobStatus.FAILED] == len(jobs):
        done, failed = statuses[JobStatus.DONE], statuses[JobStatus.FAILED]
        summary = f"{files}: {done:,} imported, {failed:,} failed" + (" (see why below)." if failed else ".")
        (messages.warning if failed else messages.success)(request, summary)
    else:
        messages.success(request, f"{files} queued for import.")


def _is_uuid(value: str) -> bool:
    try:
        UUID(value)
    except ValueError:
        return False
    return True


def _batch_query(uuids: list[UUID], labels: list[str], protocol_uuid: str, mode: str) -> str:
    pairs = [("f", str(u)) for u in uuids] + [("participants", label) for label in labels]
    if protocol_uuid:
        pairs.append(("protocol", protocol_uuid))
    if mode != TranscriptMode.RECORDED:
        pairs.append(("mode", mode))
    return "?" + urlencode(pairs)


# --- the preview ----------------------------------------------------------------------------------


class PreviewFileForm(forms.Form):
    """One file's choices in the preview (fields prefixed `f-<staged uuid>`)."""

    include = forms.BooleanField(required=False)
    unlabelled = forms.ChoiceField(choices=UNLABELLED_OPTIONS, required=False)
    count = forms.IntegerField(min_value=0, max_value=MAX_SPEAKERS)


class PreviewSpeakerForm(forms.Form):
    """One detected speaker: the label to store it as, and who it is (`f-<uuid>-s<n>`)."""

    source = forms.CharField(max_length=200, strip=False)
    name = forms.CharField(max_length=200, required=False)
    who = forms.ChoiceField()

    def __init__(self, *args: object, who_choices: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["who"].choices = who_choices  # type: ignore[attr-defined]


@dataclass
class SpeakerRow:
    index: int
    speaker: services.SpeakerPreview
    name: str  # the label it will be stored as
    who: str  # "interviewer", "participant", "other" or "participant:<uuid>"


@dataclass
class FileCard:
    """One staged file in the preview, with the choices shown."""

    staged: StagedUpload
    preview: services.TranscriptPreview | None = None
    error: str = ""  # the file cannot be read (or cannot be previewed)
    error_hint: str = "This file cannot be imported; the other files are not affected."
    problems: list[str] = field(default_factory=list)  # the choices cannot be applied
    include: bool = True
    unlabelled: str = "auto"
    rows: list[SpeakerRow] = field(default_factory=list)
    # With the names typed under "Store as": the speakers as they will be stored (merges applied).
    stored: list[services.SpeakerPreview] = field(default_factory=list)

    @property
    def prefix(self) -> str:
        return f"f-{self.staged.uuid}"

    @property
    def unlabelled_used(self) -> str:
        """Where the paragraphs without a label went, in words ("" when the detection did not say)."""
        preview = self.preview
        if preview is None or not preview.unlabelled:
            return ""
        if preview.unlabelled == "none":
            return "every paragraph has its own speaker label"
        count = preview.unlabelled_paragraphs
        which = (
            f"{count} paragraph{'s' if count != 1 else ''} without a label" if count else "paragraphs without a label"
        )
        if preview.unlabelled == "participant":
            return f"{which} {'is' if count == 1 else 'are'} {preview.participant_label or 'the participant'} speaking"
        return f"{which} continue{'s' if count == 1 else ''} the previous speaker"


@dataclass
class PreviewContext:
    study: Study
    participants: list[Participant]
    labels: list[str]  # participants chosen at upload
    protocol: Protocol | None
    mode: str = TranscriptMode.RECORDED  # the kind of document chosen at upload

    @property
    def is_interview(self) -> bool:
        return self.mode != TranscriptMode.OTHER

    @property
    def who_choices(self) -> list[tuple[str, str]]:
        return [
            (SpeakerRole.INTERVIEWER.value, "Interview team"),
            (SpeakerRole.PARTICIPANT.value, "A participant not in the list"),
            *((f"participant:{p.uuid}", f"Participant {p.label}") for p in self.participants),
            (SpeakerRole.OTHER.value, "Other"),
        ]

    def who_value(self, mapping: services.SpeakerMapping) -> str:
        if mapping.participant:
            for participant in self.participants:
                if participant.label == mapping.participant:
                    return f"participant:{participant.uuid}"
        return mapping.role

    def mapping_for(self, who: str) -> services.SpeakerMapping:
        if who.startswith("participant:"):
            for participant in self.participants:
                if who == f"participant:{participant.uuid}":
                    return services.SpeakerMapping(SpeakerRole.PARTICIPANT, participant.label)
        return services.SpeakerMapping(who)

    @property
    def query(self) -> str:
        pairs = [("participants", label) for label in self.labels]
        if self.protocol is not None:
            pairs.append(("protocol", str(self.protocol.uuid)))
        if self.mode != TranscriptMode.RECORDED:
            pairs.append(("mode", self.mode))
        return "?" + urlencode(pairs) if pairs else ""


def _preview_context(request: HttpRequest, study: Study) -> PreviewContext:
    participants = list(Participant.objects.filter(study=study).order_by("label"))
    known = {p.label for p in participants}
    labels = [label for label in request.GET.getlist("participants") if label in known]
    protocol = None
    try:
        protocol_uuid = UUID(request.GET.get("protocol") or "")
    except ValueError:
        pass
    else:
        protocol = Protocol.objects.filter(study=study, uuid=protocol_uuid).first()
    mode = request.GET.get("mode") or ""
    return PreviewContext(
        study=study, participants=participants, labels=labels, protocol=protocol,
        mode=mode if mode in TranscriptMode.values else TranscriptMode.RECORDED,
    )  # fmt: skip


def _posted(data: QueryDict | None, card: FileCard, ctx: PreviewContext) -> dict[str, tuple[str, str]] | None:
    """Read the file's posted choices into `card` (include, unlabelled); the speaker rows' choices by
    source label. None when nothing was posted for this file, or when what was posted cannot be read:
    that is a problem on the card (it blocks the confirmation; the file is never imported with the
    defaults instead of what was asked)."""
    if data is None or f"{card.prefix}-count" not in data:
        return None
    form = PreviewFileForm(data, prefix=card.prefix)
    valid = form.is_valid()
    card.include = form.cleaned_data.get("include", card.include)  # the fields that were read are kept
    card.unlabelled = form.cleaned_data.get("unlabelled") or "auto"
    if not valid:
        reasons = " ".join(f"{name}: {error}" for name, errors in form.errors.items() for error in errors)
        card.problems.append(
            f"The choices for this file could not be read ({reasons}); the speakers are shown again as detected. "
            "Check them and import again."
        )
        return None
    rows: dict[str, tuple[str, str]] = {}
    for index in range(form.cleaned_data["count"]):
        row = PreviewSpeakerForm(data, prefix=f"{card.prefix}-s{index}", who_choices=ctx.who_choices)
        if row.is_valid():
            rows[row.cleaned_data["source"]] = (row.cleaned_data["name"], row.cleaned_data["who"])
        elif f"{card.prefix}-s{index}-source" in data:
            card.problems.append(
                f"Speaker {index + 1}: " + " ".join(str(e) for errs in row.errors.values() for e in errs)
            )
    return rows


def _card(staged: StagedUpload, ctx: PreviewContext, data: QueryDict | None) -> FileCard:
    """Parse one staged file with the posted choices (or the defaults) and lay out its preview."""
    card = FileCard(staged=staged)
    posted = _posted(data, card, ctx)
    try:
        card.preview = services.preview_transcript(
            study=ctx.study,
            filename=staged.name,
            data=bytes(staged.data),
            options=SpeakerOptions(unlabelled=card.unlabelled),  # type: ignore[arg-type]
            participant_labels=ctx.labels,
        )
    except ImportFailure as exc:
        card.error, card.include, card.problems = str(exc), False, []
        return card
    if len(card.preview.speakers) > MAX_SPEAKERS:
        card.error = (
            f"{staged.name}: has {len(card.preview.speakers):,} speakers; the preview shows at most {MAX_SPEAKERS}."
        )
        card.error_hint = (
            "It is left out of this import; upload it again with “Import without preview” to import it with the "
            "detected speakers. The other files are not affected."
        )
        card.include, card.problems = False, []
        return card
    if data is not None and f"{card.prefix}-count" not in data:
        card.problems.append("The choices for this file were not sent; check them and import again.")
    if posted is None and card.preview.already_imported:
        card.include = False  # importing it again would change nothing
    for index, speaker in enumerate(card.preview.speakers):
        name, who = (posted or {}).get(speaker.label, (speaker.label, ctx.who_value(speaker.mapping)))
        card.rows.append(SpeakerRow(index=index, speaker=speaker, name=name, who=who))
    renames = _renames(card)
    if renames:
        # Show what the renames do (two names made one join their speakers and their turns),
        # read exactly as the import will read it.
        card.stored = services.preview_transcript(
            study=ctx.study,
            filename=staged.name,
            data=bytes(staged.data),
            options=SpeakerOptions(renames=renames, unlabelled=card.unlabelled),  # type: ignore[arg-type]
            participant_labels=ctx.labels,
        ).speakers
    return card


def _target(row: SpeakerRow) -> str:
    """The name a speaker is stored under: what was typed, whitespace collapsed, or its own label."""
    return " ".join(unicodedata.normalize("NFC", row.name).split()) or row.speaker.label


def _renames(card: FileCard) -> dict[str, str]:
    return {row.speaker.label: _target(row) for row in card.rows if _target(row) != row.speaker.label}


def _choice(card: FileCard, ctx: PreviewContext) -> services.PreviewChoice | None:
    """What to import for this card, or None when it is left out; problems go to `card.problems`."""
    if not card.include or card.preview is None:
        return None
    renames: dict[str, str] = {}
    # One stored speaker per label_key (letter case and spacing do not count, as in the parser's
    # merges): key → (the label as first typed, who, first source label).
    targets: dict[str, tuple[str, str, str]] = {}
    for row in card.rows:
        target = _target(row)
        if target != row.speaker.label:
            renames[row.speaker.label] = target
        key = label_key(target)
        first, who, source = targets.setdefault(key, (target, row.who, row.speaker.label))
        if who != row.who:
            into = (
                f"are merged into “{target}”"
                if first == target
                else f"are merged into one speaker (“{first}” and “{target}” differ only in letter case or spacing)"
            )
            card.problems.append(
                f"“{source}” and “{row.speaker.label}” {into} but set to different people; choose the same for both, "
                "or store them under different names."
            )
    if card.problems:
        return None
    return services.PreviewChoice(
        options=SpeakerOptions(renames=renames, unlabelled=card.unlabelled),  # type: ignore[arg-type]
        speaker_map={target: ctx.mapping_for(who) for target, who, _ in targets.values()},
    )


def _render_preview(
    request: HttpRequest, ctx: PreviewContext, cards: list[FileCard], status: int = 200, errors: list[str] | None = None
) -> HttpResponse:
    return render(
        request,
        "interviews/import_preview.html",
        {
            "study": ctx.study,
            "ctx": ctx,
            "cards": cards,
            "errors": errors or [],
            "unlabelled_options": UNLABELLED_OPTIONS,
            "who_choices": ctx.who_choices,
            "readable": sum(1 for c in cards if c.preview is not None),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def import_preview(request: HttpRequest, slug: str) -> HttpResponse:
    """The staged files of one upload (`?f=<uuid>&f=...`), each with its detected speakers.

    POST `action`: `confirm` queues the chosen files with their choices, `cancel` discards the staged
    files, `refresh` shows the preview again with the choices made (for browsers without scripts)."""
    study = get_study_for_user(request, slug, write=True)
    user = acting_user(request)
    staged = services.staged_transcripts(study=study, user=user, uuids=request.GET.getlist("f"))
    if not staged:
        messages.error(request, "This preview expired; upload the files again.")
        return redirect("interviews:import", slug=slug)
    ctx = _preview_context(request, study)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    if action == "cancel":
        deleted = services.discard_staged_transcripts(staged=staged)
        messages.info(request, f"Import cancelled; {deleted} uploaded file{'s' if deleted != 1 else ''} discarded.")
        return redirect("interviews:import", slug=slug)
    cards = [_card(item, ctx, request.POST if request.method == "POST" else None) for item in staged]
    if action != "confirm":
        return _render_preview(request, ctx, cards)
    choices = {card.staged.uuid: _choice(card, ctx) for card in cards}
    if any(card.problems for card in cards):
        return _render_preview(request, ctx, cards, 400, ["Some choices cannot be applied; see the files below."])
    if not any(choices.values()):
        return _render_preview(request, ctx, cards, 400, ["Choose at least one file to import, or cancel."])
    try:
        jobs = services.queue_previewed_imports(
            study=study, user=user, staged=staged, choices=choices, participant_labels=ctx.labels, protocol=ctx.protocol,
            mode=ctx.mode,
        )  # fmt: skip
    except StagedUploadExpired:
        messages.error(request, "These files were already imported or discarded.")
        return redirect("interviews:import_jobs", slug=slug)
    _report_queued(request, jobs, len(jobs))
    return redirect("interviews:import_jobs", slug=slug)


@login_required
@require_POST
def import_preview_file(request: HttpRequest, slug: str, staged_uuid: UUID) -> HttpResponse:
    """One file's preview again with the posted choices (the unlabelled-paragraph choice re-parses it)."""
    study = get_study_for_user(request, slug, write=True)
    found = services.staged_transcripts(study=study, user=acting_user(request), uuids=[str(staged_uuid)])
    if not found:
        # htmx keeps the page as it was on an error; the header is what app.js shows instead.
        response = HttpResponse(EXPIRED_MESSAGE, status=404, content_type="text/plain; charset=utf-8")
        response["X-Thematica-Message"] = quote(EXPIRED_MESSAGE)
        return response
    ctx = _preview_context(request, study)
    return render(
        request,
        "interviews/import_preview.html#file",
        {"study": study, "ctx": ctx, "card": _card(found[0], ctx, request.POST),
         "unlabelled_options": UNLABELLED_OPTIONS, "who_choices": ctx.who_choices},
    )  # fmt: skip


# --- the import jobs ------------------------------------------------------------------------------


@login_required
def import_jobs(request: HttpRequest, slug: str) -> HttpResponse:
    """The study's recent imports with each file's summary; `?job=<uuid>` is one row (polled by htmx).
    Showing a job that waits for the task service tries to send the waiting jobs again (at most every
    few seconds; see `dispatch.resend_waiting_jobs_lazily`); waiting and failed imports whose file is
    kept get a retry button for those who may use it."""
    access = get_study_access(request, slug)
    study = access.study
    jobs = Job.objects.filter(study=study, kind=JobKind.IMPORT_TRANSCRIPT).select_related("created_by")
    if request.GET.get("job"):
        try:
            job = jobs.get(uuid=UUID(request.GET["job"]))
        except (ValueError, Job.DoesNotExist) as exc:
            raise Http404("No such import.") from exc
        if job.status == JobStatus.WAITING and dispatch.resend_waiting_jobs_lazily():
            job.refresh_from_db()
        context = {"study": study, "job": job, "retryable": _retryable(access, [job])}
        return render(request, "interviews/import_jobs.html#job", context)
    recent = list(jobs.order_by("-created_at")[:100])
    if any(job.status == JobStatus.WAITING for job in recent) and dispatch.resend_waiting_jobs_lazily():
        recent = list(jobs.order_by("-created_at")[:100])
    context = {"study": study, "jobs": recent, "retryable": _retryable(access, recent)}
    return render(request, "interviews/import_jobs.html", context)


def _retryable(access: StudyAccess, jobs: list[Job]) -> set[UUID]:
    return {job.uuid for job in jobs if dispatch.can_retry(job) and dispatch.may_retry(access, job)}
