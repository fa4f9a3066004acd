from __future__ import annotations

from django import forms

from .models import Invitation, Role, Study


class StudyForm(forms.ModelForm[Study]):
    class Meta:
        model = Study
        fields = ["title", "description", "citation", "doi", "research_questions"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "citation": forms.Textarea(attrs={"rows": 2}),
            "research_questions": forms.Textarea(attrs={"rows": 4}),
        }


class InvitationForm(forms.ModelForm[Invitation]):
    class Meta:
        model = Invitation
        fields = ["role", "note"]


class AddMemberForm(forms.Form):
    username = forms.CharField(max_length=150, help_text="An existing account, or a new one to create.")
    display_name = forms.CharField(max_length=150, required=False)
    role = forms.ChoiceField(choices=Role.choices, initial=Role.CODER)
    create_account = forms.BooleanField(
        required=False, help_text="Create a new account with a generated password shown once."
    )


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)
