"""Builders shared by the code-suggestion backend tests: processed transcripts, codes, suggestions."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from accounts.models import User
from assist.models import Suggestion, SuggestionRule, SuggestionStatus
from assist.services import process_transcripts
from coding.models import Code
from interviews.models import Transcript
from studies.models import Study
from tests.assist.test_processing import make_transcript

TURNS = [
    ("Interviewer", "How do you explain the model to clinicians?"),
    (
        "P1",
        "We show SHAP values for every prediction. The clinicians trust the model more when they see them. "
        "Sometimes the saliency maps confuse people. We also monitor drift every week.",
    ),
    ("Interviewer", "And when the model is wrong?"),
    ("P1", "Then we look at counterfactual explanations. SHAP helped us find a leak in the data."),
]


def processed_transcript(study: Study, turns: list[tuple[str, str]] = TURNS, title: str = "P1") -> Transcript:
    """A transcript laid out as imported, with its sentences stored (the real pipeline)."""
    transcript = make_transcript(study, turns, title=title)
    process_transcripts([transcript])
    transcript.refresh_from_db()
    return transcript


def sentences(transcript: Transcript) -> list[tuple[int, int]]:
    return [(int(s), int(e)) for s, e in transcript.text_analysis.sentences]


def sentence_with(transcript: Transcript, words: str) -> tuple[int, int]:
    """The stored sentence containing `words`."""
    for start, end in sentences(transcript):
        if words in transcript.text[start:end]:
            return start, end
    raise AssertionError(f"no sentence with {words!r}")


def make_code(study: Study, name: str) -> Code:
    return Code.objects.create(study=study, name=name)


def make_rule(
    code: Code, pattern: str, kind: str = "keyword", user: User | None = None, **extra: Any
) -> SuggestionRule:
    return SuggestionRule.objects.create(
        study=code.study, code=code, kind=kind, pattern=pattern, created_by=user, **extra
    )


def make_suggestion(
    transcript: Transcript,
    code: Code,
    span: tuple[int, int],
    *,
    score: float = 0.6,
    rule: SuggestionRule | None = None,
    source: str | None = None,
    model_version: int | None = None,
    status: str = SuggestionStatus.OPEN,
) -> Suggestion:
    start, end = span
    rules = [rule.pk] if rule is not None else []
    band = "high" if score >= 0.75 else "medium" if score >= 0.5 else "low"
    return Suggestion.objects.create(
        study=transcript.study, transcript=transcript, text_version=transcript.text_version, start=start, end=end,
        code=code, score=score, band=band, source=source or ("rule" if rule is not None else "model"), rule=rule,
        model_version=model_version, evidence={"rules": rules, "spans": [], "similar": []}, status=status,
        run=uuid4(),
    )  # fmt: skip
