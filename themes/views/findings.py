"""A finding's page and its actions: write and edit the claim, quote excerpts chosen from codings
(support or counter-evidence) with a picker, reorder and remove them, cite techniques.

Every view reaches the finding through `get_finding_for_user` (outsider 404, viewer 403 on writes),
parses its input with a form (`themes.finding_forms`) and calls one service
(`themes.services.findings`). The page is computed live (`themes.coverage`): excerpts through their
codings' live successors, coverage over the study's participants, technique suggestions from the
stored mentions inside the excerpts.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from accounts.utils import acting_user
from coding.forms import form_errors
from coding.models import Code
from coding.selectors.findings import picker_codings
from coding.selectors.retrieval import document_order
from explainers.techniques import TECHNIQUES, by_slug
from interviews.models import Participant, Transcript
from interviews.ordering import natural_key
from studies.access import get_in_study_or_404, get_study_for_user, study_access

from ..access import get_theme_for_user
from ..coverage import excerpt_participants, finding_view
from ..finding_forms import (
    AttributedForm,
    ExcerptAddForm,
    ExcerptMoveForm,
    FindingEditForm,
    FindingForm,
    PickerForm,
    TechniqueForm,
)
from ..models import Finding, FindingExcerpt
from ..selectors import theme_node
from ..services import findings as services

PICKER_PAGE = 25
# Up to this many documents the picker orders them naturally in SQL; beyond, by creation.
MAX_RANKED = 2_000


def get_finding_for_user(
    request: HttpRequest, slug: str, finding_uuid: UUID, *, write: bool = False, deleted: bool | None = False
) -> Finding:
    """A finding of the study under a live theme — live, deleted (`deleted=True`) or either
    (`deleted=None`) — else 404; `write` needs a coder or owner (else 403)."""
    study = get_study_for_user(request, slug, write=write)
    findings = Finding.objects.select_related("study", "theme", "created_by").filter(theme__deleted_at__isnull=True)
    if deleted is not None:
        findings = findings.filter(deleted_at__isnull=not deleted)
    return get_in_study_or_404(findings, study, uuid=finding_uuid)


def _excerpt_for_user(request: HttpRequest, slug: str, finding_uuid: UUID, excerpt_uuid: UUID) -> FindingExcerpt:
    finding = get_finding_for_user(request, slug, finding_uuid, write=True)
    excerpt = (
        FindingExcerpt.objects.select_related("finding__study", "transcript")
        .filter(finding=finding, uuid=excerpt_uuid)
        .first()
    )
    if excerpt is None:
        raise Http404("No such excerpt in this finding.")
    return excerpt


def _detail_url(finding: Finding) -> str:
    return reverse("themes:finding_detail", kwargs={"slug": finding.study.slug, "finding_uuid": finding.uuid})


def _picker(request: HttpRequest, finding: Finding, quoted: dict[str, set[str]]) -> dict[str, Any]:
    """The excerpt picker: codings of the theme's codes (and its sub-themes'), narrowed to one code,
    one participant's documents and words in the excerpt; one page of them, in reading order."""
    study = finding.study
    node = theme_node(theme=finding.theme)
    code_ids = node.all_code_ids
    codes = list(Code.objects.filter(pk__in=code_ids).order_by("name"))
    participants = sorted(Participant.objects.filter(study=study), key=lambda p: natural_key(p.label))
    form = PickerForm(request.GET)
    chosen_codes, transcript_ids, text, page_number = code_ids, None, "", 1
    if form.is_valid():
        data = form.cleaned_data
        if data["code"]:
            chosen_codes = [c.pk for c in codes if c.uuid == data["code"]]
        if data["participant"]:
            person = next((p for p in participants if p.uuid == data["participant"]), None)
            transcript_ids = (
                list(
                    Transcript.participants.through.objects.filter(participant=person).values_list(
                        "transcript_id", flat=True
                    )
                )
                if person is not None
                else []
            )
        text, page_number = data["q"] or "", data["page"] or 1
    # Reading order (documents in natural title order) over all pages, while a CASE of that size is cheap.
    rank = document_order(study=study)
    rows = picker_codings(
        study=study, user=request.user, code_ids=chosen_codes, transcript_ids=transcript_ids, text=text,
        rank=rank if len(rank) <= MAX_RANKED else None,
    )  # fmt: skip
    page = Paginator(rows, PICKER_PAGE).get_page(page_number)
    items = list(page.object_list)
    titles = dict(Transcript.objects.filter(pk__in={r["transcript_id"] for r in items}).values_list("pk", "title"))
    uuids = dict(Transcript.objects.filter(pk__in={r["transcript_id"] for r in items}).values_list("pk", "uuid"))
    code_names = {c.pk: c for c in codes}
    who = excerpt_participants((r["transcript_id"], r["start"]) for r in items)
    labels = dict(Participant.objects.filter(study=study).values_list("pk", "label"))
    for row in items:
        row["title"] = titles.get(row["transcript_id"], "")
        row["transcript_uuid"] = uuids.get(row["transcript_id"])
        row["code"] = code_names.get(row["code_id"])
        row["participants"] = [labels[p] for p in who.get((row["transcript_id"], row["start"]), []) if p in labels]
        row["quoted"] = quoted.get(str(row["uuid"]), set())
    query = request.GET.copy()
    query.pop("page", None)
    return {
        "form": form,
        "codes": codes,
        "participants": participants,
        "page": page,
        "rows": items,
        "query": query.urlencode(),
        "has_codes": bool(code_ids),
    }


def _render(
    request: HttpRequest, finding: Finding, *, edit_form: FindingEditForm | None = None,
    conflict: Finding | None = None, error: str = "", status: int = 200,
) -> HttpResponse:  # fmt: skip
    view = finding_view(finding=finding, user=request.user)
    can_code = study_access(request).can_code
    # The live codings already quoted, and how: the picker marks them instead of offering them again.
    quoted: dict[str, set[str]] = {}
    for excerpt in [*view.support, *view.counter]:
        if excerpt.live_uuid:
            quoted.setdefault(excerpt.live_uuid, set()).add(excerpt.excerpt.kind)
    context = {
        "study": finding.study,
        "theme": finding.theme,
        "finding": finding,
        "view": view,
        "can_code": can_code,
        "editable": can_code and finding.deleted_at is None,
        "edit_form": edit_form
        or FindingEditForm(
            initial={"claim": finding.claim, "narrative": finding.narrative, "version": finding.version}
        ),
        "conflict": conflict,
        "error": error,
        "picker": _picker(request, finding, quoted) if can_code else None,
        "technique_choices": sorted(TECHNIQUES, key=lambda t: t.name.casefold()),
        "attribution_choices": AttributedForm.ordered(finding.study) if can_code else [],
        "attributed_ids": set(finding.attributed.values_list("participant_id", flat=True)) if can_code else set(),
        "cited_slugs": {t.slug for t in view.techniques},
    }
    return render(request, "themes/finding_detail.html", context, status=status)


@login_required
@require_GET
def finding_detail(request: HttpRequest, slug: str, finding_uuid: UUID) -> HttpResponse:
    finding = get_finding_for_user(request, slug, finding_uuid, deleted=None)
    return _render(request, finding)


@login_required
@require_POST
def finding_create(request: HttpRequest, slug: str, theme_uuid: UUID) -> HttpResponse:
    theme = get_theme_for_user(request, slug, theme_uuid, write=True)
    form = FindingForm(request.POST)
    theme_url = reverse("themes:detail", kwargs={"slug": slug, "theme_uuid": theme.uuid}) + "#findings"
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return redirect(theme_url)
    try:
        finding = services.create_finding(
            theme=theme, user=acting_user(request), claim=form.cleaned_data["claim"],
            narrative=form.cleaned_data["narrative"],
        )  # fmt: skip
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(theme_url)
    messages.success(request, "Finding written. Now quote the excerpts that support it.")
    return redirect(_detail_url(finding) + "#picker")


@login_required
@require_POST
def finding_edit(request: HttpRequest, slug: str, finding_uuid: UUID) -> HttpResponse:
    finding = get_finding_for_user(request, slug, finding_uuid, write=True)
    form = FindingEditForm(request.POST)
    if not form.is_valid():
        return _render(request, finding, edit_form=form, error=form_errors(form), status=400)
    try:
        services.update_finding(
            finding=finding, user=acting_user(request), expected_version=form.cleaned_data["version"],
            claim=form.cleaned_data["claim"], narrative=form.cleaned_data["narrative"],
        )  # fmt: skip
    except services.Conflict as exc:
        return _render(request, finding, edit_form=form, conflict=exc.current, error=str(exc), status=409)
    except ValidationError as exc:
        return _render(request, finding, edit_form=form, error=" ".join(exc.messages), status=400)
    messages.success(request, "Finding saved.")
    return redirect(_detail_url(finding))


@login_required
@require_POST
def finding_delete(request: HttpRequest, slug: str, finding_uuid: UUID) -> HttpResponse:
    finding = get_finding_for_user(request, slug, finding_uuid, write=True)
    services.delete_finding(finding=finding, user=acting_user(request))
    messages.success(request, f"Finding “{finding.claim[:80]}” deleted. Its page can still restore it.")
    return redirect(reverse("themes:detail", kwargs={"slug": slug, "theme_uuid": finding.theme.uuid}) + "#findings")


@login_required
@require_POST
def finding_restore(request: HttpRequest, slug: str, finding_uuid: UUID) -> HttpResponse:
    finding = get_finding_for_user(request, slug, finding_uuid, write=True, deleted=True)
    try:
        services.restore_finding(finding=finding, user=acting_user(request))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(reverse("themes:detail", kwargs={"slug": slug, "theme_uuid": finding.theme.uuid}))
    messages.success(request, "Finding restored.")
    return redirect(_detail_url(finding))


@login_required
@require_POST
def excerpt_add(request: HttpRequest, slug: str, finding_uuid: UUID) -> HttpResponse:
    finding = get_finding_for_user(request, slug, finding_uuid, write=True)
    form = ExcerptAddForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors(form))
    else:
        try:
            services.add_excerpt(
                finding=finding, user=acting_user(request), coding_uuid=form.cleaned_data["coding"],
                kind=form.cleaned_data["kind"],
            )  # fmt: skip
            messages.success(request, "Excerpt quoted.")
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    # Back to the picker as it was filtered (only its own fields, re-encoded).
    kept = QueryDict(request.POST.get("picker", ""), mutable=True)
    back = QueryDict(mutable=True)
    for key in ("code", "participant", "q", "page"):
        value = kept.get(key, "")
        if isinstance(value, str) and value:
            back[key] = value
    return redirect(_detail_url(finding) + (f"?{back.urlencode()}" if back else "") + "#picker")


@login_required
@require_POST
def excerpt_remove(request: HttpRequest, slug: str, finding_uuid: UUID, excerpt_uuid: UUID) -> HttpResponse:
    excerpt = _excerpt_for_user(request, slug, finding_uuid, excerpt_uuid)
    try:
        services.remove_excerpt(excerpt=excerpt, user=acting_user(request))
        messages.success(request, "Excerpt removed from the finding.")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect(_detail_url(excerpt.finding) + "#excerpts")


@login_required
@require_POST
def excerpt_move(request: HttpRequest, slug: str, finding_uuid: UUID, excerpt_uuid: UUID) -> HttpResponse:
    excerpt = _excerpt_for_user(request, slug, finding_uuid, excerpt_uuid)
    form = ExcerptMoveForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors(form))
    else:
        try:
            services.move_excerpt(excerpt=excerpt, user=acting_user(request), direction=form.cleaned_data["direction"])
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    return redirect(_detail_url(excerpt.finding) + f"#excerpt-{excerpt.uuid}")


@login_required
@require_POST
def finding_cite(request: HttpRequest, slug: str, finding_uuid: UUID) -> HttpResponse:
    finding = get_finding_for_user(request, slug, finding_uuid, write=True)
    form = TechniqueForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a technique of the list.")
    else:
        try:
            citation = services.cite_technique(
                finding=finding, user=acting_user(request), slug=form.cleaned_data["technique"]
            )
            messages.success(request, f"Cited {by_slug(citation.technique).name}.")
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    return redirect(_detail_url(finding) + "#techniques")


@login_required
@require_POST
def finding_uncite(request: HttpRequest, slug: str, finding_uuid: UUID) -> HttpResponse:
    finding = get_finding_for_user(request, slug, finding_uuid, write=True)
    form = TechniqueForm(request.POST)
    if form.is_valid():
        try:
            services.uncite_technique(finding=finding, user=acting_user(request), slug=form.cleaned_data["technique"])
            messages.success(request, "Citation removed.")
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    return redirect(_detail_url(finding) + "#techniques")


@login_required
@require_POST
def finding_attribute(request: HttpRequest, slug: str, finding_uuid: UUID) -> HttpResponse:
    """Set the participants the finding is attributed to without a quote."""
    finding = get_finding_for_user(request, slug, finding_uuid, write=True)
    form = AttributedForm(request.POST, study=finding.study)
    if not form.is_valid():
        messages.error(request, form_errors(form))
    else:
        try:
            labels = services.attribute_participants(
                finding=finding, user=acting_user(request), participants=list(form.cleaned_data["participants"])
            )
            messages.success(
                request,
                f"Attributed without a quote to {', '.join(labels)}."
                if labels
                else "No participant is attributed without a quote; coverage counts the quoted participants only.",
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    return redirect(_detail_url(finding) + "#coverage-head")
