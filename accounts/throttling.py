"""Login throttling on django-axes: two limits, the client's real address, and a lock-out page.

Axes counts failures per (username, address) pair (AXES_LOCKOUT_PARAMETERS) against one limit.
`LoginThrottle` adds a second, higher limit per address whatever the username, against password
spraying; `lockout_response` answers a locked-out sign-in with the sign-in page itself (status
429) saying when to try again; `client_address` finds the client behind a reverse proxy.
"""

from __future__ import annotations

import ipaddress
from datetime import datetime, timedelta
from typing import Any

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_cool_off, get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.db.models import QuerySet, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from studies.http import safe_next


class LoginThrottle(AxesDatabaseHandler):  # type: ignore[misc]
    """Axes' database handler with a per-address limit on top of the per-pair one."""

    def _address_attempts(self, request: HttpRequest) -> QuerySet[AccessAttempt]:
        """Failures from the request's address, any username, within the cool-off."""
        return AccessAttempt.objects.filter(
            ip_address=request.axes_ip_address,  # type: ignore[attr-defined]
            attempt_time__gte=get_cool_off_threshold(request),
        )

    def get_failures(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> int:
        # Axes compares this one number with AXES_FAILURE_LIMIT (to refuse, and to lock after a
        # failure), so the address's failures are given in units of that limit: with pair limit P
        # and address limit A, a*P // A >= P exactly when a >= A.
        pair = super().get_failures(request, credentials)
        address = self._address_attempts(request).aggregate(n=Sum("failures_since_start"))["n"] or 0
        limit = get_failure_limit(request, credentials)
        return max(pair, address * limit // settings.THEMATICA_LOGIN_ADDRESS_FAILURE_LIMIT)

    def locked_until(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> datetime | None:
        """When the request's lock-out ends (the later of the pair's and the address's), or None."""
        cool_off = get_cool_off(request)
        ends = [
            _lock_end(attempts, get_failure_limit(request, credentials), cool_off)
            for attempts in self.get_user_attempts(request, credentials)
        ]
        ends.append(
            _lock_end(self._address_attempts(request), settings.THEMATICA_LOGIN_ADDRESS_FAILURE_LIMIT, cool_off)
        )
        return max((end for end in ends if end is not None), default=None)


def _lock_end(attempts: QuerySet[AccessAttempt], limit: int, cool_off: timedelta) -> datetime | None:
    """When `attempts` stop adding up to `limit`: each row (one username, address and browser)
    counts all its failures until its last failure is `cool_off` old. Newest first, the row that
    brings the sum to `limit` is the first whose expiry lifts the lock."""
    total = 0
    for attempt_time, failures in attempts.order_by("-attempt_time").values_list(
        "attempt_time", "failures_since_start"
    ):
        total += failures
        if total >= limit:
            return attempt_time + cool_off
    return None


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None, credentials: dict[str, Any] | None
) -> HttpResponse:
    """The sign-in page with the lock-out message, status 429 (Too Many Requests) and Retry-After.

    It reads the same for a username that exists and one that does not (both are counted and
    locked alike), and is given whether or not the password was right: the lock is checked first.
    """
    until = LoginThrottle().locked_until(request, credentials)
    now = timezone.now()
    if until is None or until <= now:  # a race with the cool-off ending: say a minute
        until = now + timedelta(minutes=1)
    form = AuthenticationForm(request, initial={"username": request.POST.get("username", "")})
    context = {"form": form, "next": safe_next(request, ""), "locked_until": until}
    response = render(request, "accounts/login.html", context, status=429)
    response["Retry-After"] = str(max(1, int((until - now).total_seconds()) + 1))
    return response


def client_address(request: HttpRequest) -> str | None:
    """The client's address: REMOTE_ADDR, or behind THEMATICA_TRUSTED_PROXIES reverse proxies the
    entry the outermost of them added to X-Forwarded-For (entries further left are the client's
    own claims and can be forged). Anything that is not an IP address falls back to REMOTE_ADDR."""
    remote = request.META.get("REMOTE_ADDR")
    hops = settings.THEMATICA_TRUSTED_PROXIES
    if hops <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if not forwarded:
        return remote
    candidate = forwarded[-hops] if len(forwarded) >= hops else forwarded[0]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote
