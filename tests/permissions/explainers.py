"""The technique pages: any member reads them; nothing is posted."""

from __future__ import annotations

from typing import Any

from assist.models import TechniqueMention
from assist.selectors import pipeline_version

from .common import READ, Payload
from .world import study_transcript

# A technique slug names an entry of the one vocabulary (explainers.techniques), the same in every
# study, not an object of a study: the matrix lists the URL in NOT_CROSS_STUDY.
TECHNIQUE = "shap"


def kwargs(team: Any) -> dict[str, Any]:
    # A stored mention, so the technique's page and the reader's panel show one (an excerpt, links).
    transcript = study_transcript(team)
    start = transcript.text.index("papers")
    TechniqueMention.objects.get_or_create(
        study=team.study, transcript=transcript, text_version=transcript.text_version,
        pipeline_version=pipeline_version(), start=start, end=start + 6, technique=TECHNIQUE, text="papers",
    )  # fmt: skip
    return {"technique_slug": TECHNIQUE}


EXPECTATIONS: dict[str, dict[str, dict[str, int]]] = {
    "explainers:technique_list": {"GET": READ},
    "explainers:technique_detail": {"GET": READ},
}

PAYLOADS: dict[str, Payload] = {}
