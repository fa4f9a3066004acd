from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD, make_user


@pytest.mark.django_db
def test_sign_in_lands_on_studies() -> None:
    make_user("ada")
    client = Client(enforce_csrf_checks=False)
    response = client.post(reverse("accounts:login"), {"username": "ada", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("studies:list")


@pytest.mark.django_db
def test_wrong_password_is_refused_with_message() -> None:
    make_user("ada")
    response = Client().post(reverse("accounts:login"), {"username": "ada", "password": "nope"})
    assert response.status_code == 200
    assert "correct username and password" in response.content.decode()


@pytest.mark.django_db
def test_anonymous_is_sent_to_sign_in_with_next() -> None:
    response = Client().get(reverse("studies:list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login") + "?next=")
