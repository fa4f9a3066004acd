"""codebook, code_detail, code_move, code_merge, code_split, code_delete, codebook_deleted,
codebook_import and codebook_export."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from coding.models import Code, Coding
from coding.services import codebook as services
from tests.conftest import Team, csrf_post

from .helpers import make_transcript


@pytest.mark.django_db
def test_create_search_and_viewer_read_only(team: Team) -> None:
    url = reverse("coding:codebook", args=[team.study.slug])
    assert csrf_post(team.client("coder"), url, {"name": "Trust", "colour": "#112233"}).status_code == 302
    duplicate = csrf_post(team.client("coder"), url, {"name": "trust"})
    assert duplicate.status_code == 400 and "already a code" in duplicate.content.decode()
    services.create_code(study=team.study, user=None, name="<b>Bias</b>")
    body = team.client("viewer").get(url, {"q": "bia"}).content.decode()
    assert "&lt;b&gt;Bias&lt;/b&gt;" in body and ">Trust<" not in body and "New code" not in body


@pytest.mark.django_db
def test_edit_with_stale_version_shows_conflict(team: Team) -> None:
    code = services.create_code(study=team.study, user=None, name="Trust")
    url = reverse("coding:code_detail", args=[team.study.slug, code.uuid])
    fields = {"name": "Trust!", "colour": "#112233", "version": 1}
    assert csrf_post(team.client("coder"), url, fields).status_code == 302
    stale = csrf_post(team.client("owner"), url, {**fields, "name": "Mine"})
    assert stale.status_code == 409 and "Someone else changed this" in stale.content.decode()
    assert Code.objects.get(pk=code.pk).name == "Trust!"


@pytest.mark.django_db
def test_keyboard_moves(team: Team) -> None:
    a = services.create_code(study=team.study, user=None, name="A")
    b = services.create_code(study=team.study, user=None, name="B")
    url = reverse("coding:code_move", args=[team.study.slug, b.uuid])
    csrf_post(team.client("coder"), url, {"direction": "indent"})
    assert Code.objects.get(pk=b.pk).parent == a
    csrf_post(team.client("coder"), url, {"direction": "outdent"})
    assert Code.objects.get(pk=b.pk).parent is None
    csrf_post(team.client("coder"), url, {"direction": "up"})
    assert list(Code.objects.filter(parent=None).order_by("order").values_list("name", flat=True)) == ["B", "A"]
    response = csrf_post(team.client("coder"), url, {"parent": str(b.uuid)}, HTTP_ACCEPT="application/json")
    assert response.status_code == 400 and "inside itself" in response.json()["error"]


@pytest.mark.django_db
def test_merge_split_delete_restore_via_views(team: Team) -> None:
    transcript = make_transcript(team.study)
    a = services.create_code(study=team.study, user=None, name="A")
    b = services.create_code(study=team.study, user=None, name="B")
    Coding.objects.create(transcript=transcript, code=a, start=0, end=5, coder=team.coder)
    client = team.client("coder")
    response = csrf_post(client, reverse("coding:code_merge", args=[team.study.slug, a.uuid]), {"target": str(b.uuid)})
    merged = Coding.objects.get(retired_at=None)
    assert merged.code == b
    assert "1 codings moved, 0 joined" in client.get(response.url).content.decode()
    response = csrf_post(client, reverse("coding:code_split", args=[team.study.slug, b.uuid]),
                         {"codings": [str(merged.uuid)], "name": "C"})  # fmt: skip
    c = Code.objects.get(name="C")
    assert Coding.objects.get(retired_at=None).code == c
    assert "Moved 1 codings to the new code" in client.get(response.url).content.decode()
    csrf_post(client, reverse("coding:code_delete", args=[team.study.slug, c.uuid]))
    assert Code.objects.get(pk=c.pk).deleted_at is not None
    deleted_url = reverse("coding:codebook_deleted", args=[team.study.slug])
    assert "C" in client.get(deleted_url).content.decode()
    csrf_post(client, deleted_url, {"code": str(c.uuid)})
    assert Code.objects.get(pk=c.pk).deleted_at is None
    assert csrf_post(client, deleted_url, {"code": "not-a-uuid"}).status_code == 404


@pytest.mark.django_db
def test_import_preview_then_apply_and_export(team: Team) -> None:
    url = reverse("coding:codebook_import", args=[team.study.slug])
    preview = csrf_post(team.client("coder"), url, {"file": SimpleUploadedFile("cb.txt", b"Trust\n\tOver-trust\n")})
    assert preview.status_code == 200 and "Over-trust" in preview.content.decode() and not Code.objects.exists()
    staged = preview.context["staged"]
    assert csrf_post(team.client("coder"), url, {"staged": str(staged.uuid), "action": "apply"}).status_code == 302
    assert getattr(Code.objects.get(name="Over-trust").parent, "name", None) == "Trust"
    bad = csrf_post(team.client("coder"), url, {"file": SimpleUploadedFile("cb.csv", b"x,y\n1,2\n")})
    assert bad.status_code == 400 and "cb.csv: has no name column" in bad.content.decode()
    export = team.client("viewer").get(reverse("coding:codebook_export", args=[team.study.slug]))
    lines = export.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("name,parent,definition") and "Over-trust,Trust," in lines[2]


@pytest.mark.django_db
@pytest.mark.parametrize("target", ["https://evil.example/phish", "//evil.example/phish", "http://evil.example"])
def test_move_does_not_redirect_to_other_hosts(team: Team, target: str) -> None:
    code = services.create_code(study=team.study, user=None, name="A")
    url = reverse("coding:code_move", args=[team.study.slug, code.uuid])
    response = csrf_post(team.client("coder"), url, {"direction": "up", "next": target})
    assert response.status_code == 302
    assert "evil.example" not in response["Location"]
    assert response["Location"].startswith(f"/studies/{team.study.slug}/codebook/")


@pytest.mark.django_db
def test_move_follows_next_within_the_site(team: Team) -> None:
    code = services.create_code(study=team.study, user=None, name="A")
    url = reverse("coding:code_move", args=[team.study.slug, code.uuid])
    target = reverse("coding:code_detail", args=[team.study.slug, code.uuid])
    response = csrf_post(team.client("coder"), url, {"direction": "up", "next": target})
    assert response["Location"] == target


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("view", "data", "message"),
    [
        ("code_merge", {}, "Choose the code to merge into."),
        ("code_merge", {"target": "not-a-uuid"}, "Choose the code to merge into."),
        ("code_split", {"codings": ["x"]}, "Name the new code."),
        ("code_move", {"position": "first"}, "whole number"),
        ("code_move", {"parent": "00000000-0000-0000-0000-000000000009"}, "not in this codebook"),
        ("code_move", {"direction": "sideways"}, "sideways"),
    ],
)
def test_bad_codebook_posts_get_a_clear_message_and_change_nothing(
    team: Team, view: str, data: dict[str, object], message: str
) -> None:
    code = services.create_code(study=team.study, user=None, name="A")
    client = team.client("coder")
    response = csrf_post(client, reverse(f"coding:{view}", args=[team.study.slug, code.uuid]), data)
    assert response.status_code == 302
    assert message in client.get(response.url).content.decode()
    assert list(Code.objects.values_list("name", "parent", "order", "deleted_at")) == [("A", None, 1, None)]
