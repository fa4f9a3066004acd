from __future__ import annotations

import pytest
from django.urls import reverse

from tests.conftest import Team, csrf_post


@pytest.mark.django_db
def test_owner_edits_study(team: Team) -> None:
    url = reverse("studies:edit", args=[team.study.slug])
    response = csrf_post(
        team.client("owner"),
        url,
        {"title": "New title", "description": "d", "citation": "c", "doi": "10.1145/x", "research_questions": "Q"},
    )
    assert response.status_code == 302
    team.study.refresh_from_db()
    assert (team.study.title, team.study.doi_url) == ("New title", "https://doi.org/10.1145/x")


@pytest.mark.django_db
def test_coder_cannot_edit(team: Team) -> None:
    response = csrf_post(team.client("coder"), reverse("studies:edit", args=[team.study.slug]), {"title": "x"})
    assert response.status_code == 403
    team.study.refresh_from_db()
    assert team.study.title == "Interpretability interviews"
