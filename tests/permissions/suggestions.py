"""The code-suggestion pages: any member reads the queue; coders and owners decide, write rules
and retrain; only the person who decided on a suggestion undoes that decision."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from assist.models import RuleKind, Suggestion, SuggestionRule
from assist.suggestions import reject_suggestion
from coding.models import Code
from interviews.models import Transcript

from .common import NO_GET, READ, Payload, World, expect, post
from .world import study_transcript


def _suggest(transcript: Transcript, code: Code, rule: SuggestionRule, words: str) -> Suggestion:
    start = transcript.text.index(words)
    return Suggestion.objects.create(
        study=transcript.study, transcript=transcript, text_version=transcript.text_version, start=start,
        end=start + len(words), code=code, score=0.8, band="high", source="rule", rule=rule,
        evidence={"rules": [rule.pk], "spans": [[start, start + 6]], "similar": []}, run=uuid4(),
    )  # fmt: skip


def kwargs(team: Any) -> dict[str, Any]:
    transcript = study_transcript(team)
    code = Code.objects.create(study=team.study, name="Reading")
    other = Code.objects.create(study=team.study, name="Routine")
    rule = SuggestionRule.objects.create(
        study=team.study, code=code, kind=RuleKind.KEYWORD, pattern="paper", created_by=team.coder
    )
    open_one = _suggest(transcript, code, rule, "I read papers all day.")
    # The coder's decision, for "undo": theirs to undo, nobody else's.
    decided = reject_suggestion(suggestion=_suggest(transcript, code, rule, "It was hard."), user=team.coder)
    return {
        "suggestion_uuid": open_one.uuid,
        "decided_suggestion_uuid": decided.uuid,
        "rule_uuid": rule.uuid,
        "suggestion_code_uuid": code.uuid,
        "suggestion_other_code_uuid": other.uuid,
    }


EXPECTATIONS: dict[str, dict[str, dict[str, int]]] = {
    "assist:queue": {"GET": READ},
    "assist:accept": {"GET": NO_GET, "POST": post(302)},
    "assist:reject": {"GET": NO_GET, "POST": post(302)},
    # Only the person who decided undoes their decision: the owner is refused the coder's.
    "assist:undo": {"GET": NO_GET, "POST": expect(302, 404, 403, 302, 403)},
    "assist:rule_create": {"GET": NO_GET, "POST": post(302)},
    "assist:rule_update": {"GET": NO_GET, "POST": post(302)},
    "assist:rule_delete": {"GET": NO_GET, "POST": post(302)},
    "assist:retrain": {"GET": NO_GET, "POST": post(302)},
}

URL_IDS = {
    "assist:undo": {"suggestion_uuid": "decided_suggestion_uuid"},
    "assist:rule_create": {"code_uuid": "suggestion_code_uuid"},
}


def _accept_as(w: World) -> dict[str, Any]:
    # Accepted as another code of the study: the code id is what a cross-study post swaps for B's.
    return {"code": str(w["suggestion_other_code_uuid"]), "scope": "segment"}


PAYLOADS: dict[str, Payload] = {
    "assist:accept": Payload(_accept_as, changes=("assist.Suggestion", "coding.Coding", "coding.LogEntry")),
    "assist:reject": Payload(lambda w: {}, changes=("assist.Suggestion", "coding.LogEntry")),
    "assist:undo": Payload(lambda w: {}, changes=("assist.Suggestion", "coding.LogEntry")),
    "assist:rule_create": Payload(
        # The suggestion run is queued on commit (never seen inside the test's transaction).
        lambda w: {"kind": "phrase", "pattern": "read papers"},
        changes=("assist.SuggestionRule",),
    ),
    "assist:rule_update": Payload(
        lambda w: {"kind": "phrase", "pattern": "read the papers"}, changes=("assist.SuggestionRule",)
    ),
    "assist:rule_delete": Payload(lambda w: {}, changes=("assist.SuggestionRule",)),
    "assist:retrain": Payload(lambda w: {}, changes=("studies.Job",)),
}

QUERIES = {
    "assist:queue": lambda w: f"?transcript={w['transcript_uuid']}&order=uncertainty",
}
