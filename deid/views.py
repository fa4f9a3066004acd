"""De-identification pages: a transcript's proposals to review and apply, the study's mapping.

Pages read stored proposals only; detection runs in the DEID_DETECT job (`deid.tasks`), never here.

Who may do what: de-identification is an owner's task, every page and action of it (review, scan,
decide, apply, the mapping, revert); coders and viewers get 403, outsiders 404. Pseudonyms are
study-wide, so a review page's "original → pseudonym" pairs (and the flash after renaming one)
reveal who "P3" or "Company 1" is in the documents already de-identified: that is the mapping,
which the issue keeps for owners only. Coders read and code the de-identified text like any other.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.utils import acting_user
from interviews.models import Transcript
from interviews.services.corrections import StaleVersion
from studies.access import get_in_study_or_404, get_study_for_user, study_access
from studies.models import Job, JobKind

from . import services
from .detect import KINDS, ner_status
from .forms import ACCEPT, ACCEPT_KIND, EDIT, REJECT, REJECT_KIND, RESET, DecideForm, VersionForm
from .models import KIND_CHOICES, Application, Proposal, ProposalStatus, Pseudonym, original_key

KIND_LABELS = dict(KIND_CHOICES)


@dataclass(frozen=True)
class Piece:
    """A run of the transcript's text: plain, or one proposal's span."""

    text: str
    proposal: Proposal | None = None


def pieces(text: str, proposals: list[Proposal]) -> list[Piece]:
    """The text cut at the proposals' edges (sorted, not overlapping), for the template to escape."""
    out: list[Piece] = []
    at = 0
    for proposal in proposals:
        if proposal.start < at:
            continue
        if proposal.start > at:
            out.append(Piece(text[at : proposal.start]))
        out.append(Piece(text[proposal.start : proposal.end], proposal))
        at = proposal.end
    if at < len(text):
        out.append(Piece(text[at:]))
    return out


def _owned_transcript(request: HttpRequest, slug: str, transcript_uuid: UUID) -> Transcript:
    """The transcript if the user owns its study: 404 for outsiders, 403 for other members."""
    study = get_study_for_user(request, slug, manage=True)
    return get_in_study_or_404(Transcript.objects.select_related("study"), study, uuid=transcript_uuid)


def _latest_scan(transcript: Transcript) -> Job | None:
    return (
        Job.objects.filter(study=transcript.study, kind=JobKind.DEID_DETECT, params__transcript=str(transcript.uuid))
        .order_by("-created_at", "-pk")
        .first()
    )


@login_required
def review(request: HttpRequest, slug: str, transcript_uuid: UUID) -> HttpResponse:
    transcript = _owned_transcript(request, slug, transcript_uuid)
    access = study_access(request)
    proposals = list(services.current_proposals(transcript).order_by("start"))
    counts: dict[str, dict[str, int]] = {k: {"total": 0, "proposed": 0, "accepted": 0, "rejected": 0} for k in KINDS}
    for p in proposals:
        state = "proposed" if p.status == ProposalStatus.PROPOSED else "accepted" if p.accepted else "rejected"
        counts[p.kind]["total"] += 1
        counts[p.kind][state] += 1
    kinds = [{"kind": k, "label": KIND_LABELS[k], **counts[k]} for k in KINDS if counts[k]["total"]]
    applications = list(Application.objects.filter(transcript=transcript).select_related("applied_by"))
    return render(
        request,
        "deid/review.html",
        {
            "study": transcript.study,
            "transcript": transcript,
            "pieces": pieces(transcript.text, proposals),
            "proposals": proposals,
            "kinds": kinds,
            "accepted": sum(1 for p in proposals if p.accepted),
            "undecided": sum(1 for p in proposals if p.status == ProposalStatus.PROPOSED),
            "applications": applications,
            "job": _latest_scan(transcript),
            "can_code": access.can_code,
            "can_manage": access.can_manage,
            "ner": ner_status(),
        },
    )


@login_required
@require_POST
def scan(request: HttpRequest, slug: str, transcript_uuid: UUID) -> HttpResponse:
    transcript = _owned_transcript(request, slug, transcript_uuid)
    job = services.queue_scan(transcript=transcript, user=acting_user(request))
    messages.info(request, "Scanning the document for names, places and contact details.")
    return redirect(f"{reverse('deid:review', args=[slug, transcript.uuid])}?job={job.uuid}")


def _next_anchor(transcript: Transcript, after: int) -> str:
    """The fragment of the next undecided proposal after offset `after` (or the first one), so a
    keyboard review goes on where it was."""
    undecided = services.current_proposals(transcript).filter(status=ProposalStatus.PROPOSED).order_by("start")
    following = undecided.filter(start__gte=after).first() or undecided.first()
    return f"#p-{following.pk}" if following is not None else "#proposals"


@login_required
@require_POST
def decide(request: HttpRequest, slug: str, transcript_uuid: UUID) -> HttpResponse:
    transcript = _owned_transcript(request, slug, transcript_uuid)
    form = DecideForm(request.POST, transcript=transcript)
    back = reverse("deid:review", args=[slug, transcript.uuid])
    if not form.is_valid():
        return render_error(request, back, form.first_error())
    user = acting_user(request)
    action = form.cleaned_data["action"]
    chosen: list[Proposal] = sorted(form.cleaned_data.get("proposals") or [], key=lambda p: p.start)
    after = chosen[-1].end if chosen else 0
    try:
        if action in (ACCEPT, REJECT, RESET):
            status = {ACCEPT: ProposalStatus.ACCEPTED, REJECT: ProposalStatus.REJECTED, RESET: ProposalStatus.PROPOSED}
            changed = services.decide(
                transcript=transcript, proposal_ids=[p.pk for p in chosen], status=status[action], user=user
            )
            verb = {ACCEPT: "accepted", REJECT: "rejected", RESET: "put back to undecided"}[action]
            messages.success(request, f"{changed} proposal{'s' if changed != 1 else ''} {verb}.")
        elif action == EDIT:
            services.edit_pseudonym(proposal=chosen[0], pseudonym=form.cleaned_data["pseudonym"], user=user)
            messages.success(request, f"“{chosen[0].original}” will become “{form.cleaned_data['pseudonym']}”.")
        elif action in (ACCEPT_KIND, REJECT_KIND):
            kind = form.cleaned_data["kind"]
            status_kind = ProposalStatus.ACCEPTED if action == ACCEPT_KIND else ProposalStatus.REJECTED
            changed = services.decide_kind(transcript=transcript, kind=kind, status=status_kind, user=user)
            verb = "accepted" if action == ACCEPT_KIND else "rejected"
            messages.success(
                request, f"{changed} {KIND_LABELS[kind].lower()} proposal{'s' if changed != 1 else ''} {verb}."
            )
    except ValidationError as exc:
        return render_error(request, back, " ".join(exc.messages))
    return redirect(back + _next_anchor(transcript, after))


def render_error(request: HttpRequest, back: str, error: str) -> HttpResponse:
    return render(
        request, "deid/error.html", {"study": study_access(request).study, "error": error, "back": back}, status=400
    )


@login_required
@require_POST
def apply(request: HttpRequest, slug: str, transcript_uuid: UUID) -> HttpResponse:
    transcript = _owned_transcript(request, slug, transcript_uuid)
    back = reverse("deid:review", args=[slug, transcript.uuid])
    form = VersionForm(request.POST)
    if not form.is_valid():
        return render_error(request, back, "The page was out of date; reload it.")
    try:
        outcome = services.apply_proposals(
            transcript=transcript, user=acting_user(request), expected_version=form.cleaned_data["version"]
        )
    except StaleVersion as exc:
        context = {"study": transcript.study, "error": str(exc), "back": back}
        return render(request, "deid/error.html", context, status=409)
    except ValidationError as exc:
        return render_error(request, back, " ".join(exc.messages))
    count = len(outcome.application.replacements)
    c = outcome.correction
    messages.success(
        request,
        f"{count} replacement{'s' if count != 1 else ''} applied: text version {c.version}; "
        f"{c.moved + c.unchanged} codings carried exactly, {c.flagged} flagged for review.",
    )
    return redirect(back)


@dataclass(frozen=True)
class MappingRow:
    row: Pseudonym
    kind: str
    accepted: int
    rejected: int
    undecided: int


@login_required
def mapping(request: HttpRequest, slug: str) -> HttpResponse:
    """The study's mapping: the confirmed entries (a proposal of theirs was accepted), and apart
    from them what scans found that nobody accepted — rejected everywhere (false hits, not
    identifiers) or not decided yet, with the pseudonym they would get for now."""
    study = get_study_for_user(request, slug, manage=True)
    entries = list(Pseudonym.objects.filter(study=study).order_by("kind", "number", "original"))
    tally: dict[str, dict[str, int]] = {}
    statuses = Proposal.objects.filter(study=study).values("original", "status").annotate(n=Count("pk"))
    for row in statuses.values_list("original", "status", "n"):
        counts = tally.setdefault(original_key(row[0]), {})
        counts[row[1]] = counts.get(row[1], 0) + row[2]

    def described(entry: Pseudonym) -> MappingRow:
        counts = tally.get(entry.key, {})
        return MappingRow(
            row=entry,
            kind=KIND_LABELS.get(entry.kind, entry.kind),
            accepted=counts.get(ProposalStatus.ACCEPTED, 0) + counts.get(ProposalStatus.EDITED, 0),
            rejected=counts.get(ProposalStatus.REJECTED, 0),
            undecided=counts.get(ProposalStatus.PROPOSED, 0),
        )

    rows = [described(e) for e in entries]
    applications = list(
        Application.objects.filter(study=study).select_related("transcript", "applied_by", "reverted_by")[:200]
    )
    return render(
        request,
        "deid/mapping.html",
        {
            "study": study,
            "rows": [r for r in rows if r.row.confirmed],
            "undecided": [r for r in rows if not r.row.confirmed and r.undecided],
            "rejected": [r for r in rows if not r.row.confirmed and r.rejected and not r.undecided],
            "applications": applications,
        },
    )


@login_required
@require_POST
def revert(request: HttpRequest, slug: str, application_id: int) -> HttpResponse:
    study = get_study_for_user(request, slug, manage=True)
    application = get_in_study_or_404(Application.objects.select_related("transcript"), study, pk=application_id)
    back = reverse("deid:review", args=[slug, application.transcript.uuid])
    try:
        outcome = services.revert_application(application=application, user=acting_user(request))
    except ValidationError as exc:
        return render_error(request, back, " ".join(exc.messages))
    messages.success(
        request,
        f"De-identification reverted: the originals are back in text version {outcome.version}; "
        f"{outcome.moved + outcome.unchanged} codings carried exactly, {outcome.flagged} flagged for review.",
    )
    return redirect(back)
