"""Forms of the finding pages: every finding view parses its input here, then calls a service."""

from __future__ import annotations

from django import forms

from explainers.techniques import TECHNIQUES
from interviews.models import Participant
from interviews.ordering import natural_key
from studies.models import Study

from .models import ExcerptKind


class FindingForm(forms.Form):
    claim = forms.CharField(max_length=2_000, widget=forms.Textarea(attrs={"rows": 2}))
    narrative = forms.CharField(required=False, max_length=200_000, widget=forms.Textarea(attrs={"rows": 6}))


class FindingEditForm(FindingForm):
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)


class ExcerptAddForm(forms.Form):
    coding = forms.UUIDField()
    kind = forms.ChoiceField(choices=ExcerptKind.choices, initial=ExcerptKind.SUPPORT)


class ExcerptMoveForm(forms.Form):
    direction = forms.ChoiceField(choices=[("up", "up"), ("down", "down")])


class TechniqueForm(forms.Form):
    technique = forms.ChoiceField(
        choices=[(t.slug, t.name) for t in sorted(TECHNIQUES, key=lambda t: t.name.casefold())]
    )


class PickerForm(forms.Form):
    """The excerpt picker's filters (GET): a code of the theme, a participant, words in the excerpt."""

    code = forms.UUIDField(required=False)
    participant = forms.UUIDField(required=False)
    q = forms.CharField(required=False, max_length=200, strip=True)
    page = forms.IntegerField(required=False, min_value=1)


class AttributedForm(forms.Form):
    """The participants a finding is attributed to without a quote: any of the study's."""

    participants = forms.ModelMultipleChoiceField(
        queryset=Participant.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: object, study: Study, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        field = self.fields["participants"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = Participant.objects.filter(study=study)
        field.error_messages["invalid_choice"] = "One of the chosen participants is not in this study any more."

    @staticmethod
    def ordered(study: Study) -> list[Participant]:
        """The study's participants in natural label order (R2 before R10), for the checkboxes."""
        return sorted(Participant.objects.filter(study=study), key=lambda p: natural_key(p.label))
