"""SIGKILL of a whole worker mid-import → exactly one complete transcript within the configured timeout.

Issue 8, finding 4: a worker killed with SIGKILL stranded its job at "running 10 %" for kombu's
one-hour visibility timeout, telling nobody. Here a real prefork worker is killed (its whole process
group: main process and pool process) while its import has written the transcript and its turns
but not committed them; a new worker with beat is started, and the job must be done, once, within
RECOVERY_TIMEOUT_S. The broker also hands the killed worker's message out again (its visibility
timeout is 8 s here): that second delivery must change nothing.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from django.db import transaction

from interviews.models import Speaker, SpeakerTurn, Transcript
from interviews.tasks import import_transcript_task
from studies.jobs import create_job, enqueue
from studies.models import Job, JobKind, JobStatus
from tests.conftest import Team
from tests.faults.conftest import FAST_RECOVERY_ENV, CeleryWorkers, WorkerProcess

pytestmark = [pytest.mark.faults, pytest.mark.postgres, pytest.mark.celery_worker]

INTERVIEW = (
    b"Interviewer: How do you check a model before it ships?\n\n"
    b"P3: With SHAP plots, mostly, and a review with the risk team.\n\n"
    b"Interviewer: And when the plots disagree with the team?\n\n"
    b"P3: We talk until we know why. That is the whole point.\n"
)
# The configured timeout: a heartbeat is stale after 3 s and beat sweeps every 2 s (FAST_RECOVERY_ENV);
# the rest is a worker's start-up (Django, the pool) and the import itself, with a wide margin.
STALE_AFTER_S = int(FAST_RECOVERY_ENV["THEMATICA_JOB_STALE_AFTER_S"])
SWEEP_INTERVAL_S = int(FAST_RECOVERY_ENV["THEMATICA_JOB_SWEEP_INTERVAL_S"])
RECOVERY_TIMEOUT_S = STALE_AFTER_S + SWEEP_INTERVAL_S + 45


def _wait_for(condition: Callable[[], bool], timeout: float, what: str, worker: WorkerProcess | None = None) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            log = f":\n{worker.log()[-4000:]}" if worker is not None else ""
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}{log}")
        time.sleep(0.1)


def _deliveries(log: str) -> int:
    return len(re.findall(r"Task interviews\.tasks\.import_transcript_task\[[0-9a-f-]+\] received", log))


@pytest.mark.django_db(transaction=True)
def test_sigkill_of_a_whole_worker_mid_import_leaves_one_complete_transcript(
    team: Team, celery_workers: CeleryWorkers, tmp_path: Path, fault_figure: Callable[[str, float | int | str], None]
) -> None:
    marker = tmp_path / "import-paused"
    first = celery_workers.start(
        env={
            **FAST_RECOVERY_ENV,
            "THEMATICA_FAULT_PAUSE_IN_IMPORT_S": "600",
            "THEMATICA_FAULT_PAUSE_MARKER": str(marker),
        }
    )
    with transaction.atomic():
        job = create_job(
            study=team.study, kind=JobKind.IMPORT_TRANSCRIPT, user=team.coder, input_name="P3 interview.txt",
            input_bytes=INTERVIEW,
        )  # fmt: skip
        enqueue(import_transcript_task, job)
    upload = Path(job.input_file.path)

    # The import has written the transcript and its turns, uncommitted, and waits: kill the worker.
    _wait_for(marker.exists, 60, "the import to reach its pause", first)
    job.refresh_from_db()
    assert (job.status, job.attempts) == (JobStatus.RUNNING, 1)
    killed_at = time.monotonic()
    first.kill()
    assert not Transcript.objects.exists() and not SpeakerTurn.objects.exists() and not Speaker.objects.exists()
    job.refresh_from_db()
    assert job.status == JobStatus.RUNNING  # stranded, until the sweep notices its heartbeat stopped

    second = celery_workers.start(env=FAST_RECOVERY_ENV, beat=True)

    def done() -> bool:
        job.refresh_from_db()
        return job.is_finished

    _wait_for(done, RECOVERY_TIMEOUT_S - (time.monotonic() - killed_at), "the job to finish", second)
    recovery_s = time.monotonic() - killed_at
    assert job.status == JobStatus.DONE, job.error
    assert job.attempts == 2 and job.result["created"] is True
    assert job.input_file.name == "" and not upload.exists()  # finding 7: no path of a deleted file

    # The broker hands the killed worker's unacknowledged message out again after its visibility
    # timeout; that delivery finds the job done and changes nothing.
    _wait_for(lambda: _deliveries(second.log()) >= 2, 60, "the broker's redelivery", second)
    time.sleep(1)  # let that delivery's task end (it only reads the job)
    transcripts = list(Transcript.objects.filter(study=team.study))
    assert len(transcripts) == 1
    transcript = transcripts[0]
    assert transcript.text.endswith("That is the whole point.") and transcript.turns.count() == 4
    job.refresh_from_db()
    assert (job.status, job.attempts) == (JobStatus.DONE, 2)
    assert "Task interviews.tasks.import_transcript_task" in second.log() and "Traceback" not in second.log()

    fault_figure("worker_kill_recovery_s", recovery_s)
    fault_figure("worker_kill_timeout_s", RECOVERY_TIMEOUT_S)
    fault_figure(
        "worker_kill_jobs_once",
        f"{Job.objects.filter(kind=JobKind.IMPORT_TRANSCRIPT, status=JobStatus.DONE).count()}/1",
    )
    fault_figure("worker_kill_transcripts", len(transcripts))
    fault_figure("worker_kill_deliveries", _deliveries(second.log()))


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("ignores_soft_limit", [False, True], ids=["soft", "hard"])
def test_an_import_past_its_time_limit_fails_saying_so_on_a_real_worker(
    team: Team, celery_workers: CeleryWorkers, tmp_path: Path, ignores_soft_limit: bool,
    fault_figure: Callable[[str, float | int | str], None],
) -> None:  # fmt: skip
    """The kind's limits (here 2 s soft, 4 s hard) reach the prefork pool: past the soft one the task
    is told to stop; a task that does not stop is killed at the hard one, and the worker's main
    process fails the job. Either way nothing is half-written and the upload is kept for a retry."""
    worker = celery_workers.start(
        env={
            **FAST_RECOVERY_ENV,
            "THEMATICA_JOB_TIME_LIMIT_IMPORT_TRANSCRIPT": "2,4",
            "THEMATICA_FAULT_PAUSE_IN_IMPORT_S": "600",
            "THEMATICA_FAULT_PAUSE_IGNORES_SOFT_LIMIT": "1" if ignores_soft_limit else "",
        }
    )
    with transaction.atomic():
        job = create_job(
            study=team.study, kind=JobKind.IMPORT_TRANSCRIPT, user=team.coder, input_name="slow.txt",
            input_bytes=INTERVIEW,
        )  # fmt: skip
        enqueue(import_transcript_task, job)

    def finished() -> bool:
        job.refresh_from_db()
        return job.is_finished

    _wait_for(finished, 60, "the job to stop", worker)
    limit = "4 seconds" if ignores_soft_limit else "2 seconds"
    assert job.status == JobStatus.FAILED
    assert job.error.startswith(f"The transcript import took longer than {limit} and was stopped."), job.error
    assert not Transcript.objects.exists() and job.input_file.name and Path(job.input_file.path).exists()
    if ignores_soft_limit:
        assert "Hard time limit (4" in worker.log()
    fault_figure(f"time_limit_{'hard' if ignores_soft_limit else 'soft'}_failed", "1/1")
