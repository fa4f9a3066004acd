"""Access helpers for the coding workspace; see studies.access for the rules."""

from __future__ import annotations

from uuid import UUID

from django.http import Http404, HttpRequest

from interviews.access import get_transcript_for_user
from studies.access import get_in_study_or_404, get_study_for_user

from .models import Code, Coding, Memo
from .selectors.visibility import visible_coding


def get_code_for_user(request: HttpRequest, slug: str, code_uuid: UUID, *, write: bool = False) -> Code:
    study = get_study_for_user(request, slug, write=write)
    code = get_in_study_or_404(Code.objects.select_related("study", "parent"), study, uuid=code_uuid)
    return code


def get_coding_for_user(request: HttpRequest, slug: str, coding_uuid: UUID, *, write: bool = False) -> Coding:
    """A coding the user can see, live or retired (through the visibility selector), else 404."""
    study = get_study_for_user(request, slug, write=write)
    coding = visible_coding(study=study, user=request.user, uuid=coding_uuid)
    if coding is None:
        raise Http404("Not found in this study.")
    return coding


def get_memo_for_user(request: HttpRequest, slug: str, memo_uuid: UUID, *, write: bool = False) -> Memo:
    study = get_study_for_user(request, slug, write=write)
    memo = get_in_study_or_404(Memo.objects.select_related("author", "study"), study, uuid=memo_uuid)
    return memo


__all__ = ["get_code_for_user", "get_coding_for_user", "get_memo_for_user", "get_transcript_for_user"]
