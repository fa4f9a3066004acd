from __future__ import annotations

import pytest
from django.urls import reverse

from coding.models import Code, Coding
from interviews.services.imports import import_transcript
from tests.conftest import Team, csrf_post


@pytest.mark.django_db
def test_preview_then_save_and_review_list(team: Team) -> None:
    transcript = import_transcript(
        study=team.study, filename="a.txt", data=b"P1: We use SHAP daily.\n", user=None
    ).transcript
    code = Code.objects.create(study=team.study, name="Method")
    start = transcript.text.index("SHAP daily")
    Coding.objects.create(transcript=transcript, code=code, start=start, end=start + 10)
    url = reverse("interviews:document_correct", args=[team.study.slug, transcript.uuid])
    new = transcript.text.replace("SHAP daily", "SHAP values daily")
    preview = csrf_post(team.client("coder"), url, {"text": new, "version": 1, "action": "preview"}).content.decode()
    inserted = preview.split("<ins>")[1].split("</ins>")[0]
    assert "values" in inserted and "<del>" not in preview
    saved = csrf_post(team.client("coder"), url, {"text": new, "version": 1, "action": "save"}, follow=True)
    body = saved.content.decode()
    assert "1 flagged for review" in body and "Codings to review (1)" in body and "#pos-" in body
    stale = csrf_post(team.client("coder"), url, {"text": "x", "version": 1, "action": "save"})
    assert stale.status_code == 409 and "nothing was changed" in stale.content.decode()
