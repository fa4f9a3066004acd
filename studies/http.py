"""Small request helpers shared by every app's views."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme


def safe_next(request: HttpRequest, fallback: str) -> str:
    """The `next` URL of the request (POST, then GET) if it points into this site, else `fallback`.

    Other hosts, scheme-relative `//host` URLs and, on HTTPS, plain-http URLs are refused, so a
    crafted link cannot send someone elsewhere after they act here (an open redirect).
    """
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback
