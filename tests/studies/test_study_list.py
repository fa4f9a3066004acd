from __future__ import annotations

import pytest
from django.urls import reverse

from tests.conftest import Team
from tests.factories import make_study


@pytest.mark.django_db
def test_lists_only_my_studies_with_role(team: Team) -> None:
    make_study("Someone else's secret study")
    response = team.client("viewer").get(reverse("studies:list"))
    body = response.content.decode()
    assert "Interpretability interviews" in body and "Viewer" in body
    assert "secret study" not in body


@pytest.mark.django_db
def test_outsider_sees_empty_state(team: Team) -> None:
    response = team.client("outsider").get(reverse("studies:list"))
    assert "not a member of any study" in response.content.decode()


@pytest.mark.django_db
def test_study_title_is_escaped(team: Team) -> None:
    team.study.title = "<script>alert(1)</script>"
    team.study.save(update_fields=["title"])
    body = team.client("owner").get(reverse("studies:list")).content.decode()
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
