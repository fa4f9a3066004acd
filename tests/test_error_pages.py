"""403, 404, 400 and 500 pages wear the app's layout and offer a way back (DEBUG is off in tests)."""

from __future__ import annotations

import uuid

import pytest
from django.conf import settings
from django.core.exceptions import BadRequest
from django.test import RequestFactory
from django.urls import reverse

from tests.conftest import Team


def _assert_layout(html: str) -> None:
    assert '<header class="topbar">' in html
    assert '<main id="main"' in html
    assert 'href="/static/css/app.css"' in html


def test_tests_run_with_debug_off() -> None:
    # The custom handlers only answer when DEBUG is off; with it on Django shows its technical pages.
    assert settings.DEBUG is False


@pytest.mark.django_db
def test_viewer_forbidden_page_has_layout_and_way_back_to_the_study(team: Team) -> None:
    url = reverse("coding:autocode", args=[team.study.slug])
    dashboard = reverse("studies:dashboard", args=[team.study.slug])
    previous = "http://testserver" + reverse("coding:codebook", args=[team.study.slug])
    response = team.client("viewer").get(url, HTTP_REFERER=previous)
    assert response.status_code == 403
    html = response.content.decode()
    _assert_layout(html)
    assert "<title>Not allowed · Thematica</title>" in html
    assert f"Your role in <strong>{team.study.title}</strong> is <strong>viewer</strong>" in html
    assert f'<a class="button primary" href="{dashboard}">Back to {team.study.title}</a>' in html
    assert f'href="{reverse("studies:list")}"' in html
    assert f'href="{previous}"' in html  # the page they came from
    # The study's own navigation is there too, as on its other pages, without the coder-only links.
    assert '<nav class="study-nav"' in html
    assert reverse("interviews:import", args=[team.study.slug]) not in html


@pytest.mark.django_db
def test_coder_forbidden_from_owner_page_is_told_who_can(team: Team) -> None:
    response = team.client("coder").get(reverse("studies:edit", args=[team.study.slug]))
    assert response.status_code == 403
    html = response.content.decode()
    _assert_layout(html)
    assert "is <strong>coder</strong>" in html and "managed by its owners" in html
    assert reverse("interviews:import", args=[team.study.slug]) in html  # the coder's own navigation


@pytest.mark.django_db
def test_referer_from_another_site_is_not_offered(team: Team) -> None:
    url = reverse("coding:autocode", args=[team.study.slug])
    response = team.client("viewer").get(url, HTTP_REFERER="https://evil.example/phish")
    assert response.status_code == 403
    assert "evil.example" not in response.content.decode()


@pytest.mark.django_db
def test_outsider_not_found_page_has_layout_and_does_not_disclose_the_study(team: Team) -> None:
    response = team.client("outsider").get(reverse("studies:dashboard", args=[team.study.slug]))
    assert response.status_code == 404
    html = response.content.decode()
    _assert_layout(html)
    assert "<title>Page not found · Thematica</title>" in html
    assert f'href="{reverse("studies:list")}"' in html
    assert "Your studies" in html
    assert team.study.title not in html
    assert '<nav class="study-nav"' not in html
    # Someone sent a shared link is told how to get in, without learning whether the study exists.
    assert "ask the study’s owner to invite you" in html


@pytest.mark.django_db
def test_member_not_found_in_their_study_links_back_to_it(team: Team) -> None:
    missing = reverse("interviews:transcript_detail", args=[team.study.slug, uuid.uuid4()])
    response = team.client("coder").get(missing)
    assert response.status_code == 404
    html = response.content.decode()
    _assert_layout(html)
    dashboard = reverse("studies:dashboard", args=[team.study.slug])
    assert f'<a class="button primary" href="{dashboard}">Back to {team.study.title}</a>' in html
    # A coder's study navigation offers what a coder can do.
    assert reverse("interviews:import", args=[team.study.slug]) in html


@pytest.mark.django_db
def test_unknown_address_not_found(team: Team) -> None:
    response = team.client("viewer").get("/no/such/page/")
    assert response.status_code == 404
    html = response.content.decode()
    _assert_layout(html)
    assert f'href="{reverse("studies:list")}"' in html
    assert "victor_viewer" in html  # signed in: the account menu is the usual one


@pytest.mark.django_db
def test_anonymous_not_found_offers_sign_in(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    html = response.content.decode()
    _assert_layout(html)
    assert f'href="{reverse("accounts:login")}"' in html


def test_server_error_page_needs_no_database_nor_request_context() -> None:
    """No `db` fixture: any database query here fails the test."""
    from django.views.defaults import server_error

    response = server_error(RequestFactory().get("/boom/"))
    assert response.status_code == 500
    html = response.content.decode()
    _assert_layout(html)
    assert "Something went wrong" in html
    assert 'href="/"' in html
    assert "Sign in" not in html  # no request context: it cannot tell whether someone is signed in


def test_bad_request_page_has_layout() -> None:
    from django.views.defaults import bad_request

    response = bad_request(RequestFactory().get("/x/"), BadRequest("nope"))
    assert response.status_code == 400
    html = response.content.decode()
    _assert_layout(html)
    assert 'href="/"' in html
