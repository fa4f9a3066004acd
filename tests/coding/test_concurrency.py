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
    assert Coding.objects.filter(transcript=transcript, deleted_at=None).count() == 3
