"""Forms that parse what the corpus pages post."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from .models import Speaker, SpeakerTurn, Transcript

NEW_SPEAKER = "new"
NOT_IN_DOCUMENT = "That turn is not in this document (or no longer: the page was out of date)."


class _InTranscript(forms.Form):
    """A form about one document's turns and speakers, posted by their ids."""

    def __init__(self, *args: Any, transcript: Transcript, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.transcript = transcript

    def turn_by_pk(self, pk: int | None) -> SpeakerTurn:
        turn = SpeakerTurn.objects.filter(transcript=self.transcript, pk=pk).first() if pk is not None else None
        if turn is None:
            raise ValidationError(NOT_IN_DOCUMENT)
        turn.transcript = self.transcript
        return turn

    def speaker_by_pk(self, pk: int | None) -> Speaker:
        speaker = Speaker.objects.filter(transcript=self.transcript, pk=pk).first() if pk is not None else None
        if speaker is None:
            raise ValidationError("That speaker is not in this document (or no longer: the page was out of date).")
        return speaker

    def first_error(self) -> str:
        for errors in self.errors.values():
            return " ".join(str(error) for error in errors)
        return "The form was not filled in."


class _SpeakerChoice(_InTranscript):
    """A speaker of the document by id, "new" with a `label`, or (when `optional`) nothing."""

    speaker = forms.CharField(required=False)
    label = forms.CharField(required=False, max_length=200, strip=True)
    optional = False

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        choice = data.get("speaker") or ""
        label = data.get("label") or ""
        data["speaker"] = None
        if choice == NEW_SPEAKER or (not choice and label):
            if not label:
                raise ValidationError("Write the new speaker’s label.")
        elif choice:
            data["label"] = ""
            try:
                data["speaker"] = self.speaker_by_pk(int(choice))
            except ValueError as exc:
                raise ValidationError("Choose a speaker of this document.") from exc
        elif not self.optional:
            raise ValidationError("Choose a speaker for the turn, or write a new label.")
        return data


class ReassignTurnForm(_SpeakerChoice):
    turn = forms.IntegerField(error_messages={"required": "Choose a turn.", "invalid": NOT_IN_DOCUMENT})

    def clean_turn(self) -> SpeakerTurn:
        return self.turn_by_pk(self.cleaned_data.get("turn"))


class SplitTurnForm(_SpeakerChoice):
    """Split a turn at a code point offset into the document's text; the second part's speaker
    is optional (the same speaker by default)."""

    turn = forms.IntegerField(error_messages={"required": "Choose a turn.", "invalid": NOT_IN_DOCUMENT})
    at = forms.IntegerField(
        min_value=0,
        error_messages={
            "required": "Choose where to split the turn: click in its text or pick a sentence.",
            "invalid": "Choose where to split the turn: click in its text or pick a sentence.",
            "min_value": "That position is outside the turn.",
        },
    )
    optional = True

    def clean_turn(self) -> SpeakerTurn:
        return self.turn_by_pk(self.cleaned_data.get("turn"))


class JoinTurnsForm(_InTranscript):
    first = forms.IntegerField(error_messages={"required": "Choose two turns to join.", "invalid": NOT_IN_DOCUMENT})
    second = forms.IntegerField(error_messages={"required": "Choose two turns to join.", "invalid": NOT_IN_DOCUMENT})

    def clean_first(self) -> SpeakerTurn:
        return self.turn_by_pk(self.cleaned_data.get("first"))

    def clean_second(self) -> SpeakerTurn:
        return self.turn_by_pk(self.cleaned_data.get("second"))


class MergeSpeakersForm(_InTranscript):
    absorb = forms.IntegerField(
        error_messages={"required": "Choose the speaker to merge.", "invalid": "Choose the speaker to merge."}
    )
    keep = forms.IntegerField(
        error_messages={"required": "Choose the speaker to keep.", "invalid": "Choose the speaker to keep."}
    )

    def clean_absorb(self) -> Speaker:
        return self.speaker_by_pk(self.cleaned_data.get("absorb"))

    def clean_keep(self) -> Speaker:
        return self.speaker_by_pk(self.cleaned_data.get("keep"))
