from __future__ import annotations

import sys
from typing import Any

from django.contrib import admin
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import include, path
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import defaults
from django.views.generic import RedirectView

from config.middleware import database_unavailable_response, is_database_outage
from studies.access import StudyAccess, membership_for
from studies.models import Study

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="studies:list", permanent=False), name="home"),
    path("favicon.ico", RedirectView.as_view(url="/static/favicon.svg", permanent=True), name="favicon"),
    path("accounts/", include("accounts.urls")),
    path("studies/", include("studies.urls")),
    path("studies/<slug:slug>/", include("interviews.urls")),
    path("studies/<slug:slug>/", include("coding.urls")),
    path("studies/<slug:slug>/", include("explainers.urls")),
    path("studies/<slug:slug>/", include("assist.urls")),
    path("studies/<slug:slug>/", include("deid.urls")),
    path("studies/<slug:slug>/", include("themes.urls")),
    path("admin/", admin.site.urls),
]


def _way_back(request: HttpRequest) -> dict[str, Any]:
    """What an error page can offer to go back to: the study of the address, if the user is a member
    (an outsider learns nothing about it), and the page they came from, if it is on this site."""
    context: dict[str, Any] = {"study": None, "study_access": None, "back_url": ""}
    match = request.resolver_match
    slug = match.kwargs.get("slug") if match is not None else None
    if slug and request.user.is_authenticated:
        study = Study.objects.filter(slug=slug).first()
        membership = membership_for(request.user, study) if study is not None else None
        if study is not None and membership is not None:
            context["study"], context["study_access"] = study, StudyAccess(study=study, membership=membership)
    referer = request.META.get("HTTP_REFERER", "")
    try:
        host = request.get_host()
    except DisallowedHost:
        host = ""
    if (
        host
        and referer
        and referer != request.build_absolute_uri()
        and url_has_allowed_host_and_scheme(referer, allowed_hosts={host}, require_https=request.is_secure())
    ):
        context["back_url"] = referer
    return context


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    context = {**_way_back(request), "exception": str(exception)}
    return render(request, "403.html", context, status=403)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    # The exception's text is not shown: it would tell an outsider more than "not found".
    context = {**_way_back(request), "request_path": request.path}
    return render(request, "404.html", context, status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    """Django's 500 (500.html, no request context, no database), except when the database is
    unreachable: then the 503 that `DatabaseUnavailableMiddleware` gives a view's failure, here for
    failures outside a view (a middleware saving the session, say). Django calls this handler
    while handling the exception, so `sys.exc_info()` holds it."""
    if is_database_outage(sys.exc_info()[1]):
        return database_unavailable_response(request)
    return defaults.server_error(request)


# 400 keeps Django's handler.
handler403 = permission_denied
handler404 = page_not_found
handler500 = server_error
