"""Every read of codings honours the one visibility rule.

Blind agreement rounds (a later issue) will hide other coders' codings in
`coding.selectors.visibility._rule`. These tests simulate such a round by narrowing
that one function to the user's own codings, then check every path the review found reading
codings around it: the poll's removed list, the code page's deletion-impact count, the split
and its message, the correction page's "this text is coded", the access helper for one
coding, memos on a coding, and the study-wide counts.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from coding.models import Coding
from coding.selectors import visibility
from coding.services.codebook import deletion_impact, split_code
from coding.services.codings import apply_coding, remove_coding
from tests.conftest import Team, csrf_post

from .helpers import make_code, make_transcript


@pytest.fixture
def blind(monkeypatch: pytest.MonkeyPatch) -> None:
    def own_rows(*, study, user):  # type: ignore[no-untyped-def]
        return Coding.objects.filter(study=study, coder_id=getattr(user, "pk", None))

    monkeypatch.setattr(visibility, "_rule", own_rows)


@pytest.fixture
def two_coders(team: Team):  # type: ignore[no-untyped-def]
    transcript, code = make_transcript(team.study), make_code(team.study)
    mine, _ = apply_coding(transcript=transcript, code=code, start=0, end=5, coder=team.coder)
    theirs, _ = apply_coding(transcript=transcript, code=code, start=20, end=30, coder=team.owner)
    return transcript, code, mine, theirs


@pytest.mark.django_db
def test_poll_does_not_report_removals_of_codings_the_user_cannot_see(blind, team: Team, two_coders) -> None:  # type: ignore[no-untyped-def]
    transcript, _, mine, theirs = two_coders
    since = timezone.now() - timedelta(minutes=1)
    remove_coding(coding=theirs, user=team.owner)
    remove_coding(coding=mine, user=team.coder)
    url = reverse("coding:transcript_codings", args=[team.study.slug, transcript.uuid])
    data = team.client("coder").get(url, {"since": since.isoformat()}).json()
    assert data["removed"] == [str(mine.uuid)]


@pytest.mark.django_db
def test_deletion_impact_counts_only_visible_codings(blind, team: Team, two_coders) -> None:  # type: ignore[no-untyped-def]
    _, code, _, _ = two_coders
    assert deletion_impact(code=code, user=team.coder).codings == 1
    page = team.client("coder").get(reverse("coding:code_detail", args=[team.study.slug, code.uuid]))
    assert page.status_code == 200 and page.context["impact"].codings == 1


@pytest.mark.django_db
def test_split_moves_only_visible_codings_and_says_how_many(blind, team: Team, two_coders) -> None:  # type: ignore[no-untyped-def]
    _, code, mine, theirs = two_coders
    outcome = split_code(
        source=code, coding_uuids=[str(mine.uuid), str(theirs.uuid)], new_name="Split", user=team.coder
    )
    assert outcome.moved == 1
    assert Coding.objects.get(pk=theirs.pk).retired_at is None  # the hidden coding was not touched


@pytest.mark.django_db
def test_correction_page_does_not_reveal_others_codings(blind, team: Team) -> None:
    transcript, code = make_transcript(team.study), make_code(team.study)
    apply_coding(transcript=transcript, code=code, start=0, end=5, coder=team.owner)
    url = reverse("interviews:document_correct", args=[team.study.slug, transcript.uuid])
    assert team.client("coder").get(url).context["has_codings"] is False
    assert team.client("owner").get(url).context["has_codings"] is True


@pytest.mark.django_db
def test_a_coder_cannot_change_remove_or_annotate_a_coding_they_cannot_see(blind, team: Team, two_coders) -> None:  # type: ignore[no-untyped-def]
    _, _, _, theirs = two_coders
    client = team.client("coder")
    remove = reverse("coding:remove", args=[team.study.slug, theirs.uuid])
    change = reverse("coding:change", args=[team.study.slug, theirs.uuid])
    assert csrf_post(client, remove).status_code == 404
    assert csrf_post(client, change, json.dumps({"end": 31}), content_type="application/json").status_code == 404
    memo = reverse("coding:memo_new", args=[team.study.slug])
    assert client.get(memo, {"target": "coding", "uuid": str(theirs.uuid)}).status_code == 404
    assert Coding.objects.get(pk=theirs.pk).retired_at is None


@pytest.mark.django_db
def test_counts_on_codebook_dashboard_and_retrieval_are_visible_ones(blind, team: Team, two_coders) -> None:  # type: ignore[no-untyped-def]
    _, code, _, _ = two_coders
    client = team.client("coder")
    tree = client.get(reverse("coding:codebook", args=[team.study.slug])).context["tree"]
    assert [(row.code, row.count) for row in tree] == [(code, 1)]
    dashboard = client.get(reverse("studies:dashboard", args=[team.study.slug]))
    assert [c.n_codings for c in dashboard.context["codes"]] == [1]
    result = client.get(reverse("coding:retrieval", args=[team.study.slug]), {"code": str(code.uuid)})
    assert result.context["result"].total == 1


@pytest.mark.django_db
def test_memo_list_names_only_visible_codings_codes(blind, team: Team, two_coders) -> None:  # type: ignore[no-untyped-def]
    from coding.services.memos import create_memo

    _, code, mine, theirs = two_coders
    create_memo(study=team.study, author=team.owner, target="coding", obj=theirs, title="", body="on theirs")
    create_memo(study=team.study, author=team.coder, target="coding", obj=mine, title="", body="on mine")
    rows = team.client("coder").get(reverse("coding:memo_list", args=[team.study.slug])).context["rows"]
    assert sorted((memo.body, label) for memo, label in rows) == [("on mine", code.name), ("on theirs", "")]
