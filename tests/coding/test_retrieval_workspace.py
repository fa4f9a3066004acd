"""Issue 9, the retrieval side of the coding workspace: results in reading order (documents in
natural order, then position), the speaker once per turn, expanding a segment in place to its
turn or the turns around it, opening it in the reader at its position, codebook counts that
roll up, and an attribute filter whose example uses the study's own attributes."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from coding.models import Code, Coding
from coding.query import participant_filter
from coding.retrieval_params import filter_help, quoted
from coding.selectors import RetrievalQuery, codebook_tree, find_segments, segment_page, segments_frame
from interviews.models import Participant, Transcript
from interviews.services import participants as participant_services
from studies.models import Study
from tests.conftest import Team
from tests.factories import make_study, make_user

from .helpers import make_transcript


def interview(label: str, answers: list[str]) -> str:
    """A transcript whose participant (`label`) gives `answers` to numbered questions."""
    turns = []
    for i, answer in enumerate(answers, 1):
        turns += [f"Interviewer: Question {i} for {label}?", f"{label}: {answer}"]
    return "\n\n".join(turns) + "\n"


def code_text(transcript: Transcript, code: Code, part: str, coder: Any = None) -> Coding:
    start = transcript.text.index(part)
    return Coding.objects.create(transcript=transcript, code=code, start=start, end=start + len(part), coder=coder)


def titles_and_texts(rows: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(row["transcript"].title, row["text"]) for row in rows]


@pytest.fixture
def three_documents(team: Team) -> dict[str, Any]:
    """P10 imported first, then P2, then p3 (lower case): codings made last-position-first."""
    study = team.study
    docs = {
        label: make_transcript(
            study, interview(label, [f"{label} first answer.", f"{label} second answer."]), f"{label}.txt"
        )
        for label in ("P10", "P2", "p3")
    }
    a = Code.objects.create(study=study, name="A")
    b = Code.objects.create(study=study, name="B")
    for label, t in docs.items():
        code_text(t, a, f"{label} second answer.", team.coder)
        code_text(t, a, f"{label} first answer.", team.coder)
        code_text(t, b, f"{label} first answer.", team.coder)
    return {"team": team, "docs": docs, "a": a, "b": b}


EXPECTED_ORDER = [
    ("P2", "P2 first answer."),
    ("P2", "P2 second answer."),
    ("p3", "p3 first answer."),
    ("p3", "p3 second answer."),
    ("P10", "P10 first answer."),
    ("P10", "P10 second answer."),
]


# --- 2. reading order: documents naturally, then position; whatever the query -----------------


@pytest.mark.django_db
@pytest.mark.parametrize("per_page", [1, 2, 4, 50])
def test_paged_in_sql_documents_in_natural_order_then_position(three_documents: dict[str, Any], per_page: int) -> None:
    team, a = three_documents["team"], three_documents["a"]
    query = RetrievalQuery(codes=[a.pk])  # any of one code: counted and paged in SQL
    rows: list[dict[str, Any]] = []
    for number in range(1, 7 // per_page + 2):
        page = segment_page(study=team.study, user=team.coder, query=query, page=number, per_page=per_page)
        assert page.total == 6
        rows += page.segments
    assert titles_and_texts(rows) == EXPECTED_ORDER
    whole = find_segments(study=team.study, user=team.coder, query=query)
    assert [row["segment"] for row in rows] == whole


@pytest.mark.django_db
def test_and_not_and_turn_queries_keep_the_same_order(three_documents: dict[str, Any]) -> None:
    team, a, b = three_documents["team"], three_documents["a"], three_documents["b"]
    for query, expected in (
        (RetrievalQuery(codes=[a.pk, b.pk], mode="all"), EXPECTED_ORDER[0::2]),
        (RetrievalQuery(codes=[a.pk], exclude=[b.pk]), EXPECTED_ORDER[1::2]),
        (RetrievalQuery(codes=[a.pk, b.pk], mode="all", scope="turn"), EXPECTED_ORDER[0::2]),
    ):
        page = segment_page(study=team.study, user=team.coder, query=query, page=1)
        assert titles_and_texts(page.segments) == expected, query
        second = segment_page(study=team.study, user=team.coder, query=query, page=2, per_page=2)
        assert titles_and_texts(second.segments) == expected[2:4]


@pytest.mark.django_db
def test_export_follows_the_page_order(three_documents: dict[str, Any]) -> None:
    team, a = three_documents["team"], three_documents["a"]
    frame = segments_frame(
        study=team.study, segments=find_segments(study=team.study, user=team.coder, query=RetrievalQuery(codes=[a.pk]))
    )
    assert list(zip(frame["document"], frame["text"], strict=True)) == EXPECTED_ORDER
    url = reverse("coding:retrieval_export", args=[team.study.slug])
    body = team.client("viewer").get(url, {"code": str(a.uuid)}).content.decode("utf-8-sig")
    exported = [(row["document"], row["text"]) for row in csv.DictReader(io.StringIO(body))]
    assert exported == EXPECTED_ORDER


@pytest.mark.django_db
def test_page_lists_documents_in_natural_order(three_documents: dict[str, Any]) -> None:
    team, a = three_documents["team"], three_documents["a"]
    body = team.client("viewer").get(reverse("coding:retrieval", args=[team.study.slug]), {"code": str(a.uuid)})
    headings = re.findall(r'<h3 class="segment-doc-title"><a [^>]*>([^<]+)</a>', body.content.decode())
    assert headings == ["P2", "p3", "P10"]


@pytest.mark.django_db
def test_participant_counts_tie_in_natural_order(three_documents: dict[str, Any]) -> None:
    team, docs = three_documents["team"], three_documents["docs"]
    for label, t in docs.items():
        t.participants.add(Participant.objects.create(study=team.study, label=label))
    page = segment_page(
        study=team.study, user=team.coder, query=RetrievalQuery(codes=[three_documents["a"].pk]), page=1
    )
    assert page.per_participant == [("P2", 2), ("p3", 2), ("P10", 2)]


def _world(n_documents: int, per_document: int, tag: str) -> dict[str, Any]:
    owner = make_user(f"owner_{tag}")
    study = make_study(f"Study {tag}", owner=owner, slug=f"s-{tag}")
    a = Code.objects.create(study=study, name="A")
    b = Code.objects.create(study=study, name="B")
    rows = []
    for d in range(n_documents):
        label = f"P{n_documents - d}"
        t = make_transcript(
            study, interview(label, [f"answer {i} of {tag}" for i in range(per_document)]), f"{label}.txt"
        )
        for i in range(per_document):
            start = t.text.index(f"answer {i} of {tag}")
            rows.append(
                Coding(study=study, transcript=t, text_version=1, code=a, coder=owner, start=start, end=start + 8)
            )
            if i % 2:  # every other A coding overlaps a B coding: AND and NOT both find some
                rows.append(
                    Coding(
                        study=study, transcript=t, text_version=1, code=b, coder=owner, start=start + 2, end=start + 12
                    )
                )
    Coding.objects.bulk_create(rows)
    return {"study": study, "owner": owner, "a": a, "b": b}


def _queries(fn: Any) -> int:
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


@pytest.mark.django_db
def test_retrieval_is_set_based_whatever_the_number_of_results() -> None:
    """The same number of queries for 2 documents × 4 codings as for 12 documents × 9, on every
    path (paged in SQL, AND, NOT, same turn), for a first page of all the small study's segments
    and of 50 of the large one's, for a later page, and for the export."""
    small, large = _world(2, 4, "small"), _world(12, 9, "large")

    def run(w: dict[str, Any]) -> list[int]:
        counts = []
        for query in (
            RetrievalQuery(codes=[w["a"].pk]),
            RetrievalQuery(codes=[w["a"].pk, w["b"].pk], mode="all"),
            RetrievalQuery(codes=[w["a"].pk], exclude=[w["b"].pk]),
            RetrievalQuery(codes=[w["a"].pk, w["b"].pk], mode="all", scope="turn"),
        ):
            for number, per_page in ((1, 50), (2, 3)):
                page = segment_page(study=w["study"], user=w["owner"], query=query, page=number, per_page=per_page)
                assert page.segments, (query, number)
                counts.append(
                    _queries(
                        lambda q=query, n=number, size=per_page: (
                            segment_page(study=w["study"], user=w["owner"], query=q, page=n, per_page=size).groups
                        )
                    )
                )
        segments = find_segments(study=w["study"], user=w["owner"], query=RetrievalQuery())
        counts.append(_queries(lambda: segments_frame(study=w["study"], segments=segments)))
        return counts

    assert run(small) == run(large)


@pytest.mark.django_db
def test_page_view_queries_do_not_grow_with_results() -> None:
    from django.test import Client

    def page(w: dict[str, Any]) -> int:
        client = Client()
        client.force_login(w["owner"])
        url = reverse("coding:retrieval", args=[w["study"].slug])
        return _queries(lambda: client.get(url, {"code": str(w["a"].uuid)}))

    assert page(_world(2, 2, "s")) == page(_world(12, 9, "l"))


@pytest.mark.django_db
def test_kwic_lists_documents_in_natural_order(three_documents: dict[str, Any]) -> None:
    team = three_documents["team"]
    body = team.client("viewer").get(reverse("coding:kwic", args=[team.study.slug]), {"q": "second answer"})
    documents = re.findall(r'<td class="muted">([^<·]+?)(?: · [^<]*)?</td>', body.content.decode())
    assert documents == ["P2", "p3", "P10"]


# --- 2. the speaker once per turn -------------------------------------------------------------


@pytest.mark.django_db
def test_speaker_shown_once_per_turn_group(team: Team) -> None:
    t = make_transcript(
        team.study,
        "Interviewer: How was it?\n\nAlex: Slow. Really tough. Then fine.\n\nInterviewer: Why?\n\nAlex: Tooling.\n",
    )
    code = Code.objects.create(study=team.study, name="Experience")
    for part in ("Slow.", "Really tough.", "Then fine.", "Tooling."):
        code_text(t, code, part, team.coder)
    page = segment_page(study=team.study, user=team.coder, query=RetrievalQuery(), page=1)
    [document] = page.groups
    assert [(turn["speaker"], [r["text"] for r in turn["rows"]]) for turn in document["turns"]] == [
        ("Alex", ["Slow.", "Really tough.", "Then fine."]),
        ("Alex", ["Tooling."]),
    ]
    body = team.client("viewer").get(reverse("coding:retrieval", args=[team.study.slug]), {"code": str(code.uuid)})
    html = body.content.decode()
    assert html.count('class="segment-speaker"') == 2  # one per turn, not one per segment (4)
    assert html.count('class="segment-text"') == 4
    assert html.count('<h3 class="segment-doc-title">') == 1


# --- 1. expand in place, open in the reader ---------------------------------------------------

HOSTILE = (
    "Interviewer: Was it hard? <script>alert('i')</script>\n\n"
    "P7: It was really tough. <img src=x onerror=alert(1)> We managed.\n\n"
    "Interviewer: What helped?\n\n"
    "P7: Pairing.\n"
)


@pytest.fixture
def hostile(team: Team) -> dict[str, Any]:
    t = make_transcript(team.study, HOSTILE, "P7.txt")
    code = Code.objects.create(study=team.study, name="Difficulty")
    coding = code_text(t, code, "really tough.", team.coder)
    return {"team": team, "t": t, "code": code, "coding": coding}


def context_url(team: Team, t: Transcript) -> str:
    return reverse("coding:segment_context", args=[team.study.slug, t.uuid])


@pytest.mark.django_db
def test_results_offer_expansion_buttons_and_reader_link(hostile: dict[str, Any]) -> None:
    team, t, code, coding = hostile["team"], hostile["t"], hostile["code"], hostile["coding"]
    html = (
        team.client("viewer")
        .get(reverse("coding:retrieval", args=[team.study.slug]), {"code": str(code.uuid)})
        .content.decode()
    )
    reader = reverse("interviews:transcript_detail", args=[team.study.slug, t.uuid])
    assert f'href="{reader}#pos-{coding.start}-{coding.end}">Open in reader</a>' in html
    base = context_url(team, t)
    whole = f'hx-get="{base}?start={coding.start}&amp;end={coding.end}"'
    around = f'hx-get="{base}?start={coding.start}&amp;end={coding.end}&amp;around=on"'
    assert whole in html and around in html
    buttons = re.findall(r"<button [^>]*data-context[^>]*>", html)
    assert len(buttons) == 2
    assert all(
        'type="button"' in b and 'aria-expanded="false"' in b and 'aria-controls="context-0"' in b for b in buttons
    )
    assert 'id="context-0"' in html


@pytest.mark.django_db
def test_whole_turn_is_escaped_with_the_segment_marked(hostile: dict[str, Any]) -> None:
    team, t, coding = hostile["team"], hostile["t"], hostile["coding"]
    response = team.client("viewer").get(context_url(team, t), {"start": coding.start, "end": coding.end})
    assert response.status_code == 200
    html = response.content.decode()
    assert "context-speaker" not in html  # one turn: the result above already names its speaker
    assert "It was <mark>really tough.</mark> &lt;img src=x onerror=alert(1)&gt; We managed." in html
    assert "<img" not in html and "Was it hard" not in html and "Pairing" not in html


@pytest.mark.django_db
def test_one_turn_around_adds_the_turns_before_and_after_with_speakers(hostile: dict[str, Any]) -> None:
    team, t, coding = hostile["team"], hostile["t"], hostile["coding"]
    html = (
        team.client("viewer")
        .get(context_url(team, t), {"start": coding.start, "end": coding.end, "around": "on"})
        .content.decode()
    )
    speakers = re.findall(r'<p class="context-speaker">([^<]*)</p>', html)
    assert speakers == ["Interviewer", "P7", "Interviewer"]
    assert "Was it hard? &lt;script&gt;alert(&#x27;i&#x27;)&lt;/script&gt;" in html
    assert "<script>" not in html
    assert "What helped?" in html and "Pairing" not in html
    assert html.count("<mark>") == 1


@pytest.mark.django_db
def test_context_at_the_edges_and_across_turns(team: Team) -> None:
    t = make_transcript(
        team.study, "Interviewer: One.\n\nBea: Two.\n\nInterviewer: Three.\n\nBea: Four.\n", "edges.txt"
    )
    url = context_url(team, t)
    client = team.client("viewer")
    first = t.text.index("One.")
    html = client.get(url, {"start": first, "end": first + 4, "around": 1}).content.decode()
    assert re.findall(r'<p class="context-speaker">([^<]*)</p>', html) == [
        "Interviewer",
        "Bea",
    ]  # no turn before the first
    # A segment across two turns is shown in both, each with its speaker, marked in each.
    two, three = t.text.index("Two."), t.text.index("Three.")
    html = client.get(url, {"start": two, "end": three + 6}).content.decode()
    assert re.findall(r'<p class="context-speaker">([^<]*)</p>', html) == ["Bea", "Interviewer"]
    assert "<mark>Two.</mark>" in html and "<mark>Three.</mark>" in html


@pytest.mark.django_db
def test_context_of_a_document_without_turns_is_its_paragraphs(team: Team) -> None:
    t = Transcript.objects.create(
        study=team.study, title="Notes", text="First para.\n\nSecond para here.\n\nThird para."
    )
    start = t.text.index("para here")
    html = team.client("viewer").get(context_url(team, t), {"start": start, "end": start + 4}).content.decode()
    assert "Second <mark>para</mark> here." in html and "First" not in html
    html = (
        team.client("viewer")
        .get(context_url(team, t), {"start": start, "end": start + 4, "around": 1})
        .content.decode()
    )
    assert "First para." in html and "Third para." in html


@pytest.mark.django_db
def test_long_turns_are_cut_around_the_segment(team: Team) -> None:
    from coding.selectors.retrieval import CONTEXT_LIMIT

    words = "word " * 2000
    t = make_transcript(team.study, f"Interviewer: Go.\n\nP1: {words}NEEDLE {words}\n", "long.txt")
    start = t.text.index("NEEDLE")
    html = team.client("viewer").get(context_url(team, t), {"start": start, "end": start + 6}).content.decode()
    assert "<mark>NEEDLE</mark>" in html
    assert len(html) < 3 * CONTEXT_LIMIT and "… word" in html and "word …" in html


@pytest.mark.django_db
def test_context_rejects_bad_positions_and_outsiders(hostile: dict[str, Any]) -> None:
    team, t = hostile["team"], hostile["t"]
    url = context_url(team, t)
    viewer = team.client("viewer")
    assert viewer.get(url, {"start": 5, "end": 2}).status_code == 400
    assert viewer.get(url, {"start": 0, "end": len(t.text) + 1}).status_code == 400
    assert viewer.get(url, {"start": "x", "end": 2}).status_code == 400
    assert viewer.get(url, {"start": 0, "end": len(t.text)}).status_code == 200
    assert team.client("outsider").get(url, {"start": 0, "end": 3}).status_code == 404
    other = make_study("Other", owner=team.owner, slug="other")
    foreign = make_transcript(other, "X: elsewhere.\n", "x.txt")
    assert viewer.get(context_url(team, foreign), {"start": 0, "end": 3}).status_code == 404


@pytest.mark.django_db
def test_context_queries_do_not_grow_with_the_document(team: Team) -> None:
    small = make_transcript(team.study, interview("P1", ["a.", "b.", "c."]), "s.txt")
    large = make_transcript(team.study, interview("P2", [f"answer {i}." for i in range(200)]), "l.txt")
    client = team.client("viewer")

    def count(t: Transcript, part: str) -> int:
        start = t.text.index(part)
        return _queries(lambda: client.get(context_url(team, t), {"start": start, "end": start + 2, "around": 1}))

    assert count(small, "b.") == count(large, "answer 100.")


@pytest.mark.django_db
def test_whole_turn_button_hidden_when_the_segment_is_the_whole_turn(team: Team) -> None:
    t = make_transcript(team.study, "Interviewer: Well?\n\nP1: All of it.\n", "w.txt")
    code = Code.objects.create(study=team.study, name="All")
    code_text(t, code, "All of it.", team.coder)
    html = (
        team.client("viewer")
        .get(reverse("coding:retrieval", args=[team.study.slug]), {"code": str(code.uuid)})
        .content.decode()
    )
    assert ">Whole turn</button>" not in html and ">± 1 turn</button>" in html


# --- 3. codebook counts roll up ---------------------------------------------------------------


@pytest.fixture
def family(team: Team) -> dict[str, Any]:
    """Parent with no codings of its own; Child with 4, Grandchild with 3 (Child: 4 own, 7 in all)."""
    t = make_transcript(team.study, interview("P1", [f"answer number {i}." for i in range(7)]), "fam.txt")
    parent = Code.objects.create(study=team.study, name="Parent")
    child = Code.objects.create(study=team.study, name="Child", parent=parent)
    grandchild = Code.objects.create(study=team.study, name="Grandchild", parent=child)
    for i in range(7):
        code_text(t, child if i < 4 else grandchild, f"answer number {i}.", team.coder)
    return {"team": team, "parent": parent, "child": child, "grandchild": grandchild}


@pytest.mark.django_db
def test_parent_without_own_codings_shows_its_total(family: dict[str, Any]) -> None:
    team = family["team"]
    rows = {row.code.name: (row.count, row.total) for row in codebook_tree(study=team.study, user=team.viewer)}
    assert rows == {"Parent": (0, 7), "Child": (4, 7), "Grandchild": (3, 3)}
    html = team.client("viewer").get(reverse("coding:codebook", args=[team.study.slug])).content.decode()
    assert '(<span class="code-count-total">7</span> in all · 0 own)' in html  # Parent
    assert '(<span class="code-count-total">7</span> in all · 4 own)' in html  # Child
    assert '<span class="muted code-count" title="3 codings of “Grandchild”">(3)</span>' in html


@pytest.mark.django_db
def test_code_page_shows_own_count_and_sub_code_totals(family: dict[str, Any]) -> None:
    team, parent = family["team"], family["parent"]
    html = (
        team.client("viewer").get(reverse("coding:code_detail", args=[team.study.slug, parent.uuid])).content.decode()
    )
    assert '<strong class="code-count-total">7</strong> codings in all · 0 of its own' in html
    sub_codes = html[html.index('id="sub-codes"') : html.index("</section>", html.index('id="sub-codes"'))]
    assert ">Child</a>" in sub_codes and '<span class="code-count-total">7</span> in all · 4 own' in sub_codes
    assert "Grandchild" not in sub_codes  # only direct sub-codes; the grandchild is within Child's 7
    coder_html = (
        team.client("coder")
        .get(reverse("coding:code_detail", args=[team.study.slug, family["grandchild"].uuid]))
        .content.decode()
    )
    assert "Parent (7 in all, 0 own)</option>" in coder_html  # the merge target picker


# --- 4. the attribute filter's example uses the study's attributes ----------------------------


def _attributes(study: Study) -> None:
    seniority = participant_services.create_attribute(
        study=study, name="seniority", type="category", choices=["Junior", "Senior"]
    )
    years = participant_services.create_attribute(study=study, name="years coding", type="number")
    p = Participant.objects.create(study=study, label="P1")
    participant_services.save_participant(
        study=study, label="P1", values={seniority: "Senior", years: "12"}, participant=p
    )


@pytest.mark.django_db
def test_filter_placeholder_uses_the_study_attributes(team: Team) -> None:
    _attributes(team.study)
    help_ = filter_help(study=team.study)
    assert help_.names == ["seniority", "years coding"]
    assert help_.example == 'seniority in (Junior, Senior) and "years coding" >= 12'
    participant_filter(study=team.study, text=help_.example)  # valid for this study: raises otherwise
    html = team.client("viewer").get(reverse("coding:retrieval", args=[team.study.slug])).content.decode()
    field = re.search(r'<input type="text" id="where"[^>]*>', html)
    assert field is not None
    assert 'placeholder="seniority in (Junior, Senior) and &quot;years coding&quot; &gt;= 12"' in field.group(0)
    assert "role = DS" not in html and "resources" not in html and "organisation type" not in html
    assert "<code>seniority</code>, <code>years coding</code>" in html


@pytest.mark.django_db
def test_filter_example_for_each_attribute_type(team: Team) -> None:
    study = team.study
    make = participant_services.create_attribute
    joined = make(study=study, name="joined", type="date")
    remote = make(study=study, name="remote", type="boolean")
    title = make(study=study, name="title", type="text")
    p = Participant.objects.create(study=study, label="P1")
    participant_services.save_participant(
        study=study,
        label="P1",
        values={joined: "2021-03-04", remote: "no", title: "Principal machine learning engineer"},
        participant=p,
    )
    example = filter_help(study=study).example
    assert example == "joined >= 2021-03-04 and remote = no"
    participant_filter(study=study, text=example)
    Participant.objects.all().delete()
    make(study=study, name="and", type="text")  # a keyword as a name must be quoted
    assert quoted("and") == '"and"' and quoted('say "hi"') == '"say \\"hi\\""' and quoted("$$") == "$$"


@pytest.mark.django_db
def test_filter_without_attributes_says_so(team: Team) -> None:
    html = team.client("viewer").get(reverse("coding:retrieval", args=[team.study.slug])).content.decode()
    field = re.search(r'<input type="text" id="where"[^>]*>', html)
    assert field is not None and "disabled" in field.group(0) and "No participant attributes yet" in field.group(0)
    assert "This study has no participant attributes yet" in html


@pytest.mark.django_db
def test_search_and_code_page_list_documents_in_natural_order(team: Team) -> None:
    from coding.selectors.search import compile_pattern, search_hits

    code = Code.objects.create(study=team.study, name="Tough")
    for label in ("P10", "P2", "p3"):
        t = make_transcript(team.study, interview(label, ["really tough."]), f"{label}.txt")
        t.title = label
        t.save(update_fields=["title"])
        code_text(t, code, "really tough.", team.coder)
    hits = search_hits(study=team.study, pattern=compile_pattern(text="tough", mode="words"))
    assert [h.transcript.title for h in hits] == ["P2", "p3", "P10"]
    html = team.client("viewer").get(reverse("coding:code_detail", args=[team.study.slug, code.uuid])).content.decode()
    assert html.index(">P2</a>") < html.index(">p3</a>") < html.index(">P10</a>")


@pytest.mark.django_db
def test_a_speaker_label_that_names_its_participant_is_not_followed_by_it_again(team: Team) -> None:
    """“Dana (P1) (P1)”: the participant id was added after a label that already holds it."""
    from interviews.models import Speaker

    t = make_transcript(
        team.study, "Interviewer: Well?\n\nDana: It was hard.\n\nInterviewer: Why?\n\nDana: Time.\n", "d.txt"
    )
    p1 = Participant.objects.create(study=team.study, label="P1")
    Speaker.objects.filter(transcript=t, label="Dana").update(label="Dana (P1)", participant=p1)
    code = Code.objects.create(study=team.study, name="Hard")
    code_text(t, code, "It was hard.", team.coder)
    client = team.client("viewer")
    page = client.get(reverse("coding:retrieval", args=[team.study.slug]), {"code": str(code.uuid)}).content.decode()
    assert '<p class="segment-speaker">Dana (P1)</p>' in page
    reader = client.get(reverse("interviews:transcript_detail", args=[team.study.slug, t.uuid])).content.decode()
    assert "Dana (P1)" in reader and '<span class="turn-participant">P1</span>' not in reader
