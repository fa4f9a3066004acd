"""The broker stopped: an upload answers with a clear message, its job waits with the file kept, and
the import completes exactly once when the broker returns.

Each test runs its own redis-server on port 6390 (no persistence) and a real worker on it, stops
the server, uploads through the web client (this process, Celery not eager, sending to 6390), then
starts the server again. Two ways back are checked: the worker's periodic sweep (beat) with nobody
looking, and the import list's poll with no beat running.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import redis
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from config.celery import app
from interviews.models import Transcript
from studies import dispatch
from studies.models import Job, JobStatus
from tests.conftest import Team, csrf_post

from .conftest import FAST_RECOVERY_ENV, CeleryWorkers

pytestmark = pytest.mark.faults

PORT = 6390
BROKER_URL = f"redis://127.0.0.1:{PORT}/0"
FILES = {
    "outage-1.txt": b"Interviewer: What did you check first?\n\nP1: The attributions.\n",
    "outage-2.txt": b"Interviewer: And then?\n\nP2: The calibration plots.\n\nInterviewer: Why?\n\nP2: Trust.\n",
}
RECOVERY_TIMEOUT_S = 90


@dataclass
class RedisServer:
    """A redis-server of this test's own (never the shared one on 6379), started and stopped at will."""

    log_path: Path
    process: subprocess.Popen[bytes] | None = None
    starts: list[float] = field(default_factory=list)

    def ping(self) -> bool:
        try:
            return bool(redis.Redis(port=PORT, socket_connect_timeout=1).ping())
        except redis.ConnectionError:
            return False

    def start(self) -> None:
        command = ["redis-server", "--port", str(PORT), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                   "--daemonize", "no"]  # fmt: skip
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        self.starts.append(time.monotonic())
        deadline = time.monotonic() + 15
        while not self.ping():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"redis-server did not start:\n{self.log_path.read_text()[-2000:]}")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=15)
        self.process = None


@pytest.fixture
def redis_6390(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(log_path=tmp_path / "redis-6390.log")
    if server.ping():
        pytest.fail(f"something already listens on port {PORT}; this test needs it for its own redis-server")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def outage(
    redis_6390: RedisServer, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[RedisServer, CeleryWorkers]]:
    """The redis-server on 6390 running, real workers (none started yet) on it, and this process
    sending tasks to it."""
    # The workers' default broker, and this process's: Celery prefers it to its own setting.
    monkeypatch.setenv("CELERY_BROKER_URL", BROKER_URL)
    workers: CeleryWorkers = request.getfixturevalue("celery_workers")  # not eager from here on
    assert app.conf.broker_url == BROKER_URL
    cache.clear()  # dispatch's memory of a failed broker and of its last resend
    redis_6390.start()
    try:
        yield redis_6390, workers
    finally:
        cache.clear()


def _upload_while_down(team: Team, server: RedisServer) -> tuple[list[Job], float]:
    server.stop()
    client = team.client("coder")
    files = [SimpleUploadedFile(name, data) for name, data in FILES.items()]
    started = time.monotonic()
    response = csrf_post(client, reverse("interviews:import", args=[team.study.slug]),
                         {"files": files, "skip_preview": "1"})  # fmt: skip
    answered = time.monotonic() - started
    assert response.status_code == 302, response.content[:2000]
    assert [str(m) for m in get_messages(response.wsgi_request)] == [dispatch.UNREACHABLE_MESSAGE_PLURAL]
    jobs = list(Job.objects.order_by("input_name"))
    assert [job.status for job in jobs] == [JobStatus.WAITING] * len(FILES)
    for job in jobs:
        assert job.message == dispatch.WAITING_MESSAGE
        with job.input_file.open("rb") as kept:
            assert kept.read() == FILES[job.input_name]
    page = client.get(response["Location"]).content.decode()
    assert page.count('badge status-waiting">Waiting for the task service<') == len(FILES) and "Retry now" in page
    return jobs, answered


def _wait_until_done(jobs: list[Job], poll: Callable[[], Any]) -> None:
    deadline = time.monotonic() + RECOVERY_TIMEOUT_S
    while time.monotonic() < deadline:
        poll()
        if all(Job.objects.get(pk=job.pk).is_finished for job in jobs):
            return
        time.sleep(0.5)
    states = [(j.input_name, j.status, j.message, j.error) for j in Job.objects.all()]
    raise AssertionError(f"not done {RECOVERY_TIMEOUT_S} s after the broker returned: {states}")


def _assert_done_once(jobs: list[Job], workers: CeleryWorkers) -> int:
    """Every job done after one start, one document per file; the number of jobs done exactly once."""
    once = 0
    for job in jobs:
        job.refresh_from_db()
        assert job.status == JobStatus.DONE, (job.input_name, job.error, "\n".join(w.log() for w in workers.workers))
        assert not job.input_file  # imported: the upload is no longer kept
        once += job.attempts == 1
    assert Transcript.objects.count() == len(FILES)
    assert sorted(t.turns.count() for t in Transcript.objects.all()) == [2, 4]
    return once


@pytest.mark.django_db(transaction=True)
def test_broker_stopped_then_back_the_sweep_sends_the_waiting_imports(
    outage: tuple[RedisServer, CeleryWorkers], team: Team, fault_figure: Callable[[str, Any], None]
) -> None:
    """Nobody looks at the page: the worker's periodic sweep (beat) sends the jobs once Redis answers."""
    server, workers = outage
    workers.start(env=FAST_RECOVERY_ENV, beat=True, broker_url=BROKER_URL)
    jobs, answered = _upload_while_down(team, server)
    time.sleep(2 * int(FAST_RECOVERY_ENV["THEMATICA_JOB_SWEEP_INTERVAL_S"]))  # the outage goes on
    assert set(Job.objects.values_list("status", flat=True)) == {JobStatus.WAITING}
    server.start()
    back = server.starts[-1]
    _wait_until_done(jobs, poll=lambda: None)
    recovery = time.monotonic() - back
    once = _assert_done_once(jobs, workers)
    assert once == len(FILES)
    fault_figure("broker_outage_upload_answer_s", answered)
    fault_figure("broker_outage_recovery_s", recovery)
    fault_figure("broker_outage_jobs_once", f"{once}/{len(FILES)}")


@pytest.mark.django_db(transaction=True)
def test_broker_stopped_then_back_the_import_list_sends_the_waiting_imports(
    outage: tuple[RedisServer, CeleryWorkers], team: Team, fault_figure: Callable[[str, Any], None]
) -> None:
    """No beat runs: the import list's poll, while someone looks at it, sends the jobs once Redis
    answers (at most every dispatch.RESEND_EVERY_SECONDS)."""
    server, workers = outage
    workers.start(env=FAST_RECOVERY_ENV, beat=False, broker_url=BROKER_URL)
    jobs, _ = _upload_while_down(team, server)
    client = team.client("viewer")
    url = reverse("interviews:import_jobs", args=[team.study.slug])

    def poll() -> None:  # what the waiting rows' htmx poll asks for
        for job in jobs:
            assert client.get(url, {"job": str(job.uuid)}).status_code == 200

    poll()  # still down: they keep waiting
    assert set(Job.objects.values_list("status", flat=True)) == {JobStatus.WAITING}
    server.start()
    back = server.starts[-1]
    _wait_until_done(jobs, poll=poll)
    recovery = time.monotonic() - back
    once = _assert_done_once(jobs, workers)
    assert once == len(FILES)
    fault_figure("broker_outage_page_recovery_s", recovery)
    fault_figure("broker_outage_page_jobs_once", f"{once}/{len(FILES)}")
