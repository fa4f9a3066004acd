from __future__ import annotations

import pytest
from django.urls import reverse

from studies.models import Invitation
from tests.conftest import Team, csrf_post


@pytest.mark.django_db
def test_revoked_link_no_longer_works(team: Team) -> None:
    invitation = Invitation.objects.create(study=team.study, created_by=team.owner, role="coder")
    url = reverse("studies:invitation_revoke", args=[team.study.slug, invitation.uuid])
    assert csrf_post(team.client("owner"), url).status_code == 302
    response = team.client("outsider").get(invitation.get_absolute_url())
    assert response.status_code == 410
