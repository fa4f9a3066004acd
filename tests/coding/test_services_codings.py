from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from coding.models import Coding, LogEntry
from coding.services.codings import apply_coding, change_coding, code_turn, remove_coding
from tests.conftest import Team
from tests.factories import make_study

from .helpers import make_code, make_transcript


def _span(text: str, part: str) -> tuple[int, int]:
    start = text.index(part)
    return start, start + len(part)


@pytest.mark.django_db
def test_apply_logs_and_does_not_duplicate(team: Team) -> None:
    transcript, code = make_transcript(team.study), make_code(team.study)
    start, end = _span(transcript.text, "trust SHAP? 👍🏽")
    coding, created = apply_coding(transcript=transcript, code=code, start=start, end=end, coder=team.coder,
                                   expected_text="trust SHAP? 👍🏽")  # fmt: skip
    again, created_again = apply_coding(transcript=transcript, code=code, start=start, end=end, coder=team.coder)
    assert created and not created_again and again == coding
    # Another coder's judgement on the same words is a coding of its own (agreement needs both).
    theirs, created_theirs = apply_coding(transcript=transcript, code=code, start=start, end=end, coder=team.owner)
    assert created_theirs and theirs != coding
    assert (coding.study_id, coding.text_version) == (team.study.pk, transcript.text_version)
    assert end - start == len("trust SHAP? 👍🏽") == 14  # code points: the emoji pair counts as 2
    entry = LogEntry.objects.get(object_uuid=coding.uuid)
    assert (entry.action, entry.user, (entry.after or {})["start"]) == ("apply", team.coder, start)


@pytest.mark.django_db
def test_overlapping_and_nested_spans_coexist(team: Team) -> None:
    transcript, a, b = make_transcript(team.study), make_code(team.study, "A"), make_code(team.study, "B")
    outer = _span(transcript.text, "Mostly. Counterfactuals are clearer")
    inner = _span(transcript.text, "Counterfactuals")
    overlap = _span(transcript.text, "clearer, é included")
    for code, (s, e) in ((a, outer), (b, inner), (b, overlap), (a, inner)):
        apply_coding(transcript=transcript, code=code, start=s, end=e, coder=team.coder)
    # A then B overlap and coexist; A's inner span lies inside A's outer one: nothing new.
    assert Coding.objects.filter(retired_at=None).count() == 3
    assert transcript.text[overlap[0] : overlap[1]] == "clearer, é included"  # NFC: é is one code point


@pytest.mark.django_db
@pytest.mark.parametrize(("start", "end"), [(-1, 3), (5, 5), (7, 3), (0, 10_000)])
def test_invalid_offsets_are_refused(team: Team, start: int, end: int) -> None:
    transcript, code = make_transcript(team.study), make_code(team.study)
    with pytest.raises(ValidationError):
        apply_coding(transcript=transcript, code=code, start=start, end=end, coder=team.coder)


@pytest.mark.django_db
def test_text_mismatch_is_refused(team: Team) -> None:
    transcript, code = make_transcript(team.study), make_code(team.study)
    with pytest.raises(ValidationError, match="does not match"):
        apply_coding(transcript=transcript, code=code, start=0, end=5, coder=team.coder, expected_text="Hello")


@pytest.mark.django_db
def test_code_from_another_study_is_refused(team: Team) -> None:
    transcript, foreign = make_transcript(team.study), make_code(make_study())
    with pytest.raises(ValidationError, match="not in this study"):
        apply_coding(transcript=transcript, code=foreign, start=0, end=5, coder=team.coder)


@pytest.mark.django_db
def test_code_whole_turn(team: Team) -> None:
    transcript, code = make_transcript(team.study), make_code(team.study)
    turn = transcript.turns.get(index=3)
    coding, _ = code_turn(turn=turn, code=code, coder=team.coder)
    assert transcript.text[coding.start : coding.end] == "Because users can act on them."


@pytest.mark.django_db
def test_remove_is_soft_and_logged(team: Team) -> None:
    transcript, code = make_transcript(team.study), make_code(team.study)
    coding, _ = apply_coding(transcript=transcript, code=code, start=0, end=5, coder=team.coder)
    remove_coding(coding=coding, user=team.owner)
    coding.refresh_from_db()
    assert coding.retired_at is not None
    assert LogEntry.objects.filter(object_uuid=coding.uuid, action="remove", user=team.owner).exists()


@pytest.mark.django_db
def test_change_span_and_code_inserts_new_row(team: Team) -> None:
    transcript, a, b = make_transcript(team.study), make_code(team.study, "A"), make_code(team.study, "B")
    coding, _ = apply_coding(transcript=transcript, code=a, start=0, end=5, coder=team.coder)
    changed = change_coding(coding=coding, user=team.coder, end=11, code=b).coding
    coding.refresh_from_db()
    assert coding.retired_at is not None and changed.pk != coding.pk
    assert (changed.code, changed.start, changed.end) == (b, 0, 11)
    assert changed.replaces_id == coding.pk and changed.batch == coding.retired_batch
    assert LogEntry.objects.filter(batch=changed.batch).count() == 1


@pytest.mark.django_db
def test_changing_a_coding_a_teammate_removed_is_a_conflict(team: Team) -> None:
    transcript, code = make_transcript(team.study), make_code(team.study)
    coding, _ = apply_coding(transcript=transcript, code=code, start=0, end=5, coder=team.coder)
    stale = Coding.objects.get(pk=coding.pk)
    remove_coding(coding=coding, user=team.owner)
    with pytest.raises(ValidationError, match="removed in the meantime"):
        change_coding(coding=stale, user=team.coder, end=8)


@pytest.mark.django_db
def test_overlapping_or_touching_codings_of_one_coder_join_into_their_union(team: Team) -> None:
    transcript, code, other = make_transcript(team.study), make_code(team.study), make_code(team.study, "Other")
    first, _ = apply_coding(transcript=transcript, code=code, start=40, end=50, coder=team.coder)
    theirs, _ = apply_coding(transcript=transcript, code=code, start=45, end=60, coder=team.owner)
    different, _ = apply_coding(transcript=transcript, code=other, start=45, end=60, coder=team.coder)
    joined, created = apply_coding(transcript=transcript, code=code, start=50, end=55, coder=team.coder)  # touches
    assert created and (joined.start, joined.end, joined.replaces_id) == (40, 55, first.pk)
    first.refresh_from_db()
    assert first.retired_at is not None and first.retired_batch == joined.batch
    live = set(Coding.objects.filter(retired_at=None).values_list("pk", flat=True))
    assert live == {joined.pk, theirs.pk, different.pk}
    inside, created_inside = apply_coding(transcript=transcript, code=code, start=41, end=44, coder=team.coder)
    assert not created_inside and inside == joined


@pytest.mark.django_db
def test_apply_refuses_when_the_text_changed_since_it_was_read(team: Team) -> None:
    from interviews.services.corrections import correct_transcript

    transcript, code = make_transcript(team.study), make_code(team.study)
    stale = type(transcript).objects.get(pk=transcript.pk)
    correct_transcript(transcript=transcript, new_text="Hello. " + transcript.text, user=team.owner, expected_version=1)
    with pytest.raises(ValidationError, match="corrected in the meantime"):
        apply_coding(transcript=stale, code=code, start=0, end=5, coder=team.coder)
    assert not Coding.objects.exists()


@pytest.mark.django_db
def test_deleting_a_transcript_a_code_or_a_coder_takes_their_codings_with_them(team: Team) -> None:
    """Codings carry no database foreign-key constraints (for bulk speed); Django's on_delete
    rules must still apply: CASCADE for transcript and code, SET_NULL for the coder."""
    from accounts.models import User

    transcript, code, other = make_transcript(team.study), make_code(team.study), make_code(team.study, "Other")
    apply_coding(transcript=transcript, code=code, start=0, end=5, coder=team.coder)
    kept, _ = apply_coding(transcript=transcript, code=other, start=6, end=9, coder=team.coder)
    code.delete()
    assert list(Coding.objects.values_list("pk", flat=True)) == [kept.pk]
    User.objects.filter(pk=team.coder.pk).delete()
    assert Coding.objects.get().coder_id is None
    transcript.delete()
    assert not Coding.objects.exists()


@pytest.mark.django_db
def test_deleting_a_study_takes_its_codings_and_history_with_it(team: Team) -> None:
    transcript, code = make_transcript(team.study), make_code(team.study)
    coding, _ = apply_coding(transcript=transcript, code=code, start=0, end=5, coder=team.coder)
    remove_coding(coding=coding, user=team.coder)
    team.study.delete()
    assert not Coding.objects.exists() and not LogEntry.objects.exists()
