"""The analytics pages: any member reads them (and their CSV/XLSX/SVG downloads); nothing is posted."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from interviews.models import Attribute, AttributeValue, Participant

from .common import READ, World
from .world import study_transcript

ATTRIBUTE = "Analytics tier"


def kwargs(team: Any) -> dict[str, Any]:
    # A participant with a value of an attribute, on the study's transcript: the crosstab has a column.
    transcript = study_transcript(team)
    attribute, _ = Attribute.objects.get_or_create(
        study=team.study, name=ATTRIBUTE, defaults={"type": "category", "choices": ["small", "large"]}
    )
    person, _ = Participant.objects.get_or_create(study=team.study, label="A1")
    person.transcripts.add(transcript)
    AttributeValue.objects.get_or_create(participant=person, attribute=attribute, defaults={"value_text": "small"})
    return {"analytics_attribute": ATTRIBUTE}


def _crosstab(world: World) -> str:
    return "?" + urlencode({"rows": "theme", "attribute": world["analytics_attribute"], "measure": "participants"})


EXPECTATIONS: dict[str, dict[str, dict[str, int]]] = {
    "themes:analytics": {"GET": READ},
    "themes:analytics_cooccurrence": {"GET": READ},
    "themes:analytics_crosstab": {"GET": READ},
    "themes:analytics_frequencies": {"GET": READ},
    "themes:analytics_saturation": {"GET": READ},
    "themes:analytics_map": {"GET": READ},
}

QUERIES = {
    "themes:analytics_cooccurrence": lambda w: "?mode=turn&normalise=jaccard&limit=100",
    "themes:analytics_crosstab": _crosstab,
    "themes:analytics_frequencies": lambda w: "?by=participant",
    "themes:analytics_map": lambda w: "?format=svg",
}

PAYLOADS: dict[str, Any] = {}
