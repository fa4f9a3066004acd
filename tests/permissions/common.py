"""Shorthands for the permission matrix expectation tables.

Statuses: anonymous users are redirected to sign in (302), outsiders get 404,
members below the needed role get 403.
"""

from __future__ import annotations

ROLES = ("anonymous", "outsider", "viewer", "coder", "owner")


def expect(anonymous: int, outsider: int, viewer: int, coder: int, owner: int) -> dict[str, int]:
    return dict(zip(ROLES, (anonymous, outsider, viewer, coder, owner), strict=True))


# Any member may read.
READ = expect(302, 404, 200, 200, 200)
# Coders and owners may change; GET shows a form.
WRITE_FORM = expect(302, 404, 403, 200, 200)
# Owners only.
MANAGE_FORM = expect(302, 404, 403, 403, 200)


def post(ok: int, *, min_role: str = "coder") -> dict[str, int]:
    """A POST that answers `ok` (e.g. 302 after success, 200 re-rendered form) from `min_role` up."""
    rank = {"viewer": 2, "coder": 3, "owner": 4}[min_role]
    statuses = [302, 404] + [ok if i >= rank else 403 for i in range(2, 5)]
    return dict(zip(ROLES, statuses, strict=True))
