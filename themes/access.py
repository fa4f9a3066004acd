"""Access helpers for themes; see studies.access for the rules (outsider 404, read-only member 403)."""

from __future__ import annotations

from uuid import UUID

from django.http import HttpRequest

from studies.access import get_in_study_or_404, get_study_for_user

from .models import Theme


def get_theme_for_user(
    request: HttpRequest, slug: str, theme_uuid: UUID, *, write: bool = False, deleted: bool = False
) -> Theme:
    """A theme of the study (live unless `deleted`), else 404; `write` needs a coder or owner (else 403)."""
    study = get_study_for_user(request, slug, write=write)
    themes = Theme.objects.select_related("study", "parent", "status_by", "created_by")
    themes = themes.filter(deleted_at__isnull=not deleted)
    return get_in_study_or_404(themes, study, uuid=theme_uuid)
