from __future__ import annotations

from django.contrib.auth.forms import UserCreationForm

from .models import User


class SignUpForm(UserCreationForm[User]):
    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "display_name")
