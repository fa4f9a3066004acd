"""The review of issue 11 (themes and findings): each scenario the reviewer reproduced, fixed.

Undoing an old move could make a cycle; merging a code dropped it from its themes; an excerpt in
the interviewer's turn credited every participant of a group interview; overlap-mode Jaccard left
[0, 1]; deleting a document silently deleted findings' excerpts.
"""

from __future__ import annotations

import numpy as np
import pytest

from coding.models import Code, LogEntry
from coding.services.codebook import merge_codes
from coding.services.history import UndoRefused, undo_batch
from tests.conftest import Team
from tests.themes.findings_world import build, code
from themes import analysis
from themes.coverage import finding_coverage
from themes.models import Theme, ThemeCode
from themes.services.findings import add_excerpt
from themes.services.themes import create_theme, delete_theme, move_theme

pytestmark = pytest.mark.django_db


def _members(theme: Theme) -> list[str]:
    return list(ThemeCode.objects.filter(theme=theme).order_by("order").values_list("code__name", flat=True))


# --- 1. no cycles through undo ---------------------------------------------------------------------


def test_undoing_an_old_move_refuses_a_cycle(team: Team) -> None:
    a = create_theme(study=team.study, user=team.coder, name="A", codes=[])
    b = create_theme(study=team.study, user=team.coder, name="B", codes=[], parent=a)
    move_theme(theme=b, user=team.coder, parent=None)
    first = LogEntry.objects.filter(study=team.study, action="move").latest("id")
    move_theme(theme=Theme.objects.get(pk=a.pk), user=team.coder, parent=Theme.objects.get(pk=b.pk))
    with pytest.raises(UndoRefused, match="cannot go back"):
        undo_batch(study=team.study, user=team.coder, batch=first.batch)
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.parent_id, b.parent_id) == (b.pk, None)
    assert analysis.theme_axis(study=team.study).labels == ["B", "A"]


def test_undoing_a_move_refuses_when_the_theme_moved_again(team: Team) -> None:
    a = create_theme(study=team.study, user=team.coder, name="A", codes=[])
    b = create_theme(study=team.study, user=team.coder, name="B", codes=[])
    c = create_theme(study=team.study, user=team.coder, name="C", codes=[])
    move_theme(theme=c, user=team.coder, parent=a)
    first = LogEntry.objects.filter(study=team.study, action="move").latest("id")
    move_theme(theme=Theme.objects.get(pk=c.pk), user=team.coder, parent=b)
    with pytest.raises(UndoRefused, match="moved again"):
        undo_batch(study=team.study, user=team.coder, batch=first.batch)
    assert Theme.objects.get(pk=c.pk).parent_id == b.pk


def test_undo_of_create_and_delete_bump_the_version_and_leave_moved_sub_themes(team: Team) -> None:
    top = create_theme(study=team.study, user=team.coder, name="Top", codes=[])
    other = create_theme(study=team.study, user=team.coder, name="Other", codes=[])
    parent = create_theme(study=team.study, user=team.coder, name="Parent", codes=[], parent=top)
    stays = create_theme(study=team.study, user=team.coder, name="Stays", codes=[], parent=parent)
    moves = create_theme(study=team.study, user=team.coder, name="Moves", codes=[], parent=parent)
    delete_theme(theme=parent, user=team.coder)
    deletion = LogEntry.objects.filter(study=team.study, action="delete").latest("id")
    move_theme(theme=Theme.objects.get(pk=moves.pk), user=team.coder, parent=other)
    version = Theme.objects.get(pk=parent.pk).version
    undo_batch(study=team.study, user=team.coder, batch=deletion.batch)
    assert Theme.objects.get(pk=parent.pk).version == version + 1
    assert Theme.objects.get(pk=stays.pk).parent_id == parent.pk
    assert Theme.objects.get(pk=moves.pk).parent_id == other.pk  # moved since: left where it was put
    created = LogEntry.objects.filter(study=team.study, action="create", object_uuid=other.uuid).get()
    version = Theme.objects.get(pk=other.pk).version
    undo_batch(study=team.study, user=team.coder, batch=created.batch)
    assert Theme.objects.get(pk=other.pk).version == version + 1


# --- 2. a merged code stays in its themes -----------------------------------------------------------


def test_merging_a_code_keeps_its_themes_and_undo_puts_it_back(team: Team) -> None:
    world = build(team.study, team.coder)
    other = Code.objects.create(study=team.study, name="Other")
    both = create_theme(study=team.study, user=team.coder, name="Both", codes=[other, world.trust])
    code(world, world.r1, "Mostly.", world.trust, team.coder)
    merge_codes(source=Code.objects.get(pk=world.trust.pk), target=other, user=team.coder)
    assert _members(world.theme) == ["Other", "Actionable"]  # at Trust's place
    assert _members(both) == ["Other"]  # already there: Trust only leaves
    axis = analysis.theme_axis(study=team.study)
    assert other.pk in axis.all_codes[world.theme.pk]
    crosstab = analysis.crosstab(team.study, team.coder, rows="theme", attribute="Organisation type")
    assert crosstab.loc["It's Tough.", "Startup"] == 1
    merge = LogEntry.objects.filter(study=team.study, action="merge").latest("id")
    undo_batch(study=team.study, user=team.coder, batch=merge.batch)
    assert _members(world.theme) == ["Trust", "Actionable"]
    assert _members(both) == ["Other", "Trust"]


# --- 3. one attribution rule --------------------------------------------------------------------------


def test_an_interviewer_turn_in_a_mapped_document_is_nobodys(team: Team) -> None:
    world = build(team.study, team.coder)
    coding = code(world, world.group, "Do you trust SHAP?", world.trust, team.coder)
    add_excerpt(finding=world.finding, user=team.coder, coding_uuid=coding.uuid)
    assert finding_coverage(finding=world.finding, user=team.coder).labels == []
    from coding.selectors.themes import participants_supporting

    assert participants_supporting(study=team.study, user=team.coder, code_ids=[world.trust.pk]) == {}
    table = analysis.crosstab(
        team.study, team.coder, rows="theme", attribute="Organisation type", measure="participants"
    )
    assert table.loc["It's Tough."].to_numpy().sum() == 0


def test_the_pages_agree_on_who_supports_a_theme(team: Team) -> None:
    world = build(team.study, team.coder)
    code(world, world.group, "Mostly.", world.trust, team.coder)  # P1's turn: R3's, not R2's
    code(world, world.r1, "Mostly.", world.trust, team.coder)  # an unmapped document: its participant R1
    from coding.selectors.themes import participants_supporting

    support = participants_supporting(study=team.study, user=team.coder, code_ids=[world.trust.pk])
    assert support == {world.participants["R3"].pk: 1, world.participants["R1"].pk: 1}
    table = analysis.crosstab(
        team.study, team.coder, rows="theme", attribute="Organisation type", measure="participants"
    )
    assert table.loc["It's Tough.", "Startup"] == 1 and table.loc["It's Tough.", "Public"] == 1


# --- 4. overlap-mode Jaccard on distinct codings ------------------------------------------------------


def _arrays(rows: list[tuple[int, int, int, int]]) -> tuple[np.ndarray, ...]:
    frame = np.array(rows, dtype=np.int64)
    return frame[:, 0], frame[:, 1], frame[:, 2], frame[:, 3]


def test_overlap_jaccard_is_one_when_every_coding_overlaps_the_other_code() -> None:
    # Two codings of A and two of B, all overlapping one another: 4 pairs over 2 + 2 codings.
    transcript, start, end, code = _arrays([(1, 0, 10, 0), (1, 2, 12, 0), (1, 1, 11, 1), (1, 3, 13, 1)])
    matrix = analysis.overlap_jaccard(analysis.overlapping_codings(transcript, start, end, code, 2))
    assert matrix.tolist() == [[1.0, 1.0], [1.0, 1.0]]


def test_overlap_jaccard_by_hand() -> None:
    # A: a1 [0,10) a2 [5,15) a3 [40,50); B: b1 [8,20) b2 [60,70); C: c1 [9,45) in another document.
    # a1 and a2 overlap b1, b1 overlaps both A's: (2 + 1) / (3 + 2) = 0.6. C shares nothing: 0.
    transcript, start, end, code = _arrays(
        [(1, 0, 10, 0), (1, 5, 15, 0), (1, 40, 50, 0), (1, 8, 20, 1), (1, 60, 70, 1), (2, 9, 45, 2)]
    )
    overlapping = analysis.overlapping_codings(transcript, start, end, code, 3)
    assert overlapping.tolist() == [[3, 2, 0], [1, 2, 0], [0, 0, 1]]
    matrix = analysis.overlap_jaccard(overlapping)
    assert matrix[0, 1] == matrix[1, 0] == 0.6
    assert matrix[0, 2] == 0.0 and matrix[2, 2] == 1.0
    assert ((matrix >= 0) & (matrix <= 1)).all()


def test_overlapping_codings_matches_a_loop() -> None:
    rng = np.random.default_rng(11)
    n = 300
    transcript, start = rng.integers(0, 4, n), rng.integers(0, 400, n)
    end, code = start + rng.integers(1, 50, n), rng.integers(0, 5, n)
    expected = np.zeros((5, 5), dtype=np.int64)
    for i in range(n):
        hit = {
            code[j] for j in range(n)
            if j != i and code[j] != code[i] and transcript[i] == transcript[j] and start[i] < end[j] and start[j] < end[i]
        }  # fmt: skip
        for other in hit:
            expected[code[i], other] += 1
    np.fill_diagonal(expected, np.bincount(code, minlength=5))
    assert analysis.overlapping_codings(transcript, start, end, code, 5).tolist() == expected.tolist()


# --- 6. deleting a document keeps the findings' excerpts ----------------------------------------------


def test_deleting_a_document_keeps_the_excerpt_uncounted(team: Team, client: object) -> None:
    from django.test import Client
    from django.urls import reverse

    from interviews.services.documents import delete_transcript
    from themes.models import FindingExcerpt

    world = build(team.study, team.coder)
    coding = code(world, world.r1, "Mostly.", world.trust, team.coder)
    add_excerpt(finding=world.finding, user=team.coder, coding_uuid=coding.uuid)
    assert finding_coverage(finding=world.finding, user=team.coder).labels == ["R1"]
    delete_transcript(transcript=world.r1)
    excerpt = FindingExcerpt.objects.get(finding=world.finding)
    assert excerpt.transcript_id is None and excerpt.quote == "Mostly."
    assert finding_coverage(finding=world.finding, user=team.coder).labels == []
    assert isinstance(client, Client)
    client.force_login(team.coder)
    page = client.get(
        reverse("themes:finding_detail", kwargs={"slug": team.study.slug, "finding_uuid": world.finding.uuid})
    )
    assert page.status_code == 200
    assert "removed: its document was deleted" in page.content.decode()


# --- 9. the saturation curve's documents are told apart -------------------------------------------------


def test_saturation_labels_documents_with_one_title_apart(team: Team) -> None:
    from datetime import date

    from interviews.models import Transcript

    for day in (1, 2):
        Transcript.objects.create(study=team.study, title="Interview", text="x", char_count=1,
                                  interview_date=date(2024, 1, day))  # fmt: skip
    assert analysis.saturation(team.study, team.owner)["transcript"].tolist() == ["Interview", "Interview #2"]


# --- 1b. two opposite moves at once: the second waits and refuses ---------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_opposite_moves_cannot_make_a_cycle(team: Team) -> None:
    import threading

    from django.core.exceptions import ValidationError
    from django.db import connection, transaction

    a = create_theme(study=team.study, user=team.coder, name="A", codes=[])
    b = create_theme(study=team.study, user=team.coder, name="B", codes=[])
    first_moved, second_started = threading.Event(), threading.Event()
    results: list[object] = [None, None]

    def first() -> None:
        try:
            with transaction.atomic():  # A under B, held open while the other move starts
                move_theme(theme=Theme.objects.get(pk=a.pk), user=team.coder, parent=Theme.objects.get(pk=b.pk))
                first_moved.set()
                second_started.wait(5)
                threading.Event().wait(0.5)  # the second move is now inside move_theme (or already done)
            results[0] = "moved"
        finally:
            connection.close()

    def second() -> None:
        try:
            first_moved.wait(5)
            second_started.set()
            move_theme(theme=Theme.objects.get(pk=b.pk), user=team.owner, parent=Theme.objects.get(pk=a.pk))
            results[1] = "moved"
        except ValidationError as error:
            results[1] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results[0] == "moved" and isinstance(results[1], ValidationError), results
    parents = dict(Theme.objects.filter(pk__in=[a.pk, b.pk]).values_list("pk", "parent_id"))
    assert parents == {a.pk: b.pk, b.pk: None}


def test_the_crosstab_attribution_is_the_selectors_rule_at_every_position(team: Team) -> None:
    import pandas as pd

    from coding.selectors.themes import position_participants

    world = build(team.study, team.coder)
    spots = [(t.pk, p) for t in (world.r1, world.group, world.r10) for p in range(len(t.text) + 2)]
    expected = {(t, p, pid) for (t, p), pids in position_participants(spots).items() for pid in pids}
    frame = analysis.attribute_positions(team.study, pd.DataFrame(spots, columns=["transcript_id", "start"]))
    assert set(frame.itertuples(index=False, name=None)) == expected
    assert {pid for _, _, pid in expected} == {world.participants[p].pk for p in ("R1", "R3", "R10")}
