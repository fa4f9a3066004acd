"""Project-wide middleware: responses are private by default, and a database outage is a clear 503."""

from __future__ import annotations

import logging
from collections.abc import Callable
from urllib.parse import quote

from django.db import InterfaceError, OperationalError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.utils.cache import patch_cache_control

logger = logging.getLogger(__name__)

DATABASE_UNAVAILABLE = (
    "The database is unavailable for a moment: nothing from this request was saved. Try again shortly."
)
RETRY_AFTER_S = 5


class NoStoreMiddleware:
    """`Cache-Control: private, no-store` on every response that does not set its own.

    Study pages, the reader's JSON, exports and job downloads hold what one member may see; no
    shared proxy may keep them, nor the browser after sign-out. Static files never get here
    (WhiteNoise, above this middleware, answers them with its own long caching).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not response.has_header("Cache-Control"):
            patch_cache_control(response, private=True, no_store=True)
        return response


def is_database_outage(exc: BaseException | None) -> bool:
    """Whether `exc` comes from the database being unreachable (stopped, restarting, the network
    gone), not from a query the database refused: the connection error classes, and a connection
    that is gone or no longer answers. A deadlock or a statement timeout leaves a usable
    connection and is an ordinary server error."""
    if not isinstance(exc, OperationalError | InterfaceError):
        return False
    return connection.connection is None or not connection.is_usable()


def database_unavailable_response(request: HttpRequest) -> HttpResponse:
    """503 with Retry-After: JSON `{"error": ...}` for the reader's JSON calls; otherwise the page
    templates/503.html, rendered without the request (its context processors would query the
    database), and the message in X-Thematica-Message for htmx, which shows it (static/js/app.js)."""
    wants_json = request.content_type == "application/json" or (
        "application/json" in request.headers.get("Accept", "") and not request.headers.get("HX-Request")
    )
    response: HttpResponse
    if wants_json:
        response = JsonResponse({"error": DATABASE_UNAVAILABLE}, status=503)
    else:
        response = HttpResponse(loader.get_template("503.html").render(), status=503)
        response["X-Thematica-Message"] = quote(DATABASE_UNAVAILABLE)
    response["Retry-After"] = str(RETRY_AFTER_S)
    return response


class DatabaseUnavailableMiddleware:
    """A view that fails because the database is unreachable answers 503 with a message saying
    so instead of a bare 500. Services are atomic, so such a request saved nothing; with
    CONN_HEALTH_CHECKS the next request reconnects by itself once the database is back.
    (Failures outside a view, e.g. saving the session, reach `config.urls.server_error`.)"""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_database_outage(exception):
            return None
        logger.warning("Database unavailable during %s %s: %s", request.method, request.path, exception)
        return database_unavailable_response(request)
