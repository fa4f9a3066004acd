from __future__ import annotations

import pytest
from django.urls import reverse

from studies.models import Membership
from tests.conftest import Team, csrf_post


@pytest.mark.django_db
def test_owner_removes_member(team: Team) -> None:
    membership = Membership.objects.get(study=team.study, user=team.coder)
    url = reverse("studies:member_remove", args=[team.study.slug, membership.pk])
    assert csrf_post(team.client("owner"), url).status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()
    # The removed coder is now an outsider.
    assert team.client("coder").get(reverse("studies:dashboard", args=[team.study.slug])).status_code == 404
