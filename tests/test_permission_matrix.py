"""Every URL of the project, requested as every kind of user.

The expectation tables live in tests/permissions/<area>.py. A URL pattern
without an entry fails `test_every_url_has_expectations`, so no new page can
ship without saying who may open it.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from . import permissions
from .conftest import Team, csrf_post
from .permissions.common import ROLES

AREA_MODULES = [
    importlib.import_module(f"tests.permissions.{m.name}")
    for m in pkgutil.iter_modules(permissions.__path__)
    if m.name != "common"
]
EXPECTATIONS: dict[str, dict[str, dict[str, int]]] = {}
for _module in AREA_MODULES:
    EXPECTATIONS.update(_module.EXPECTATIONS)

# Django's admin has its own staff-only checks; the matrix checks its index.
ADMIN_CHECKED = {"admin:index": {"GET": {"anonymous": 302, "outsider": 302, "viewer": 302, "coder": 302, "owner": 302}}}


def _walk(patterns: list[Any], namespace: str = "", route: str = "") -> list[tuple[str, str]]:
    found = []
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            found += _walk(entry.url_patterns, ns, route + str(entry.pattern))
        elif isinstance(entry, URLPattern) and entry.name:
            found.append((f"{namespace}{entry.name}", route + str(entry.pattern)))
        elif isinstance(entry, URLPattern):
            found.append((f"{namespace}<unnamed>", route + str(entry.pattern)))
    return found


def all_url_names() -> set[str]:
    return {name for name, _ in _walk(get_resolver().url_patterns) if not name.startswith("admin:")}


def test_every_url_has_expectations() -> None:
    missing = sorted(all_url_names() - set(EXPECTATIONS))
    assert not missing, f"URL patterns with no permission expectations (add them to tests/permissions/): {missing}"
    stale = sorted(set(EXPECTATIONS) - all_url_names())
    assert not stale, f"Expectations for URLs that no longer exist: {stale}"


def _cases() -> list[Any]:
    cases = []
    for name, methods in sorted({**EXPECTATIONS, **ADMIN_CHECKED}.items()):
        for method, by_role in methods.items():
            for role in ROLES:
                cases.append(pytest.param(name, method, role, by_role[role], id=f"{name}-{method}-{role}"))
    return cases


def _url_kwargs(team: Team, name: str) -> dict[str, Any]:
    available: dict[str, Any] = {}
    for module in AREA_MODULES:
        available.update(module.kwargs(team))
    pattern = next((route for n, route in _walk(get_resolver().url_patterns) if n == name), "")
    return {key: value for key, value in available.items() if f":{key}>" in pattern or f"<{key}>" in pattern}


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "method", "role", "expected"), _cases())
def test_permission(team: Team, name: str, method: str, role: str, expected: int) -> None:
    url = reverse(name, kwargs=_url_kwargs(team, name))
    client = team.client(role)
    response = client.get(url) if method == "GET" else csrf_post(client, url, {})
    assert response.status_code == expected, (
        f"{method} {url} as {role}: expected {expected}, got {response.status_code}"
    )
