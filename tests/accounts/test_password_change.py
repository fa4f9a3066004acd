from __future__ import annotations

import pytest
from django.urls import reverse

from tests.conftest import Team, csrf_post
from tests.factories import PASSWORD


@pytest.mark.django_db
def test_change_password_keeps_session(team: Team) -> None:
    client = team.client("coder")
    new = "a-much-longer-passphrase-42"
    response = csrf_post(
        client,
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 302
    team.coder.refresh_from_db()
    assert team.coder.check_password(new)
    assert client.get(reverse("studies:list")).status_code == 200


@pytest.mark.django_db
def test_wrong_old_password(team: Team) -> None:
    response = csrf_post(
        team.client("coder"),
        reverse("accounts:password_change"),
        {"old_password": "wrong", "new_password1": "x-long-enough-1", "new_password2": "x-long-enough-1"},
    )
    assert response.status_code == 200 and "incorrectly" in response.content.decode()
