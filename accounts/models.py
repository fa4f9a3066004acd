from __future__ import annotations

from uuid import uuid4

from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    """A person using Thematica. The UUID is the REFI-QDA GUID of the user."""

    uuid = models.UUIDField(default=uuid4, unique=True, editable=False)
    display_name = models.CharField(max_length=150, blank=True)

    def __str__(self) -> str:
        return self.display_name or self.get_full_name() or self.username

    @property
    def label(self) -> str:
        return str(self)
