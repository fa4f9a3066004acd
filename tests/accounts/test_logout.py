from __future__ import annotations

import pytest
from django.urls import reverse

from tests.conftest import Team, csrf_post


@pytest.mark.django_db
def test_sign_out_ends_session(team: Team) -> None:
    client = team.client("owner")
    assert csrf_post(client, reverse("accounts:logout")).status_code == 302
    assert client.get(reverse("studies:list")).status_code == 302


@pytest.mark.django_db
def test_sign_out_by_get_is_not_allowed(team: Team) -> None:
    assert team.client("owner").get(reverse("accounts:logout")).status_code == 405
