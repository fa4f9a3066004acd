from __future__ import annotations

import pytest
from django.urls import reverse

from interviews.models import Participant, Transcript
from tests.conftest import Team


@pytest.mark.django_db
def test_dashboard_lists_sections(team: Team) -> None:
    Participant.objects.create(study=team.study, label="P7")
    Transcript.objects.create(study=team.study, title="Interview with P7", text="Hello.", word_count=1)
    body = team.client("viewer").get(reverse("studies:dashboard", args=[team.study.slug])).content.decode()
    for text in ("Documents", "Interview with P7", "Participants", "P7", "Codes", "Themes", "Team", "cora_coder"):
        assert text in body
    assert "Settings" not in body  # only owners see the settings link


@pytest.mark.django_db
def test_dashboard_query_count_is_bounded(team: Team, django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    for i in range(30):
        Transcript.objects.create(study=team.study, title=f"T{i}", text="x")
        Participant.objects.create(study=team.study, label=f"P{i}")
    client = team.client("owner")
    with django_assert_max_num_queries(15):
        client.get(reverse("studies:dashboard", args=[team.study.slug]))
