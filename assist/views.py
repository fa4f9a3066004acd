"""The code-suggestion review pages: the queue (per study, transcript or code), the decisions on one
suggestion (accept, reject, accept as another code, for the whole turn or an edited span, undo),
the rules of a code and "Retrain now".

Every decision is a plain form POST that redirects back to the queue (the page works without
JavaScript); `static/js/suggestions.js` sends the same forms with `Accept: application/json` and
gets a JSON answer instead, so the keyboard flow stays on the page. Views parse input with
`assist.forms` and call one service of `assist.suggestions` (or the coding history's undo); reads
go through `assist.selectors` and, for codings, `coding.selectors`. No view imports spaCy or
scikit-learn: suggestions, rules and models are made by jobs and only read here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from itertools import pairwise
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from accounts.utils import acting_user
from coding.forms import form_errors
from coding.models import Code
from coding.selectors import codebook_tree, transcript_codings, visible_codings
from coding.selectors.lineage import live_successors
from coding.services.history import UndoRefused, undo_batch
from interviews.models import Transcript
from studies.access import get_in_study_or_404, get_study_for_user, study_access
from studies.http import safe_next
from studies.models import Job, JobKind, Study

from . import suggestions as services
from .forms import ORDERS, RULE_HELP, STATUSES, AcceptForm, QueueFilterForm, RuleForm
from .models import RuleKind, Suggestion, SuggestionRule, SuggestionStatus
from .selectors import (
    QueueRow,
    code_model_status,
    current_model,
    open_suggestion_count,
    study_rules,
    suggestion_counts,
    suggestion_queue,
)

# Each row carries its own code picker (a plain form without JavaScript): 25 rows keep a page light
# with a large codebook.
PER_PAGE = 25
# A finished suggestion job stays on the pages this long, so its outcome is seen; then it goes.
JOB_SHOWN_FOR = timedelta(minutes=10)
SESSION_LAST = "assist_last_decision"
SIMILAR_EXCERPT = 160


# --- what a row shows --------------------------------------------------------------------------


@dataclass(frozen=True)
class Piece:
    """A run of a sentence, matched by a rule (`marked`, shown in <mark>) or not. Built from
    offsets on the server and escaped by the template: the text is never trusted as HTML."""

    text: str
    marked: bool = False


@dataclass(frozen=True)
class SimilarLink:
    url: str
    label: str
    excerpt: str


@dataclass
class QueueItem:
    uuid: UUID
    status: str
    code: Code
    score: float
    band: str
    transcript_title: str
    speaker: str
    start: int
    end: int
    pieces: list[Piece]
    why: list[str]
    reader_url: str
    accept_url: str
    reject_url: str
    undo_url: str
    turn_start: int
    turn_end: int
    similar: list[SimilarLink] = field(default_factory=list)
    decision: str = ""
    # The row after this one: a decision sent without JavaScript comes back to it (#suggestion-…).
    after: UUID | None = None

    @property
    def turn_widens(self) -> bool:
        """Whether "the whole turn" is more than the sentence (else the button would do the same)."""
        return (self.turn_start, self.turn_end) != (self.start, self.end)


def highlight(text: str, text_start: int, spans: list[tuple[int, int]] | list[list[int]]) -> list[Piece]:
    """`text` (which starts at transcript offset `text_start`) cut into plain and marked pieces at
    the matched `spans` (transcript offsets, code points, end exclusive). Spans outside the text
    are clipped; overlapping ones are joined."""
    length = len(text)
    cuts = sorted(
        (max(0, int(s) - text_start), min(length, int(e) - text_start))
        for s, e in spans
        if int(e) - text_start > 0 and int(s) - text_start < length
    )
    merged: list[list[int]] = []
    for s, e in cuts:
        if e <= s:
            continue
        if merged and s <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    pieces: list[Piece] = []
    at = 0
    for s, e in merged:
        if s > at:
            pieces.append(Piece(text[at:s]))
        pieces.append(Piece(text[s:e], marked=True))
        at = e
    if at < length or not pieces:
        pieces.append(Piece(text[at:]))
    return pieces


def _reader_url(slug: str, transcript_uuid: UUID | str, start: int, end: int) -> str:
    return f"{reverse('interviews:transcript_detail', args=[slug, transcript_uuid])}#pos-{start}-{end}"


def _similar_links(study: Study, user: Any, keys: set[str]) -> dict[str, SimilarLink]:
    """Reader links for the "similar coded excerpts" of a page's rows, in two queries at most:
    coding uuids through the coding visibility selector (a coding the user may not see is not
    linked), and "transcript:start:end" keys through the study's transcripts."""
    links: dict[str, SimilarLink] = {}
    uuids, spans = [], []
    for key in keys:
        if ":" in key:
            parts = key.split(":")
            if len(parts) == 3 and all(p.isdigit() for p in parts):
                spans.append((int(parts[0]), int(parts[1]), int(parts[2])))
        else:
            try:
                uuids.append(str(UUID(key)))
            except ValueError:
                continue
    if uuids:
        rows = visible_codings(study=study, user=user).filter(uuid__in=uuids).select_related("transcript", "code")
        for coding in rows.only(
            "uuid", "start", "end", "transcript__uuid", "transcript__title", "transcript__text", "code__name"
        ):
            text = coding.transcript.text[coding.start : coding.end]
            links[str(coding.uuid)] = SimilarLink(
                url=_reader_url(study.slug, coding.transcript.uuid, coding.start, coding.end),
                label=coding.transcript.title,
                excerpt=_cut(text),
            )
    if spans:
        found = {
            t.pk: t
            for t in Transcript.objects.filter(study=study, pk__in={t for t, _, _ in spans}).only(
                "uuid", "title", "text"
            )
        }
        for tid, s, e in spans:
            if tid in found:
                t = found[tid]
                links[f"{tid}:{s}:{e}"] = SimilarLink(
                    url=_reader_url(study.slug, t.uuid, s, e), label=t.title, excerpt=_cut(t.text[s:e])
                )
    return links


def _cut(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= SIMILAR_EXCERPT else text[: SIMILAR_EXCERPT - 1] + "…"


def _decision(suggestion: Suggestion) -> str:
    who = str(suggestion.decided_by) if suggestion.decided_by_id else "someone"
    if suggestion.status == SuggestionStatus.ACCEPTED:
        as_code = ""
        if suggestion.final_code_id and suggestion.final_code_id != suggestion.code_id and suggestion.final_code:
            as_code = f" as “{suggestion.final_code.name}”"
        span = " for a wider or edited span" if suggestion.final_start is not None else ""
        return f"Accepted by {who}{as_code}{span}."
    if suggestion.status == SuggestionStatus.REJECTED:
        return f"Rejected by {who}."
    if suggestion.status == SuggestionStatus.SUPERSEDED:
        return "Superseded: the segment was coded from another suggestion."
    return ""


def _why(row: QueueRow) -> list[str]:
    """The evidence in words: the best rule with its precision, and/or the model version."""
    suggestion = row.suggestion
    reasons = []
    rule = suggestion.rule
    if rule is not None and suggestion.source in ("rule", "rule+model"):
        reasons.append(f"rule “{rule.pattern}” ({rule.get_kind_display().lower()}), precision {rule.score:.2f}")
    if suggestion.model_version and suggestion.source in ("model", "rule+model"):
        reasons.append(f"model v{suggestion.model_version}, {suggestion.score:.2f}")
    if not reasons and row.source_label:
        reasons.append(row.source_label)
    return reasons


def _items(request: HttpRequest, study: Study, rows: list[QueueRow]) -> tuple[list[QueueItem], dict[str, Any]]:
    """The page's rows as the template shows them, and each row's turn for the span editor."""
    slug = study.slug
    keys = {str(s[0]) for row in rows for s in (row.similar or [])}
    links = _similar_links(study, request.user, keys) if keys else {}
    items = []
    editor: dict[str, Any] = {}
    for row in rows:
        s: Suggestion = row.suggestion
        items.append(
            QueueItem(
                uuid=s.uuid, status=s.status, code=s.code, score=s.score, band=s.band,
                transcript_title=row.transcript_title, speaker=row.speaker or "", start=s.start, end=s.end,
                pieces=highlight(row.excerpt, row.excerpt_start, row.rule_spans or []), why=_why(row),
                reader_url=_reader_url(slug, row.transcript_uuid, s.start, s.end),
                accept_url=reverse("assist:accept", args=[slug, s.uuid]),
                reject_url=reverse("assist:reject", args=[slug, s.uuid]),
                undo_url=reverse("assist:undo", args=[slug, s.uuid]),
                turn_start=row.turn_start, turn_end=row.turn_end,
                similar=[links[str(k[0])] for k in (row.similar or []) if str(k[0]) in links],
                decision=_decision(s),
            )
        )  # fmt: skip
        editor[str(s.uuid)] = {"start": row.turn_start, "text": row.turn_text}
    for item, following in pairwise(items):
        item.after = following.uuid
    return items, editor


def suggestion_jobs(study: Study) -> list[Job]:
    """The study's latest training or suggestion job while it runs, or for a while after it ended
    (its outcome is shown; the job status partial polls it until then)."""
    job = (
        Job.objects.filter(study=study, kind__in=[JobKind.SUGGEST_TRAIN, JobKind.SUGGEST_RUN])
        .order_by("-created_at", "-pk")
        .first()
    )
    if job is None:
        return []
    if job.is_finished and job.finished_at and job.finished_at < timezone.now() - JOB_SHOWN_FOR:
        return []
    return [job]


def _code_options(study: Study, user: Any, open_by_code: dict[int, int] | None = None) -> list[dict[str, Any]]:
    return [
        {
            "pk": row.code.pk, "uuid": row.code.uuid, "name": row.code.name, "colour": row.code.colour,
            "label": "· " * row.depth + row.code.name, "open": (open_by_code or {}).get(row.code.pk, 0),
        }
        for row in codebook_tree(study=study, user=user)
    ]  # fmt: skip


# --- the queue -----------------------------------------------------------------------------------


@login_required
@require_GET
def queue(request: HttpRequest, slug: str) -> HttpResponse:
    """The suggestions of a study, one transcript or one code, by score or by uncertainty."""
    study = get_study_for_user(request, slug)
    form = QueueFilterForm(request.GET, study=study)
    valid = form.is_valid()
    data = form.cleaned_data if valid else {}
    transcript, code = data.get("transcript"), data.get("code")
    order, status = data.get("order", "score"), data.get("status", "open")
    # An unknown document or code lists nothing (with the message), not the whole study.
    rows = (
        suggestion_queue(study=study, user=request.user, transcript=transcript, code=code, order=order, status=status)
        if valid
        else []
    )
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    items, turns = _items(request, study, list(page.object_list))
    counts = suggestion_counts(study)
    code_options = _code_options(study, request.user, counts.get("by_code", {}))
    transcripts = [
        {"pk": t.pk, "uuid": t.uuid, "title": t.title, "open": counts.get("by_transcript", {}).get(t.pk, 0)}
        for t in Transcript.objects.filter(study=study).only("uuid", "title").order_by("title")
    ]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "assist/queue.html",
        {
            "study": study, "items": items, "page": page, "total": page.paginator.count,
            "transcript": transcript, "code": code, "order": order, "status": status,
            "status_label": dict(STATUSES)[status], "orders": ORDERS, "statuses": STATUSES,
            "transcripts": transcripts, "code_options": code_options,
            "filter_errors": [] if valid else [form_errors(form, labels=False)],
            "query_string": query.urlencode(), "next_url": request.get_full_path(),
            "jobs": suggestion_jobs(study), "last_decision": _last_decision(request, study),
            "rules_count": study_rules(study).count(), "model_out_of_date": services.model_out_of_date(study),
            "turns_json": turns,
        },
        status=200 if valid else 400,
    )  # fmt: skip


def _last_decision(request: HttpRequest, study: Study) -> dict[str, str] | None:
    """The user's last decision on this page's study, while it can still be undone (no-JS undo)."""
    remembered = request.session.get(SESSION_LAST) or {}
    if remembered.get("study") != study.slug or not study_access(request).can_code:
        return None
    suggestion = (
        Suggestion.objects.filter(
            study=study, uuid=str(remembered.get("uuid")), decided_by=acting_user(request), decision_batch__isnull=False
        )
        .exclude(status=SuggestionStatus.OPEN)
        .first()
    )
    if suggestion is None:
        return None
    return {"text": remembered.get("text", ""), "undo_url": reverse("assist:undo", args=[study.slug, suggestion.uuid])}


# --- decisions -----------------------------------------------------------------------------------


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _suggestion(request: HttpRequest, slug: str, suggestion_uuid: UUID) -> Suggestion:
    study = get_study_for_user(request, slug, write=True)
    return get_in_study_or_404(
        Suggestion.objects.select_related("study", "transcript", "code", "rule"), study, uuid=suggestion_uuid
    )


def _answer(
    request: HttpRequest, suggestion: Suggestion, message: str, *, error: bool = False, status: int = 200,
    extra: dict[str, Any] | None = None,
) -> HttpResponse:  # fmt: skip
    """The JSON answer the queue's script reads, or (without JavaScript) a message and a redirect
    back to the queue the form was on."""
    if _wants_json(request):
        body = {"error": message} if error else {"message": message, "status": suggestion.status, **(extra or {})}
        return JsonResponse(body, status=status)
    (messages.error if error else messages.success)(request, message)
    fallback = f"{reverse('assist:queue', args=[suggestion.study.slug])}?transcript={suggestion.transcript.uuid}"
    return redirect(safe_next(request, fallback))


def _remember(request: HttpRequest, suggestion: Suggestion, text: str) -> None:
    request.session[SESSION_LAST] = {"study": suggestion.study.slug, "uuid": str(suggestion.uuid), "text": text}


@login_required
@require_POST
def accept(request: HttpRequest, slug: str, suggestion_uuid: UUID) -> HttpResponse:
    suggestion = _suggestion(request, slug, suggestion_uuid)
    form = AcceptForm(request.POST, suggestion=suggestion)
    if not form.is_valid():
        return _answer(request, suggestion, form_errors(form, labels=False), error=True, status=400)
    data = form.cleaned_data
    try:
        coding = services.accept_suggestion(
            suggestion=suggestion, user=acting_user(request), code=data["code"], start=data["start"],
            end=data["end"], expected_text=data["expected_text"],
        )  # fmt: skip
    except ValidationError as exc:
        status = 409 if isinstance(exc, services.SuggestionDecided) else 400
        return _answer(request, suggestion, " ".join(exc.messages), error=True, status=status)
    suggestion.refresh_from_db()
    code = data["code"] or suggestion.code
    scope = {"turn": " for the whole turn", "span": " for the edited span"}.get(data["scope"], "")
    text = f"Accepted “{code.name}”{scope} in {suggestion.transcript.title}."
    _remember(request, suggestion, text)
    superseded = Suggestion.objects.filter(
        transcript_id=suggestion.transcript_id,
        status=SuggestionStatus.SUPERSEDED,
        decision_batch=suggestion.decision_batch,
    ).values_list("uuid", flat=True)
    return _answer(
        request, suggestion, text,
        extra={"coding": str(coding.uuid), "code": code.name, "superseded": [str(u) for u in superseded],
               "undo_url": reverse("assist:undo", args=[slug, suggestion.uuid]), "decision": _decision(suggestion)},
    )  # fmt: skip


@login_required
@require_POST
def reject(request: HttpRequest, slug: str, suggestion_uuid: UUID) -> HttpResponse:
    suggestion = _suggestion(request, slug, suggestion_uuid)
    try:
        suggestion = services.reject_suggestion(suggestion=suggestion, user=acting_user(request))
    except ValidationError as exc:
        status = 409 if isinstance(exc, services.SuggestionDecided) else 400
        return _answer(request, suggestion, " ".join(exc.messages), error=True, status=status)
    text = f"Rejected “{suggestion.code.name}” in {suggestion.transcript.title}."
    _remember(request, suggestion, text)
    return _answer(
        request, suggestion, text,
        extra={"undo_url": reverse("assist:undo", args=[slug, suggestion.uuid]), "decision": _decision(suggestion)},
    )  # fmt: skip


@login_required
@require_POST
def undo(request: HttpRequest, slug: str, suggestion_uuid: UUID) -> HttpResponse:
    """Undo the user's decision on a suggestion: the history step the decision made (for an
    accept, the coding goes again) is undone, which reopens the suggestion."""
    suggestion = _suggestion(request, slug, suggestion_uuid)
    user = acting_user(request)
    if suggestion.status == SuggestionStatus.OPEN or suggestion.decision_batch is None:
        return _answer(
            request, suggestion, "This suggestion is open: there is nothing to undo.", error=True, status=409
        )
    if suggestion.decided_by_id != user.pk:
        raise PermissionDenied("Only the person who decided on a suggestion can undo that decision.")
    try:
        undo_batch(study=suggestion.study, user=user, batch=suggestion.decision_batch)
    except (UndoRefused, ValueError) as exc:
        message = str(exc) if isinstance(exc, UndoRefused) else "That decision could not be found."
        return _answer(request, suggestion, message, error=True, status=409)
    suggestion.refresh_from_db()
    request.session.pop(SESSION_LAST, None)
    return _answer(request, suggestion, f"Undone: “{suggestion.code.name}” is open for review again.")


# --- rules and retraining ----------------------------------------------------------------------


@login_required
@require_POST
def rule_create(request: HttpRequest, slug: str, code_uuid: UUID) -> HttpResponse:
    study = get_study_for_user(request, slug, write=True)
    code = get_in_study_or_404(Code.objects.alive(), study, uuid=code_uuid)
    form = RuleForm(request.POST)
    back = f"{reverse('coding:code_detail', args=[slug, code.uuid])}#suggestion-rules"
    if not form.is_valid():
        pattern = request.POST.get("pattern", "")[:300]
        draft = {"code": str(code.uuid), "kind": request.POST.get("kind", ""), "pattern": pattern}
        request.session["assist_rule_draft"] = draft
        messages.error(request, f"The rule was not added: {form_errors(form, labels=False)}")
        return redirect(back)
    try:
        rule = services.create_rule(
            study=study, code=code, kind=form.cleaned_data["kind"], pattern=form.cleaned_data["pattern"],
            user=acting_user(request),
        )  # fmt: skip
    except ValidationError as exc:
        messages.error(request, f"The rule was not added: {' '.join(exc.messages)}")
        return redirect(back)
    messages.success(request, f"Rule “{rule.pattern}” added to “{code.name}”; the documents are being searched for it.")
    return redirect(back)


@login_required
@require_POST
def rule_update(request: HttpRequest, slug: str, rule_uuid: UUID) -> HttpResponse:
    """Change a rule's kind or pattern (a typo fixed): its counters start again, since its old
    decisions were about other matches (`assist.suggestions.update_rule`)."""
    study = get_study_for_user(request, slug, write=True)
    rule = get_in_study_or_404(
        SuggestionRule.objects.filter(deleted_at__isnull=True).select_related("code"), study, uuid=rule_uuid
    )
    back = f"{reverse('coding:code_detail', args=[slug, rule.code.uuid])}#rule-{rule.uuid}"
    form = RuleForm(request.POST)
    if not form.is_valid():
        messages.error(request, f"The rule was not changed: {form_errors(form, labels=False)}")
        return redirect(back)
    try:
        updated = services.update_rule(
            rule=rule, user=acting_user(request), kind=form.cleaned_data["kind"], pattern=form.cleaned_data["pattern"]
        )
    except ValidationError as exc:
        messages.error(request, f"The rule was not changed: {' '.join(exc.messages)}")
        return redirect(back)
    messages.success(request, f"Rule changed to “{updated.pattern}”; the documents are being searched again.")
    return redirect(back)


@login_required
@require_POST
def rule_delete(request: HttpRequest, slug: str, rule_uuid: UUID) -> HttpResponse:
    study = get_study_for_user(request, slug, write=True)
    rule = get_in_study_or_404(
        SuggestionRule.objects.filter(deleted_at__isnull=True).select_related("code"), study, uuid=rule_uuid
    )
    services.delete_rule(rule=rule, user=acting_user(request))
    messages.success(request, f"Rule “{rule.pattern}” deleted; its open suggestions go with the next run.")
    return redirect(f"{reverse('coding:code_detail', args=[slug, rule.code.uuid])}#suggestion-rules")


@login_required
@require_POST
def retrain(request: HttpRequest, slug: str) -> HttpResponse:
    """Train the study's model from its coding now (then suggest again), instead of waiting for
    the automatic retraining after coding changes."""
    study = get_study_for_user(request, slug, write=True)
    services.queue_training(study=study, user=acting_user(request))
    messages.success(request, "Retraining the suggestion model; new suggestions follow when it is done.")
    return redirect(safe_next(request, reverse("assist:queue", args=[slug])))


# --- panels on other apps' pages ----------------------------------------------------------------


def code_rules_context(request: HttpRequest, code: Code) -> dict[str, Any]:
    """What the rules panel on a code's page shows (`templates/assist/_code_rules.html`)."""
    study = code.study
    status, examples = code_model_status(study).get(code.pk, ("needs more examples", 0))
    draft = request.session.pop("assist_rule_draft", None)
    if not draft or draft.get("code") != str(code.uuid):
        draft = {"kind": RuleKind.KEYWORD, "pattern": ""}
    model = current_model(study)
    return {
        "suggestion_rules": list(study_rules(study, code=code)),
        "rule_kinds": [(value, label, RULE_HELP[value]) for value, label in RuleKind.choices],
        "rule_draft": draft,
        "code_model": {
            "status": status,
            "examples": examples,
            "needed": services.min_examples(),
            "version": model.version if model else None,
        },
        "code_open_suggestions": suggestion_counts(study).get("by_code", {}).get(code.pk, 0),
        "suggestion_jobs": suggestion_jobs(study),
        "model_out_of_date": services.model_out_of_date(study),
    }


def reader_suggestions(request: HttpRequest, transcript: Transcript) -> dict[str, Any]:
    """The reader's suggestions panel: how many are open for this document (a link to its queue),
    and the live codings accepted from suggestions here, with their provenance. An accepted coding
    keeps its provenance when it is later resized, recoded, joined or re-anchored by a correction
    (its live successor is shown), so suggestions of every text version of the document count."""
    study = transcript.study
    accepted = list(
        Suggestion.objects.filter(
            transcript=transcript, status=SuggestionStatus.ACCEPTED, coding_uuid__isnull=False
        ).select_related("rule").order_by("-decided_at")
    )  # fmt: skip
    live = []
    if accepted:
        successors = live_successors(
            study=study, user=request.user, uuids=[s.coding_uuid for s in accepted if s.coding_uuid]
        )
        origin_of: dict[int, Suggestion] = {}
        for suggestion in accepted:  # newest decision first: it names the coding's latest provenance
            successor = successors.get(str(suggestion.coding_uuid))
            if successor is not None:
                origin_of.setdefault(successor.pk, suggestion)
        codings = transcript_codings(transcript=transcript, user=request.user).filter(pk__in=list(origin_of))
        rows = list(codings.select_related("code", "coder").order_by("start", "end"))
        live = [
            {
                "coding": c,
                "provenance": services.provenance(origin_of[c.pk]),
                "excerpt": _cut(transcript.text[c.start : c.end]),
            }
            for c in rows
        ]
    return {
        "open": open_suggestion_count(study=study, transcript=transcript),
        "queue_url": f"{reverse('assist:queue', args=[study.slug])}?transcript={transcript.uuid}",
        "accepted": live,
    }
