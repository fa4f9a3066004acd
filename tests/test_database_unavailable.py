"""When the database cannot be reached a request gets a clear 503, never a bare 500
(config.middleware). tests/faults/test_database_restart.py restarts a real PostgreSQL; here the
outage is simulated: the view's query fails and the connection no longer answers."""

from __future__ import annotations

import json
from collections.abc import Iterator
from unittest import mock
from urllib.parse import unquote

import pytest
from django.db import OperationalError, connection
from django.test import RequestFactory
from django.urls import reverse

from tests.coding.helpers import make_code, make_transcript
from tests.conftest import Team, csrf_post

GONE = OperationalError("server closed the connection unexpectedly")


@pytest.fixture
def outage() -> Iterator[None]:
    """The connection no longer answers (as after PostgreSQL stopped)."""
    with mock.patch.object(connection, "is_usable", return_value=False):
        yield


def _assert_page(response) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    html = response.content.decode()
    assert "<title>Database unavailable · Thematica</title>" in html
    assert "The database is unavailable" in html and "nothing of this one was half-saved" in html
    assert '<header class="topbar">' in html and 'href="/"' in html


@pytest.mark.django_db
def test_a_page_answers_503_with_the_layout(team: Team, outage: None) -> None:
    with mock.patch("studies.views.dashboard_data", side_effect=GONE):
        response = team.client("viewer").get(reverse("studies:dashboard", args=[team.study.slug]))
    _assert_page(response)
    assert "private" in response["Cache-Control"]


@pytest.mark.django_db
def test_the_readers_json_gets_a_json_error(team: Team, outage: None) -> None:
    transcript = make_transcript(team.study)
    code = make_code(team.study)
    url = reverse("coding:apply", args=[team.study.slug, transcript.uuid])
    body = json.dumps({"code": str(code.uuid), "start": 0, "end": 5})
    with mock.patch("coding.views.codings.services.apply_coding_with_code", side_effect=GONE):
        response = csrf_post(team.client("coder"), url, body, content_type="application/json")
    assert response.status_code == 503 and response["Content-Type"] == "application/json"
    assert response.json() == {
        "error": "The database is unavailable for a moment: nothing from this request was saved. Try again shortly."
    }


@pytest.mark.django_db
def test_htmx_gets_the_message_to_show(team: Team, outage: None) -> None:
    with mock.patch("studies.views.dashboard_data", side_effect=GONE):
        response = team.client("viewer").get(
            reverse("studies:dashboard", args=[team.study.slug]), HTTP_HX_REQUEST="true"
        )
    _assert_page(response)
    assert unquote(response["X-Thematica-Message"]).startswith("The database is unavailable for a moment")


@pytest.mark.django_db
def test_a_refused_query_on_a_working_connection_is_an_ordinary_error(team: Team) -> None:
    """A deadlock or a statement timeout is no outage: the page must not say the database is down."""
    client = team.client("viewer")
    client.raise_request_exception = False
    with mock.patch("studies.views.dashboard_data", side_effect=OperationalError("deadlock detected")):
        response = client.get(reverse("studies:dashboard", args=[team.study.slug]))
    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()


def test_an_outage_outside_a_view_is_a_503_too(outage: None) -> None:
    """A middleware's query (saving the session, say) fails outside any view: Django's 500 handler
    runs, and answers 503 for an outage. No `db` fixture: the page needs no database."""
    from config.urls import server_error

    request = RequestFactory().get("/studies/")
    try:
        raise GONE
    except OperationalError:
        _assert_page(server_error(request))
    try:
        raise ValueError("a bug")
    except ValueError:
        assert server_error(request).status_code == 500
