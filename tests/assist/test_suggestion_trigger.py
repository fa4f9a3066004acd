"""The retraining trigger: coding changes queue training on commit once some code has enough
examples and coding changed since the current model, at most every THEMATICA_SUGGEST_TRAIN_EVERY_S
per study, with no query added to a coding change while the study's gate is closed."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from assist.models import SuggestionModel
from assist.suggestions import _gate_key, maybe_queue_training, reject_suggestion
from coding.services.codings import apply_coding, remove_coding
from studies.models import Job, JobKind, JobStatus
from tests.conftest import Team

from .suggestion_helpers import make_code, make_suggestion, sentences
from .test_suggestion_jobs import TRUST, interview

pytestmark = pytest.mark.django_db


@pytest.fixture
def worker(monkeypatch: Any) -> list[tuple[Any, ...]]:
    """As with a broker and a worker (jobs still run eagerly here): automatic retraining is on, and
    the check scheduled for the end of a gate window is recorded, not run."""
    from assist import tasks

    monkeypatch.setattr("assist.suggestions.runs_in_process", lambda: False)
    scheduled: list[tuple[Any, ...]] = []
    monkeypatch.setattr(
        tasks.retrain_check_task, "apply_async", lambda args, countdown, **_: scheduled.append((*args, countdown))
    )
    return scheduled


@pytest.fixture
def auto_train(settings: Any, worker: list[tuple[Any, ...]]) -> Iterator[None]:
    settings.THEMATICA_SUGGEST_AUTO_TRAIN = True
    settings.THEMATICA_SUGGEST_TRAIN_EVERY_S = 60
    cache.clear()
    yield
    cache.clear()


def trainings() -> list[Job]:
    return list(Job.objects.filter(kind=JobKind.SUGGEST_TRAIN).order_by("pk"))


def test_training_is_queued_after_enough_coding_and_not_before(
    team: Team, auto_train: None, django_capture_on_commit_callbacks: Any
) -> None:
    trust = make_code(team.study, "Trust")
    transcript = interview(team.study, "A", TRUST)
    spans = sentences(transcript)[1:]  # the interviewer's question is not coded
    for start, end in spans[:5]:
        with django_capture_on_commit_callbacks(execute=True):
            apply_coding(transcript=transcript, code=trust, start=start, end=end, coder=team.coder)
    assert trainings() == []  # 5 of 6 examples: nothing to train yet

    start, end = spans[5]
    with django_capture_on_commit_callbacks(execute=True):
        apply_coding(transcript=transcript, code=trust, start=start, end=end, coder=team.coder)

    [job] = trainings()
    assert job.status == JobStatus.DONE and job.created_by == team.coder, job.error
    model = SuggestionModel.objects.get()
    assert model.enabled == [trust.pk] and model.counts == {str(trust.pk): 6}

    # Another change within the gate's window queues nothing more.
    start, end = spans[6]
    with django_capture_on_commit_callbacks(execute=True):
        apply_coding(transcript=transcript, code=trust, start=start, end=end, coder=team.coder)
    assert len(trainings()) == 1


def test_training_is_not_queued_again_without_a_coding_change(team: Team, auto_train: None) -> None:
    trust = make_code(team.study, "Trust")
    transcript = interview(team.study, "A", TRUST)
    codings = [
        apply_coding(transcript=transcript, code=trust, start=s, end=e, coder=team.coder)[0]
        for s, e in sentences(transcript)[1:]
    ]  # on_commit callbacks are not run here: nothing is queued yet
    assert trainings() == []

    first = maybe_queue_training(study_id=team.study.pk, user_id=team.owner.pk)
    assert first is not None and first.kind == JobKind.SUGGEST_TRAIN
    # Still waiting for a worker, it is the one a second trigger gets.
    cache.delete(_gate_key(team.study.pk))
    assert maybe_queue_training(study_id=team.study.pk, user_id=None) == first
    # Done: a model trained on this coding exists; with the gate open, nothing changed since its mark.
    Job.objects.filter(pk=first.pk).update(status=JobStatus.DONE, started_at=timezone.now())
    SuggestionModel.objects.create(study=team.study, version=1, blob=b"", coding_mark=_mark(team))
    cache.delete(_gate_key(team.study.pk))
    assert maybe_queue_training(study_id=team.study.pk, user_id=None) is None

    # A removal is a coding change too.
    remove_coding(coding=codings[0], user=team.coder)
    again = maybe_queue_training(study_id=team.study.pk, user_id=None)
    assert again is not None and again.pk != first.pk


def test_a_rejection_is_a_change_the_model_learns_from(
    team: Team, auto_train: None, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    trust = make_code(team.study, "Trust")
    transcript = interview(team.study, "A", TRUST)
    settings.THEMATICA_SUGGEST_AUTO_TRAIN = False  # coded before the model below was trained
    for s, e in sentences(transcript)[1:7]:
        apply_coding(transcript=transcript, code=trust, start=s, end=e, coder=team.coder)
    settings.THEMATICA_SUGGEST_AUTO_TRAIN = True
    SuggestionModel.objects.create(study=team.study, version=1, blob=b"", coding_mark=_mark(team))
    other = make_code(team.study, "Other")
    suggestion = make_suggestion(transcript, other, sentences(transcript)[7])

    with django_capture_on_commit_callbacks(execute=True):
        reject_suggestion(suggestion=suggestion, user=team.coder)

    assert len(trainings()) == 1


def test_a_coding_change_adds_no_query_while_the_gate_is_closed(
    team: Team, settings: Any, django_capture_on_commit_callbacks: Any, worker: list[tuple[Any, ...]]
) -> None:
    trust = make_code(team.study, "Trust")
    transcript = interview(team.study, "A", TRUST)
    spans = sentences(transcript)[1:]

    def queries_to_code(span: tuple[int, int]) -> int:
        with CaptureQueriesContext(connection) as queries, django_capture_on_commit_callbacks(execute=True):
            apply_coding(transcript=transcript, code=trust, start=span[0], end=span[1], coder=team.coder)
        return len(queries)

    queries_to_code(spans[0])  # the first coding of a transcript reads more (nothing cached yet)
    settings.THEMATICA_SUGGEST_AUTO_TRAIN = False
    off = queries_to_code(spans[2])
    settings.THEMATICA_SUGGEST_AUTO_TRAIN = True
    cache.set(_gate_key(team.study.pk), True, 60)  # trained a moment ago
    try:
        on = queries_to_code(spans[4])
    finally:
        cache.clear()
    assert on == off and trainings() == []
    assert len(worker) == 1  # a check is scheduled for when the gate opens


def test_the_trigger_is_off_by_the_setting(team: Team, settings: Any, django_capture_on_commit_callbacks: Any) -> None:
    settings.THEMATICA_SUGGEST_AUTO_TRAIN = False
    cache.clear()
    trust = make_code(team.study, "Trust")
    transcript = interview(team.study, "A", TRUST)
    for s, e in sentences(transcript)[1:]:
        with django_capture_on_commit_callbacks(execute=True):
            apply_coding(transcript=transcript, code=trust, start=s, end=e, coder=team.coder)
    assert trainings() == []


def _mark(team: Team) -> int:
    from assist.suggestions import coding_mark

    return coding_mark(team.study)


def test_one_transaction_of_many_coding_changes_registers_one_check(
    team: Team, auto_train: None, django_capture_on_commit_callbacks: Any
) -> None:
    from django.db import transaction

    trust = make_code(team.study, "Trust")
    transcript = interview(team.study, "A", TRUST)
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        for s, e in sentences(transcript)[1:]:
            apply_coding(transcript=transcript, code=trust, start=s, end=e, coder=team.coder)
    assert [getattr(c, "study_id", None) for c in callbacks] == [team.study.pk]
    for callback in callbacks:
        callback()
    assert len(trainings()) == 1


def test_the_last_change_of_a_window_still_leads_to_a_training(
    team: Team, auto_train: None, worker: list[tuple[Any, ...]], django_capture_on_commit_callbacks: Any
) -> None:
    from assist.tasks import retrain_check_task

    trust = make_code(team.study, "Trust")
    transcript = interview(team.study, "A", TRUST)
    spans = sentences(transcript)[1:]
    for start, end in spans[:6]:
        with django_capture_on_commit_callbacks(execute=True):
            apply_coding(transcript=transcript, code=trust, start=start, end=end, coder=team.coder)
    assert len(trainings()) == 1 and worker == []

    # Two more examples a few seconds after that training, then the coder stops.
    for start, end in spans[6:8]:
        with django_capture_on_commit_callbacks(execute=True):
            apply_coding(transcript=transcript, code=trust, start=start, end=end, coder=team.coder)
    assert len(trainings()) == 1
    [(study_id, user_id, countdown)] = worker  # one check, at the end of the window
    assert study_id == team.study.pk and user_id == team.coder.pk and 55 <= countdown <= 61

    cache.delete(_gate_key(team.study.pk))  # the window has passed
    with django_capture_on_commit_callbacks(execute=True):
        retrain_check_task(study_id, user_id)
    assert len(trainings()) == 2 and trainings()[1].status == JobStatus.DONE
    assert SuggestionModel.objects.order_by("-version")[0].counts == {str(trust.pk): len(spans[:8])}


def test_without_a_worker_nothing_trains_inside_a_request_and_pages_say_the_model_is_out_of_date(
    team: Team, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from django.urls import reverse

    from assist.suggestions import model_out_of_date

    settings.THEMATICA_SUGGEST_AUTO_TRAIN = True  # but tasks run in this process (no broker)
    cache.clear()
    trust = make_code(team.study, "Trust")
    transcript = interview(team.study, "A", TRUST)
    for s, e in sentences(transcript)[1:]:
        with django_capture_on_commit_callbacks(execute=True):
            apply_coding(transcript=transcript, code=trust, start=s, end=e, coder=team.coder)
    assert trainings() == [] and model_out_of_date(team.study)
    client = team.client("coder")
    page = client.get(reverse("assist:queue", args=[team.study.slug])).content.decode()
    assert "The model is out of date" in page
    code_page = client.get(reverse("coding:code_detail", args=[team.study.slug, trust.uuid])).content.decode()
    assert "The model is out of date" in code_page


def test_a_training_on_older_coding_never_replaces_a_newer_model(team: Team) -> None:
    from assist.suggestions import Fitted, store_model

    newer = store_model(team.study, Fitted(mark=20, examples=8, counts={}, enabled=[], blob=b"", metrics={}))
    older = store_model(team.study, Fitted(mark=10, examples=6, counts={}, enabled=[], blob=b"", metrics={}))
    assert older == newer and SuggestionModel.objects.count() == 1
    again = store_model(team.study, Fitted(mark=30, examples=9, counts={}, enabled=[], blob=b"", metrics={}))
    assert again.version == 2 and again.coding_mark == 30


def test_a_training_that_missed_a_change_queues_another(
    team: Team, auto_train: None, monkeypatch: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """A change committed while the training ran (after it read the coding) is learnt next."""
    from assist import suggestions
    from assist.suggestions import queue_training

    trust = make_code(team.study, "Trust")
    transcript = interview(team.study, "A", TRUST)
    spans = sentences(transcript)[1:]
    for s, e in spans[:6]:
        apply_coding(transcript=transcript, code=trust, start=s, end=e, coder=team.coder)
    fit = suggestions.fit_model
    changed: list[Any] = []

    def fit_then_a_change(study: Any) -> Any:
        fitted = fit(study)
        if not changed:
            changed.append(apply_coding(transcript=transcript, code=trust, start=spans[6][0], end=spans[6][1],
                                        coder=team.coder))  # fmt: skip
        return fitted

    monkeypatch.setattr(suggestions, "fit_model", fit_then_a_change)
    with django_capture_on_commit_callbacks(execute=True):
        queue_training(study=team.study, user=team.coder)

    assert [j.status for j in trainings()] == [JobStatus.DONE, JobStatus.DONE]
    assert [m.counts for m in SuggestionModel.objects.order_by("version")] == [
        {str(trust.pk): 6}, {str(trust.pk): 7}
    ]  # fmt: skip
