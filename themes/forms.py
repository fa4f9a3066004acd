"""Forms of the theme board and theme page: every view parses its input here, then calls a service."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from coding.forms import form_errors
from coding.models import Code
from studies.models import Study

from .models import Theme, ThemeStatus

__all__ = [
    "CodeMoveForm",
    "StatusForm",
    "SuggestionForm",
    "ThemeCreateForm",
    "ThemeEditForm",
    "ThemeMoveForm",
    "form_errors",
]


class _StudyForm(forms.Form):
    def __init__(self, *args: Any, study: Study, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.study = study

    def _theme(self, name: str, message: str) -> Theme | None:
        uuid = self.cleaned_data.get(name)
        if uuid is None:
            return None
        theme = Theme.objects.alive().filter(study=self.study, uuid=uuid).first()
        if theme is None:
            raise ValidationError(message)
        return theme


class ThemeCreateForm(_StudyForm):
    name = forms.CharField(max_length=300, error_messages={"required": "A theme needs a name."})
    parent = forms.UUIDField(required=False)
    definition = forms.CharField(required=False, widget=forms.Textarea)
    codes = forms.CharField(required=False)  # comma-separated code uuids (the suggestion's "accept")

    def clean_name(self) -> str:
        return self.cleaned_data["name"].strip()

    def clean_parent(self) -> Theme | None:
        return self._theme("parent", "The parent theme is not in this study.")

    def clean_codes(self) -> list[Code]:
        return _codes(self.study, self.cleaned_data.get("codes", ""))


class ThemeEditForm(forms.Form):
    name = forms.CharField(max_length=300, error_messages={"required": "A theme needs a name."})
    definition = forms.CharField(required=False, widget=forms.Textarea)
    narrative = forms.CharField(required=False, widget=forms.Textarea)
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=ThemeStatus.choices)
    version = forms.IntegerField(min_value=1, required=False, widget=forms.HiddenInput)


class ThemeMoveForm(_StudyForm):
    """Move a theme by a keyboard direction, or (drag and drop, no-JS select) under a parent at a position."""

    direction = forms.ChoiceField(choices=[(d, d) for d in ("up", "down", "indent", "outdent")], required=False)
    parent = forms.UUIDField(required=False)
    position = forms.IntegerField(required=False, min_value=0)

    def clean_parent(self) -> Theme | None:
        return self._theme("parent", "The new parent theme is not in this study.")


class CodeMoveForm(_StudyForm):
    """A code chip dragged (or sent with the keyboard or a plain form) from one theme, or the
    unassigned list, to another theme, or back to unassigned. Empty source/target = unassigned."""

    code = forms.UUIDField(error_messages={"required": "Choose a code.", "invalid": "Choose a code."})
    source = forms.UUIDField(required=False)
    target = forms.UUIDField(required=False)
    position = forms.IntegerField(required=False, min_value=0)

    def clean_code(self) -> Code:
        code = Code.objects.alive().filter(study=self.study, uuid=self.cleaned_data["code"]).first()
        if code is None:
            raise ValidationError("That code is not in this study's codebook.")
        return code

    def clean_source(self) -> Theme | None:
        return self._theme("source", "The theme the code came from is not in this study.")

    def clean_target(self) -> Theme | None:
        return self._theme("target", "The theme to put the code in is not in this study.")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.errors and data.get("source") is None and data.get("target") is None:
            raise ValidationError("Choose a theme to put the code in.")
        return data


class SuggestionForm(_StudyForm):
    action = forms.ChoiceField(choices=[("accept", "accept"), ("ignore", "ignore")])
    codes = forms.CharField()
    name = forms.CharField(max_length=300, required=False)

    def clean_codes(self) -> list[Code]:
        codes = _codes(self.study, self.cleaned_data["codes"])
        if len(codes) < 2:
            raise ValidationError("A suggested theme has at least two codes.")
        return codes


def _codes(study: Study, value: str) -> list[Code]:
    """Live codes of `study` from comma-separated uuids; any unknown or malformed one is an error."""
    from uuid import UUID

    raw = [part.strip() for part in value.split(",") if part.strip()]
    try:
        uuids = [UUID(part) for part in raw]
    except ValueError as exc:
        raise ValidationError("A code in the list is not in this codebook.") from exc
    codes = {c.uuid: c for c in Code.objects.alive().filter(study=study, uuid__in=uuids)}
    if len(codes) != len(set(uuids)):
        raise ValidationError("A code in the list is not in this codebook (deleted since?).")
    return [codes[u] for u in dict.fromkeys(uuids)]
