from __future__ import annotations

import pytest
from django.urls import reverse

from studies.models import Membership, Role, Study
from tests.conftest import Team, csrf_post


@pytest.mark.django_db
def test_create_study_redirects_to_dashboard(team: Team) -> None:
    client = team.client("outsider")
    response = csrf_post(
        client, reverse("studies:create"), {"title": "Fairness toolkits", "research_questions": "RQ1\nRQ2"}
    )
    study = Study.objects.get(title="Fairness toolkits")
    assert response.status_code == 302 and response["Location"] == study.get_absolute_url()
    assert Membership.objects.get(study=study, user=team.outsider).role == Role.OWNER
    assert study.research_question_list == ["RQ1", "RQ2"]


@pytest.mark.django_db
def test_title_is_required(team: Team) -> None:
    response = csrf_post(team.client("owner"), reverse("studies:create"), {"title": ""})
    assert response.status_code == 200
    assert "This field is required" in response.content.decode()


@pytest.mark.django_db
def test_post_without_csrf_token_is_rejected(team: Team) -> None:
    response = team.client("owner").post(reverse("studies:create"), {"title": "x"})
    assert response.status_code == 403
