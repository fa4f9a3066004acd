from __future__ import annotations

import pytest
from django.urls import reverse

from studies.models import Membership
from tests.conftest import Team, csrf_post


@pytest.mark.django_db
def test_owner_changes_role(team: Team) -> None:
    membership = Membership.objects.get(study=team.study, user=team.viewer)
    url = reverse("studies:member_role", args=[team.study.slug, membership.pk])
    assert csrf_post(team.client("owner"), url, {"role": "coder"}).status_code == 302
    membership.refresh_from_db()
    assert membership.role == "coder"


@pytest.mark.django_db
def test_demoting_last_owner_shows_message(team: Team) -> None:
    membership = Membership.objects.get(study=team.study, user=team.owner)
    url = reverse("studies:member_role", args=[team.study.slug, membership.pk])
    response = csrf_post(team.client("owner"), url, {"role": "viewer"}, follow=True)
    assert "at least one owner" in response.content.decode()
    membership.refresh_from_db()
    assert membership.role == "owner"


@pytest.mark.django_db
def test_membership_of_another_study_is_404(team: Team) -> None:
    from tests.factories import make_study

    other = make_study(owner=team.outsider)
    foreign = Membership.objects.get(study=other)
    url = reverse("studies:member_role", args=[team.study.slug, foreign.pk])
    assert csrf_post(team.client("owner"), url, {"role": "viewer"}).status_code == 404
