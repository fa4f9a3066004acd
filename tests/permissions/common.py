"""Shorthands for the permission matrix expectation tables, and what the matrix posts.

Statuses: anonymous users are redirected to sign in (302), outsiders get 404,
members below the needed role get 403.

Each area module (tests/permissions/<area>.py) has:
- `kwargs(team)`: makes the area's objects in `team.study` and returns their ids by URL keyword
  (other keys are ids the payloads use);
- `EXPECTATIONS`: URL name → method → role → status;
- `PAYLOADS`: URL name → the `Payload` a browser would post there, valid for the role allowed;
- `QUERIES` (optional): URL name → the query string a GET of it carries;
- `URL_IDS` (optional): URL name → {URL keyword: the kwargs() key to fill it with}, where a URL
  needs another object than the one its keyword names elsewhere (a failed job, not a done one).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tests.conftest import Team

ROLES = ("anonymous", "outsider", "viewer", "coder", "owner")


def expect(anonymous: int, outsider: int, viewer: int, coder: int, owner: int) -> dict[str, int]:
    return dict(zip(ROLES, (anonymous, outsider, viewer, coder, owner), strict=True))


# Any member may read.
READ = expect(302, 404, 200, 200, 200)
# Coders and owners may change; GET shows a form.
WRITE_FORM = expect(302, 404, 403, 200, 200)
# Owners only.
MANAGE_FORM = expect(302, 404, 403, 403, 200)
# POST only.
NO_GET = expect(302, 405, 405, 405, 405)


def post(ok: int, *, min_role: str = "coder") -> dict[str, int]:
    """A POST that answers `ok` (e.g. 302 after success, 200 re-rendered form) from `min_role` up."""
    rank = {"viewer": 2, "coder": 3, "owner": 4}[min_role]
    statuses = [302, 404] + [ok if i >= rank else 403 for i in range(2, 5)]
    return dict(zip(ROLES, statuses, strict=True))


@dataclass(frozen=True)
class World:
    """One study as the matrix uses it: its team and the ids the area factories made in it."""

    team: Team
    ids: dict[str, Any]

    def __getitem__(self, key: str) -> Any:
        return self.ids[key]


def _no_query(world: World) -> str:
    return ""


@dataclass(frozen=True)
class Payload:
    """What a browser posts to one URL, built from a study's objects, and what it changes.

    `changes` names the models (app label.Model, or "media" for files under MEDIA_ROOT) a
    successful post must change; empty for a post that only shows something (a preview).
    `unchanged_for` lists roles the view lets in but for whom the post is about someone else's
    object (another member's upload), so nothing may change.
    """

    data: Callable[[World], dict[str, Any]]
    changes: tuple[str, ...] = ()
    query: Callable[[World], str] = _no_query
    json: bool = False
    unchanged_for: frozenset[str] = field(default_factory=frozenset)
