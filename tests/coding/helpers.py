from __future__ import annotations

from coding.models import Code
from interviews.models import Transcript
from interviews.services.imports import import_transcript
from studies.models import Study

TEXT = (
    "Interviewer: Do you trust SHAP? 👍🏽\n\n"
    "P1: Mostly. Counterfactuals are clearer, e\u0301 included.\n\n"
    "Interviewer: Why?\n\n"
    "P1: Because users can act on them.\n"
)


def make_transcript(study: Study, text: str = TEXT, name: str = "p1.txt") -> Transcript:
    return import_transcript(study=study, filename=name, data=text.encode(), user=None).transcript


def make_code(study: Study, name: str = "Trust", **extra: object) -> Code:
    return Code.objects.create(study=study, name=name, **extra)  # type: ignore[arg-type]
