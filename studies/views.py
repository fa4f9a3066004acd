from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import User
from accounts.utils import acting_user

from . import dispatch, services
from .access import get_in_study_or_404, get_study_access, get_study_for_user, studies_for_user
from .exports import content_type_for
from .forms import AddMemberForm, InvitationForm, RoleForm, StudyForm
from .http import safe_next
from .models import Invitation, Job, JobStatus, Membership
from .selectors import study_dashboard as dashboard_data
from .selectors import study_members


@login_required
def study_list(request: HttpRequest) -> HttpResponse:
    studies = studies_for_user(request.user).prefetch_related("memberships")
    roles = {m.study_id: m.get_role_display() for m in Membership.objects.filter(user=request.user)}  # type: ignore[misc]
    rows = [(study, roles.get(study.pk, "Admin")) for study in studies]
    return render(request, "studies/study_list.html", {"rows": rows})


@login_required
@require_http_methods(["GET", "POST"])
def study_create(request: HttpRequest) -> HttpResponse:
    form = StudyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        study = services.create_study(owner=request.user, **form.cleaned_data)  # type: ignore[arg-type]
        messages.success(request, f"Study “{study.title}” created.")
        return redirect(study)
    return render(request, "studies/study_form.html", {"form": form, "creating": True})


@login_required
def study_dashboard(request: HttpRequest, slug: str) -> HttpResponse:
    study = get_study_for_user(request, slug)
    return render(request, "studies/dashboard.html", {"study": study, **dashboard_data(study=study, user=request.user)})


@login_required
@require_http_methods(["GET", "POST"])
def study_edit(request: HttpRequest, slug: str) -> HttpResponse:
    study = get_study_for_user(request, slug, manage=True)
    form = StudyForm(request.POST or None, instance=study)
    if request.method == "POST" and form.is_valid():
        services.update_study(study=study, **{k: form.cleaned_data[k] for k in StudyForm.Meta.fields})
        messages.success(request, "Study details saved.")
        return redirect(study)
    return render(request, "studies/study_form.html", {"form": form, "study": study})


@login_required
@require_http_methods(["GET", "POST"])
def member_list(request: HttpRequest, slug: str) -> HttpResponse:
    access = get_study_access(request, slug)
    study, can_manage = access.study, access.can_manage
    form = AddMemberForm(request.POST or None)
    new_password: tuple[str, str] | None = None
    if request.method == "POST":
        study = get_study_for_user(request, slug, manage=True)
        if form.is_valid():
            data = form.cleaned_data
            try:
                if data["create_account"]:
                    user, password = services.create_member_account(
                        study=study, username=data["username"], display_name=data["display_name"], role=data["role"]
                    )
                    new_password = (user.username, password)
                else:
                    existing = User.objects.filter(username__iexact=data["username"]).first()
                    if existing is None:
                        raise ValidationError(
                            f"No account is called {data['username']!r}. Tick “create account” to make one."
                        )
                    services.add_member(study=study, user=existing, role=data["role"])
                    messages.success(request, f"{existing} is now {data['role']} of this study.")
                    return redirect("studies:members", slug=slug)
            except ValidationError as exc:
                form.add_error(None, exc)
    context = {
        "study": study,
        "members": study_members(study=study),
        "invitations": study.invitations.filter(accepted_at__isnull=True, revoked_at__isnull=True)
        if can_manage
        else Invitation.objects.none(),
        "form": form,
        "invitation_form": InvitationForm(),
        "can_manage": can_manage,
        "new_password": new_password,
        "roles": RoleForm.base_fields["role"].choices,  # type: ignore[attr-defined]
    }
    return render(request, "studies/members.html", context)


@login_required
@require_POST
def member_role(request: HttpRequest, slug: str, membership_id: int) -> HttpResponse:
    study = get_study_for_user(request, slug, manage=True)
    membership = get_in_study_or_404(Membership.objects.select_related("user", "study"), study, pk=membership_id)
    form = RoleForm(request.POST)
    if form.is_valid():
        try:
            services.set_member_role(membership=membership, role=form.cleaned_data["role"])
            messages.success(request, f"{membership.user} is now {membership.get_role_display()}.")
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    return redirect("studies:members", slug=slug)


@login_required
@require_POST
def member_remove(request: HttpRequest, slug: str, membership_id: int) -> HttpResponse:
    study = get_study_for_user(request, slug, manage=True)
    membership = get_in_study_or_404(Membership.objects.select_related("user", "study"), study, pk=membership_id)
    try:
        services.remove_member(membership=membership)
        messages.success(request, f"{membership.user} was removed from the study.")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("studies:members", slug=slug)


@login_required
@require_POST
def invitation_create(request: HttpRequest, slug: str) -> HttpResponse:
    study = get_study_for_user(request, slug, manage=True)
    form = InvitationForm(request.POST)
    if form.is_valid():
        invitation = services.create_invitation(
            study=study,
            created_by=request.user,  # type: ignore[arg-type]
            role=form.cleaned_data["role"],
            note=form.cleaned_data["note"],
        )
        link = request.build_absolute_uri(invitation.get_absolute_url())
        messages.success(request, f"Invitation link (valid 14 days, single use): {link}")
    else:
        messages.error(request, "Choose a role for the invitation.")
    return redirect("studies:members", slug=slug)


@login_required
@require_POST
def invitation_revoke(request: HttpRequest, slug: str, invitation_uuid: UUID) -> HttpResponse:
    study = get_study_for_user(request, slug, manage=True)
    invitation = get_in_study_or_404(Invitation.objects.all(), study, uuid=invitation_uuid)
    services.revoke_invitation(invitation=invitation)
    messages.success(request, "Invitation revoked.")
    return redirect("studies:members", slug=slug)


@login_required
def job_detail(request: HttpRequest, slug: str, job_uuid: UUID) -> HttpResponse:
    """A job's status; htmx polls the fragment until the job finishes. Looking at a job that waits
    for the task service tries to send the waiting jobs again (at most every few seconds), so it
    starts once the broker is back even when no sweep runs."""
    access = get_study_access(request, slug)
    job = get_in_study_or_404(Job.objects.all(), access.study, uuid=job_uuid)
    if job.status == JobStatus.WAITING and dispatch.resend_waiting_jobs_lazily():
        job.refresh_from_db()
    template = "studies/_job_status.html" if request.headers.get("HX-Request") else "studies/job_detail.html"
    can_retry = dispatch.can_retry(job) and dispatch.may_retry(access, job)
    response = render(request, template, {"study": access.study, "job": job, "can_retry": can_retry})
    if request.headers.get("HX-Request") and job.is_finished:
        # The poll that sees the job end (it stops polling then): the page around it may show the
        # job's results again (`hx-trigger="job-finished from:body"`, e.g. deid's review page).
        response["HX-Trigger"] = "job-finished"
    return response


@login_required
@require_POST
def job_retry(request: HttpRequest, slug: str, job_uuid: UUID) -> HttpResponse:
    """Send a waiting job (or a failed import whose file is kept) to the task service again: the
    person who started it (a coder) or a study owner."""
    access = get_study_access(request, slug, write=True)
    job = get_in_study_or_404(Job.objects.all(), access.study, uuid=job_uuid)
    if not dispatch.may_retry(access, job):
        raise PermissionDenied("Only the person who started this job or a study owner may retry it.")
    try:
        job = dispatch.retry_job(job=job)
    except dispatch.RetryRefused as exc:
        messages.error(request, str(exc))
    else:
        job.refresh_from_db()  # sent on commit: it may be waiting again
        if job.status == JobStatus.WAITING:
            messages.warning(
                request, "The task service is still unreachable; the job waits and starts when it is back."
            )
        else:
            messages.success(request, "Sent to the task service again.")
    return redirect(safe_next(request, job.get_absolute_url()))


@login_required
def job_download(request: HttpRequest, slug: str, job_uuid: UUID) -> FileResponse:
    """The file a finished job made, for the member who started it (an export holds what that
    person can see, so it is not shared with the rest of the team)."""
    study = get_study_for_user(request, slug)
    jobs = Job.objects.filter(status=JobStatus.DONE, created_by=acting_user(request)).exclude(result_file="")
    job = get_in_study_or_404(jobs, study, uuid=job_uuid)
    return FileResponse(
        job.result_file.open("rb"),
        as_attachment=True,
        filename=job.result_filename,
        content_type=content_type_for(job.result_filename),
    )
