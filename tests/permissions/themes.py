"""The theme board and a theme's page: any member reads them; coders and owners build themes."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from coding.models import Code
from themes.models import Theme
from themes.services.themes import create_theme

from .common import NO_GET, READ, Payload, World, post

_LOGGED = ("coding.LogEntry",)


def kwargs(team: Any) -> dict[str, Any]:
    inside = Code.objects.create(study=team.study, name="Theme code")
    loose = Code.objects.create(study=team.study, name="Loose code")
    other = Code.objects.create(study=team.study, name="Another loose code")
    theme = create_theme(study=team.study, user=team.coder, name="It's Tough.", codes=[inside])
    sibling = create_theme(study=team.study, user=team.coder, name="Getting started")
    deleted = Theme.objects.create(study=team.study, name="Dropped theme", deleted_at=timezone.now())
    return {
        "theme_uuid": theme.uuid,
        "sibling_theme_uuid": sibling.uuid,
        "deleted_theme_uuid": deleted.uuid,
        "theme_code_uuid": inside.uuid,
        "loose_code_uuid": loose.uuid,
        "other_loose_code_uuid": other.uuid,
    }


EXPECTATIONS: dict[str, dict[str, dict[str, int]]] = {
    "themes:board": {"GET": READ, "POST": post(302)},
    "themes:code_move": {"GET": NO_GET, "POST": post(302)},
    "themes:suggestions": {"GET": READ},
    "themes:suggestion_decide": {"GET": NO_GET, "POST": post(302)},
    "themes:detail": {"GET": READ},
    "themes:boundary": {"GET": READ},
    "themes:edit": {"GET": NO_GET, "POST": post(302)},
    "themes:move": {"GET": NO_GET, "POST": post(302)},
    "themes:status": {"GET": NO_GET, "POST": post(302)},
    "themes:delete": {"GET": NO_GET, "POST": post(302)},
    "themes:restore": {"GET": NO_GET, "POST": post(302)},
}

URL_IDS = {"themes:restore": {"theme_uuid": "deleted_theme_uuid"}}


def _version(w: World) -> int:
    return Theme.objects.get(uuid=w["theme_uuid"]).version


PAYLOADS: dict[str, Payload] = {
    "themes:board": Payload(lambda w: {"name": "Trust is earned", "parent": str(w["theme_uuid"])},
                            changes=("themes.Theme", *_LOGGED)),
    "themes:code_move": Payload(
        lambda w: {"code": str(w["loose_code_uuid"]), "target": str(w["theme_uuid"])},
        changes=("themes.ThemeCode", *_LOGGED),
    ),
    "themes:suggestion_decide": Payload(
        lambda w: {"action": "accept", "name": "Loose ends",
                   "codes": f"{w['loose_code_uuid']},{w['other_loose_code_uuid']}"},
        changes=("themes.Theme", "themes.ThemeCode", *_LOGGED),
    ),
    "themes:edit": Payload(
        lambda w: {"name": "It's Tough.", "definition": "Starting out in XAI is hard.", "narrative": "", "version": _version(w)},
        changes=("themes.Theme", *_LOGGED),
    ),
    "themes:move": Payload(lambda w: {"parent": str(w["sibling_theme_uuid"])}, changes=("themes.Theme", *_LOGGED)),
    "themes:status": Payload(lambda w: {"status": "reviewed", "version": _version(w)}, changes=("themes.Theme", *_LOGGED)),
    "themes:delete": Payload(lambda w: {}, changes=("themes.Theme", *_LOGGED)),
    "themes:restore": Payload(lambda w: {}, changes=("themes.Theme", *_LOGGED)),
}  # fmt: skip
