from __future__ import annotations

import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from accounts.models import User

from .models import Invitation, Membership, Role, Study


def _unique_slug(title: str) -> str:
    base = slugify(title)[:70] or "study"
    slug, n = base, 2
    while Study.objects.filter(slug=slug).exists():
        slug = f"{base}-{n}"
        n += 1
    return slug


@transaction.atomic
def create_study(
    *,
    owner: User,
    title: str,
    slug: str = "",
    description: str = "",
    citation: str = "",
    doi: str = "",
    research_questions: str = "",
) -> Study:
    study = Study.objects.create(
        title=title,
        slug=slug or _unique_slug(title),
        description=description,
        citation=citation,
        doi=doi,
        research_questions=research_questions,
        created_by=owner,
    )
    Membership.objects.create(study=study, user=owner, role=Role.OWNER)
    return study


@transaction.atomic
def update_study(
    *, study: Study, title: str, description: str, citation: str, doi: str, research_questions: str
) -> Study:
    study.title = title
    study.description = description
    study.citation = citation
    study.doi = doi
    study.research_questions = research_questions
    study.save(update_fields=["title", "description", "citation", "doi", "research_questions", "updated_at"])
    return study


def _ensure_an_owner_remains(study: Study, leaving: Membership) -> None:
    if leaving.role == Role.OWNER and not study.memberships.filter(role=Role.OWNER).exclude(pk=leaving.pk).exists():
        raise ValidationError("A study needs at least one owner: make someone else owner first.")


@transaction.atomic
def set_member_role(*, membership: Membership, role: str) -> Membership:
    if role not in Role.values:
        raise ValidationError(f"Unknown role {role!r}.")
    if role != Role.OWNER:
        _ensure_an_owner_remains(membership.study, membership)
    membership.role = role
    membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def remove_member(*, membership: Membership) -> None:
    _ensure_an_owner_remains(membership.study, membership)
    membership.delete()


@transaction.atomic
def add_member(*, study: Study, user: User, role: str) -> Membership:
    membership, created = Membership.objects.get_or_create(study=study, user=user, defaults={"role": role})
    if not created and membership.role != role:
        set_member_role(membership=membership, role=role)
    return membership


@transaction.atomic
def create_member_account(*, study: Study, username: str, display_name: str, role: str) -> tuple[User, str]:
    """Create an account for a teammate; the generated password is shown once."""
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError(f"The username {username!r} is taken; add that person by username instead.")
    password = secrets.token_urlsafe(12)
    user = User.objects.create_user(username=username, password=password, display_name=display_name)
    add_member(study=study, user=user, role=role)
    return user, password


@transaction.atomic
def create_invitation(*, study: Study, created_by: User, role: str, note: str = "") -> Invitation:
    return Invitation.objects.create(study=study, created_by=created_by, role=role, note=note)


@transaction.atomic
def revoke_invitation(*, invitation: Invitation) -> None:
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])


@transaction.atomic
def accept_invitation(*, invitation: Invitation, user: User) -> Membership:
    locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not locked.is_usable:
        raise ValidationError("This invitation has already been used, revoked, or has expired.")
    existing = Membership.objects.filter(study=locked.study, user=user).first()
    # An invitation never lowers the role someone already has.
    if existing is not None and existing.has_role(locked.role):
        membership = existing
    else:
        membership = add_member(study=locked.study, user=user, role=locked.role)
    locked.accepted_by = user
    locked.accepted_at = timezone.now()
    locked.save(update_fields=["accepted_by", "accepted_at"])
    return membership
