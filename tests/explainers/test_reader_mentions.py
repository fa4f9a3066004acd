"""Technique mentions marked inline in the reader's text: links to the technique's page on exactly
the stored mention's words, the turn's text unchanged and escaped, current mentions only, and a
constant number of queries however many mentions there are."""

from __future__ import annotations

import html as html_lib
import re
from typing import Any

import pytest
from django.urls import reverse

from assist.models import TechniqueMention
from assist.selectors import pipeline_version
from coding.selectors.reader import ReaderTurn
from explainers.marks import mark_mentions
from interviews.models import Transcript
from interviews.services.imports import import_transcript
from tests.conftest import Team

pytestmark = pytest.mark.django_db

TALK = (
    "Interviewer: Which tools do you use?\n\n"
    "P1: Mostly SHAP, sometimes <b>LIME</b> & friends. We plot SHAP values for the risk team.\n"
)

TURN_TEXT = re.compile(r'<div class="turn-text" data-start="(\d+)"[^>]*>(.*?)</div>', re.S)


def _transcript(team: Team, text: str = TALK, title: str = "P1") -> Transcript:
    return import_transcript(
        study=team.study, filename=f"{title}.txt", data=text.encode(), user=team.coder, title=title
    ).transcript


def _mention(transcript: Transcript, word: str, slug: str, *, nth: int = 0, **extra: Any) -> TechniqueMention:
    start = [m.start() for m in re.finditer(re.escape(word), transcript.text)][nth]
    fields = {
        "study": transcript.study, "transcript": transcript, "pipeline_version": pipeline_version(),
        "text_version": transcript.text_version, "start": start, "end": start + len(word),
        "technique": slug, "text": word,
    }  # fmt: skip
    fields.update(extra)
    return TechniqueMention.objects.create(**fields)


def _reader(team: Team, transcript: Transcript, role: str = "viewer") -> str:
    url = reverse("interviews:transcript_detail", args=[team.study.slug, transcript.uuid])
    response = team.client(role).get(url)
    assert response.status_code == 200
    return response.content.decode()


def _turns(body: str) -> list[tuple[int, str]]:
    return [(int(start), inner) for start, inner in TURN_TEXT.findall(body)]


def _detail(team: Team, slug: str) -> str:
    return reverse("explainers:technique_detail", args=[team.study.slug, slug])


def test_mentions_are_links_to_their_technique_on_exactly_their_words(team: Team) -> None:
    transcript = _transcript(team)
    _mention(transcript, "SHAP", "shap")
    _mention(transcript, "LIME", "lime")
    _mention(transcript, "SHAP values", "shap")
    body = _reader(team, transcript)
    (_, question), (start, answer) = _turns(body)
    assert "<a" not in question
    shap, lime = _detail(team, "shap"), _detail(team, "lime")
    assert answer == (
        f'Mostly <a class="mention" href="{shap}" data-technique="shap" draggable="false" title="Technique: SHAP">'
        "SHAP</a>, sometimes &lt;b&gt;"
        f'<a class="mention" href="{lime}" data-technique="lime" draggable="false" title="Technique: LIME">LIME</a>'
        "&lt;/b&gt; &amp; friends. We plot "
        f'<a class="mention" href="{shap}" data-technique="shap" draggable="false" title="Technique: SHAP">'
        "SHAP values</a> for the risk team."
    )
    # Without its tags the markup is the turn's text, so the script's offsets are unchanged.
    turn = transcript.turns.get(index=1)
    assert start == turn.start
    assert html_lib.unescape(re.sub(r"<[^>]+>", "", answer)) == transcript.text[turn.start : turn.end]


def test_only_current_mentions_are_marked(team: Team) -> None:
    transcript = _transcript(team)
    _mention(transcript, "SHAP", "shap", text_version=transcript.text_version - 1)  # before a correction
    _mention(transcript, "LIME", "lime", pipeline_version="an-older-pipeline")
    body = _reader(team, transcript)
    assert 'class="mention"' not in body
    assert "Mostly SHAP, sometimes &lt;b&gt;LIME&lt;/b&gt;" in body


def test_an_unmarked_reader_is_the_plain_escaped_text_without_a_toggle(team: Team) -> None:
    transcript = _transcript(team)
    body = _reader(team, transcript)
    turn = transcript.turns.get(index=1)
    assert _turns(body)[1] == (turn.start, html_lib.escape(transcript.text[turn.start : turn.end], quote=True))
    assert "Show technique mentions" not in body


def test_legend_and_toggle_shown_with_mentions(team: Team) -> None:
    transcript = _transcript(team)
    _mention(transcript, "LIME", "lime")
    body = _reader(team, transcript)
    assert '<input type="checkbox" id="show-mentions" checked> Show technique mentions' in body
    assert '<span class="mention-sample">' in body


def test_mark_mentions_cuts_at_turn_edges_and_skips_overlaps_and_unknown_slugs() -> None:
    text = "A: one SHAP two\n\nB: LIME three"
    turns = [ReaderTurn(0, 3, 15, text[3:15], "A", "", "", None), ReaderTurn(1, 20, 30, text[20:30], "B", "", "", None)]
    shap = text.index("SHAP")
    lime = text.index("LIME")
    mentions = [
        (shap, shap + 4, "shap"),
        (shap + 1, shap + 3, "lime"),  # overlaps the one before: skipped
        (shap + 5, lime + 4, "lime"),  # crosses the label between turns: a link in each turn
        (lime + 5, lime + 10, "no-such-technique"),  # retired slug: plain text
    ]
    mark_mentions(turns, mentions, "study")
    first, second = (re.sub(r' (href|data-technique|draggable|title)="[^"]*"', "", t.text_html) for t in turns)
    assert first == 'one <a class="mention">SHAP</a> <a class="mention">two</a>'
    assert second == '<a class="mention">LIME</a> three'


def test_query_count_does_not_grow_with_mentions_or_turns(team: Team, django_assert_max_num_queries: Any) -> None:
    few = _transcript(team)
    _mention(few, "SHAP", "shap")
    url = reverse("interviews:transcript_detail", args=[team.study.slug, few.uuid])
    client = team.client("coder")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as baseline:
        assert client.get(url).status_code == 200
    lines = []
    for i in range(200):
        who = "Interviewer" if i % 2 == 0 else "P1"
        lines.append(f"{who}: We used SHAP and LIME and counterfactual explanations, turn {i}.")
    many = _transcript(team, "\n\n".join(lines), title="P2")
    rows = []
    for turn in many.turns.all():
        words = many.text[turn.start : turn.end]
        for word, slug in (
            ("SHAP", "shap"),
            ("LIME", "lime"),
            ("counterfactual explanations", "counterfactual-explanations"),
        ):
            at = turn.start + words.index(word)
            rows.append(
                TechniqueMention(
                    study=team.study, transcript=many, pipeline_version=pipeline_version(),
                    text_version=many.text_version, start=at, end=at + len(word), technique=slug, text=word,
                )
            )  # fmt: skip
    TechniqueMention.objects.bulk_create(rows)
    url = reverse("interviews:transcript_detail", args=[team.study.slug, many.uuid])
    with django_assert_max_num_queries(len(baseline)):
        body = client.get(url).content.decode()
    assert body.count('class="mention"') == 600
