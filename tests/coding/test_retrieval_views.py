"""retrieval, retrieval_export, kwic and autocode."""

from __future__ import annotations

import pytest
from django.urls import reverse

from coding.models import Code, Coding, LogEntry
from tests.conftest import Team, csrf_post

from .helpers import make_transcript

TEXT = "Interviewer: Is SHAP useful?\n\nP1: SHAP is useful <script>x</script>. LIME less so.\n"


@pytest.mark.django_db
def test_retrieval_page_lists_escaped_segments_with_links(team: Team, django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    t = make_transcript(team.study, TEXT)
    code = Code.objects.create(study=team.study, name="Method")
    start = t.text.index("SHAP is useful")
    Coding.objects.create(transcript=t, code=code, start=start, end=start + 40)
    url = reverse("coding:retrieval", args=[team.study.slug])
    client = team.client("viewer")
    with django_assert_max_num_queries(20):
        body = client.get(url, {"code": str(code.uuid)}).content.decode()
    assert "1 segment" in body and "&lt;script&gt;" in body and f"#pos-{start}-{start + 40}" in body
    bad = client.get(url, {"where": "nonsense = 1"})
    assert bad.status_code == 400 and "Unknown attribute" in bad.content.decode()
    export = client.get(reverse("coding:retrieval_export", args=[team.study.slug]), {"code": str(code.uuid)})
    assert "Method" in export.content.decode("utf-8-sig")


@pytest.mark.django_db
def test_kwic(team: Team) -> None:
    make_transcript(team.study, TEXT)
    url = reverse("coding:kwic", args=[team.study.slug])
    body = team.client("viewer").get(url, {"q": "shap"}).content.decode()
    assert "<strong>2</strong> matches" in body
    bad = team.client("viewer").get(url, {"q": "(?<!a)b", "mode": "regex"})
    assert bad.status_code == 400 and "Negative lookbehind (?&lt;!…) is not supported" in bad.content.decode()


@pytest.mark.django_db
def test_autocode_preview_deselect_apply(team: Team) -> None:
    make_transcript(team.study, TEXT)
    url = reverse("coding:autocode", args=[team.study.slug])
    preview = csrf_post(
        team.client("coder"), url, {"q": "shap", "mode": "words", "scope": "match", "action": "preview"}
    )
    keys = [h["hit"].key for h in preview.context["rows"]]
    assert len(keys) == 2 and not Coding.objects.exists()
    applied = csrf_post(team.client("coder"), url, {"q": "shap", "mode": "words", "scope": "match", "action": "apply",
                                                     "new_code": "SHAP", "hit": [keys[1], "999:0:1"]})  # fmt: skip
    assert applied.status_code == 200 and "Undo this auto-code" in applied.content.decode()
    coding = Coding.objects.get()
    assert coding.code.name == "SHAP" and coding.transcript.text[coding.start : coding.end] == "SHAP"
    assert LogEntry.objects.filter(action="apply", batch=coding.batch).count() == 1
    no_code = csrf_post(team.client("coder"), url, {"q": "shap", "action": "apply", "hit": keys})
    assert no_code.status_code == 400 and "Choose the code" in no_code.content.decode()
