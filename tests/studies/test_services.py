from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from studies import services
from studies.models import Membership, Role
from tests.conftest import Team
from tests.factories import make_user


@pytest.mark.django_db
def test_create_study_makes_creator_owner_and_unique_slug() -> None:
    user = make_user()
    first = services.create_study(owner=user, title="Explainability in practice")
    second = services.create_study(owner=user, title="Explainability in practice")
    assert first.slug == "explainability-in-practice"
    assert second.slug == "explainability-in-practice-2"
    assert Membership.objects.get(study=first, user=user).role == Role.OWNER


@pytest.mark.django_db
def test_last_owner_cannot_leave_or_be_demoted(team: Team) -> None:
    owner_membership = Membership.objects.get(study=team.study, user=team.owner)
    with pytest.raises(ValidationError):
        services.remove_member(membership=owner_membership)
    with pytest.raises(ValidationError):
        services.set_member_role(membership=owner_membership, role=Role.CODER)
    services.set_member_role(membership=Membership.objects.get(study=team.study, user=team.coder), role=Role.OWNER)
    services.set_member_role(membership=owner_membership, role=Role.VIEWER)
    assert Membership.objects.get(pk=owner_membership.pk).role == Role.VIEWER


@pytest.mark.django_db
def test_create_member_account_generates_password(team: Team) -> None:
    user, password = services.create_member_account(
        study=team.study, username="new_coder", display_name="New Coder", role=Role.CODER
    )
    assert len(password) >= 12
    assert user.check_password(password)
    with pytest.raises(ValidationError):
        services.create_member_account(study=team.study, username="NEW_CODER", display_name="", role=Role.CODER)


@pytest.mark.django_db
def test_invitation_is_single_use_and_never_lowers_role(team: Team) -> None:
    invitation = services.create_invitation(study=team.study, created_by=team.owner, role=Role.VIEWER)
    membership = services.accept_invitation(invitation=invitation, user=team.coder)
    assert membership.role == Role.CODER
    with pytest.raises(ValidationError):
        services.accept_invitation(invitation=invitation, user=team.outsider)
    revoked = services.create_invitation(study=team.study, created_by=team.owner, role=Role.CODER)
    services.revoke_invitation(invitation=revoked)
    with pytest.raises(ValidationError):
        services.accept_invitation(invitation=revoked, user=team.outsider)
