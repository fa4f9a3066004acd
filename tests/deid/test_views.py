"""The de-identification pages: who sees what, escaping, decisions from forms, the scan from the page."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from deid import detect, services
from deid.models import Proposal, ProposalStatus, Pseudonym
from interviews.models import Transcript
from interviews.services.imports import import_transcript
from tests.conftest import Team, csrf_post

pytestmark = pytest.mark.django_db

HOSTILE = "Interviewer: Who?\n\nP1: My boss <script>alert(1)</script> Tom Baker at Quorvex Analytics said hi.\n"


@pytest.fixture(autouse=True)
def _quiet(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    settings.THEMATICA_NLP_ON_TEXT_CHANGE = False
    monkeypatch.setattr(detect, "ner_status", lambda: detect.NerStatus(False, "off in these tests"))


def scanned(team: Team) -> Transcript:
    transcript = import_transcript(
        study=team.study, filename="p1.txt", data=HOSTILE.encode(), user=team.coder, title="Interview 1"
    ).transcript
    services.scan_transcript(transcript=transcript)
    return transcript


def test_mapping_is_for_owners_only(team: Team) -> None:
    scanned(team)
    url = reverse("deid:mapping", args=[team.study.slug])
    assert team.client("outsider").get(url).status_code == 404
    assert team.client("viewer").get(url).status_code == 403
    assert team.client("coder").get(url).status_code == 403
    page = team.client("owner").get(url)
    assert page.status_code == 200
    assert "Tom Baker" in page.text and "Person 1" in page.text and "Company 1" in page.text


def test_review_highlights_proposals_and_escapes_the_text(team: Team) -> None:
    transcript = scanned(team)
    page = team.client("owner").get(reverse("deid:review", args=[team.study.slug, transcript.uuid]))
    assert page.status_code == 200
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    tom = Proposal.objects.get(original="Tom Baker")
    assert f'id="p-{tom.pk}"' in page.text and ">Tom Baker</mark>" in page.text
    assert reverse("deid:apply", args=[team.study.slug, transcript.uuid]) not in page.text  # nothing accepted yet
    assert "Study mapping" in page.text


def test_non_owners_never_see_the_pairs_nor_a_link_to_them(team: Team) -> None:
    """Pseudonyms are study-wide: a review page's "Tom Baker → Person 1" says who "Person 1" is in
    every document already de-identified, so the review and its actions are for owners only."""
    transcript = scanned(team)
    slug = team.study.slug
    review = reverse("deid:review", args=[slug, transcript.uuid])
    assert team.client("outsider").get(review).status_code == 404
    for role in ("viewer", "coder"):
        assert team.client(role).get(review).status_code == 403
        for name in ("scan", "decide", "apply"):
            assert (
                csrf_post(team.client(role), reverse(f"deid:{name}", args=[slug, transcript.uuid])).status_code == 403
            )
        for page in (reverse("interviews:transcript_detail", args=[slug, transcript.uuid]),
                     reverse("interviews:document_list", args=[slug])):  # fmt: skip
            assert review not in team.client(role).get(page).text
    assert (
        review in team.client("owner").get(reverse("interviews:transcript_detail", args=[slug, transcript.uuid])).text
    )


def test_decide_accept_edit_reject_and_apply_from_forms(team: Team) -> None:
    transcript = scanned(team)
    client = team.client("owner")
    decide = reverse("deid:decide", args=[team.study.slug, transcript.uuid])
    tom = Proposal.objects.get(original="Tom Baker")
    firm = Proposal.objects.get(original="Quorvex Analytics")
    response = csrf_post(client, decide, {"action": "accept", "proposals": [tom.pk]})
    assert response.status_code == 302 and response["Location"].endswith(f"#p-{firm.pk}")  # on to the next undecided
    response = csrf_post(client, decide, {"action": "edit", "proposals": [firm.pk], "pseudonym": "a fintech"})
    assert response.status_code == 302
    assert Pseudonym.objects.get(key="quorvex analytics").pseudonym == "a fintech"
    response = csrf_post(client, decide, {"action": "edit", "proposals": [firm.pk], "pseudonym": ""})
    assert response.status_code == 400
    response = csrf_post(client, decide, {"action": "accept", "proposals": [999999]})
    assert response.status_code == 400
    response = csrf_post(
        client, reverse("deid:apply", args=[team.study.slug, transcript.uuid]), {"version": transcript.text_version}
    )
    assert response.status_code == 302
    transcript.refresh_from_db()
    assert "My boss <script>alert(1)</script> Person 1 at a fintech said hi." in transcript.text
    # Applying again from the stale page: refused, nothing changed.
    response = csrf_post(client, reverse("deid:apply", args=[team.study.slug, transcript.uuid]), {"version": 1})
    assert response.status_code == 409
    assert Transcript.objects.get(pk=transcript.pk).text_version == 2


def test_accept_all_of_a_kind_from_the_page(team: Team) -> None:
    transcript = scanned(team)
    response = csrf_post(
        team.client("owner"), reverse("deid:decide", args=[team.study.slug, transcript.uuid]),
        {"action": "accept_kind", "kind": "person"},
    )  # fmt: skip
    assert response.status_code == 302
    assert set(Proposal.objects.filter(kind="person").values_list("status", flat=True)) == {ProposalStatus.ACCEPTED}
    assert set(Proposal.objects.exclude(kind="person").values_list("status", flat=True)) == {ProposalStatus.PROPOSED}


def test_scan_from_the_page_runs_the_job(team: Team, django_capture_on_commit_callbacks: Any) -> None:
    transcript = import_transcript(
        study=team.study, filename="p1.txt", data=HOSTILE.encode(), user=team.coder, title="Interview 1"
    ).transcript
    with django_capture_on_commit_callbacks(execute=True):
        response = csrf_post(team.client("owner"), reverse("deid:scan", args=[team.study.slug, transcript.uuid]))
    assert response.status_code == 302
    page = team.client("owner").get(response["Location"])
    assert ">Tom Baker</mark>" in page.text and "Review the de-identification" in page.text


def test_revert_is_for_owners(team: Team) -> None:
    transcript = scanned(team)
    services.decide_kind(transcript=transcript, kind="person", status=ProposalStatus.ACCEPTED, user=team.coder)
    application = services.apply_proposals(transcript=transcript, user=team.coder, expected_version=1).application
    url = reverse("deid:revert", args=[team.study.slug, application.pk])
    assert csrf_post(team.client("coder"), url).status_code == 403
    assert csrf_post(team.client("owner"), url).status_code == 302
    assert "Tom Baker" in Transcript.objects.get(pk=transcript.pk).text
