from __future__ import annotations

from django.apps import AppConfig


class AssistConfig(AppConfig):
    """Assisted tagging: the spaCy pipeline, stored text analyses, technique mentions."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "assist"
