"""Participant coverage of findings, against hand-computed figures (see findings_world.py for the
study: R1, R2, R3, R10, R5; three startups, one public organisation)."""

from __future__ import annotations

import pytest

from coding.models import Code
from coding.services.codebook import merge_codes
from coding.services.codings import change_coding, remove_coding
from themes.coverage import finding_coverage, finding_view, findings_panel
from themes.models import ExcerptKind
from themes.services.findings import add_excerpt

from ..conftest import Team
from .findings_world import World, build, code, words

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(team: Team) -> World:
    return build(team.study, team.coder)


def groups(coverage) -> dict[str, tuple[int, int]]:  # type: ignore[no-untyped-def]
    return {g.value: (g.supported, g.total) for g in coverage.groups}


def test_no_excerpts_covers_nobody(world: World, team: Team) -> None:
    coverage = finding_coverage(finding=world.finding, user=team.coder)
    assert coverage.summary == "No participant — 0 of 5 participants"
    assert groups(coverage) == {"Startup": (0, 3), "Public": (0, 1)}


def test_coverage_counts_speaker_then_document_participants(world: World, team: Team) -> None:
    in_r1 = code(world, world.r1, "Because users can act on them.", world.action, team.coder)
    in_group = code(world, world.group, "We plot SHAP values for every model", world.trust, team.coder)
    second_in_r1 = code(world, world.r1, "Mostly.", world.trust, team.coder)
    for coding in (in_r1, in_group, second_in_r1):
        add_excerpt(finding=world.finding, user=team.coder, coding_uuid=coding.uuid)
    coverage = finding_coverage(finding=world.finding, user=team.coder)
    # R1 (linked document) once however many of their excerpts; R3 (the group's speaker), not R2.
    assert coverage.labels == ["R1", "R3"]
    assert coverage.summary == "R1, R3 — 2 of 5 participants"
    assert groups(coverage) == {"Startup": (1, 3), "Public": (1, 1)}


def test_counter_evidence_is_not_coverage(world: World, team: Team) -> None:
    support = code(world, world.r1, "Mostly.", world.trust, team.coder)
    against = code(world, world.r10, "Because users can act on them.", world.action, team.coder)
    add_excerpt(finding=world.finding, user=team.coder, coding_uuid=support.uuid)
    add_excerpt(finding=world.finding, user=team.coder, coding_uuid=against.uuid, kind=ExcerptKind.COUNTER)
    view = finding_view(finding=world.finding, user=team.coder)
    assert view.coverage.summary == "R1 — 1 of 5 participants"
    assert view.counter_labels == ["R10"]
    assert [e.quote for e in view.counter] == ["Because users can act on them."]


def test_participant_order_is_natural(world: World, team: Team) -> None:
    for transcript in (world.r10, world.r1):
        coding = code(world, transcript, "Mostly.", world.trust, team.coder)
        add_excerpt(finding=world.finding, user=team.coder, coding_uuid=coding.uuid)
    assert finding_coverage(finding=world.finding, user=team.coder).labels == ["R1", "R10"]


def test_coverage_after_a_code_merge(world: World, team: Team) -> None:
    """Merging the quoted codings' code into another retires them and inserts replacements (one of
    them joined with an overlapping coding of the target): the excerpts follow, coverage stays."""
    plain = code(world, world.r1, "Because users can act on them.", world.action, team.coder)
    joined = code(world, world.group, "We plot SHAP values", world.action, team.coder)
    code(world, world.group, "SHAP values for every model", world.trust, team.coder)  # overlaps `joined`
    for coding in (plain, joined):
        add_excerpt(finding=world.finding, user=team.coder, coding_uuid=coding.uuid)
    before = finding_coverage(finding=world.finding, user=team.coder)
    assert before.summary == "R1, R3 — 2 of 5 participants"

    merge_codes(source=world.action, target=world.trust, user=team.coder)

    view = finding_view(finding=world.finding, user=team.coder)
    assert view.coverage.summary == "R1, R3 — 2 of 5 participants"
    assert groups(view.coverage) == {"Startup": (1, 3), "Public": (1, 1)}
    by_quote = {e.excerpt.quote: e for e in view.support}
    moved = by_quote["Because users can act on them."]
    assert (moved.state, moved.quote, moved.code) == ("changed", "Because users can act on them.", world.trust)
    union = by_quote["We plot SHAP values"]
    # The joined excerpt now shows the union's words, of the target code.
    assert union.state == "changed"
    assert union.quote == "We plot SHAP values for every model"
    assert union.code == world.trust
    assert Code.objects.get(pk=world.action.pk).deleted_at is not None


def test_removed_coding_keeps_its_quote_but_no_longer_counts(world: World, team: Team) -> None:
    kept = code(world, world.r1, "Mostly.", world.trust, team.coder)
    gone = code(world, world.group, "Because users can act on them.", world.trust, team.coder)
    for coding in (kept, gone):
        add_excerpt(finding=world.finding, user=team.coder, coding_uuid=coding.uuid)
    remove_coding(coding=gone, user=team.coder)
    view = finding_view(finding=world.finding, user=team.coder)
    assert view.coverage.summary == "R1 — 1 of 5 participants"
    removed = [e for e in view.support if e.state == "removed"]
    assert [e.quote for e in removed] == ["Because users can act on them."]
    assert view.removed == 1


def test_a_resized_coding_shows_its_live_words(world: World, team: Team) -> None:
    coding = code(world, world.r1, "Because users", world.trust, team.coder)
    add_excerpt(finding=world.finding, user=team.coder, coding_uuid=coding.uuid)
    start, end = words(world.r1, "Because users can act on them.")
    change_coding(coding=coding, user=team.coder, start=start, end=end)
    (excerpt,) = finding_view(finding=world.finding, user=team.coder).support
    assert (excerpt.state, excerpt.quote, excerpt.participants) == ("changed", "Because users can act on them.", ["R1"])


def test_panel_reads_in_constant_queries(world: World, team: Team) -> None:
    """As many queries for one finding with one excerpt as for five with three excerpts each."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from themes.services.findings import create_finding

    def count() -> int:
        with CaptureQueriesContext(connection) as context:
            findings_panel(theme=world.theme, user=team.coder)
        return len(context)

    first = code(world, world.r1, "Mostly.", world.trust, team.coder)
    add_excerpt(finding=world.finding, user=team.coder, coding_uuid=first.uuid)
    small = count()
    for n in range(4):
        finding = create_finding(theme=world.theme, user=team.coder, claim=f"Claim {n}")
        for transcript in (world.r1, world.group, world.r10):
            coding = code(world, transcript, "Because users can act on them.", world.trust, team.coder)
            add_excerpt(finding=finding, user=team.coder, coding_uuid=coding.uuid)
    assert count() == small
    panel = findings_panel(theme=world.theme, user=team.coder)
    assert [v.coverage.summary for v in panel[1:]] == ["R1, R3, R10 — 3 of 5 participants"] * 4


def test_free_text_attributes_are_not_groups(world: World, team: Team) -> None:
    """A text attribute whose values are nearly all different (a description) groups nobody; one
    with a few shared values does."""
    from interviews.models import Attribute, AttributeType, AttributeValue, Participant

    notes = Attribute.objects.create(study=world.study, name="Notes", type=AttributeType.TEXT)
    team_size = Attribute.objects.create(study=world.study, name="Team", type=AttributeType.TEXT)
    for n, (label, person) in enumerate(world.participants.items()):
        for i in range(2):  # ten distinct notes over five people: more than MAX_GROUPS values
            AttributeValue.objects.get_or_create(
                participant=person, attribute=notes, defaults={"value_text": f"note {n}{i}"}
            )
        AttributeValue.objects.create(
            participant=person, attribute=team_size, value_text="small" if label != "R3" else "large"
        )
    for k in range(8):
        extra = Participant.objects.create(study=world.study, label=f"X{k}")
        AttributeValue.objects.create(participant=extra, attribute=notes, value_text=f"extra {k}")
    coding = code(world, world.group, "Mostly.", world.trust, team.coder)
    add_excerpt(finding=world.finding, user=team.coder, coding_uuid=coding.uuid)
    coverage = finding_coverage(finding=world.finding, user=team.coder)
    assert coverage.summary == "R3 — 1 of 13 participants"
    assert {g.attribute for g in coverage.groups} == {"Organisation type", "Team"}
    assert [(g.attribute, g.value, g.supported, g.total) for g in coverage.supported_groups] == [
        ("Organisation type", "Public", 1, 1),
        ("Team", "large", 1, 1),
    ]


def test_participants_attributed_without_a_quote_count_and_are_named_apart(world: World, team: Team) -> None:
    from themes.services.findings import attribute_participants

    quoted = code(world, world.r1, "Mostly.", world.trust, team.coder)
    add_excerpt(finding=world.finding, user=team.coder, coding_uuid=quoted.uuid)
    p = world.participants
    # R1 is quoted and also ticked: counted once, as quoted.
    labels = attribute_participants(finding=world.finding, user=team.coder, participants=[p["R1"], p["R3"], p["R5"]])
    assert labels == ["R1", "R3", "R5"]
    coverage = finding_coverage(finding=world.finding, user=team.coder)
    assert coverage.summary == "R1, R3, R5 — 3 of 5 participants"
    assert (coverage.quoted, coverage.attributed) == (["R1"], ["R3", "R5"])
    assert coverage.basis == "Quoted: R1. Attributed without a quote: R3, R5."
    # R1 startup, R3 public; R5 has no organisation type.
    assert groups(coverage) == {"Startup": (1, 3), "Public": (1, 1)}
    # Replacing the set removes R3; a deleted participant leaves the attribution with it.
    attribute_participants(finding=world.finding, user=team.coder, participants=[p["R5"], p["R10"]])
    p["R10"].delete()
    coverage = finding_coverage(finding=world.finding, user=team.coder)
    assert coverage.labels == ["R1", "R5"] and coverage.attributed == ["R5"]
    # The quote gone, coverage says none is quoted.
    remove_coding(coding=quoted, user=team.coder)
    assert (
        finding_coverage(finding=world.finding, user=team.coder).basis == "None quoted. Attributed without a quote: R5."
    )


def test_attribution_is_set_based_and_logged(world: World, team: Team) -> None:
    from django.core.exceptions import ValidationError
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from coding.models import LogEntry
    from interviews.models import Participant
    from studies.models import Study
    from themes.services.findings import attribute_participants

    many = [Participant(study=world.study, label=f"X{i}") for i in range(60)]
    Participant.objects.bulk_create(many)
    people = list(Participant.objects.filter(study=world.study))
    counts = []
    for chosen in (people[:3], people):
        with CaptureQueriesContext(connection) as context:
            attribute_participants(finding=world.finding, user=team.coder, participants=chosen)
        counts.append(len(context.captured_queries))
    assert counts[0] == counts[1]
    entry = LogEntry.objects.filter(object_uuid=world.finding.uuid, action="attribute").latest("pk")
    assert entry.after is not None and len(entry.after["attributed"]) == len(people)
    # Unchanged: nothing written, nothing logged.
    before = LogEntry.objects.count()
    attribute_participants(finding=world.finding, user=team.coder, participants=people)
    assert LogEntry.objects.count() == before
    other = Study.objects.create(title="Other", slug="other-study")
    stranger = Participant.objects.create(study=other, label="Z1")
    with pytest.raises(ValidationError):
        attribute_participants(finding=world.finding, user=team.coder, participants=[stranger])
