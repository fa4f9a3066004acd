"""The board and a theme's page: forms without JS, JSON for the board's script, review aids, query counts."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from coding.models import Code
from tests.conftest import Team, csrf_post
from themes.models import Theme, ThemeCode
from themes.services import themes as services

from .helpers import add_documents, build_world

pytestmark = pytest.mark.django_db


def test_board_lists_themes_nested_and_unassigned_codes(team: Team) -> None:
    world = build_world(team.study, team.coder)
    top = services.create_theme(study=team.study, user=team.coder, name="Overarching <b>x</b>")
    services.create_theme(study=team.study, user=team.coder, name="Detailed", parent=top, codes=[world.codes["A"]])
    response = team.client("viewer").get(reverse("themes:board", args=[team.study.slug]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Overarching &lt;b&gt;x&lt;/b&gt;" in html  # names are escaped
    unassigned = html.split('id="unassigned"')[1].split("</section>")[0]
    assert ">B <" in unassigned and ">C <" in unassigned and ">A <" not in unassigned
    # A viewer gets no forms to change anything.
    assert "Create theme" not in html and 'draggable="true"' not in html


def test_create_theme_and_sub_theme_without_js(team: Team) -> None:
    client = team.client("coder")
    url = reverse("themes:board", args=[team.study.slug])
    response = csrf_post(client, url, {"name": "It's Tough.", "definition": "Hard work"})
    assert response.status_code == 302
    top = Theme.objects.get(name="It's Tough.")
    response = csrf_post(client, url, {"name": "Sub", "parent": str(top.uuid)})
    assert Theme.objects.get(name="Sub").parent == top
    response = csrf_post(client, url, {"name": ""})
    assert response.status_code == 400 and "A theme needs a name." in response.content.decode()


def test_code_move_form_and_json(team: Team) -> None:
    world = build_world(team.study, team.coder)
    one = services.create_theme(study=team.study, user=team.coder, name="One")
    two = services.create_theme(study=team.study, user=team.coder, name="Two")
    client = team.client("coder")
    url = reverse("themes:code_move", args=[team.study.slug])
    a = world.codes["A"]
    response = csrf_post(client, url, {"code": str(a.uuid), "target": str(one.uuid)})
    assert response.status_code == 302 and ThemeCode.objects.filter(theme=one, code=a).exists()
    response = csrf_post(client, url, {"code": str(a.uuid), "source": str(one.uuid), "target": str(two.uuid)},
                         HTTP_ACCEPT="application/json")  # fmt: skip
    assert response.status_code == 200 and response.json()["moved"] == str(a.uuid)
    assert list(ThemeCode.objects.filter(code=a).values_list("theme__name", flat=True)) == ["Two"]
    # Neither source nor target; an unknown theme; a code of another study: 400 with a message.
    for data in ({"code": str(a.uuid)}, {"code": str(a.uuid), "target": "00000000-0000-0000-0000-000000000001"},
                 {"code": "not-a-uuid", "target": str(one.uuid)}):  # fmt: skip
        response = csrf_post(client, url, data, HTTP_ACCEPT="application/json")
        assert response.status_code == 400 and response.json()["error"]


def test_theme_move_refuses_a_cycle_with_a_message(team: Team) -> None:
    top = services.create_theme(study=team.study, user=team.coder, name="Top")
    low = services.create_theme(study=team.study, user=team.coder, name="Low", parent=top)
    url = reverse("themes:move", args=[team.study.slug, top.uuid])
    response = csrf_post(team.client("coder"), url, {"parent": str(low.uuid)}, HTTP_ACCEPT="application/json")
    assert response.status_code == 400 and "inside itself" in response.json()["error"]
    top.refresh_from_db()
    assert top.parent is None


def test_theme_page_review_aids(team: Team) -> None:
    world = build_world(team.study, team.coder)
    theme = services.create_theme(study=team.study, user=team.coder, name="Explaining", codes=[world.codes["A"]])
    response = team.client("viewer").get(reverse("themes:detail", args=[team.study.slug, theme.uuid]))
    assert response.status_code == 200
    ctx = response.context
    # A is coded in both documents, of R1 and R2; R3 has no document.
    assert [label for label, _, _ in ctx["with_support"]] == ["R1", "R2"]
    assert [label for label, _ in ctx["without_support"]] == ["R3"]
    # A's codings overlap B's (outside the theme) in both documents; none overlaps C. (Loaded after the page.)
    boundary = team.client("viewer").get(reverse("themes:boundary", args=[team.study.slug, theme.uuid]))
    cues = boundary.context["cues"]
    assert [(c.inside.name, c.outside.name, c.pairs, c.share) for c in cues] == [("A", "B", 2, 1.0)]
    assert "Share of the inside code" in boundary.content.decode()
    # Excerpts grouped by code, then participant.
    groups = ctx["groups"]
    assert [g["code"].name for g in groups] == ["A"]
    assert [p["label"] for p in groups[0]["participants"]] == ["R1", "R2"]
    assert groups[0]["participants"][0]["rows"][0]["text"] == "P1: We use"
    html = response.content.decode()
    assert "2 of 3 participants" in html


def test_sub_theme_codes_count_for_the_overarching_theme(team: Team) -> None:
    world = build_world(team.study, team.coder)
    top = services.create_theme(study=team.study, user=team.coder, name="Top")
    services.create_theme(study=team.study, user=team.coder, name="Low", parent=top, codes=[world.codes["C"]])
    ctx = team.client("viewer").get(reverse("themes:detail", args=[team.study.slug, top.uuid])).context
    assert [label for label, _, _ in ctx["with_support"]] == ["R1"]
    assert ctx["page"].total == 1


def test_edit_conflict_shows_their_version(team: Team) -> None:
    theme = services.create_theme(study=team.study, user=team.coder, name="T")
    services.update_theme(theme=theme, user=team.owner, expected_version=1, definition="Owner's words")
    url = reverse("themes:edit", args=[team.study.slug, theme.uuid])
    response = csrf_post(team.client("coder"), url, {"name": "T", "definition": "Mine", "narrative": "", "version": 1})
    assert response.status_code == 409
    html = response.content.decode()
    assert "Owner&#x27;s words" in html and "nothing was saved" in html
    theme.refresh_from_db()
    assert theme.definition == "Owner's words"


def test_status_and_narrative_markdown_is_escaped(team: Team) -> None:
    theme = services.create_theme(study=team.study, user=team.coder, name="T")
    client = team.client("coder")
    csrf_post(client, reverse("themes:edit", args=[team.study.slug, theme.uuid]),
              {"name": "T", "definition": "", "narrative": "**bold** <script>alert(1)</script>", "version": 1})  # fmt: skip
    csrf_post(client, reverse("themes:status", args=[team.study.slug, theme.uuid]), {"status": "final", "version": 2})
    theme.refresh_from_db()
    assert theme.status == "final" and theme.status_by == team.coder
    html = client.get(reverse("themes:detail", args=[team.study.slug, theme.uuid])).content.decode()
    assert "<strong>bold</strong>" in html and "<script>alert(1)" not in html
    assert "Marked final by cora_coder" in html


def test_accepting_a_suggestion_creates_a_candidate_theme(team: Team) -> None:
    world = build_world(team.study, team.coder)
    client = team.client("coder")
    response = client.get(reverse("themes:suggestions", args=[team.study.slug]))
    suggestions = response.context["suggestions"]
    # A and B overlap in both documents (Jaccard 2 / (2 + 2 - 2) = 1); C and D overlap nothing.
    assert [[c.name for c in s.codes] for s in suggestions] == [["A", "B"]]
    codes = ",".join(str(world.codes[n].uuid) for n in "AB")
    url = reverse("themes:suggestion_decide", args=[team.study.slug])
    csrf_post(client, url, {"action": "accept", "codes": codes, "name": "Explanations"})
    theme = Theme.objects.get(name="Explanations")
    assert theme.status == "candidate"
    assert set(ThemeCode.objects.filter(theme=theme).values_list("code__name", flat=True)) == {"A", "B"}
    assert client.get(reverse("themes:suggestions", args=[team.study.slug])).context["suggestions"] == []


def test_ignoring_a_suggestion_hides_it(team: Team) -> None:
    world = build_world(team.study, team.coder)
    client = team.client("coder")
    codes = ",".join(str(world.codes[n].uuid) for n in "BA")
    csrf_post(client, reverse("themes:suggestion_decide", args=[team.study.slug]), {"action": "ignore", "codes": codes})
    response = client.get(reverse("themes:suggestions", args=[team.study.slug]))
    assert response.context["suggestions"] == [] and not Theme.objects.exists()


def _queries(client, url: str) -> int:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_board_and_theme_page_query_counts_do_not_grow(team: Team) -> None:
    world = build_world(team.study, team.coder, documents=2)
    client = team.client("coder")
    board = reverse("themes:board", args=[team.study.slug])
    top = services.create_theme(study=team.study, user=team.coder, name="Top", codes=[world.codes["A"]])
    page = reverse("themes:detail", args=[team.study.slug, top.uuid])
    small = (_queries(client, board), _queries(client, page))
    # Ten times the themes, nested, and more codes in each; more documents and codings.
    add_documents(world, 6)
    extra = [Code.objects.create(study=team.study, name=f"E{i}") for i in range(20)]
    for i in range(10):
        mid = services.create_theme(
            study=team.study, user=team.coder, name=f"Mid {i}", parent=top, codes=extra[i : i + 5]
        )
        services.create_theme(
            study=team.study, user=team.coder, name=f"Low {i}", parent=mid, codes=extra[i + 5 : i + 8]
        )
    services.add_codes(theme=top, user=team.coder, codes=[world.codes["C"], world.codes["D"]])
    large = (_queries(client, board), _queries(client, page))
    assert small == large


def test_excerpts_are_paged_and_filtered_by_code(team: Team) -> None:
    from coding.models import Coding

    world = build_world(team.study, team.coder, documents=1)
    transcript = world.transcripts[0]
    # 120 more codings of A (one-character spans), so A has 121 and B 1: three pages of 50 for A.
    Coding.objects.bulk_create(
        Coding(study=team.study, transcript=transcript, text_version=transcript.text_version, code=world.codes["A"],
               coder=team.owner, start=i, end=i + 1)
        for i in range(40, 160)
    )  # fmt: skip
    theme = services.create_theme(
        study=team.study, user=team.coder, name="T", codes=[world.codes["A"], world.codes["B"]]
    )
    url = reverse("themes:detail", args=[team.study.slug, theme.uuid])
    client = team.client("viewer")
    first = client.get(url).context
    assert first["page"].total == 122 and first["pages"] == 3 and len(first["page"].rows) == 50
    last = client.get(url + "?page=3").context
    assert len(last["page"].rows) == 22
    only_b = client.get(f"{url}?code={world.codes['B'].uuid}").context
    assert only_b["page"].total == 1 and [g["code"].name for g in only_b["groups"]] == ["B"]
    # A code not in the theme is ignored (all of the theme's excerpts).
    assert client.get(f"{url}?code={world.codes['C'].uuid}").context["page"].total == 122


def test_boundary_of_a_large_theme_is_counted_in_its_first_documents(team: Team, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from themes import suggest

    world = build_world(team.study, team.coder, documents=3)
    theme = services.create_theme(study=team.study, user=team.coder, name="Explaining", codes=[world.codes["A"]])
    monkeypatch.setattr(suggest, "BOUNDARY_CODINGS", 1)
    monkeypatch.setattr(suggest, "BOUNDARY_DOCUMENTS", 2)
    response = team.client("viewer").get(reverse("themes:boundary", args=[team.study.slug, theme.uuid]))
    boundary = response.context["boundary"]
    assert (boundary.documents, boundary.of_documents) == (2, 3)
    # In those two documents: A overlaps B twice, and A has two codings there (share 100 %).
    assert [(c.inside.name, c.outside.name, c.pairs, c.share) for c in boundary.cues] == [("A", "B", 2, 1.0)]
    assert "first 2 of the 3 documents" in response.content.decode()
