"""Leftovers of the themes issue, below the browser: the history a board move and a document's
deletion write, a document marked as no interview, an excerpt's line naming its participant once."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from coding.models import Code, LogEntry
from coding.services.history import undo_last
from interviews.models import Transcript, TranscriptMode
from interviews.services.documents import delete_transcript
from tests.conftest import Team
from tests.themes.findings_world import build, code
from themes.coverage import document_label
from themes.services.findings import add_excerpt, create_finding
from themes.services.themes import create_theme, move_theme_code

pytestmark = pytest.mark.django_db


# --- 1. a board move's history reads as what was done -------------------------------------------------


def test_a_move_between_themes_is_one_batch_named_by_the_move(team: Team) -> None:
    """ "Undo my last change" names a batch by its oldest entry: for a move that is the move itself,
    not "took 1 code out of …" (read as what the undo did)."""
    a = Code.objects.create(study=team.study, name="Budget")
    one = create_theme(study=team.study, user=team.coder, name="Money", codes=[a])
    two = create_theme(study=team.study, user=team.coder, name="Time")
    move = move_theme_code(code=a, user=team.coder, source=one, target=two)
    assert move is not None and (move.kind, move.code, move.source, move.target) == ("move", "Budget", "Money", "Time")
    assert LogEntry.objects.filter(batch=move.batch).count() == 2
    outcome = undo_last(study=team.study, user=team.coder)
    assert outcome.summary == "moved “Budget” from theme “Money” to theme “Time” (and 1 more)"
    out = move_theme_code(code=a, user=team.coder, source=one, target=None)
    assert out is not None and out.kind == "take"
    assert LogEntry.objects.get(batch=out.batch).summary == "took “Budget” out of theme “Money”"
    # Dropped where it already is: nothing done, nothing to undo.
    assert move_theme_code(code=a, user=team.coder, source=None, target=None) is None


# --- 4. a document that is not an interview -----------------------------------------------------------


def test_a_document_is_marked_as_not_an_interview_on_its_details_page(team: Team, client: Client) -> None:
    world = build(team.study, team.coder)
    client.force_login(team.owner)
    edit = reverse("interviews:document_edit", args=[team.study.slug, world.group.uuid])
    assert "Not an interview (other text)" in client.get(edit).content.decode()
    response = client.post(edit, {"title": "Group", "mode": TranscriptMode.OTHER, "language": "en"})
    assert response.status_code == 302
    world.group.refresh_from_db()
    assert world.group.mode == TranscriptMode.OTHER and not world.group.is_interview
    page = client.get(reverse("interviews:transcript_detail", args=[team.study.slug, world.group.uuid])).content
    assert b"Not an interview</strong>" in page


# --- 5. an excerpt's line names its participant once -------------------------------------------------


@pytest.mark.parametrize(
    ("title", "participants", "shown"),
    [
        ("R2 — published quotes (Hopkins & Booth 2021)", ["R2"], "published quotes (Hopkins & Booth 2021)"),
        ("R2 interview", ["R2"], "interview"),
        ("R10 interview", ["R1"], "R10 interview"),  # R1 is not R10's prefix
        ("R10 interview", ["R1", "R10"], "interview"),
        ("R2", ["R2"], "document"),
        ("Group", ["R2", "R3"], "Group"),
        ("Interview with R2", ["R2"], "Interview with R2"),
    ],
)
def test_document_label(title: str, participants: list[str], shown: str) -> None:
    assert document_label(title, participants) == shown


def test_excerpt_lines_name_the_participant_once(team: Team, client: Client) -> None:
    world = build(team.study, team.coder)
    mine = code(world, world.r1, "Mostly.", world.trust, team.coder)
    theirs = code(world, world.r10, "Mostly.", world.trust, team.coder)
    add_excerpt(finding=world.finding, user=team.coder, coding_uuid=mine.uuid)
    add_excerpt(finding=world.finding, user=team.coder, coding_uuid=theirs.uuid)
    client.force_login(team.owner)
    slug = team.study.slug
    for url in (reverse("themes:finding_detail", args=[slug, world.finding.uuid]),
                reverse("themes:detail", args=[slug, world.theme.uuid])):  # fmt: skip
        page = client.get(url).content.decode()
        # Shown as a link's text the title would repeat the participant; as its tooltip it may stay.
        assert not re.search(r">\s*R10? interview", page)
        assert {"R1", "R10"} <= set(re.findall(r'title="(R10?) interview">interview[ <]', page))


# --- 6. deleting a document writes why its quotes went ----------------------------------------------


def test_deleting_a_document_tells_each_finding_why_its_quotes_went(team: Team, client: Client) -> None:
    world = build(team.study, team.coder)
    add_excerpt(finding=world.finding, user=team.coder,
                coding_uuid=code(world, world.r1, "Mostly.", world.trust, team.coder).uuid)  # fmt: skip
    add_excerpt(finding=world.finding, user=team.coder,
                coding_uuid=code(world, world.r1, "Because users", world.action, team.coder).uuid)  # fmt: skip
    other = create_finding(theme=world.theme, user=team.coder, claim="Nobody reads LIME.")
    add_excerpt(
        finding=other, user=team.coder, coding_uuid=code(world, world.r10, "Mostly.", world.trust, team.coder).uuid
    )
    client.force_login(team.owner)
    response = client.post(reverse("interviews:document_delete", args=[team.study.slug, world.r1.uuid]))
    assert response.status_code == 302 and not Transcript.objects.filter(pk=world.r1.pk).exists()
    deletion = LogEntry.objects.get(object_type="transcript", action="delete", object_uuid=world.r1.uuid)
    assert deletion.user == team.owner and deletion.summary == "deleted document “R1 interview” with its codings"
    # One batch: the deletion and the finding that lost quotes (the other finding quoted R10 only).
    entries = LogEntry.objects.filter(batch=deletion.batch).exclude(pk=deletion.pk)
    assert [(e.object_type, e.object_uuid, e.action) for e in entries] == [
        ("finding", world.finding.uuid, "document_deleted")
    ]
    assert entries[0].summary == (
        "2 quotes of “Practitioners trust SHAP plots.” no longer count: their document “R1 interview” was "
        "deleted (“Mostly.”, “Because users”)"
    )
    activity = client.get(reverse("coding:activity", args=[team.study.slug]) + "?type=finding").content.decode()
    assert "their document “R1 interview” was deleted" in activity


def test_deleting_an_unquoted_document_writes_only_the_deletion(team: Team) -> None:
    world = build(team.study, team.coder)
    delete_transcript(transcript=world.group, user=team.owner)
    assert list(LogEntry.objects.values_list("object_type", "action")[:10]).count(("finding", "document_deleted")) == 0
    assert LogEntry.objects.filter(object_type="transcript", action="delete", object_uuid=world.group.uuid).exists()


def test_undo_my_last_change_reaches_past_a_change_it_cannot_undo(team: Team, client: Client) -> None:
    """A deleted document (or a finding's edit) cannot be undone here; "Undo my last change" undoes the
    change before it instead of refusing, and the Activity page offers Undo only where it works."""
    world = build(team.study, team.coder)
    coding = code(world, world.r1, "Mostly.", world.trust, team.coder)
    delete_transcript(transcript=world.group, user=team.coder)
    outcome = undo_last(study=team.study, user=team.coder)
    assert "Mostly." in outcome.summary or "Trust" in outcome.summary
    coding.refresh_from_db()
    assert coding.retired_at is not None
    client.force_login(team.coder)
    page = client.get(reverse("coding:activity", args=[team.study.slug])).content.decode()
    rows = re.findall(r"<tr class=\"[^\"]*\">(.*?)</tr>", page, flags=re.S)
    deletion = next(r for r in rows if "deleted document" in r)
    assert 'name="batch"' not in deletion


def test_deleting_a_document_records_its_findings_in_constant_queries(team: Team) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def deletion_queries(findings: int) -> int:
        world = build(team.study, team.coder) if not Transcript.objects.filter(study=team.study).exists() else None
        assert world is not None
        for n in range(findings):
            finding = create_finding(theme=world.theme, user=team.coder, claim=f"Claim {n}")
            add_excerpt(finding=finding, user=team.coder,
                        coding_uuid=code(world, world.r1, "Mostly.", world.trust, team.coder).uuid)  # fmt: skip
        with CaptureQueriesContext(connection) as context:
            delete_transcript(transcript=world.r1, user=team.owner)
        for transcript in Transcript.objects.filter(study=team.study):
            delete_transcript(transcript=transcript, user=team.owner)
        Code.objects.filter(study=team.study).delete()
        from interviews.models import Attribute, Participant

        Participant.objects.filter(study=team.study).delete()
        Attribute.objects.filter(study=team.study).delete()
        return len(context.captured_queries)

    assert deletion_queries(1) == deletion_queries(6)
    assert LogEntry.objects.filter(action="document_deleted").count() == 7
