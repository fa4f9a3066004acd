from __future__ import annotations

import pytest
from django.urls import reverse

from studies.models import Invitation
from tests.conftest import Team, csrf_post


@pytest.mark.django_db
def test_owner_creates_link_shown_in_message(team: Team) -> None:
    url = reverse("studies:invitation_create", args=[team.study.slug])
    response = csrf_post(team.client("owner"), url, {"role": "coder", "note": "for Sam"}, follow=True)
    invitation = Invitation.objects.get(study=team.study)
    assert invitation.token in response.content.decode()
    assert invitation.role == "coder" and invitation.is_usable


@pytest.mark.django_db
def test_bad_role_is_refused(team: Team) -> None:
    url = reverse("studies:invitation_create", args=[team.study.slug])
    response = csrf_post(team.client("owner"), url, {"role": "superuser"}, follow=True)
    assert "Choose a role" in response.content.decode()
    assert not Invitation.objects.exists()
