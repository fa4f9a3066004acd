"""Small factories for tests: plain functions, explicit arguments."""

from __future__ import annotations

import itertools

from accounts.models import User
from studies.models import Membership, Role, Study

_seq = itertools.count(1)
PASSWORD = "correct-horse-battery-staple"


def make_user(username: str | None = None, **extra: object) -> User:
    username = username or f"user{next(_seq)}"
    return User.objects.create_user(username=username, password=PASSWORD, **extra)  # type: ignore[arg-type]


def make_study(title: str | None = None, owner: User | None = None, **extra: object) -> Study:
    n = next(_seq)
    study = Study.objects.create(title=title or f"Study {n}", slug=str(extra.pop("slug", f"study-{n}")), **extra)  # type: ignore[arg-type]
    if owner is not None:
        Membership.objects.create(study=study, user=owner, role=Role.OWNER)
    return study


def make_membership(study: Study, user: User, role: str = Role.CODER) -> Membership:
    return Membership.objects.create(study=study, user=user, role=role)
