from __future__ import annotations

import pytest
from django.test import Client

from accounts.models import User
from studies.models import Invitation, Membership
from tests.conftest import Team, csrf_post


@pytest.mark.django_db
def test_new_person_signs_up_and_joins(team: Team) -> None:
    invitation = Invitation.objects.create(study=team.study, created_by=team.owner, role="coder")
    client = Client(enforce_csrf_checks=True)
    client.get(invitation.get_absolute_url())
    response = csrf_post(
        client,
        invitation.get_absolute_url(),
        {
            "username": "sam",
            "display_name": "Sam",
            "password1": "long-enough-pass-9",
            "password2": "long-enough-pass-9",
        },
    )
    assert response.status_code == 302 and response["Location"] == team.study.get_absolute_url()
    sam = User.objects.get(username="sam")
    assert Membership.objects.get(study=team.study, user=sam).role == "coder"
    assert client.get(team.study.get_absolute_url()).status_code == 200
    # Single use.
    assert Client().get(invitation.get_absolute_url()).status_code == 410


@pytest.mark.django_db
def test_signed_in_person_joins_with_one_click(team: Team) -> None:
    invitation = Invitation.objects.create(study=team.study, created_by=team.owner, role="viewer")
    client = team.client("outsider")
    assert "Join as oscar_outsider" in client.get(invitation.get_absolute_url()).content.decode()
    assert csrf_post(client, invitation.get_absolute_url()).status_code == 302
    assert Membership.objects.get(study=team.study, user=team.outsider).role == "viewer"


@pytest.mark.django_db
def test_unknown_token_is_404() -> None:
    assert Client().get("/accounts/invitation/not-a-token/").status_code == 404
