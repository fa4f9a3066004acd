"""Finding pages, the excerpt picker, the technique page's citations and browse mode."""

from __future__ import annotations

import pytest
from django.urls import reverse

from interviews.services.imports import import_transcript
from themes.models import FindingExcerpt, FindingTechnique, ThemeStatus
from themes.services import findings as services
from themes.services.themes import create_theme, set_status

from ..conftest import Team, csrf_post
from .findings_world import World, build, code

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(team: Team) -> World:
    return build(team.study, team.coder)


def detail(world: World) -> str:
    return reverse("themes:finding_detail", args=[world.study.slug, world.finding.uuid])


def test_create_from_theme_then_quote_from_picker(world: World, team: Team) -> None:
    client = team.client("coder")
    response = csrf_post(client, reverse("themes:finding_create", args=[world.study.slug, world.theme.uuid]),
                         {"claim": "Users act on explanations."})  # fmt: skip
    finding = world.theme.findings.get(claim="Users act on explanations.")
    assert response.status_code == 302 and str(finding.uuid) in response["Location"]
    coding = code(world, world.group, "Because users can act on them.", world.action, team.coder)
    code(world, world.r1, "Mostly.", world.trust, team.coder)
    url = reverse("themes:finding_detail", args=[world.study.slug, finding.uuid])
    # The picker narrowed to R3's documents and to words: only the group interview's coding.
    page = client.get(url, {"participant": str(world.participants["R3"].uuid), "q": "act on"})
    assert page.status_code == 200
    picker = page.content.decode().split('id="picker"')[1]
    assert "Because users can act on them." in picker and "Mostly." not in picker
    response = csrf_post(client, reverse("themes:excerpt_add", args=[world.study.slug, finding.uuid]),
                         {"coding": str(coding.uuid), "kind": "support", "picker": "q=act+on&evil=1"})  # fmt: skip
    assert response.status_code == 302 and "q=act+on" in response["Location"] and "evil" not in response["Location"]
    page = client.get(url)
    assert "R3 — 1 of 5 participants" in page.content.decode()


def test_quotes_are_escaped(team: Team) -> None:
    transcript = import_transcript(
        study=team.study, filename="x.txt", data=b"P1: <script>alert(1)</script> is what I said.\n", user=None
    ).transcript
    from coding.models import Code
    from coding.services.codings import apply_coding

    evil = Code.objects.create(study=team.study, name="<b>code</b>")
    theme = create_theme(study=team.study, user=team.coder, name="<i>theme</i>", codes=[evil], status=ThemeStatus.FINAL)
    finding = services.create_finding(theme=theme, user=team.coder, claim="<img src=x onerror=alert(1)>")
    start = transcript.text.index("<script>")
    coding, _ = apply_coding(transcript=transcript, code=evil, start=start, end=start + 26, coder=team.coder)
    services.add_excerpt(finding=finding, user=team.coder, coding_uuid=coding.uuid)
    for url in (
        reverse("themes:finding_detail", args=[team.study.slug, finding.uuid]),
        reverse("themes:browse_theme", args=[team.study.slug, theme.uuid]),
    ):
        html = team.client("viewer").get(url).content.decode()
        assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert "<img src=x" not in html and "<b>code</b>" not in html


def test_viewer_reads_without_forms(world: World, team: Team) -> None:
    html = team.client("viewer").get(detail(world)).content.decode()
    assert world.finding.claim in html
    assert 'id="picker"' not in html and "Delete this finding" not in html


def test_stale_edit_answers_conflict(world: World, team: Team) -> None:
    url = reverse("themes:finding_edit", args=[world.study.slug, world.finding.uuid])
    data = {"claim": "First", "narrative": "", "version": 1}
    assert csrf_post(team.client("coder"), url, data).status_code == 302
    response = csrf_post(team.client("owner"), url, {**data, "claim": "Second"})
    assert response.status_code == 409
    world.finding.refresh_from_db()
    assert world.finding.claim == "First"


def test_cite_and_technique_page_lists_the_finding(world: World, team: Team) -> None:
    coding = code(world, world.r1, "Because users can act on them.", world.trust, team.coder)
    services.add_excerpt(finding=world.finding, user=team.coder, coding_uuid=coding.uuid)
    response = csrf_post(team.client("coder"), reverse("themes:finding_cite", args=[world.study.slug, world.finding.uuid]),
                         {"technique": "counterfactual-explanations"})  # fmt: skip
    assert response.status_code == 302
    assert FindingTechnique.objects.filter(finding=world.finding).count() == 1
    page = team.client("viewer").get(detail(world)).content.decode()
    technique_url = reverse("explainers:technique_detail", args=[world.study.slug, "counterfactual-explanations"])
    assert f'href="{technique_url}"' in page
    html = team.client("viewer").get(technique_url).content.decode()
    assert world.finding.claim in html and "Because users can act on them." in html
    assert "R1 — 1 of 5 participants" in html
    assert reverse("themes:finding_detail", args=[world.study.slug, world.finding.uuid]) in html
    # A deleted finding no longer cites anything on the technique page.
    services.delete_finding(finding=world.finding, user=team.coder)
    assert world.finding.claim not in team.client("viewer").get(technique_url).content.decode()


def test_browse_shows_reviewed_and_final_themes_in_tree_order(world: World, team: Team) -> None:
    # world.theme is a candidate: hidden, but its reviewed sub-theme is shown (at the top level).
    top = create_theme(study=world.study, user=team.coder, name="Overarching", status=ThemeStatus.FINAL)
    inner = create_theme(study=world.study, user=team.coder, name="Detailed", parent=top, status=ThemeStatus.REVIEWED)
    orphan = create_theme(study=world.study, user=team.coder, name="Under a candidate", parent=world.theme)
    set_status(theme=orphan, user=team.owner, status=ThemeStatus.REVIEWED)
    client = team.client("viewer")
    html = client.get(reverse("themes:browse", args=[world.study.slug])).content.decode()
    assert "Overarching" in html and "Detailed" in html and "Under a candidate" in html
    assert world.theme.name.replace("'", "&#x27;") not in html
    assert client.get(reverse("themes:browse_theme", args=[world.study.slug, world.theme.uuid])).status_code == 404
    # Tree order: the candidate's reviewed sub-theme in its place (first root), then Overarching > Detailed.
    page = client.get(reverse("themes:browse_theme", args=[world.study.slug, inner.uuid]))
    body = page.content.decode()
    assert [t.name for t in page.context["node"].path] == ["Overarching"]
    assert (page.context["previous"].theme, page.context["next"], page.context["position"]) == (top, None, 3)
    first = client.get(reverse("themes:browse_theme", args=[world.study.slug, orphan.uuid]))
    assert (first.context["previous"], first.context["next"].theme) == (None, top)
    assert 'rel="prev"' in body and 'rel="next"' not in body
    assert "browse.js" in body


def test_browse_theme_shows_quotes_with_participant_and_reader_link(world: World, team: Team) -> None:
    set_status(theme=world.theme, user=team.owner, status=ThemeStatus.FINAL)
    coding = code(world, world.group, "We plot SHAP values", world.trust, team.coder)
    excerpt = services.add_excerpt(finding=world.finding, user=team.coder, coding_uuid=coding.uuid)
    html = (
        team.client("viewer")
        .get(reverse("themes:browse_theme", args=[world.study.slug, world.theme.uuid]), {"present": "1"})
        .content.decode()
    )
    reader = reverse("interviews:transcript_detail", args=[world.study.slug, world.group.uuid])
    assert f"{reader}#pos-{excerpt.start}-{excerpt.end}" in html
    assert "R3 — 1 of 5 participants" in html and "presenting" in html
    # Each claim opens its own finding page (to open or share one claim).
    assert f'href="{reverse("themes:finding_detail", args=[world.study.slug, world.finding.uuid])}"' in html
    assert '1 of 1 Public <span class="muted">(Organisation type)</span>' in html
    assert FindingExcerpt.objects.count() == 1


def test_picker_lists_documents_in_reading_order(world: World, team: Team) -> None:
    for transcript in (world.r10, world.r1, world.group):
        code(world, transcript, "Mostly.", world.trust, team.coder)
    page = team.client("coder").get(detail(world))
    titles = [row["title"] for row in page.context["picker"]["rows"]]
    # Natural title order ("Group" < "R1 interview" < "R10 interview"), not creation order (R1, Group, R10).
    assert titles == ["Group", "R1 interview", "R10 interview"]


def test_coder_attributes_participants_without_a_quote(world: World, team: Team) -> None:
    from interviews.models import Participant

    url = reverse("themes:finding_attribute", args=[world.study.slug, world.finding.uuid])
    page = team.client("coder").get(detail(world)).content.decode()
    assert url in page and "Participants supporting the claim without a quote" in page
    r3 = world.participants["R3"].pk
    assert csrf_post(team.client("coder"), url, {"participants": [str(r3)]}).status_code == 302
    page = team.client("viewer").get(detail(world)).content.decode()
    assert "R3 — 1 of 5 participants" in page
    assert "None quoted. Attributed without a quote: R3." in page
    assert url not in page  # viewers see the coverage, not the form
    # A participant of another study (or a made-up id) is refused with a message, nothing saved.
    from studies.models import Study

    stranger = Participant.objects.create(study=Study.objects.create(title="Other", slug="other-x"), label="Z")
    response = csrf_post(team.client("coder"), url, {"participants": [str(stranger.pk)]}, follow=True)
    assert "not in this study" in response.content.decode()
    assert list(world.finding.attributed.values_list("participant_id", flat=True)) == [r3]
