"""The technique pages and the reader's "Techniques mentioned" panel: who sees them, what they count
(current mentions only), excerpts escaped and linked to reader positions, constant query counts."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from assist.models import TechniqueMention, TextAnalysis
from assist.selectors import pipeline_version
from explainers.selectors import CONTEXT, PER_DOCUMENT, technique_documents
from explainers.techniques import TECHNIQUES, by_slug
from interviews.models import Transcript
from interviews.services.imports import import_transcript
from tests.conftest import Team

pytestmark = pytest.mark.django_db

SHAP_TALK = (
    "Interviewer: Which tools do you use?\n\n"
    "P1: Mostly SHAP, sometimes LIME. We plot SHAP values for every model we ship to the risk team, "
    "and SHAP again when someone asks why a loan was refused.\n"
)


def _transcript(team: Team, title: str, text: str = SHAP_TALK) -> Transcript:
    """An imported transcript; its own title in the text, so that no two are duplicates."""
    data = f"{text}\nInterviewer: Thank you, {title}.\n".encode()
    return import_transcript(
        study=team.study, filename=f"{title}.txt", data=data, user=team.coder, title=title
    ).transcript


def _mention(transcript: Transcript, word: str, slug: str, *, nth: int = 0, stale: bool = False) -> TechniqueMention:
    """A stored mention of the `nth` occurrence of `word`, current unless `stale` (an older text)."""
    starts = [m.start() for m in re.finditer(re.escape(word), transcript.text)]
    start = starts[nth]
    return TechniqueMention.objects.create(
        study=transcript.study, transcript=transcript, pipeline_version=pipeline_version(),
        text_version=transcript.text_version - 1 if stale else transcript.text_version,
        start=start, end=start + len(word), technique=slug, text=word,
    )  # fmt: skip


def _analysed(transcript: Transcript) -> None:
    TextAnalysis.objects.create(
        transcript=transcript, text_version=transcript.text_version, pipeline_version=pipeline_version(), sentences=[]
    )


def _get(team: Team, role: str, name: str, *args: object) -> str:
    response = team.client(role).get(reverse(name, args=[team.study.slug, *args]))
    assert response.status_code == 200
    return response.content.decode()


def _row(html: str, slug: str) -> str:
    match = re.search(rf'<tr class="(\w+)" id="technique-{slug}">(.*?)</tr>', html, re.S)
    assert match, slug
    return match.group(1) + " " + match.group(2)


# --- the list -------------------------------------------------------------------------------------


def test_list_shows_every_technique_by_family_with_current_counts(team: Team) -> None:
    p2, p10 = _transcript(team, "P2"), _transcript(team, "P10")
    for nth in range(3):
        _mention(p2, "SHAP", "shap", nth=nth)
    _mention(p10, "SHAP", "shap")
    _mention(p10, "LIME", "lime")
    _mention(p10, "SHAP", "shap", nth=1, stale=True)  # an older text's mention: not counted
    html = _get(team, "viewer", "explainers:technique_list")
    for technique in TECHNIQUES:
        assert f'id="technique-{technique.slug}"' in html
    shap = _row(html, "shap")
    assert shap.startswith("mentioned") and '"mention-count">4<' in shap and "in 2 docs" in shap
    assert '"mention-count">1<' in _row(html, "lime") and "in 1 doc<" in _row(html, "lime")
    assert _row(html, "integrated-gradients").startswith("unmentioned")
    assert "mention-count" not in _row(html, "integrated-gradients")
    assert "mention <strong>2</strong> of these techniques, <strong>5</strong> times" in html
    assert escape(by_slug("shap").paper) in html and escape(by_slug("shap").description) in html


def test_list_sorts_techniques_by_name_within_a_family(team: Team) -> None:
    html = _get(team, "viewer", "explainers:technique_list")
    sections = re.findall(r"<section class=\"card\".*?</section>", html, re.S)
    assert len(sections) > 5
    for section in sections:
        names = re.findall(r'class="technique-name"><a [^>]*>([^<]*)</a>', section)
        assert names == sorted(names, key=str.casefold)


def test_pages_are_for_members_only(team: Team) -> None:
    for name, args in (("explainers:technique_list", []), ("explainers:technique_detail", ["shap"])):
        url = reverse(name, args=[team.study.slug, *args])
        assert team.client("outsider").get(url).status_code == 404
        assert team.client("anonymous").get(url).status_code == 302


def test_unknown_technique_is_not_found(team: Team) -> None:
    url = reverse("explainers:technique_detail", args=[team.study.slug, "no-such-technique"])
    assert team.client("viewer").get(url).status_code == 404


# --- one technique --------------------------------------------------------------------------------


def test_detail_groups_mentions_by_document_in_natural_order_with_links(team: Team) -> None:
    p10, p2 = _transcript(team, "P10"), _transcript(team, "P2")
    _mention(p10, "SHAP", "shap")
    first, second = _mention(p2, "SHAP", "shap"), _mention(p2, "SHAP", "shap", nth=1)
    html = _get(team, "viewer", "explainers:technique_detail", "shap")
    technique = by_slug("shap")
    assert all(escape(s) in html for s in (technique.name, technique.description, technique.paper))
    assert "Recognised as:" in html and all(f">{term}<" in html for term in (*technique.acronyms, *technique.variants))
    assert html.index(">P2</a>") < html.index(">P10</a>")
    assert "3 in 2 documents" in html
    reader = reverse("interviews:transcript_detail", args=[team.study.slug, p2.uuid])
    for mention in (first, second):
        assert f'href="{reader}#pos-{mention.start}-{mention.end}"' in html
    assert "<mark>SHAP</mark> values for every model" in html


def test_excerpts_are_cut_at_words_and_escaped(team: Team) -> None:
    text = (
        "Interviewer: Go on.\n\n"
        "P1: " + "word " * 20 + "<script>alert(1)</script> then SHAP & <b>bold</b> claims" + " more" * 30 + "\n"
    )
    transcript = _transcript(team, "P1", text)
    mention = _mention(transcript, "SHAP", "shap")
    html = _get(team, "viewer", "explainers:technique_detail", "shap")
    assert "<script>alert" not in html and "<b>bold" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; then <mark>SHAP</mark> &amp; &lt;b&gt;bold&lt;/b&gt; claims" in html
    [document], total = technique_documents(team.study, "shap")
    [excerpt] = document.excerpts
    assert total == 1 and (excerpt.start, excerpt.end) == (mention.start, mention.end)
    assert excerpt.left.startswith("… ") and excerpt.right.endswith(" …")  # cut between words
    assert len(excerpt.left) <= CONTEXT + 1 and len(excerpt.right) <= CONTEXT + 2
    assert transcript.text[mention.start - CONTEXT : mention.start].endswith(excerpt.left[1:])


def test_excerpts_are_capped_per_document_and_counted(team: Team) -> None:
    text = "P1: " + " ".join(["SHAP"] * (PER_DOCUMENT + 5)) + "\n"
    transcript = _transcript(team, "P1", text)
    for nth in range(PER_DOCUMENT + 5):
        _mention(transcript, "SHAP", "shap", nth=nth)
    html = _get(team, "viewer", "explainers:technique_detail", "shap")
    assert html.count("<mark>SHAP</mark>") == PER_DOCUMENT
    assert f"{PER_DOCUMENT} of {PER_DOCUMENT + 5} mentions shown" in html


def test_detail_without_mentions(team: Team) -> None:
    html = _get(team, "viewer", "explainers:technique_detail", "lime")
    assert "No document of this study mentions LIME." in html


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_query_counts_do_not_grow_with_mentions(team: Team) -> None:
    client = team.client("viewer")
    list_url = reverse("explainers:technique_list", args=[team.study.slug])
    detail_url = reverse("explainers:technique_detail", args=[team.study.slug, "shap"])
    first = _transcript(team, "P1")
    _mention(first, "SHAP", "shap")
    reader_url = reverse("interviews:transcript_detail", args=[team.study.slug, first.uuid])
    few = [_queries(client, url) for url in (list_url, detail_url, reader_url)]
    for title in ("P2", "P3", "P4"):
        transcript = _transcript(team, title)
        for nth in range(3):
            _mention(transcript, "SHAP", "shap", nth=nth)
        _mention(transcript, "LIME", "lime")
    for nth in (1, 2):
        _mention(first, "SHAP", "shap", nth=nth)
    _mention(first, "LIME", "lime")
    many = [_queries(client, url) for url in (list_url, detail_url, reader_url)]
    assert many == few


# --- the reader's panel ---------------------------------------------------------------------------


def test_reader_panel_lists_techniques_with_counts_and_positions(team: Team) -> None:
    transcript = _transcript(team, "P1")
    shap = [_mention(transcript, "SHAP", "shap", nth=nth) for nth in range(3)]
    _mention(transcript, "LIME", "lime")
    html = _get(team, "viewer", "interviews:transcript_detail", transcript.uuid)
    panel = html[html.index('class="card techniques-panel"') :]
    panel = panel[: panel.index("</section>")]
    detail = reverse("explainers:technique_detail", args=[team.study.slug, "shap"])
    assert f'<a href="{detail}">SHAP</a> <span class="muted">×3</span>' in panel
    for mention in shap:
        assert f'href="#pos-{mention.start}-{mention.end}"' in panel
    assert panel.index(">SHAP</a>") < panel.index(">LIME</a>")  # most mentioned first


def test_reader_panel_says_whether_the_text_was_processed(team: Team) -> None:
    transcript = _transcript(team, "P1")
    html = _get(team, "viewer", "interviews:transcript_detail", transcript.uuid)
    assert "Not processed yet." in html and "No techniques mentioned." not in html
    _analysed(transcript)
    html = _get(team, "viewer", "interviews:transcript_detail", transcript.uuid)
    assert "No techniques mentioned." in html and "Not processed yet." not in html
