from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from studies.models import Invitation
from studies.services import accept_invitation as accept_invitation_service

from .forms import SignUpForm
from .utils import acting_user


@login_required
def password_change(request: HttpRequest) -> HttpResponse:
    form = PasswordChangeForm(request.user, request.POST or None)  # type: ignore[arg-type]
    if request.method == "POST" and form.is_valid():
        user = form.save()
        update_session_auth_hash(request, user)
        messages.success(request, "Your password was changed.")
        return redirect("studies:list")
    return render(request, "accounts/password_change.html", {"form": form})


def accept_invitation(request: HttpRequest, token: str) -> HttpResponse:
    """Join a study from a shared link, creating an account if needed."""
    invitation = get_object_or_404(Invitation.objects.select_related("study"), token=token)
    if not invitation.is_usable:
        return render(request, "accounts/invitation_unusable.html", {"invitation": invitation}, status=410)
    if request.user.is_authenticated:
        if request.method == "POST":
            try:
                accept_invitation_service(invitation=invitation, user=acting_user(request))
            except ValidationError as exc:
                return render(
                    request,
                    "accounts/invitation_unusable.html",
                    {"invitation": invitation, "reason": exc.messages},
                    status=410,
                )
            messages.success(request, f"You joined {invitation.study} as {invitation.get_role_display()}.")
            return redirect(invitation.study.get_absolute_url())
        return render(request, "accounts/invitation.html", {"invitation": invitation})
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                user = form.save()
                accept_invitation_service(invitation=invitation, user=user)
        except ValidationError:
            # Someone used the link a moment earlier; no account is left behind.
            return render(request, "accounts/invitation_unusable.html", {"invitation": invitation}, status=410)
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, f"Welcome! You joined {invitation.study} as {invitation.get_role_display()}.")
        return redirect(invitation.study.get_absolute_url())
    return render(request, "accounts/invitation.html", {"invitation": invitation, "form": form})
