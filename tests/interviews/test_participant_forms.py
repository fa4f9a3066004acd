"""participant_create, participant_edit, participant_delete and participant_list."""

from __future__ import annotations

import pytest
from django.urls import reverse

from interviews.models import AttributeValue, Participant
from interviews.services import participants as services
from tests.conftest import Team, csrf_post


@pytest.mark.django_db
def test_create_with_typed_fields_and_errors(team: Team) -> None:
    years = services.create_attribute(study=team.study, name="years", type="number")
    url = reverse("interviews:participant_create", args=[team.study.slug])
    bad = csrf_post(team.client("coder"), url, {"label": "P1", f"attr-{years.pk}": "many"})
    assert bad.status_code == 400 and "is not a number" in bad.content.decode()
    good = csrf_post(team.client("coder"), url, {"label": "P1", f"attr-{years.pk}": "4"})
    assert good.status_code == 302
    assert AttributeValue.objects.get(participant__label="P1").value_number == 4


@pytest.mark.django_db
def test_edit_and_delete(team: Team) -> None:
    p = services.save_participant(study=team.study, label="P1", values={})
    edit = reverse("interviews:participant_edit", args=[team.study.slug, p.uuid])
    assert csrf_post(team.client("coder"), edit, {"label": "P01", "notes": "n"}).status_code == 302
    p.refresh_from_db()
    assert (p.label, p.notes) == ("P01", "n")
    delete = reverse("interviews:participant_delete", args=[team.study.slug, p.uuid])
    assert csrf_post(team.client("coder"), delete).status_code == 302
    assert not Participant.objects.exists()


@pytest.mark.django_db
def test_list_escapes_values_and_links(team: Team) -> None:
    note = services.create_attribute(study=team.study, name="title", type="text")
    p = services.save_participant(study=team.study, label="P1", values={note: "<script>x</script>"})
    body = team.client("viewer").get(reverse("interviews:participant_list", args=[team.study.slug])).content.decode()
    assert "&lt;script&gt;x&lt;/script&gt;" in body and str(p.uuid) in body
    assert "Add participant" not in body
