"""Findings and browse mode: any member reads a finding and browses the results; coders and
owners write findings, quote excerpts and cite techniques."""

from __future__ import annotations

from typing import Any

from coding.models import Code
from coding.services.codings import apply_coding
from interviews.models import Participant
from themes.models import ExcerptKind, ThemeStatus
from themes.services.findings import add_excerpt, cite_technique, create_finding, delete_finding
from themes.services.themes import create_theme

from .common import NO_GET, READ, Payload, post
from .world import study_transcript


def _code(transcript: Any, code: Code, words: str, coder: Any) -> Any:
    start = transcript.text.index(words)
    coding, _ = apply_coding(transcript=transcript, code=code, start=start, end=start + len(words), coder=coder)
    return coding


def kwargs(team: Any) -> dict[str, Any]:
    transcript = study_transcript(team)
    code = Code.objects.create(study=team.study, name="Finding evidence")
    theme = create_theme(study=team.study, user=team.coder, name="It's Tough.", codes=[code], status=ThemeStatus.FINAL)
    finding = create_finding(theme=theme, user=team.coder, claim="Starting was hard.")
    first = _code(transcript, code, "I started in 2019.", team.coder)
    second = _code(transcript, code, "It was hard.", team.coder)
    spare = _code(transcript, code, "I read papers all day.", team.coder)
    excerpt = add_excerpt(finding=finding, user=team.coder, coding_uuid=first.uuid)
    add_excerpt(finding=finding, user=team.coder, coding_uuid=second.uuid, kind=ExcerptKind.SUPPORT)
    cite_technique(finding=finding, user=team.coder, slug="shap")
    gone = delete_finding(
        finding=create_finding(theme=theme, user=team.coder, claim="A deleted claim."), user=team.coder
    )
    return {
        "finding_theme_uuid": theme.uuid,
        "finding_uuid": finding.uuid,
        "deleted_finding_uuid": gone.uuid,
        "excerpt_uuid": excerpt.uuid,
        "finding_spare_coding": spare.uuid,
        "finding_participant": Participant.objects.create(study=team.study, label="P-attributed").pk,
    }


EXPECTATIONS: dict[str, dict[str, dict[str, int]]] = {
    "themes:finding_create": {"GET": NO_GET, "POST": post(302)},
    "themes:finding_detail": {"GET": READ},
    "themes:finding_edit": {"GET": NO_GET, "POST": post(302)},
    "themes:finding_delete": {"GET": NO_GET, "POST": post(302)},
    "themes:finding_restore": {"GET": NO_GET, "POST": post(302)},
    "themes:excerpt_add": {"GET": NO_GET, "POST": post(302)},
    "themes:excerpt_remove": {"GET": NO_GET, "POST": post(302)},
    "themes:excerpt_move": {"GET": NO_GET, "POST": post(302)},
    "themes:finding_cite": {"GET": NO_GET, "POST": post(302)},
    "themes:finding_uncite": {"GET": NO_GET, "POST": post(302)},
    "themes:finding_attribute": {"GET": NO_GET, "POST": post(302)},
    "themes:browse": {"GET": READ},
    "themes:browse_theme": {"GET": READ},
}

URL_IDS = {
    "themes:finding_create": {"theme_uuid": "finding_theme_uuid"},
    "themes:finding_restore": {"finding_uuid": "deleted_finding_uuid"},
    "themes:browse_theme": {"theme_uuid": "finding_theme_uuid"},
}

_CHANGES = ("coding.LogEntry",)
PAYLOADS: dict[str, Payload] = {
    "themes:finding_create": Payload(
        lambda w: {"claim": "Users act on explanations."}, changes=("themes.Finding", *_CHANGES)
    ),
    "themes:finding_edit": Payload(
        lambda w: {"claim": "Starting was very hard.", "narrative": "*Said twice.*", "version": 1},
        changes=("themes.Finding", *_CHANGES),
    ),
    "themes:finding_delete": Payload(lambda w: {}, changes=("themes.Finding", *_CHANGES)),
    "themes:finding_restore": Payload(lambda w: {}, changes=("themes.Finding", *_CHANGES)),
    "themes:excerpt_add": Payload(
        lambda w: {"coding": str(w["finding_spare_coding"]), "kind": "counter"},
        changes=("themes.FindingExcerpt", *_CHANGES),
    ),
    "themes:excerpt_remove": Payload(lambda w: {}, changes=("themes.FindingExcerpt", *_CHANGES)),
    "themes:excerpt_move": Payload(lambda w: {"direction": "down"}, changes=("themes.FindingExcerpt", *_CHANGES)),
    "themes:finding_cite": Payload(lambda w: {"technique": "lime"}, changes=("themes.FindingTechnique", *_CHANGES)),
    "themes:finding_uncite": Payload(lambda w: {"technique": "shap"}, changes=("themes.FindingTechnique", *_CHANGES)),
    "themes:finding_attribute": Payload(
        lambda w: {"participants": [str(w["finding_participant"])]},
        changes=("themes.FindingParticipant", *_CHANGES),
    ),
}
