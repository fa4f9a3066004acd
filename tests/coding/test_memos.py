"""memo_list, memo_new, memo_edit, memo_delete, and safe Markdown."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from coding.markdown import render_markdown
from coding.models import Code, Memo
from coding.services.history import undo_last
from interviews.models import Participant
from tests.conftest import Team, csrf_post

from .helpers import make_transcript


@pytest.mark.parametrize(
    "hostile",
    [
        "<script>window.x=1</script>",
        '<img src=x onerror="window.x=1">',
        "[click](javascript:alert(1))",
        '<a href="javascript:alert(1)">x</a>',
        "<iframe src=//evil></iframe>",
    ],
)
def test_markdown_never_lets_script_through(hostile: str) -> None:
    html = str(render_markdown(f"**Note** {hostile}"))
    assert "<strong>Note</strong>" in html
    tags = re.findall(r"<[a-zA-Z][^>]*>", html)  # real tags; escaped text is harmless
    assert all(t.split()[0].strip("<>") in {"p", "strong", "a"} for t in tags), tags
    assert not any("onerror" in t or "javascript:" in t for t in tags), tags


def test_markdown_links_get_rel() -> None:
    assert 'rel="noopener noreferrer nofollow"' in str(render_markdown("[paper](https://doi.org/10.1145/x)"))


@pytest.mark.django_db
def test_journal_entry_and_memos_on_each_subject(team: Team) -> None:
    client = team.client("coder")
    assert (
        csrf_post(
            client, reverse("coding:memo_list", args=[team.study.slug]), {"title": "Day 1", "body": "*started*"}
        ).status_code
        == 302
    )
    code = Code.objects.create(study=team.study, name="Trust")
    transcript = make_transcript(team.study)
    participant = Participant.objects.create(study=team.study, label="P1")
    coding = code.codings.create(transcript=transcript, start=0, end=5)
    new = reverse("coding:memo_new", args=[team.study.slug])
    for target, obj in (("code", code), ("transcript", transcript), ("participant", participant), ("coding", coding)):
        response = csrf_post(client, new, {"target": target, "uuid": str(obj.uuid), "body": f"about the {target}"})
        assert response.status_code == 302, target
    assert Memo.objects.get(target="coding").coding == coding
    body = team.client("viewer").get(reverse("coding:code_detail", args=[team.study.slug, code.uuid])).content.decode()
    assert "about the code" in body
    listing = (
        team.client("viewer")
        .get(reverse("coding:memo_list", args=[team.study.slug]), {"target": "study"})
        .content.decode()
    )
    assert "<em>started</em>" in listing and "about the code" not in listing


@pytest.mark.django_db
def test_unknown_subject_is_404(team: Team) -> None:
    new = reverse("coding:memo_new", args=[team.study.slug])
    assert team.client("coder").get(new, {"target": "code", "uuid": "nope"}).status_code == 404
    other = Code.objects.create(study=Team.__new__(Team).study if False else team.study, name="x")
    from tests.factories import make_study

    foreign = Code.objects.create(study=make_study(), name="y")
    assert team.client("coder").get(new, {"target": "code", "uuid": str(foreign.uuid)}).status_code == 404
    assert team.client("coder").get(new, {"target": "code", "uuid": str(other.uuid)}).status_code == 200


@pytest.mark.django_db
def test_edit_conflict_delete_and_undo(team: Team) -> None:
    memo = Memo.objects.create(study=team.study, target="study", body="v1", author=team.coder)
    url = reverse("coding:memo_edit", args=[team.study.slug, memo.uuid])
    assert csrf_post(team.client("coder"), url, {"body": "v2", "version": 1}).status_code == 302
    stale = csrf_post(team.client("owner"), url, {"body": "mine", "version": 1})
    assert stale.status_code == 409 and "Someone else changed this" in stale.content.decode()
    assert Memo.objects.get(pk=memo.pk).body == "v2"
    empty = csrf_post(team.client("coder"), url, {"body": " ", "version": 2})
    assert empty.status_code == 400
    csrf_post(team.client("coder"), reverse("coding:memo_delete", args=[team.study.slug, memo.uuid]))
    assert Memo.objects.get(pk=memo.pk).deleted_at is not None
    undo_last(study=team.study, user=team.coder)
    assert Memo.objects.get(pk=memo.pk).deleted_at is None


@pytest.mark.django_db
def test_a_removed_coding_takes_no_new_memo(team: Team) -> None:
    from coding.services.codings import apply_coding, remove_coding
    from tests.coding.helpers import make_code, make_transcript

    transcript, code = make_transcript(team.study), make_code(team.study)
    coding, _ = apply_coding(transcript=transcript, code=code, start=0, end=5, coder=team.coder)
    remove_coding(coding=coding, user=team.coder)
    url = reverse("coding:memo_new", args=[team.study.slug])
    assert team.client("coder").get(url, {"target": "coding", "uuid": str(coding.uuid)}).status_code == 404
