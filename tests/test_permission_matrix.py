"""Every URL of the project, requested as every kind of user, with what a browser would send.

The expectation tables live in tests/permissions/<area>.py, with the payload each write URL is
posted (valid for the roles allowed: a refusal is then the access check's doing, not the
form's). A URL pattern without an entry fails `test_every_url_has_expectations`, a POST
without a payload `test_every_post_has_a_payload`, so no new page can ship without saying who
may use it.

Every request is wrapped in a snapshot of every table and of the media files
(tests/permissions/snapshot.py):
- a refused request (anonymous sent to sign in, outsider 404, role too low 403, wrong method
  405) changes nothing, and neither does any GET;
- an allowed POST changes what its payload says it changes (so the payload really is valid).

Cross-study cases, generated from the URL patterns so that a new URL with an id is covered
without anyone adding it (its id must be made by a kwargs() factory, or the case fails):
- `test_cross_study`: every URL whose address names an object is requested by the owner of
  study A, at A's address, with the id of an object of study B (of which they are owner too, or
  not a member at all), with B's valid payload: 404 and nothing changed; then, as the control,
  at B's own address the same request is answered and does its work;
- `test_cross_study_payload`: every POST at A's address, for A's objects, with the ids the form
  carries taken from B (a merge target, turns, staged files, a memo's subject...): nothing that
  belongs to or points into B changes.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import re
from collections.abc import Callable
from functools import cache
from types import ModuleType
from typing import Any

import pytest
from django.conf import settings
from django.http import HttpResponseBase
from django.shortcuts import resolve_url
from django.test import Client
from django.test.client import ClientHandler
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from . import permissions
from .conftest import Team, csrf_post
from .permissions import snapshot
from .permissions.common import ROLES, Payload, World
from .permissions.world import other_team

AREA_MODULES: list[ModuleType] = [
    module
    for module in (importlib.import_module(f"tests.permissions.{m.name}") for m in pkgutil.iter_modules(permissions.__path__))
    if hasattr(module, "EXPECTATIONS")
]  # fmt: skip
EXPECTATIONS: dict[str, dict[str, dict[str, int]]] = {}
PAYLOADS: dict[str, Payload] = {}
QUERIES: dict[str, Callable[[World], str]] = {}
URL_IDS: dict[str, dict[str, str]] = {}
for _module in AREA_MODULES:
    EXPECTATIONS.update(_module.EXPECTATIONS)
    PAYLOADS.update(getattr(_module, "PAYLOADS", {}))
    QUERIES.update(getattr(_module, "QUERIES", {}))
    URL_IDS.update(getattr(_module, "URL_IDS", {}))

# Django's admin has its own staff-only checks; the matrix checks its index.
ADMIN_CHECKED = {"admin:index": {"GET": {"anonymous": 302, "outsider": 302, "viewer": 302, "coder": 302, "owner": 302}}}
# Pages that do not send a signed-out visitor to sign in.
PUBLIC = {"home", "favicon", "accounts:login", "accounts:logout", "accounts:accept_invitation"}
# URLs with an id that is not an object of a study named in the address, and why.
NOT_CROSS_STUDY = {
    "accounts:accept_invitation": "the invitation link names its study itself",
    "explainers:technique_detail": "a technique slug names an entry of the vocabulary, the same in every study",
    "explainers:demo": "a demo key names a demo of the sandbox's registry, the same in every study",
    "explainers:heavy": "a demo key and a task name name the sandbox's registry, the same in every study",
}
# Cross-study answers other than 404, and why: the same answer as for an id that exists nowhere.
CROSS_STUDY_STATUS = {
    # A table upload that is not found is "expired": back to the upload form with a message.
    "interviews:participant_import_map": 302,
}
REFUSED = (403, 404, 405)
_KWARG = re.compile(r"<(?:\w+:)?(\w+)>")


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


@cache
def url_keywords() -> dict[str, list[str]]:
    """Each named URL's keyword arguments, from its route."""
    return {name: _KWARG.findall(route) for name, route in _walk(get_resolver().url_patterns)}


def all_url_names() -> set[str]:
    return {name for name, _ in _walk(get_resolver().url_patterns) if not name.startswith("admin:")}


def make_world(team: Team) -> World:
    """Every area's objects in `team.study`, by the keyword the URLs name them with."""
    ids: dict[str, Any] = {}
    for module in AREA_MODULES:
        ids.update(module.kwargs(team))
    return World(team=team, ids=ids)


def _url(name: str, method: str, ids: dict[str, Any], world: World) -> str:
    aliases = URL_IDS.get(name, {})
    wanted = {key: aliases.get(key, key) for key in url_keywords().get(name, [])}
    unmade = sorted(source for source in wanted.values() if source not in ids)
    assert not unmade, f"{name} takes {unmade}: make them in a kwargs() of tests/permissions/"
    kwargs = {key: ids[source] for key, source in wanted.items()}
    if method == "POST" and name in PAYLOADS:
        query = PAYLOADS[name].query(world)
    else:
        query = QUERIES[name](world) if name in QUERIES else ""
    return reverse(name, kwargs=kwargs) + query


def _send(client: Client, method: str, url: str, name: str, world: World) -> HttpResponseBase:
    if method == "GET":
        return client.get(url)
    payload = PAYLOADS[name]
    data = payload.data(world)
    if payload.json:
        return csrf_post(client, url, json.dumps(data), content_type="application/json")  # type: ignore[no-any-return]
    return csrf_post(client, url, data)  # type: ignore[no-any-return]


_HANDLER: ClientHandler | None = None


def _client(team: Team, role: str) -> Client:
    """`team.client(role)` on one request handler for the whole run, as a server has: loading the
    middleware (WhiteNoise indexes the static files) for each new client took most of the matrix's time."""
    global _HANDLER
    client = team.client(role)
    if _HANDLER is None:
        _HANDLER = client.handler
    client.handler = _HANDLER
    return client


@pytest.fixture(autouse=True)
def _own_media_root(settings: Any, tmp_path: Any) -> None:
    """A media folder per test: the snapshot lists only this test's files."""
    settings.MEDIA_ROOT = tmp_path / "media"


def _to_sign_in(response: HttpResponseBase) -> bool:
    return response.status_code == 302 and response["Location"].startswith(resolve_url(settings.LOGIN_URL))


# --- every URL has its expectations and payloads ------------------------------------------------


def test_every_url_has_expectations() -> None:
    missing = sorted(all_url_names() - set(EXPECTATIONS))
    assert not missing, f"URL patterns with no permission expectations (add them to tests/permissions/): {missing}"
    stale = sorted(set(EXPECTATIONS) - all_url_names())
    assert not stale, f"Expectations for URLs that no longer exist: {stale}"


def test_every_post_has_a_payload() -> None:
    posted = {name for name, methods in EXPECTATIONS.items() if "POST" in methods}
    missing = sorted(posted - set(PAYLOADS))
    assert not missing, f"POST expectations with no payload (add one to PAYLOADS in tests/permissions/): {missing}"
    stale = sorted(set(PAYLOADS) - posted)
    assert not stale, f"Payloads for URLs the matrix does not POST to: {stale}"
    unknown = {name: p.changes for name, p in PAYLOADS.items() if set(p.changes) - snapshot.labels()}
    assert not unknown, f"Payloads naming models that are not in the snapshot: {unknown}"


# --- every URL as every role ---------------------------------------------------------------------


def _cases() -> list[Any]:
    cases = []
    for name, methods in sorted({**EXPECTATIONS, **ADMIN_CHECKED}.items()):
        for method, by_role in methods.items():
            for role in ROLES:
                cases.append(pytest.param(name, method, role, by_role[role], id=f"{name}-{method}-{role}"))
    return cases


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "method", "role", "expected"), _cases())
def test_permission(team: Team, name: str, method: str, role: str, expected: int) -> None:
    world = make_world(team)
    url = _url(name, method, world.ids, world)
    client = _client(team, role)
    before = snapshot.take()
    response = _send(client, method, url, name, world)
    after = snapshot.take()
    assert response.status_code == expected, (
        f"{method} {url} as {role}: expected {expected}, got {response.status_code}"
    )
    if role == "anonymous" and name not in PUBLIC and not name.startswith("admin:"):
        assert _to_sign_in(response), (
            f"{method} {url} signed out: not sent to sign in but to {response.get('Location')}"
        )
    changed = snapshot.changed(before, after)
    refused = expected in REFUSED or (role == "anonymous" and _to_sign_in(response))
    payload = PAYLOADS.get(name) if method == "POST" else None
    if refused or payload is None or role in payload.unchanged_for or not payload.changes:
        why = "refused" if refused else ("a GET" if payload is None else "changing nothing")
        assert not changed, f"{method} {url} as {role} ({why}) changed:\n{snapshot.describe(before, after)}"
    else:
        missing = sorted(set(payload.changes) - set(changed))
        assert not missing, f"{method} {url} as {role} answered {expected} but did not change {missing}"


# --- another study's objects through this study's address ----------------------------------------


def _id_urls() -> dict[str, list[str]]:
    """URLs whose address names an object (any keyword but the study's slug), with those keywords."""
    return {
        name: [key for key in keys if key != "slug"]
        for name, keys in url_keywords().items()
        if name in EXPECTATIONS and any(key != "slug" for key in keys)
    }


def _cross_cases() -> list[Any]:
    cases = []
    for name in sorted(_id_urls()):
        if name in NOT_CROSS_STUDY:
            continue
        for method, by_role in EXPECTATIONS[name].items():
            if by_role["owner"] == 405:
                continue
            for shared_owner in (True, False):
                who = "owner-of-both" if shared_owner else "not-member-of-b"
                cases.append(pytest.param(name, method, shared_owner, id=f"{name}-{method}-{who}"))
    return cases


def test_every_url_with_an_id_has_cross_study_cases() -> None:
    routes = url_keywords()
    unscoped = sorted(name for name in _id_urls() if "slug" not in routes[name] and name not in NOT_CROSS_STUDY)
    assert not unscoped, f"URLs with an object id but no study in the address (say why in NOT_CROSS_STUDY): {unscoped}"
    covered = {param.values[0] for param in _cross_cases()}
    assert covered == set(_id_urls()) - set(NOT_CROSS_STUDY)


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "method", "shared_owner"), _cross_cases())
def test_cross_study(team: Team, name: str, method: str, shared_owner: bool) -> None:
    other = make_world(other_team(team, shared_owner=shared_owner))
    keys = _id_urls()[name]
    ids = {**other.ids, "slug": team.study.slug}
    url = _url(name, method, ids, other)
    client = _client(team, "owner")
    before = snapshot.take()
    response = _send(client, method, url, name, other)
    after = snapshot.take()
    expected = CROSS_STUDY_STATUS.get(name, 404)
    assert response.status_code == expected, f"{method} {url} (B's {keys} at A's address): got {response.status_code}"
    assert snapshot.changed(before, after) == [], f"{method} {url} changed:\n{snapshot.describe(before, after)}"
    if shared_owner:
        # The control: at B's own address the same request is answered, and a post does its work;
        # so the 404 above is the study check's, not a broken id or payload.
        own = _url(name, method, other.ids, other)
        response = _send(client, method, own, name, other)
        assert response.status_code < 400, f"{method} {own} at its own study's address: {response.status_code}"
        changes = PAYLOADS[name].changes if method == "POST" else ()
        missing = sorted(set(changes) - set(snapshot.changed(after, snapshot.take())))
        assert not missing, f"{method} {own} at its own study's address did not change {missing}"


def _posted_with_ids() -> list[Any]:
    return [pytest.param(name, id=name) for name in sorted(PAYLOADS) if "slug" in url_keywords()[name]]


@pytest.mark.django_db
@pytest.mark.parametrize("name", _posted_with_ids())
def test_cross_study_payload(team: Team, name: str) -> None:
    """The ids a form posts (a merge target, a parent code, a protocol, turns, staged files...):
    the owner of A and B posts at A's address, for A's objects, what the page would post for
    B's. Whatever the answer, nothing of B changes."""
    world = make_world(team)
    other = make_world(other_team(team, shared_owner=True))
    url = _url(name, "POST", world.ids, other)
    client = _client(team, "owner")
    before = snapshot.take_study(other.team.study)
    response = _send(client, "POST", url, name, other)
    after = snapshot.take_study(other.team.study)
    assert response.status_code < 500
    assert snapshot.changed(before, after) == [], (
        f"POST {url} with B's ids changed B:\n{snapshot.describe(before, after)}"
    )
