"""attribute_list, attribute_edit and attribute_delete."""

from __future__ import annotations

import pytest
from django.urls import reverse

from interviews.models import Attribute
from interviews.services import participants as services
from tests.conftest import Team, csrf_post


@pytest.mark.django_db
def test_owner_adds_category_attribute(team: Team) -> None:
    url = reverse("interviews:attribute_list", args=[team.study.slug])
    response = csrf_post(team.client("owner"), url, {"name": "resources", "type": "category", "choices": "$, $$\n$$$"})
    assert response.status_code == 302
    assert Attribute.objects.get().choices == ["$", "$$", "$$$"]


@pytest.mark.django_db
def test_edit_refuses_incompatible_type_with_message(team: Team) -> None:
    attribute = services.create_attribute(study=team.study, name="years", type="text")
    services.save_participant(study=team.study, label="P1", values={attribute: "a few"})
    url = reverse("interviews:attribute_edit", args=[team.study.slug, attribute.uuid])
    response = csrf_post(team.client("owner"), url, {"name": "years", "type": "number"})
    assert response.status_code == 400 and "nothing was changed" in response.content.decode()


@pytest.mark.django_db
def test_delete(team: Team) -> None:
    attribute = services.create_attribute(study=team.study, name="x", type="text")
    url = reverse("interviews:attribute_delete", args=[team.study.slug, attribute.uuid])
    assert csrf_post(team.client("coder"), url).status_code == 403
    assert csrf_post(team.client("owner"), url).status_code == 302
    assert not Attribute.objects.exists()
