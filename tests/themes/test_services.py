"""Theme services: nesting without cycles, moving codes, status with who/when, stale versions, history."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from coding.models import Code, LogEntry
from tests.conftest import Team
from tests.factories import make_study
from themes.models import Theme, ThemeCode, ThemeStatus
from themes.services import themes as services

pytestmark = pytest.mark.django_db


def _codes(team: Team, *names: str) -> list[Code]:
    return [Code.objects.create(study=team.study, name=name) for name in names]


def _codes_in(theme: Theme) -> list[str]:
    return list(ThemeCode.objects.filter(theme=theme).order_by("order").values_list("code__name", flat=True))


def test_create_theme_with_codes_logs_one_batch(team: Team) -> None:
    a, b = _codes(team, "A", "B")
    theme = services.create_theme(study=team.study, user=team.coder, name=" It's Tough. ", codes=[a, b, a])
    assert theme.name == "It's Tough."
    assert theme.status == ThemeStatus.CANDIDATE and theme.status_by is None
    assert _codes_in(theme) == ["A", "B"]
    entries = LogEntry.objects.filter(object_type="theme", object_uuid=theme.uuid)
    assert {e.action for e in entries} == {"create", "add_codes"}
    assert len({e.batch for e in entries}) == 1


def test_create_refuses_codes_of_another_study_and_empty_names(team: Team) -> None:
    other = make_study("Other", owner=team.owner, slug="other")
    foreign = Code.objects.create(study=other, name="X")
    with pytest.raises(ValidationError):
        services.create_theme(study=team.study, user=team.coder, name="T", codes=[foreign])
    with pytest.raises(ValidationError):
        services.create_theme(study=team.study, user=team.coder, name="   ")
    assert not Theme.objects.filter(study=team.study).exists()


def test_nested_themes_any_depth_and_no_cycles(team: Team) -> None:
    top = services.create_theme(study=team.study, user=team.coder, name="Overarching")
    mid = services.create_theme(study=team.study, user=team.coder, name="Detailed", parent=top)
    low = services.create_theme(study=team.study, user=team.coder, name="Finer", parent=mid)
    assert low.parent == mid and mid.parent == top
    for parent in (low, mid, top):
        with pytest.raises(ValidationError, match="inside itself"):
            services.move_theme(theme=top, user=team.coder, parent=parent)
    top.refresh_from_db()
    assert top.parent is None
    # Moving the middle one to the top level takes its sub-theme with it.
    services.move_theme(theme=mid, user=team.coder, parent=None, position=0)
    mid.refresh_from_db()
    low.refresh_from_db()
    assert mid.parent is None and low.parent == mid
    assert list(
        Theme.objects.filter(study=team.study, parent=None).order_by("order").values_list("name", flat=True)
    ) == [
        "Detailed",
        "Overarching",
    ]


def test_keyboard_moves_indent_and_outdent(team: Team) -> None:
    first = services.create_theme(study=team.study, user=team.coder, name="First")
    second = services.create_theme(study=team.study, user=team.coder, name="Second")
    services.move_theme_by(theme=second, user=team.coder, direction="indent")
    second.refresh_from_db()
    assert second.parent == first
    services.move_theme_by(theme=second, user=team.coder, direction="outdent")
    second.refresh_from_db()
    assert second.parent is None and second.order == 2
    with pytest.raises(ValidationError):
        services.move_theme_by(theme=first, user=team.coder, direction="indent")


def test_moving_codes_between_themes_and_back(team: Team) -> None:
    a, b, c = _codes(team, "A", "B", "C")
    one = services.create_theme(study=team.study, user=team.coder, name="One", codes=[a, b])
    two = services.create_theme(study=team.study, user=team.coder, name="Two")
    services.move_theme_code(code=a, user=team.coder, source=one, target=two)
    assert _codes_in(one) == ["B"] and _codes_in(two) == ["A"]
    # From the unassigned list, to a position.
    services.move_theme_code(code=c, user=team.coder, source=None, target=two, position=0)
    assert _codes_in(two) == ["C", "A"]
    # Within a theme: reorder.
    services.move_theme_code(code=c, user=team.coder, source=two, target=two, position=1)
    assert _codes_in(two) == ["A", "C"]
    # Back to unassigned.
    services.move_theme_code(code=c, user=team.coder, source=two, target=None)
    assert _codes_in(two) == ["A"]
    # A code may be in several themes.
    services.add_codes(theme=one, user=team.coder, codes=[a])
    assert ThemeCode.objects.filter(code=a).count() == 2
    assert services.add_codes(theme=one, user=team.coder, codes=[a, b]) == 0


def test_status_transitions_record_who_and_when(team: Team) -> None:
    theme = services.create_theme(study=team.study, user=team.coder, name="T")
    reviewed = services.set_status(theme=theme, user=team.owner, status="reviewed")
    assert reviewed.status == "reviewed" and reviewed.status_by == team.owner and reviewed.status_at is not None
    first_at = reviewed.status_at
    final = services.set_status(theme=theme, user=team.coder, status="final", expected_version=reviewed.version)
    assert final.status == "final" and final.status_by == team.coder
    assert final.status_at is not None and first_at is not None and final.status_at >= first_at
    # Back to candidate after a review: allowed, and recorded.
    back = services.set_status(theme=theme, user=team.owner, status="candidate")
    assert back.status == "candidate" and back.status_by == team.owner
    actions = LogEntry.objects.filter(object_uuid=theme.uuid, action="status").order_by("created_at", "id")
    assert [(e.after or {})["status"] for e in actions] == ["reviewed", "final", "candidate"]
    assert [e.user for e in actions] == [team.owner, team.coder, team.owner]
    with pytest.raises(ValidationError):
        services.set_status(theme=theme, user=team.owner, status="published")


def test_stale_version_is_a_conflict_and_saves_nothing(team: Team) -> None:
    theme = services.create_theme(study=team.study, user=team.coder, name="T")
    loaded = theme.version
    services.update_theme(theme=theme, user=team.owner, expected_version=loaded, definition="First")
    with pytest.raises(services.Conflict) as caught:
        services.update_theme(theme=theme, user=team.coder, expected_version=loaded, definition="Second")
    assert caught.value.current.definition == "First"
    theme.refresh_from_db()
    assert theme.definition == "First" and theme.version == loaded + 1
    # A status change also bumps the version, so an edit loaded before it is stale too.
    services.set_status(theme=theme, user=team.owner, status="reviewed")
    with pytest.raises(services.Conflict):
        services.update_theme(theme=theme, user=team.coder, expected_version=loaded + 1, name="Renamed")
    with pytest.raises(ValidationError):
        services.update_theme(theme=theme, user=team.coder, expected_version=loaded + 2, status="final")


def test_delete_moves_sub_themes_up_and_restore_brings_it_back(team: Team) -> None:
    (a,) = _codes(team, "A")
    top = services.create_theme(study=team.study, user=team.coder, name="Top")
    mid = services.create_theme(study=team.study, user=team.coder, name="Mid", parent=top, codes=[a])
    low = services.create_theme(study=team.study, user=team.coder, name="Low", parent=mid)
    services.delete_theme(theme=mid, user=team.coder)
    low.refresh_from_db()
    assert low.parent == top
    assert not Theme.objects.alive().filter(pk=mid.pk).exists()
    restored = services.restore_theme(theme=mid, user=team.coder)
    assert restored.deleted_at is None and restored.parent == top and _codes_in(restored) == ["A"]
    # Restoring under a deleted parent puts it at the top level.
    services.delete_theme(theme=mid, user=team.coder)
    services.delete_theme(theme=top, user=team.coder)
    assert services.restore_theme(theme=mid, user=team.coder).parent is None


def test_moves_refuse_themes_of_another_study(team: Team) -> None:
    other = make_study("Other", owner=team.owner, slug="other")
    foreign = services.create_theme(study=other, user=team.owner, name="Foreign")
    mine = services.create_theme(study=team.study, user=team.coder, name="Mine")
    with pytest.raises(ValidationError):
        services.move_theme(theme=mine, user=team.coder, parent=foreign)
    (a,) = _codes(team, "A")
    with pytest.raises(ValidationError):
        services.move_theme_code(code=a, user=team.coder, source=None, target=foreign)


def test_adding_many_codes_is_set_based(team: Team) -> None:
    few = _codes(team, *[f"few{i}" for i in range(3)])
    many = _codes(team, *[f"many{i}" for i in range(60)])
    t1 = services.create_theme(study=team.study, user=team.coder, name="Few")
    t2 = services.create_theme(study=team.study, user=team.coder, name="Many")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        services.add_codes(theme=t1, user=team.coder, codes=few)
    with CaptureQueriesContext(connection) as large:
        services.add_codes(theme=t2, user=team.coder, codes=many)
    assert len(small.captured_queries) == len(large.captured_queries)


def test_undo_puts_theme_changes_back(team: Team) -> None:
    from coding.services.history import UndoRefused, undo_last

    a, b = _codes(team, "A", "B")
    top = services.create_theme(study=team.study, user=team.coder, name="Top", codes=[a, b])
    other = services.create_theme(study=team.study, user=team.coder, name="Other")
    # A move, a status, an edit, taking a code out: each undone in turn, newest first.
    services.move_theme(theme=other, user=team.coder, parent=top)
    services.set_status(theme=top, user=team.coder, status="final")
    services.update_theme(theme=top, user=team.coder, expected_version=top.version + 1, definition="New")
    services.move_theme_code(code=a, user=team.coder, source=top, target=None)
    assert _codes_in(top) == ["B"]
    undo_last(study=team.study, user=team.coder)
    assert _codes_in(top) == ["A", "B"]
    undo_last(study=team.study, user=team.coder)
    top.refresh_from_db()
    assert top.definition == ""
    undo_last(study=team.study, user=team.coder)
    top.refresh_from_db()
    assert top.status == "candidate" and top.status_by is None and top.status_at is None
    undo_last(study=team.study, user=team.coder)
    other.refresh_from_db()
    assert other.parent is None
    # Undoing the creation removes the theme (and its codes' membership, in the same batch).
    undo_last(study=team.study, user=team.coder)
    assert not Theme.objects.alive().filter(name="Other").exists()
    undo_last(study=team.study, user=team.coder)
    assert not Theme.objects.alive().filter(name="Top").exists() and not ThemeCode.objects.filter(theme=top).exists()
    # An edit overtaken by someone else's edit is refused.
    t = services.create_theme(study=team.study, user=team.coder, name="T")
    services.update_theme(theme=t, user=team.coder, expected_version=1, definition="Mine")
    services.update_theme(theme=t, user=team.owner, expected_version=2, definition="Theirs")
    with pytest.raises(UndoRefused):
        undo_last(study=team.study, user=team.coder)
