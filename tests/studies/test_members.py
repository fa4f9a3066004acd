from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import User
from studies.models import Membership
from tests.conftest import Team, csrf_post


@pytest.mark.django_db
def test_owner_adds_existing_user(team: Team) -> None:
    url = reverse("studies:members", args=[team.study.slug])
    response = csrf_post(team.client("owner"), url, {"username": "OSCAR_OUTSIDER", "role": "viewer"})
    assert response.status_code == 302
    assert Membership.objects.get(study=team.study, user=team.outsider).role == "viewer"


@pytest.mark.django_db
def test_owner_creates_account_and_sees_password_once(team: Team) -> None:
    url = reverse("studies:members", args=[team.study.slug])
    response = csrf_post(
        team.client("owner"),
        url,
        {"username": "nadia", "display_name": "Nadia", "role": "coder", "create_account": "on"},
    )
    body = response.content.decode()
    assert response.status_code == 200 and "shown only now" in body
    user = User.objects.get(username="nadia")
    password = body.split('class="secret">')[1].split("<")[0]
    assert user.check_password(password)
    assert "shown only now" not in team.client("owner").get(url).content.decode()


@pytest.mark.django_db
def test_unknown_username_gets_clear_error(team: Team) -> None:
    url = reverse("studies:members", args=[team.study.slug])
    response = csrf_post(team.client("owner"), url, {"username": "ghost", "role": "coder"})
    assert "No account is called" in response.content.decode()


@pytest.mark.django_db
def test_viewer_sees_team_without_controls(team: Team) -> None:
    body = team.client("viewer").get(reverse("studies:members", args=[team.study.slug])).content.decode()
    assert "olivia_owner" in body and "Invitation link" not in body and "Remove" not in body
