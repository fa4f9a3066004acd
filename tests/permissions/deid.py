"""De-identification is an owner's task: review, scan, decide, apply, the mapping and revert are for
owners only (pseudonyms are study-wide, so a review page's pairs are the mapping)."""

from __future__ import annotations

from typing import Any

from deid.models import Application, Proposal, ProposalStatus

from .common import MANAGE_FORM, NO_GET, Payload, World, post
from .world import study_transcript


def kwargs(team: Any) -> dict[str, Any]:
    transcript = study_transcript(team)
    text, version = transcript.text, transcript.text_version

    def proposal(word: str, status: str) -> Proposal:
        start = text.index(word)
        return Proposal.objects.create(
            study=team.study, transcript=transcript, text_version=version, start=start, end=start + len(word),
            kind="organisation", source="heuristic", original=word, pseudonym="Company 1", status=status,
        )  # fmt: skip

    undecided = proposal("papers", ProposalStatus.PROPOSED)
    proposal("Hello", ProposalStatus.ACCEPTED)
    # An application that made the current version: "hard" is where a pseudonym was put.
    start = text.index("hard")
    application = Application.objects.create(
        study=team.study, transcript=transcript, from_version=version, to_version=version,
        replacements=[[start, start + 4, "difficult", "hard", "person"]], applied_by=team.coder,
    )  # fmt: skip
    return {"application_id": application.pk, "deid_proposal_id": undecided.pk}


EXPECTATIONS: dict[str, dict[str, dict[str, int]]] = {
    "deid:mapping": {"GET": MANAGE_FORM},
    "deid:revert": {"GET": NO_GET, "POST": post(302, min_role="owner")},
    "deid:review": {"GET": MANAGE_FORM},
    "deid:scan": {"GET": NO_GET, "POST": post(302, min_role="owner")},
    "deid:decide": {"GET": NO_GET, "POST": post(302, min_role="owner")},
    "deid:apply": {"GET": NO_GET, "POST": post(302, min_role="owner")},
}


def _version(w: World) -> dict[str, Any]:
    from interviews.models import Transcript

    return {"version": Transcript.objects.get(uuid=w["transcript_uuid"]).text_version}


PAYLOADS: dict[str, Payload] = {
    "deid:revert": Payload(lambda w: {}, changes=("interviews.Transcript", "deid.Application")),
    "deid:scan": Payload(lambda w: {}, changes=("studies.Job",)),
    "deid:decide": Payload(
        lambda w: {"action": "accept", "proposals": [w["deid_proposal_id"]]}, changes=("deid.Proposal",)
    ),
    "deid:apply": Payload(_version, changes=("interviews.Transcript", "deid.Application")),
}
