from __future__ import annotations

from django.http import HttpRequest

from .models import User


def acting_user(request: HttpRequest) -> User:
    """The signed-in user of a `login_required` view, typed as our User model."""
    user = request.user
    if not isinstance(user, User):
        raise PermissionError("This view needs a signed-in user.")
    return user
