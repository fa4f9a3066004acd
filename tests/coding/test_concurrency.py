"""Two coders at the same moment, on real PostgreSQL connections (one per thread)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from coding.models import Code, Coding
from coding.services import codebook as services
from coding.services.codings import apply_coding
from tests.conftest import Team

from .helpers import make_transcript


def _race(*jobs):  # type: ignore[no-untyped-def]
    barrier = threading.Barrier(len(jobs))
    results: list[object] = [None] * len(jobs)

    def run(i: int, job) -> None:  # type: ignore[no-untyped-def]
        try:
            barrier.wait()
            results[i] = job()
        except Exception as exc:
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_edits_of_one_code_one_wins_one_conflicts(team: Team) -> None:
    code = services.create_code(study=team.study, user=team.coder, name="Trust")
    results = _race(
        lambda: services.update_code(code=code, user=team.coder, expected_version=1, name="Trust in models"),
        lambda: services.update_code(code=code, user=team.owner, expected_version=1, name="Trust in tools"),
    )
    conflicts = [r for r in results if isinstance(r, services.Conflict)]
    saved = [r for r in results if isinstance(r, Code)]
    assert len(conflicts) == 1 and len(saved) == 1, results
    assert Code.objects.get(pk=code.pk).name == saved[0].name
    assert Code.objects.get(pk=code.pk).version == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_codings_on_one_transcript_are_all_kept(team: Team) -> None:
    transcript = make_transcript(team.study)
    a = Code.objects.create(study=team.study, name="A")
    b = Code.objects.create(study=team.study, name="B")
    results = _race(
        lambda: apply_coding(transcript=transcript, code=a, start=0, end=11, coder=team.coder),
        lambda: apply_coding(transcript=transcript, code=b, start=5, end=20, coder=team.owner),
        lambda: apply_coding(transcript=transcript, code=a, start=30, end=40, coder=team.owner),
    )
    assert not [r for r in results if isinstance(r, Exception)], results
    assert Coding.objects.filter(transcript=transcript, retired_at=None).count() == 3


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_coding_applied_at_once_is_stored_once(team: Team) -> None:
    """Double clicks and two tabs: eight identical applies race; one live row results."""
    transcript = make_transcript(team.study)
    code = Code.objects.create(study=team.study, name="A")
    results = _race(*[lambda: apply_coding(transcript=transcript, code=code, start=0, end=11, coder=team.coder)] * 8)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum(1 for r in results if r[1]) == 1  # type: ignore[index]
    assert Coding.objects.filter(transcript=transcript, retired_at=None).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_overlapping_applies_at_once_join_into_one_union(team: Team) -> None:
    transcript = make_transcript(team.study)
    code = Code.objects.create(study=team.study, name="A")
    spans = [(0, 10), (5, 15), (10, 20), (18, 30)]
    _race(*[lambda s=s: apply_coding(transcript=transcript, code=code, start=s[0], end=s[1], coder=team.coder)
            for s in spans])  # fmt: skip
    live = list(Coding.objects.filter(transcript=transcript, retired_at=None).values_list("start", "end"))
    assert live == [(0, 30)]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_database_refuses_a_duplicate_live_coding(team: Team) -> None:
    from django.db import IntegrityError, transaction

    transcript = make_transcript(team.study)
    code = Code.objects.create(study=team.study, name="A")
    fields = {"study": team.study, "transcript": transcript, "text_version": 1, "code": code, "coder": team.coder,
              "start": 0, "end": 5}  # fmt: skip
    Coding.objects.create(**fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        Coding.objects.create(**fields)
    Coding.objects.filter(transcript=transcript).update(retired_at="2026-01-01T00:00:00Z")
    Coding.objects.create(**fields)  # a retired one does not count
