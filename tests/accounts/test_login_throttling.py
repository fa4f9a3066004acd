"""Login throttling (django-axes, accounts.throttling): wrong passwords lock a username from an
address for a while, many failures lock the address, and the lock-out page tells nothing about
which usernames exist."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import F
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse
from django.utils import timezone

from accounts.throttling import client_address
from tests.factories import PASSWORD, make_user

LOGIN = reverse("accounts:login")
LOCKED = "Too many failed sign-in attempts."


def _sign_in(username: str, password: str, address: str = "10.0.0.1", client: Client | None = None):  # type: ignore[no-untyped-def]
    client = client or Client()
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


def _signed_in(client: Client) -> bool:
    return client.get(reverse("studies:list")).status_code == 200


def _pass_cool_off() -> None:
    """Move the clock past the cool-off: every recorded failure becomes that much older."""
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - settings.AXES_COOLOFF_TIME - timedelta(seconds=1))


@pytest.mark.django_db
def test_thirty_wrong_passwords_lock_the_account_and_the_right_one_is_refused() -> None:
    make_user("ada")
    statuses = [_sign_in("ada", f"guess-{i}").status_code for i in range(30)]
    # The limit's last failure already answers with the lock-out; nothing after it is even checked.
    limit = settings.AXES_FAILURE_LIMIT
    assert statuses == [200] * (limit - 1) + [429] * (30 - limit + 1)
    assert AccessAttempt.objects.get().failures_since_start == limit

    client = Client()
    response = _sign_in("ada", PASSWORD, client=client)
    assert response.status_code == 429
    html = response.content.decode()
    assert LOCKED in html and "even with the right password" in html
    assert '<form method="post">' in html and 'name="password"' in html  # the sign-in page itself
    assert not _signed_in(client)
    # It says when: the time (in the site's time zone) and a Retry-After of the cool-off.
    until = timezone.localtime(timezone.now() + settings.AXES_COOLOFF_TIME)
    assert re.search(r"paused\s+until <strong>\d\d:\d\d UTC</strong>", html)
    assert until.strftime("%H:%M") in html or (until - timedelta(minutes=1)).strftime("%H:%M") in html
    cool_off_s = settings.AXES_COOLOFF_TIME.total_seconds()
    assert cool_off_s - 60 < int(response["Retry-After"]) <= cool_off_s + 1


@pytest.mark.django_db
def test_after_the_cool_off_the_right_password_works() -> None:
    make_user("ada")
    for i in range(settings.AXES_FAILURE_LIMIT):
        _sign_in("ada", f"guess-{i}")
    assert _sign_in("ada", PASSWORD).status_code == 429
    _pass_cool_off()
    client = Client()
    response = _sign_in("ada", PASSWORD, client=client)
    assert response.status_code == 302 and response["Location"] == reverse("studies:list")
    assert _signed_in(client)
    assert not AccessAttempt.objects.exists()  # the expired failures are gone


@pytest.mark.django_db
def test_the_lock_out_reads_the_same_for_a_username_that_does_not_exist() -> None:
    make_user("ada")
    answers = {}
    for username, address in (("ada", "10.0.0.1"), ("nobody", "10.0.0.2")):
        client = Client()
        statuses = [_sign_in(username, f"guess-{i}", address, client).status_code for i in range(7)]
        response = _sign_in(username, PASSWORD, address, client)
        # Per-response tokens and the username typed aside, the pages are the same.
        html = re.sub(r'(value|nonce)="[^"]*"|"X-CSRFToken": "[^"]*"', "", response.content.decode())
        answers[username] = (statuses, response.status_code, html)
    assert answers["ada"] == answers["nobody"]
    assert answers["ada"][1] == 429


@pytest.mark.django_db
def test_a_lock_stays_with_its_username_and_address() -> None:
    make_user("ada")
    make_user("bob")
    for i in range(settings.AXES_FAILURE_LIMIT):
        _sign_in("ada", f"guess-{i}", "10.0.0.1")
    assert _sign_in("ada", PASSWORD, "10.0.0.1").status_code == 429
    # Ada from elsewhere, and Bob from the same network, still sign in: a stranger's guesses
    # cannot lock someone out of their own account.
    assert _sign_in("ada", PASSWORD, "10.0.0.2").status_code == 302
    assert _sign_in("bob", PASSWORD, "10.0.0.1").status_code == 302


@pytest.mark.django_db
def test_a_correct_password_clears_the_failures_before_it() -> None:
    make_user("ada")
    for round_ in range(3):
        for i in range(settings.AXES_FAILURE_LIMIT - 1):
            assert _sign_in("ada", f"guess-{round_}-{i}").status_code == 200
        assert _sign_in("ada", PASSWORD).status_code == 302


@pytest.mark.django_db
def test_many_failures_from_one_address_lock_the_address_whatever_the_username() -> None:
    """Password spraying: one guess for each of many usernames."""
    make_user("ada")
    limit = settings.THEMATICA_LOGIN_ADDRESS_FAILURE_LIMIT
    statuses = [_sign_in(f"user{i}", "Summer2026!", "10.0.0.9").status_code for i in range(limit + 3)]
    assert statuses == [200] * (limit - 1) + [429] * 4
    response = _sign_in("ada", PASSWORD, "10.0.0.9")
    assert response.status_code == 429 and LOCKED in response.content.decode()
    assert _sign_in("ada", PASSWORD, "10.0.0.10").status_code == 302
    _pass_cool_off()
    assert _sign_in("ada", PASSWORD, "10.0.0.9").status_code == 302


@pytest.mark.django_db
def test_the_reset_command_lifts_every_lock() -> None:
    from django.core.management import call_command

    make_user("ada")
    for i in range(settings.AXES_FAILURE_LIMIT):
        _sign_in("ada", f"guess-{i}")
    call_command("axes_reset", verbosity=0)
    assert _sign_in("ada", PASSWORD).status_code == 302


def test_client_address_behind_proxies() -> None:
    def address(forwarded: str | None) -> str | None:
        request = RequestFactory().get("/", REMOTE_ADDR="192.0.2.1")
        if forwarded is not None:
            request.META["HTTP_X_FORWARDED_FOR"] = forwarded
        return client_address(request)

    # No proxy configured: X-Forwarded-For is the client's own claim and is ignored.
    assert address("203.0.113.5") == "192.0.2.1"
    with override_settings(THEMATICA_TRUSTED_PROXIES=1):
        assert address("203.0.113.5") == "203.0.113.5"
        # What the client put in front of the proxy's entry does not count.
        assert address("6.6.6.6, 203.0.113.5") == "203.0.113.5"
        assert address("not-an-address") == "192.0.2.1"
        assert address(None) == "192.0.2.1"
    with override_settings(THEMATICA_TRUSTED_PROXIES=2):
        assert address("6.6.6.6, 203.0.113.5, 198.51.100.7") == "203.0.113.5"
