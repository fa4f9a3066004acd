"""Template context of every page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def study_access(request: HttpRequest) -> dict[str, Any]:
    """`study_access` (study and membership) on pages of a study, set by the access helpers."""
    return {"study_access": getattr(request, "study_access", None)}
