"""Memos and joins across corrections and undo (found in review of the insert-only core)."""

from __future__ import annotations

import pytest

from coding.models import Coding
from coding.services.codebook import merge_codes, split_code
from coding.services.codings import apply_coding, change_coding
from coding.services.history import UndoRefused, undo_batch, undo_last
from coding.services.memos import create_memo
from interviews.services.corrections import correct_transcript
from tests.coding.helpers import make_code, make_transcript
from tests.conftest import Team


def _live(t):  # type: ignore[no-untyped-def]
    return sorted(
        Coding.objects.filter(transcript=t, retired_at__isnull=True).values_list(
            "code__name", "coder__username", "start", "end", "text_version"
        )
    )


def _append_correction(t, user):  # type: ignore[no-untyped-def]
    t.refresh_from_db()
    correct_transcript(
        transcript=t, new_text=t.text + "\nP1: Later words.\n", user=user, expected_version=t.text_version
    )
    t.refresh_from_db()


@pytest.mark.django_db
def test_memo_joined_by_apply_lost_when_correction_precedes_undo(team: Team) -> None:
    s, u = team.study, team.coder
    t, c = make_transcript(s), make_code(s)
    a, _ = apply_coding(transcript=t, code=c, start=0, end=5, coder=u)
    memo = create_memo(study=s, author=u, target="coding", obj=a, title="", body="on A")
    t.refresh_from_db()
    apply_coding(transcript=t, code=c, start=3, end=10, coder=u)  # joins A into [0,10]
    _append_correction(t, team.owner)
    undo_last(study=s, user=u)  # undo the join
    memo.refresh_from_db()
    assert memo.coding is not None and memo.coding.retired_at is None, "memo left on a retired coding"


@pytest.mark.django_db
def test_memo_control_without_correction(team: Team) -> None:
    s, u = team.study, team.coder
    t, c = make_transcript(s), make_code(s)
    a, _ = apply_coding(transcript=t, code=c, start=0, end=5, coder=u)
    memo = create_memo(study=s, author=u, target="coding", obj=a, title="", body="on A")
    t.refresh_from_db()
    apply_coding(transcript=t, code=c, start=3, end=10, coder=u)
    undo_last(study=s, user=u)
    memo.refresh_from_db()
    assert memo.coding is not None and memo.coding.retired_at is None


@pytest.mark.django_db
def test_memo_carried_by_recode_lost_when_correction_precedes_undo(team: Team) -> None:
    s, u = team.study, team.coder
    t, c, d = make_transcript(s), make_code(s), make_code(s, "Other")
    a, _ = apply_coding(transcript=t, code=c, start=0, end=5, coder=u)
    memo = create_memo(study=s, author=u, target="coding", obj=a, title="", body="on A")
    t.refresh_from_db()
    change_coding(coding=a, user=u, code=d)
    _append_correction(t, team.owner)
    undo_last(study=s, user=u)
    memo.refresh_from_db()
    assert memo.coding is not None and memo.coding.retired_at is None, "memo left on a retired coding"


@pytest.mark.django_db
def test_memo_on_merged_union_lost_when_correction_precedes_undo(team: Team) -> None:
    s, u, o = team.study, team.coder, team.owner
    t, src, tgt = make_transcript(s), make_code(s, "Src"), make_code(s, "Tgt")
    x, _ = apply_coding(transcript=t, code=src, start=0, end=5, coder=u)
    t.refresh_from_db()
    apply_coding(transcript=t, code=tgt, start=3, end=10, coder=u)
    memo = create_memo(study=s, author=u, target="coding", obj=x, title="", body="on source")
    merge_codes(source=src, target=tgt, user=o)
    _append_correction(t, u)
    undo_last(study=s, user=o)
    memo.refresh_from_db()
    assert memo.coding is not None and memo.coding.retired_at is None, "memo left on a retired coding"


@pytest.mark.django_db
def test_correction_collapsing_two_codings_leaves_memo_on_retired_twin(team: Team) -> None:
    s, u = team.study, team.coder
    t, c = make_transcript(s), make_code(s)
    apply_coding(transcript=t, code=c, start=0, end=3, coder=u)
    t.refresh_from_db()
    b, _ = apply_coding(transcript=t, code=c, start=6, end=9, coder=u)
    memo = create_memo(study=s, author=u, target="coding", obj=b, title="", body="on B")
    t.refresh_from_db()
    # Replace the first 12 characters: both codings now fall on the same words.
    correct_transcript(transcript=t, new_text="XYZ" + t.text[12:], user=team.owner, expected_version=t.text_version)
    memo.refresh_from_db()
    assert memo.coding is not None and memo.coding.retired_at is None, "memo left on a retired coding"


@pytest.mark.django_db
def test_undo_that_would_bring_back_a_coding_overlapping_a_later_one_is_refused(team: Team) -> None:
    s, u = team.study, team.coder
    t, c = make_transcript(s), make_code(s)
    x, _ = apply_coding(transcript=t, code=c, start=0, end=10, coder=u)
    split_code(source=c, coding_uuids=[str(x.uuid)], new_name="Split", user=u)
    t.refresh_from_db()
    apply_coding(transcript=t, code=c, start=0, end=12, coder=u)
    from coding.models import LogEntry

    split_batch = LogEntry.objects.get(action="split").batch
    before = _live(t)
    with pytest.raises(UndoRefused, match="overlaps one that this undo would bring back"):
        undo_batch(study=s, user=u, batch=split_batch)
    assert _live(t) == before
