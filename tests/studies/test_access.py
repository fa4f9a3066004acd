from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.test import RequestFactory

from studies.access import get_study_access, get_study_for_user, studies_for_user, study_access
from tests.conftest import Team
from tests.factories import make_user


def _request(user: Any) -> Any:
    request = RequestFactory().get("/")
    request.user = user  # type: ignore[attr-defined]
    return request


@pytest.mark.django_db
def test_outsider_gets_404_not_403(team: Team) -> None:
    with pytest.raises(Http404):
        get_study_for_user(_request(team.outsider), team.study.slug)  # type: ignore[arg-type]


@pytest.mark.django_db
def test_unknown_study_is_404(team: Team) -> None:
    with pytest.raises(Http404):
        get_study_for_user(_request(team.owner), "no-such-study")  # type: ignore[arg-type]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "write", "manage", "allowed"),
    [
        ("viewer", False, False, True),
        ("viewer", True, False, False),
        ("coder", True, False, True),
        ("coder", False, True, False),
        ("owner", True, True, True),
    ],
)
def test_role_ladder(team: Team, role: str, write: bool, manage: bool, allowed: bool) -> None:
    request = _request(team.user(role))
    if allowed:
        access = get_study_access(request, team.study.slug, write=write, manage=manage)
        assert access.study == team.study and access.role == role
        assert study_access(request) is access  # what views and templates read
    else:
        with pytest.raises(PermissionDenied):
            get_study_for_user(request, team.study.slug, write=write, manage=manage)  # type: ignore[arg-type]


@pytest.mark.django_db
def test_superuser_acts_as_owner(team: Team) -> None:
    admin = make_user("root_admin", is_superuser=True, is_staff=True)
    access = get_study_access(_request(admin), team.study.slug, manage=True)
    assert access.can_manage and access.can_code
    assert team.study in studies_for_user(admin)


@pytest.mark.django_db
def test_studies_for_user_lists_only_memberships(team: Team) -> None:
    assert list(studies_for_user(team.viewer)) == [team.study]
    assert list(studies_for_user(team.outsider)) == []
