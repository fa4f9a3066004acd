"""Forms that parse what the de-identification pages post."""

from __future__ import annotations

from typing import Any

from django import forms

from interviews.models import Transcript

from .detect import KINDS
from .models import Proposal
from .services import MAX_PSEUDONYM, current_proposals

ACCEPT, REJECT, RESET, EDIT, ACCEPT_KIND, REJECT_KIND = (
    "accept",
    "reject",
    "reset",
    "edit",
    "accept_kind",
    "reject_kind",
)


class DecideForm(forms.Form):
    """One decision on the review page: on the proposals ticked (or the one whose row posted it),
    on every undecided proposal of a kind, or a new pseudonym for one proposal."""

    action = forms.ChoiceField(
        choices=[(a, a) for a in (ACCEPT, REJECT, RESET, EDIT, ACCEPT_KIND, REJECT_KIND)],
    )
    proposals = forms.ModelMultipleChoiceField(queryset=Proposal.objects.none(), required=False)
    kind = forms.ChoiceField(choices=[(k, k) for k in KINDS], required=False)
    pseudonym = forms.CharField(max_length=MAX_PSEUDONYM, required=False, strip=True)

    def __init__(self, *args: Any, transcript: Transcript, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.transcript = transcript
        self.fields["proposals"].queryset = current_proposals(transcript)  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        action = data.get("action")
        if action in (ACCEPT, REJECT, RESET, EDIT) and not data.get("proposals"):
            self.add_error("proposals", "Choose at least one proposal.")
        if action == EDIT:
            if len(data.get("proposals") or []) != 1:
                self.add_error("proposals", "Give a new pseudonym to one proposal at a time.")
            if not data.get("pseudonym"):
                self.add_error("pseudonym", "Write the pseudonym to use.")
        if action in (ACCEPT_KIND, REJECT_KIND) and not data.get("kind"):
            self.add_error("kind", "Choose a kind.")
        return data

    def first_error(self) -> str:
        for errors in self.errors.values():
            return " ".join(str(error) for error in errors)
        return "The form was not filled in."


class VersionForm(forms.Form):
    """Apply: the text version the page showed (a newer one means the proposals are out of date)."""

    version = forms.IntegerField(min_value=0)
