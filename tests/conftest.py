from __future__ import annotations

import os
from dataclasses import dataclass

import pytest
from django.test import Client

from accounts.models import User
from studies.models import Role, Study

from .factories import make_membership, make_study, make_user

IN_CI = os.environ.get("CI", "").lower() == "true"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip service-bound tests where the service is absent, saying why; never in CI."""
    from django.conf import settings

    reasons: dict[str, str] = {}
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        reasons["postgres"] = "needs PostgreSQL: set DATABASE_URL=postgres://postgres@127.0.0.1:5432/thematica"
    if not os.environ.get("CELERY_BROKER_URL"):
        reasons["celery_worker"] = "needs Redis: set CELERY_BROKER_URL=redis://127.0.0.1:6379/0"
    if not os.path.exists(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")):
        reasons["browser"] = "needs Debian's chromium at /usr/bin/chromium (apt-get install chromium)"
    if IN_CI and reasons:
        needed = {m for item in items for m in reasons if item.get_closest_marker(m)}
        if needed:
            raise pytest.UsageError("CI=true but missing: " + "; ".join(reasons[m] for m in sorted(needed)))
    for item in items:
        for marker, reason in reasons.items():
            if item.get_closest_marker(marker):
                item.add_marker(pytest.mark.skip(reason=reason))


@dataclass
class Team:
    """A study with one user per role, plus an outsider who belongs to nothing."""

    study: Study
    owner: User
    coder: User
    viewer: User
    outsider: User

    def user(self, role: str) -> User | None:
        return {
            "anonymous": None,
            "outsider": self.outsider,
            "viewer": self.viewer,
            "coder": self.coder,
            "owner": self.owner,
        }[role]

    def client(self, role: str) -> Client:
        client = Client(enforce_csrf_checks=True)
        user = self.user(role)
        if user is not None:
            client.force_login(user)
        return client


@pytest.fixture
def team(db: None) -> Team:
    owner = make_user("olivia_owner")
    coder = make_user("cora_coder")
    viewer = make_user("victor_viewer")
    outsider = make_user("oscar_outsider")
    study = make_study("Interpretability interviews", owner=owner, slug="interp")
    make_membership(study, coder, Role.CODER)
    make_membership(study, viewer, Role.VIEWER)
    return Team(study=study, owner=owner, coder=coder, viewer=viewer, outsider=outsider)


def csrf_post(client: Client, url: str, data: dict | str | None = None, **extra: object):  # type: ignore[no-untyped-def]
    """POST with a real CSRF token, as a browser would: fetch the cookie first."""
    from django.middleware.csrf import _get_new_csrf_string, _mask_cipher_secret  # type: ignore[attr-defined]

    secret = client.cookies.get("csrftoken")
    if secret is None:
        secret_value = _get_new_csrf_string()
        client.cookies["csrftoken"] = secret_value
    else:
        secret_value = secret.value
    token = _mask_cipher_secret(secret_value)
    return client.post(url, data or {}, HTTP_X_CSRFTOKEN=token, **extra)  # type: ignore[arg-type]
