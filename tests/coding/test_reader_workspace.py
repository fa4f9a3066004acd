"""Server side of the reader workspace (issue 9): coding memos in the reader and the memo list,
speakers from the model, and what a viewer is offered."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from coding.models import Code, Coding, Memo
from coding.selectors.reader import reader_context
from coding.services.codings import remove_coding
from interviews.models import Speaker
from tests.conftest import Team, csrf_post

from .helpers import make_transcript

HOSTILE = (
    "Interviewer: Do you trust it?\n\n"
    "P1: I <b>trust</b> SHAP & friends, mostly.\n\n"
    "Interviewer: Why?\n\n"
    "P1: Because users can act on them.\n"
)


def _coding(team: Team, phrase: str, name: str = "Trust", text: str = HOSTILE) -> Coding:
    transcript = next(iter(team.study.transcripts.all()), None) or make_transcript(team.study, text)
    code = Code.objects.filter(study=team.study, name=name).first() or Code.objects.create(study=team.study, name=name)
    at = transcript.text.index(phrase)
    return Coding.objects.create(transcript=transcript, code=code, start=at, end=at + len(phrase), coder=team.coder)


def _memo(team: Team, coding: Coding, body: str = "A thought.", title: str = "") -> Memo:
    return Memo.objects.create(
        study=team.study, target="coding", coding=coding, body=body, title=title, author=team.coder
    )


@pytest.mark.django_db
def test_memo_list_links_a_coding_memo_to_its_excerpt(team: Team) -> None:
    coding = _coding(team, "I <b>trust</b> SHAP")
    _memo(team, coding, body="They *trust* it.")
    body = team.client("viewer").get(reverse("coding:memo_list", args=[team.study.slug])).content.decode()
    reader = reverse("interviews:transcript_detail", args=[team.study.slug, coding.transcript.uuid])
    # The quote of the coded words (escaped: transcript text is untrusted), linked to the reader there.
    assert f'href="{reader}#pos-{coding.start}-{coding.end}"' in body
    assert "“I &lt;b&gt;trust&lt;/b&gt; SHAP”" in body
    assert "<b>trust</b>" not in body
    assert "Trust" in body and coding.transcript.title in body


@pytest.mark.django_db
def test_memo_list_cuts_long_quotes_and_marks_removed_codings(team: Team) -> None:
    long_text = "P1: " + "word " * 200 + "end.\n\nInterviewer: Ok.\n"
    coding = _coding(team, "word " * 150, text=long_text)
    _memo(team, coding)
    remove_coding(coding=coding, user=team.coder)
    body = team.client("coder").get(reverse("coding:memo_list", args=[team.study.slug])).content.decode()
    assert "word " * 150 not in body  # at most 200 characters of it
    assert "word word" in body and "…”" in body
    assert "coding removed" in body


@pytest.mark.django_db
def test_memo_list_queries_do_not_grow_with_coding_memos(team: Team) -> None:
    url = reverse("coding:memo_list", args=[team.study.slug])
    client = team.client("coder")
    _memo(team, _coding(team, "SHAP"))
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    for phrase in ("Because", "users", "act on", "Why", "friends"):
        _memo(team, _coding(team, phrase))
    with CaptureQueriesContext(connection) as six:
        assert client.get(url).status_code == 200
    assert len(six) == len(one)


@pytest.mark.django_db
def test_reader_context_lists_memos_of_this_documents_live_visible_codings(team: Team) -> None:
    kept = _coding(team, "SHAP")
    _memo(team, kept, body="kept", title="On SHAP")
    gone = _coding(team, "Because")
    _memo(team, gone, body="on a removed coding")
    remove_coding(coding=gone, user=team.coder)
    deleted = _memo(team, kept, body="deleted memo")
    Memo.objects.filter(pk=deleted.pk).update(deleted_at=deleted.created_at)
    other = make_transcript(team.study, name="other.txt")
    elsewhere = Coding.objects.create(transcript=other, code=kept.code, start=0, end=5, coder=team.coder)
    _memo(team, elsewhere, body="another document")
    context = reader_context(transcript=kept.transcript, user=team.viewer)
    memos = context["coding_memos"]
    assert [(m.body, m.coding_uuid, m.quote) for m in memos] == [("kept", str(kept.uuid), "SHAP")]
    assert memos[0].code_name == "Trust" and memos[0].start == kept.start and memos[0].end == kept.end


@pytest.mark.django_db
def test_reader_renders_coding_memos_in_the_memo_card(team: Team) -> None:
    coding = _coding(team, "I <b>trust</b> SHAP")
    _memo(team, coding, body="**bold** idea", title="<i>Title</i>")
    url = reverse("interviews:transcript_detail", args=[team.study.slug, coding.transcript.uuid])
    body = team.client("viewer").get(url).content.decode()
    assert f'data-coding="{coding.uuid}"' in body
    assert "<strong>bold</strong> idea" in body
    assert "&lt;i&gt;Title&lt;/i&gt;" in body and "“I &lt;b&gt;trust&lt;/b&gt; SHAP”" in body
    assert f'href="#pos-{coding.start}-{coding.end}"' in body
    assert "Write a memo" not in body and "Edit</a>" not in body  # the viewer writes none
    coder_body = team.client("coder").get(url).content.decode()
    assert "Edit</a>" in coder_body


@pytest.mark.django_db
def test_memo_form_for_a_coding_quotes_it(team: Team) -> None:
    coding = _coding(team, "I <b>trust</b> SHAP")
    url = reverse("coding:memo_new", args=[team.study.slug])
    body = team.client("coder").get(url, {"target": "coding", "uuid": str(coding.uuid)}).content.decode()
    assert "“I &lt;b&gt;trust&lt;/b&gt; SHAP”" in body
    assert f"{coding.code_id}@" not in body  # not the coding's internal name


@pytest.mark.django_db
def test_reader_shows_each_turns_speaker_from_the_model(team: Team) -> None:
    transcript = make_transcript(team.study, HOSTILE)
    p1 = Speaker.objects.get(transcript=transcript, label="P1")
    transcript.turns.filter(index=2).update(speaker=p1)  # speaker review: "Why?" was P1's
    body = (
        team.client("viewer")
        .get(reverse("interviews:transcript_detail", args=[team.study.slug, transcript.uuid]))
        .content.decode()
    )
    turn2 = body[body.index('id="turn-2"') : body.index('id="turn-3"')]
    assert '<span class="turn-speaker">P1</span>' in turn2
    assert "Interviewer" not in turn2


@pytest.mark.django_db
def test_memo_from_the_codings_panel_returns_to_the_coding(team: Team) -> None:
    coding = _coding(team, "SHAP")
    reader = reverse("interviews:transcript_detail", args=[team.study.slug, coding.transcript.uuid])
    back = f"{reader}#pos-{coding.start}-{coding.end}"  # what the panel's Memo link passes as next
    response = csrf_post(
        team.client("coder"),
        reverse("coding:memo_new", args=[team.study.slug]),
        {"target": "coding", "uuid": str(coding.uuid), "body": "Why SHAP?", "next": back},
    )
    assert response.status_code == 302 and response["Location"] == back
    assert Memo.objects.get(coding=coding).body == "Why SHAP?"


@pytest.mark.django_db
def test_reader_draws_each_turns_coding_summary_escaped(team: Team) -> None:
    first = _coding(team, "SHAP", name="<i>Trust</i>")
    _coding(team, "friends", name="<i>Trust</i>")
    _coding(team, "mostly", name="Tools")
    url = reverse("interviews:transcript_detail", args=[team.study.slug, first.transcript.uuid])
    body = team.client("viewer").get(url).content.decode()
    turn1 = body[body.index('id="turn-1"') : body.index('id="turn-2"')]
    assert '<span class="visually-hidden">Coded: &lt;i&gt;Trust&lt;/i&gt; (2), Tools</span>' in turn1
    assert "<i>Trust</i>" not in body
    # The key the reader's script compares before redrawing: code ids and counts.
    tools = Code.objects.get(study=team.study, name="Tools")
    assert f'data-key="{first.code_id}:2|{tools.pk}:1"' in turn1
    assert '<span class="tc" style="--c: #ffd166">&lt;i&gt;Trust&lt;/i&gt; (2)</span>' in turn1
    assert 'id="turn-codes-0" data-key=""></div>' in body  # turn 0 has no coding
