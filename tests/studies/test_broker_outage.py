"""Issue 8, finding 5: an unreachable broker turned an upload into a bare 500 and left its job
"Queued 0 %" for ever. Now the request answers with a message, the job waits for the task service
with its file kept, and it is sent when the broker is back (a resend, a page view, or by hand).

These tests make Celery non-eager and point it at a closed port (the broker is down) or at the
shared Redis, database 8 (the broker is back), whose queue they read back to see what was sent.
Tests that go through a whole request use `transaction=True`, so the send runs on commit inside the
request, as in production.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import pytest
import redis
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse

from config.celery import app
from interviews.models import Transcript
from interviews.tasks import import_transcript_task
from studies import dispatch
from studies.jobs import create_job, enqueue, fail_job, finish_job
from studies.models import Job, JobKind, JobStatus
from tests.conftest import Team, csrf_post
from tests.factories import make_study
from tests.interviews.test_import_preview import form_fields

DOWN = "redis://127.0.0.1:6391/0"  # nothing listens there
BACK = "redis://127.0.0.1:6379/8"  # this file's own Redis database
INTERVIEW = b"Interviewer: How do you check a model?\n\nP3: With SHAP plots.\n"


class Broker:
    """Where Celery sends tasks during one test, and what arrived there."""

    def down(self) -> None:
        app.conf.update(broker_url=DOWN)

    def back(self) -> None:
        app.conf.update(broker_url=BACK)

    def sent(self) -> list[tuple[str, list[Any]]]:
        """The (task name, args) of every message in the default queue, oldest first."""
        found = []
        for raw in reversed(_redis().lrange("celery", 0, -1)):
            message = json.loads(raw)
            args = json.loads(base64.b64decode(message["body"]))[0]
            found.append((message["headers"]["task"], args))
        return found


def _redis() -> redis.Redis:
    return redis.Redis.from_url(BACK)


@pytest.fixture
def broker(monkeypatch: pytest.MonkeyPatch) -> Iterator[Broker]:
    """Celery sends to a real (down, then back) broker instead of running tasks in-process."""
    monkeypatch.delenv("CELERY_BROKER_URL", raising=False)  # Celery prefers it to its own setting
    saved = app.conf.get("broker_url"), app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        _redis().ping()
    except redis.ConnectionError:
        pytest.skip("needs the shared Redis on 127.0.0.1:6379")
    _redis().delete("celery")
    cache.clear()  # dispatch remembers a failed broker and when it last tried to resend
    state = Broker()
    state.down()
    try:
        yield state
    finally:
        app.conf.update(broker_url=saved[0], task_always_eager=saved[1])
        _redis().delete("celery")
        cache.clear()


def _messages(response: Any) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def _upload(team: Team, *files: tuple[str, bytes], **extra: str) -> Any:
    data = {"files": [SimpleUploadedFile(name, content) for name, content in files], **extra}
    return csrf_post(team.client("coder"), reverse("interviews:import", args=[team.study.slug]), data)


def _waiting_job(team: Team, name: str = "a.txt", user: Any = None) -> Job:
    job = create_job(
        study=team.study, kind=JobKind.IMPORT_TRANSCRIPT, user=user or team.coder, input_name=name,
        input_bytes=INTERVIEW,
    )  # fmt: skip
    Job.objects.filter(pk=job.pk).update(status=JobStatus.WAITING, message=dispatch.WAITING_MESSAGE)
    job.refresh_from_db()
    return job


# --- the upload while the broker is down ------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_upload_with_the_broker_down_answers_with_a_message_and_keeps_the_file(team: Team, broker: Broker) -> None:
    response = _upload(team, ("interview.txt", INTERVIEW), skip_preview="1")
    assert response.status_code == 302 and response["Location"].endswith("/documents/imports/")
    assert _messages(response) == [dispatch.UNREACHABLE_MESSAGE]
    job = Job.objects.get()
    assert job.status == JobStatus.WAITING and job.sent_at is None
    assert job.message == dispatch.WAITING_MESSAGE
    with job.input_file.open("rb") as kept:
        assert kept.read() == INTERVIEW
    page = team.client("coder").get(response["Location"]).content.decode()
    assert "Waiting for the task service" in page and 'hx-trigger="every 5s"' in page  # it keeps polling
    assert "Retry now" in page and not Transcript.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_batch_tries_the_down_broker_once_not_once_per_file(
    team: Team, broker: Broker, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each try can take the connection timeout: a 200-file upload must not take 200 of them."""
    opened = []
    real = dispatch._connection
    monkeypatch.setattr(dispatch, "_connection", lambda: opened.append(1) or real())  # type: ignore[func-returns-value]
    files = [(f"interview-{i}.txt", INTERVIEW) for i in range(3)]
    response = _upload(team, *files, skip_preview="1")
    assert response.status_code == 302 and _messages(response) == [dispatch.UNREACHABLE_MESSAGE_PLURAL]
    assert Job.objects.filter(status=JobStatus.WAITING).count() == 3
    assert len(opened) == 1


@pytest.mark.django_db(transaction=True)
def test_confirming_a_preview_with_the_broker_down_keeps_the_file(team: Team, broker: Broker) -> None:
    client = team.client("coder")
    preview_url = _upload(team, ("interview.txt", INTERVIEW))["Location"]  # staging needs no broker
    client = team.client("coder")
    fields = form_fields(client.get(preview_url).content.decode())
    response = csrf_post(client, preview_url, {**fields, "action": "confirm"})
    assert response.status_code == 302 and _messages(response) == [dispatch.UNREACHABLE_MESSAGE]
    job = Job.objects.get()
    assert job.status == JobStatus.WAITING and default_storage.exists(str(job.input_file.name))


@pytest.mark.django_db(transaction=True)
def test_an_export_with_the_broker_down_waits_on_its_page(team: Team, broker: Broker, settings: Any) -> None:
    from interviews.models import Participant

    settings.THEMATICA_EXPORT_INLINE_ROWS = 0
    Participant.objects.create(study=team.study, label="P1")
    response = team.client("coder").get(reverse("interviews:participant_export", args=[team.study.slug]))
    job = Job.objects.get()
    assert response.status_code == 302 and job.status == JobStatus.WAITING
    assert job.message == dispatch.WAITING_MESSAGE_NO_FILE  # there is no file to keep


# --- sent again when the broker is back ----------------------------------------------------------


@pytest.mark.django_db
def test_waiting_jobs_are_sent_when_the_broker_is_back(team: Team, broker: Broker) -> None:
    first, second = _waiting_job(team, "1.txt"), _waiting_job(team, "2.txt")
    assert dispatch.resend_waiting_jobs() == 0  # still down
    assert set(Job.objects.values_list("status", flat=True)) == {JobStatus.WAITING}
    broker.back()
    assert dispatch.resend_waiting_jobs() == 2
    name = "interviews.tasks.import_transcript_task"
    assert broker.sent() == [(name, [first.pk]), (name, [second.pk])]
    for job in (first, second):
        job.refresh_from_db()
        assert job.status == JobStatus.QUEUED and job.sent_at is not None and job.message == ""
    assert dispatch.resend_waiting_jobs() == 0 and len(broker.sent()) == 2  # sent once


@pytest.mark.django_db
def test_resending_while_the_broker_is_down_tries_one_connection(
    team: Team, broker: Broker, monkeypatch: pytest.MonkeyPatch
) -> None:
    for i in range(3):
        _waiting_job(team, f"{i}.txt")
    opened = []
    real = dispatch._connection
    monkeypatch.setattr(dispatch, "_connection", lambda: opened.append(1) or real())  # type: ignore[func-returns-value]
    assert dispatch.resend_waiting_jobs() == 0
    assert len(opened) == 1 and Job.objects.filter(status=JobStatus.WAITING).count() == 3


@pytest.mark.django_db
def test_a_job_sent_meanwhile_is_not_sent_twice(team: Team, broker: Broker) -> None:
    job = _waiting_job(team)
    broker.back()
    assert dispatch.send(job) is True
    assert dispatch.send(job) is False and dispatch.resend_waiting_jobs() == 0
    assert len(broker.sent()) == 1


@pytest.mark.django_db
def test_viewing_a_waiting_job_sends_it_once_the_broker_is_back(team: Team, broker: Broker) -> None:
    """No sweep needs to run: the job's page (and its poll) try again, at most every few seconds."""
    job = _waiting_job(team)
    url = reverse("studies:job_detail", args=[team.study.slug, job.uuid])
    assert "Waiting for the task service" in team.client("viewer").get(url).content.decode()  # down: still waits
    broker.back()
    cache.delete(dispatch._RESEND_KEY)  # the few seconds pass
    page = team.client("viewer").get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "status-queued" in page and 'hx-trigger="every 1s"' in page
    assert broker.sent() == [("interviews.tasks.import_transcript_task", [job.pk])]
    later = _waiting_job(team, "later.txt")  # within the few seconds, a page view does not try again
    team.client("viewer").get(reverse("studies:job_detail", args=[team.study.slug, later.uuid]))
    assert Job.objects.get(pk=later.pk).status == JobStatus.WAITING


@pytest.mark.django_db
def test_the_import_list_poll_sends_a_waiting_import_when_the_broker_is_back(team: Team, broker: Broker) -> None:
    job = _waiting_job(team)
    url = reverse("interviews:import_jobs", args=[team.study.slug])
    page = team.client("viewer").get(url).content.decode()
    assert "Waiting for the task service" in page and 'hx-trigger="every 5s"' in page
    assert "Retry now" not in page  # not for viewers
    broker.back()
    cache.delete(dispatch._RESEND_KEY)
    row = team.client("viewer").get(url, {"job": str(job.uuid)}).content.decode()
    assert 'class="job job-queued import-job"' in row and len(broker.sent()) == 1


# --- retry by hand --------------------------------------------------------------------------------


def _retry(team: Team, role: str, job: Job, **data: str) -> Any:
    return csrf_post(team.client(role), reverse("studies:job_retry", args=[team.study.slug, job.uuid]), data)


@pytest.mark.django_db(transaction=True)
def test_retry_now_sends_a_waiting_job(team: Team, broker: Broker) -> None:
    job = _waiting_job(team)
    response = _retry(team, "coder", job)  # the broker is still down: it waits again, and says so
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    assert _messages(response) == ["The task service is still unreachable; the job waits and starts when it is back."]
    assert Job.objects.get(pk=job.pk).status == JobStatus.WAITING
    broker.back()
    response = _retry(team, "coder", job, next=reverse("interviews:import_jobs", args=[team.study.slug]))
    assert response["Location"] == reverse("interviews:import_jobs", args=[team.study.slug])
    assert _messages(response) == ["Sent to the task service again."]
    assert Job.objects.get(pk=job.pk).status == JobStatus.QUEUED and len(broker.sent()) == 1


@pytest.mark.django_db(transaction=True)
def test_retry_goes_back_only_to_this_site(team: Team, broker: Broker) -> None:
    job = _waiting_job(team)
    response = _retry(team, "coder", job, next="https://evil.example/")
    assert response["Location"] == job.get_absolute_url()


@pytest.mark.django_db(transaction=True)
def test_a_failed_import_whose_file_is_kept_is_imported_again(team: Team) -> None:
    """Eager mode (no broker): the retried import runs at once. Attempts start again from 0."""
    job = _waiting_job(team)
    fail_job(job, "Internal error: worker lost")
    Job.objects.filter(pk=job.pk).update(attempts=3)
    page = team.client("owner").get(job.get_absolute_url()).content.decode()
    assert "Import again" in page
    response = _retry(team, "owner", job)  # an owner may retry the coder's import
    assert _messages(response) == ["Sent to the task service again."]
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.error == ""
    assert job.attempts == 1  # counted from 0 again: started once since the retry
    assert Transcript.objects.get().turns.count() == 2


@pytest.mark.django_db(transaction=True)
def test_what_cannot_be_retried_is_refused_with_a_reason(team: Team) -> None:
    gone = _waiting_job(team, "gone.txt")
    fail_job(gone, "Internal error")
    default_storage.delete(str(gone.input_file.name))
    done = create_job(study=team.study, kind=JobKind.IMPORT_TRANSCRIPT, user=team.coder)
    finish_job(done)
    queued = create_job(study=team.study, kind=JobKind.IMPORT_TRANSCRIPT, user=team.coder)
    assert _messages(_retry(team, "coder", gone)) == [
        "The uploaded file of this import is no longer kept; upload it again to import it."
    ]
    assert _messages(_retry(team, "coder", done)) == ["This job is done; there is nothing to retry."]
    assert _messages(_retry(team, "coder", queued)) == [
        "This job is already queued or running; there is nothing to retry."
    ]
    assert Job.objects.get(pk=gone.pk).status == JobStatus.FAILED
    assert Job.objects.get(pk=queued.pk).sent_at is None  # nothing was sent


@pytest.mark.django_db(transaction=True)
def test_an_import_that_failed_on_its_file_is_not_offered_again(team: Team) -> None:
    """A damaged file fails the same way every time: no "Import again" (it offered one for a zip bomb)."""
    job = create_job(study=team.study, kind=JobKind.IMPORT_TRANSCRIPT, user=team.coder, input_name="broken.pdf",
                     input_bytes=b"%PDF-1.4 garbage")  # fmt: skip
    enqueue(import_transcript_task, job)  # eager: runs and fails now
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.input_file and job.result.get("permanent")
    assert "Import again" not in team.client("coder").get(job.get_absolute_url()).content.decode()
    jobs_page = team.client("coder").get(reverse("interviews:import_jobs", args=[team.study.slug])).content.decode()
    assert "broken.pdf" in jobs_page and "Import again" not in jobs_page
    assert _messages(_retry(team, "coder", job)) == [
        "This file could not be read; importing it again would fail the same way. Fix or re-save it, then upload it."
    ]
    assert Job.objects.get(pk=job.pk).status == JobStatus.FAILED


@pytest.mark.django_db
def test_who_may_retry(team: Team, broker: Broker) -> None:
    """Outsiders 404, viewers 403; coders their own jobs, owners any; another study's job 404."""
    coders_job, owners_job = _waiting_job(team, "c.txt"), _waiting_job(team, "o.txt", user=team.owner)
    assert _retry(team, "outsider", coders_job).status_code == 404
    assert _retry(team, "viewer", coders_job).status_code == 403
    assert _retry(team, "coder", owners_job).status_code == 403
    assert Job.objects.get(pk=owners_job.pk).status == JobStatus.WAITING  # the refusals changed nothing
    assert _retry(team, "coder", coders_job).status_code == 302
    assert _retry(team, "owner", owners_job).status_code == 302
    url = reverse("studies:job_retry", args=[team.study.slug, coders_job.uuid])
    assert team.client("coder").get(url).status_code == 405
    other = create_job(study=make_study("Other", owner=team.outsider), kind=JobKind.IMPORT_TRANSCRIPT, user=None)
    cross = reverse("studies:job_retry", args=[team.study.slug, other.uuid])
    assert csrf_post(team.client("owner"), cross).status_code == 404


@pytest.mark.django_db
def test_the_retry_button_shows_only_to_those_who_may_use_it(team: Team, broker: Broker) -> None:
    job = _waiting_job(team)
    url = reverse("studies:job_detail", args=[team.study.slug, job.uuid])
    shown = {role: "Retry now" in team.client(role).get(url).content.decode() for role in ("viewer", "coder", "owner")}
    assert shown == {"viewer": False, "coder": True, "owner": True}
    page = team.client("coder").get(reverse("interviews:import_jobs", args=[team.study.slug])).content.decode()
    assert "Retry now" in page and 'name="next"' in page


# --- eager mode and the task registry -------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_without_a_broker_the_task_runs_in_the_process_as_before(team: Team) -> None:
    with transaction.atomic():
        job = create_job(
            study=team.study, kind=JobKind.IMPORT_TRANSCRIPT, user=team.coder, input_name="e.txt",
            input_bytes=INTERVIEW,
        )  # fmt: skip
        enqueue(import_transcript_task, job)
        assert Job.objects.get(pk=job.pk).sent_at is None  # nothing before commit
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.sent_at is not None


def test_every_job_kind_names_its_task_once() -> None:
    assert set(dispatch.TASKS) == set(JobKind.values)
    from django.utils.module_loading import import_string

    for kind, name in dispatch.TASKS.items():
        task = import_string(name)
        assert task.name == name and getattr(task, "job_kind", kind) == kind


@pytest.mark.django_db
def test_enqueue_refuses_a_task_that_is_not_the_jobs(team: Team) -> None:
    from interviews.tasks import export_participants_task

    job = create_job(study=team.study, kind=JobKind.IMPORT_TRANSCRIPT, user=team.coder)
    with pytest.raises(ValueError, match="not the task of"):
        enqueue(export_participants_task, job)
