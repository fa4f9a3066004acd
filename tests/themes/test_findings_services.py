"""Finding services: claims with optimistic locking, excerpts chosen from live codings only, their
order, technique citations and suggestions from stored mentions, delete/restore, history."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from assist.models import TechniqueMention
from assist.selectors import pipeline_version
from coding.models import LogEntry
from coding.services.codings import remove_coding
from themes.coverage import finding_view
from themes.models import ExcerptKind, FindingExcerpt, FindingTechnique
from themes.services import findings as services
from themes.services.themes import delete_theme

from ..conftest import Team
from ..factories import make_study
from .findings_world import World, build, code, words

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(team: Team) -> World:
    return build(team.study, team.coder)


def test_create_orders_and_logs(world: World, team: Team) -> None:
    second = services.create_finding(theme=world.theme, user=team.coder, claim="  Second claim  ", narrative="*why*")
    assert (second.claim, second.narrative, second.order) == ("Second claim", "*why*", world.finding.order + 1)
    entry = LogEntry.objects.filter(object_type="finding", object_uuid=second.uuid).get()
    assert (entry.action, entry.user) == ("create", team.coder)
    with pytest.raises(ValidationError):
        services.create_finding(theme=world.theme, user=team.coder, claim="   ")


def test_stale_edit_is_refused(world: World, team: Team) -> None:
    services.update_finding(finding=world.finding, user=team.coder, expected_version=1, claim="New", narrative="")
    with pytest.raises(services.Conflict):
        services.update_finding(finding=world.finding, user=team.owner, expected_version=1, claim="Mine", narrative="")
    world.finding.refresh_from_db()
    assert (world.finding.claim, world.finding.version) == ("New", 2)


def test_excerpt_snapshots_the_coding(world: World, team: Team) -> None:
    coding = code(world, world.group, "We plot SHAP values", world.trust, team.coder)
    excerpt = services.add_excerpt(finding=world.finding, user=team.coder, coding_uuid=coding.uuid)
    start, end = words(world.group, "We plot SHAP values")
    assert (excerpt.quote, excerpt.start, excerpt.end, excerpt.transcript_id) == (
        "We plot SHAP values",
        start,
        end,
        world.group.pk,
    )
    assert excerpt.coding_uuid == coding.uuid and excerpt.kind == ExcerptKind.SUPPORT
    with pytest.raises(ValidationError, match="already quoted"):
        services.add_excerpt(finding=world.finding, user=team.coder, coding_uuid=coding.uuid)
    # The same coding may be quoted as counter-evidence of the same finding (a mixed statement).
    services.add_excerpt(finding=world.finding, user=team.coder, coding_uuid=coding.uuid, kind=ExcerptKind.COUNTER)


def test_excerpt_needs_a_live_coding_of_the_study(world: World, team: Team) -> None:
    other = build(make_study("Elsewhere", owner=team.owner), team.coder)
    foreign = code(other, other.r1, "Mostly.", other.trust, team.coder)
    with pytest.raises(ValidationError, match="not found"):
        services.add_excerpt(finding=world.finding, user=team.coder, coding_uuid=foreign.uuid)
    removed = code(world, world.r1, "Mostly.", world.trust, team.coder)
    remove_coding(coding=removed, user=team.coder)
    with pytest.raises(ValidationError, match="not found"):
        services.add_excerpt(finding=world.finding, user=team.coder, coding_uuid=removed.uuid)
    with pytest.raises(ValidationError):
        services.add_excerpt(finding=world.finding, user=team.coder, coding_uuid="not-a-uuid")
    assert not FindingExcerpt.objects.exists()


def test_move_and_remove_excerpts(world: World, team: Team) -> None:
    quotes = ["Mostly.", "Because users can act on them.", "Why?"]
    made = [
        services.add_excerpt(
            finding=world.finding, user=team.coder, coding_uuid=code(world, world.r1, q, world.trust, team.coder).uuid
        )
        for q in quotes
    ]
    services.move_excerpt(excerpt=made[2], user=team.coder, direction="up")
    services.move_excerpt(excerpt=made[0], user=team.coder, direction="up")  # already first: nothing moves
    view = finding_view(finding=world.finding, user=team.coder)
    assert [e.quote for e in view.support] == ["Mostly.", "Why?", "Because users can act on them."]
    services.remove_excerpt(excerpt=made[1], user=team.coder)
    view = finding_view(finding=world.finding, user=team.coder)
    assert [e.quote for e in view.support] == ["Mostly.", "Why?"]
    assert LogEntry.objects.filter(object_uuid=world.finding.uuid, action="remove_excerpt").count() == 1


def test_cite_validates_and_is_idempotent(world: World, team: Team) -> None:
    with pytest.raises(ValidationError):
        services.cite_technique(finding=world.finding, user=team.coder, slug="no-such-technique")
    services.cite_technique(finding=world.finding, user=team.coder, slug="lime")
    services.cite_technique(finding=world.finding, user=team.coder, slug="lime")
    assert list(FindingTechnique.objects.values_list("technique", flat=True)) == ["lime"]
    assert LogEntry.objects.filter(object_uuid=world.finding.uuid, action="cite").count() == 1
    services.uncite_technique(finding=world.finding, user=team.coder, slug="lime")
    assert not FindingTechnique.objects.exists()


def _mention(world: World, text: str, slug: str) -> None:
    start, end = words(world.group, text)
    TechniqueMention.objects.create(
        study=world.study, transcript=world.group, text_version=world.group.text_version,
        pipeline_version=pipeline_version(), start=start, end=end, technique=slug, text=text,
    )  # fmt: skip


def test_techniques_are_suggested_from_mentions_inside_excerpts(world: World, team: Team) -> None:
    _mention(world, "SHAP values", "shap")
    _mention(world, "LIME", "lime")
    _mention(world, "SHAP?", "shap")  # in the interviewer's question: outside any excerpt
    coding = code(world, world.group, "We plot SHAP values for every model", world.trust, team.coder)
    services.add_excerpt(finding=world.finding, user=team.coder, coding_uuid=coding.uuid)
    view = finding_view(finding=world.finding, user=team.coder)
    assert [(t.slug, n) for t, n in view.suggested] == [("shap", 1)]
    services.cite_technique(finding=world.finding, user=team.coder, slug="shap")
    view = finding_view(finding=world.finding, user=team.coder)
    assert view.suggested == [] and [t.slug for t in view.techniques] == ["shap"]


def test_delete_and_restore(world: World, team: Team) -> None:
    services.delete_finding(finding=world.finding, user=team.coder)
    world.finding.refresh_from_db()
    assert world.finding.deleted_at is not None
    with pytest.raises(ValidationError):
        services.cite_technique(finding=world.finding, user=team.coder, slug="lime")
    services.restore_finding(finding=world.finding, user=team.coder)
    world.finding.refresh_from_db()
    assert world.finding.deleted_at is None
    services.delete_finding(finding=world.finding, user=team.coder)
    delete_theme(theme=world.theme, user=team.coder)
    with pytest.raises(ValidationError, match="theme"):
        services.restore_finding(finding=world.finding, user=team.coder)
    assert [e.action for e in LogEntry.objects.filter(object_uuid=world.finding.uuid).order_by("pk")] == [
        "create", "delete", "restore", "delete",
    ]  # fmt: skip
