"""Access helpers: every view reaches a study's data through these.

Rules, applied in one place: an anonymous user is sent to sign in (by the
`login_required` decorator on the view), an authenticated outsider gets 404 (a
study's existence is not disclosed), and a member whose role is too low gets
403. Superusers act as owners of every study.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.http import Http404, HttpRequest

from .models import Membership, Role, Study


@dataclass(frozen=True)
class StudyAccess:
    """A study as one user may use it: the study and their membership (role) in it.

    The access helpers return the study (or the resource) and keep this on the request, where
    views read it with `study_access(request)` and templates as `study_access` (a context
    processor): no model instance carries who is looking at it.
    """

    study: Study
    membership: Membership

    @property
    def role(self) -> str:
        return self.membership.role

    @property
    def can_code(self) -> bool:
        return self.membership.can_code

    @property
    def can_manage(self) -> bool:
        return self.membership.can_manage


def study_access(request: HttpRequest) -> StudyAccess:
    """The access the helpers granted for this request (they run first in every study view)."""
    access = getattr(request, "study_access", None)
    if not isinstance(access, StudyAccess):
        raise RuntimeError("No access helper ran for this request.")
    return access


def _role_needed(write: bool, manage: bool) -> str:
    if manage:
        return Role.OWNER
    if write:
        return Role.CODER
    return Role.VIEWER


def membership_for(user: object, study: Study) -> Membership | None:
    if not getattr(user, "is_authenticated", False):
        return None
    if getattr(user, "is_superuser", False):
        return Membership(study=study, user=user, role=Role.OWNER)  # type: ignore[misc]
    return Membership.objects.filter(study=study, user=user).first()  # type: ignore[misc]


def get_study_access(request: HttpRequest, slug: str, *, write: bool = False, manage: bool = False) -> StudyAccess:
    """The study `slug` and the user's membership, if they may see it; `write` needs coder,
    `manage` owner. Outsiders get 404, a role too low 403."""
    study = Study.objects.filter(slug=slug).first()
    if study is None:
        raise Http404("No such study.")
    membership = membership_for(request.user, study)
    if membership is None:
        raise Http404("No such study.")
    if not membership.has_role(_role_needed(write, manage)):
        raise PermissionDenied("Your role in this study does not allow this.")
    access = StudyAccess(study=study, membership=membership)
    request.study_access = access  # type: ignore[attr-defined]
    return access


def get_study_for_user(request: HttpRequest, slug: str, *, write: bool = False, manage: bool = False) -> Study:
    """The study `slug` if the user may see it (see `get_study_access`)."""
    return get_study_access(request, slug, write=write, manage=manage).study


def get_in_study_or_404[M: models.Model](queryset: models.QuerySet[M], study: Study, **lookup: object) -> M:
    """Fetch an object that must belong to `study`; anything else is a 404."""
    try:
        obj = queryset.filter(study=study, **lookup).first()
    except (ValidationError, ValueError):
        # A malformed id from a form is simply not found.
        obj = None
    if obj is None:
        raise Http404("Not found in this study.")
    return obj


def studies_for_user(user: object) -> models.QuerySet[Study]:
    if getattr(user, "is_superuser", False):
        return Study.objects.all()
    if not getattr(user, "is_authenticated", False):
        return Study.objects.none()
    return Study.objects.filter(memberships__user=user).distinct()  # type: ignore[misc]
