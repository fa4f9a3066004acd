"""Forms that parse what the suggestion pages send: the queue's filters, a decision on one
suggestion, and a rule of a code.

Views never read `request.POST`/`request.GET` themselves (one place validates input): they bind
one of these forms and hand its `cleaned_data` to a service in `assist.suggestions`.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from coding.models import Code
from interviews.models import SpeakerTurn, Transcript
from studies.models import Study

from .models import RuleKind

ORDERS = [("score", "Highest score first"), ("uncertainty", "Most uncertain first")]
STATUSES = [("open", "Open"), ("accepted", "Accepted"), ("rejected", "Rejected")]
SCOPES = [("segment", "The sentence"), ("turn", "The whole turn"), ("span", "An edited span")]
# What each kind of rule's pattern means (assist.suggest.rules), for the form's help.
RULE_HELP = {
    "keyword": "one word; every inflection matches (“explain” finds “explained”, “explains”)",
    "phrase": "several words, matched on their dictionary forms (“saliency maps” finds “saliency map”)",
    "lemma": "words on their dictionary forms; * is any one word, ... up to five words (“trust ... model”)",
    "regex": "an RE2 regular expression on the sentence, case-insensitive unless it says otherwise",
}


def _in_study[M: Code | Transcript](model: type[M], study: Study, value: Any) -> M | None:
    """The object of `study` whose uuid is `value`, or None (empty, malformed or another study's)."""
    if not value:
        return None
    queryset = Code.objects.alive() if model is Code else Transcript.objects.all()
    return queryset.filter(study=study, uuid=value).first()  # type: ignore[return-value]


class QueueFilterForm(forms.Form):
    """The queue's filters (a GET form): a transcript, a code, the order and the status.

    An unknown or foreign transcript or code is an error, not silently "all": the page would
    otherwise claim to show one document's suggestions while showing the whole study's.
    """

    transcript = forms.UUIDField(required=False)
    code = forms.UUIDField(required=False)
    order = forms.ChoiceField(choices=ORDERS, required=False)
    status = forms.ChoiceField(choices=STATUSES, required=False)

    def __init__(self, *args: Any, study: Study, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.study = study

    def clean_transcript(self) -> Transcript | None:
        value = self.cleaned_data.get("transcript")
        found = _in_study(Transcript, self.study, value)
        if value and found is None:
            raise ValidationError("No such document in this study.")
        return found

    def clean_code(self) -> Code | None:
        value = self.cleaned_data.get("code")
        found = _in_study(Code, self.study, value)
        if value and found is None:
            raise ValidationError("No such code in this study's codebook.")
        return found

    def clean_order(self) -> str:
        return str(self.cleaned_data.get("order") or "score")

    def clean_status(self) -> str:
        return str(self.cleaned_data.get("status") or "open")


class AcceptForm(forms.Form):
    """Accept a suggestion: as suggested, with another code, widened to its speaker turn, or for an
    edited span ([start, end) with the text the browser saw there, checked by the service).

    The result is what `assist.suggestions.accept_suggestion` takes: `code` (None keeps the
    suggested one), `start`/`end` (None keeps the suggested span) and `expected_text`.
    """

    code = forms.UUIDField(required=False)
    scope = forms.ChoiceField(choices=SCOPES, required=False)
    start = forms.IntegerField(required=False, min_value=0)
    end = forms.IntegerField(required=False, min_value=0)
    text = forms.CharField(required=False, strip=False)

    def __init__(self, *args: Any, suggestion: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.suggestion = suggestion

    def clean_code(self) -> Code | None:
        value = self.cleaned_data.get("code")
        found = _in_study(Code, self.suggestion.study, value)
        if value and found is None:
            raise ValidationError("Choose a code from this study's codebook.")
        return found

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        scope = data.get("scope") or "segment"
        data["scope"] = scope
        suggestion = self.suggestion
        if scope == "segment":
            data["start"], data["end"] = None, None
            data["expected_text"] = data.get("text") or None
        elif scope == "turn":
            turn = (
                SpeakerTurn.objects.filter(
                    transcript_id=suggestion.transcript_id, start__lte=suggestion.start, end__gte=suggestion.end
                )
                .values_list("start", "end")
                .first()
            )
            if turn is None:
                raise ValidationError("This sentence is not inside one speaker turn any more; reload the page.")
            data["start"], data["end"] = turn
            data["expected_text"] = None  # the service checks the text version the suggestion was made on
        else:
            start, end = data.get("start"), data.get("end")
            if start is None or end is None or end <= start:
                raise ValidationError("Give the span to code: a start before its end.")
            data["expected_text"] = data.get("text") if self.data.get("text") is not None else None
        return data


class RuleForm(forms.Form):
    """A rule for a code: its kind and pattern, checked by the suggestion engine's own validator
    (`assist.suggest.rules.validate_rule`) so the form and the matcher never disagree."""

    kind = forms.ChoiceField(choices=RuleKind.choices)
    pattern = forms.CharField(max_length=300, strip=True)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        # Imported here: the engine's module must not load with the views (no page imports spaCy).
        from assist.suggest.rules import validate_rule

        problem = validate_rule(data["kind"], data["pattern"])
        if problem:
            self.add_error("pattern", problem)
        return data
