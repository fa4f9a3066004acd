"""Forms that parse what the coding pages and the reader send (JSON bodies included)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from studies.models import Study

from .models import Code


class _CodeChoice(forms.Form):
    """A live code of the study by uuid, or the name of a new one (`new_code`)."""

    code = forms.UUIDField(required=False)
    new_code = forms.CharField(required=False, max_length=200, strip=True)
    code_required = True

    def __init__(self, *args: Any, study: Study, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.study = study

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        if data.get("new_code"):
            data["code"] = None
            return data
        uuid = data.get("code")
        code = Code.objects.alive().filter(study=self.study, uuid=uuid).first() if uuid else None
        if code is None and (data.get("code") or self.code_required):
            raise ValidationError("Choose a code from this study's codebook.")
        data["code"] = code
        return data


class ApplyCodingForm(_CodeChoice):
    """Apply a code to [start, end) (with the text the browser saw there) or to a whole turn."""

    start = forms.IntegerField(required=False, min_value=0)
    end = forms.IntegerField(required=False, min_value=0)
    turn = forms.IntegerField(required=False, min_value=0)
    text = forms.CharField(required=False, strip=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.errors:
            return data
        if data.get("turn") is None and (data.get("start") is None or data.get("end") is None):
            raise ValidationError("Select some text, or a turn, to code.")
        if self.data.get("text") is None:
            data["text"] = None  # no text sent (or null, across turns): nothing to compare with
        return data


class ChangeCodingForm(_CodeChoice):
    """Resize a coding (start and/or end) or recode it (code or new_code)."""

    start = forms.IntegerField(required=False, min_value=0)
    end = forms.IntegerField(required=False, min_value=0)
    code_required = False


def form_errors(form: forms.Form, *, labels: bool = True) -> str:
    """One sentence from a form's errors, for a JSON answer or a message (`labels` names fields)."""
    messages = []
    for field, errors in form.errors.items():
        label = "" if field == "__all__" or not labels else f"“{field}”: "
        messages += [f"{label}{error}" for error in errors]
    return " ".join(messages)


class CodeMoveForm(forms.Form):
    """Move a code by a keyboard direction, or (drag and drop) under a parent at a position."""

    direction = forms.ChoiceField(choices=[(d, d) for d in ("up", "down", "indent", "outdent")], required=False)
    parent = forms.UUIDField(required=False)
    position = forms.IntegerField(required=False, min_value=0)

    def __init__(self, *args: Any, study: Study, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.study = study

    def clean_parent(self) -> Code | None:
        uuid = self.cleaned_data.get("parent")
        if uuid is None:
            return None
        parent = Code.objects.alive().filter(study=self.study, uuid=uuid).first()
        if parent is None:
            raise ValidationError("The new parent is not in this codebook.")
        return parent


class CodeMergeForm(forms.Form):
    target = forms.UUIDField(
        error_messages={"required": "Choose the code to merge into.", "invalid": "Choose the code to merge into."}
    )

    def __init__(self, *args: Any, study: Study, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.study = study

    def clean_target(self) -> Code:
        target = Code.objects.alive().filter(study=self.study, uuid=self.cleaned_data["target"]).first()
        if target is None:
            raise ValidationError("Choose the code to merge into.")
        return target


class _Values(forms.Field):
    """Every value posted under the field's name (checkboxes); no choices to check them against."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value: Any) -> list[str]:
        return [str(v) for v in (value or [])]


class CodeSplitForm(forms.Form):
    name = forms.CharField(max_length=200, strip=True, error_messages={"required": "Name the new code."})
    # Any uuids may be posted; the service keeps the codings of the code, among them, that the user can see.
    codings = _Values(required=False)
