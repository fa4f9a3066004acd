"""The fault suite (`make faults`): workers killed, the broker stopped, PostgreSQL restarted.

These tests start and stop real processes, so they are not part of `make test` (every module here
sets `pytestmark = pytest.mark.faults`, which `make test` deselects); `make faults` runs them one at
a time (`pytest -m faults tests/faults -p no:xdist`) and prints the figures they record (time to recovery, jobs completed exactly once) on its last line as `name=value` pairs.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

_FIGURES: dict[str, str] = {}


@pytest.fixture
def fault_figure() -> Callable[[str, float | int | str], None]:
    """Record a figure of the fault suite, e.g. `fault_figure("worker_kill_recovery_s", 12.3)`."""

    def record(name: str, value: float | int | str) -> None:
        _FIGURES[name] = f"{value:.2f}" if isinstance(value, float) else str(value)

    return record


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _FIGURES:
        terminalreporter.write_line(" ".join(f"{k}={v}" for k, v in sorted(_FIGURES.items())))


# --- real worker processes -------------------------------------------------------------------------
#
# Fault tests run real `celery worker` processes (prefork pool, its own process group) against the
# test database, so a test can SIGKILL a whole worker as an operator's `kill -9` or the OOM killer
# would. The test must use `@pytest.mark.django_db(transaction=True)` on PostgreSQL: the worker is
# another process and sees only committed rows.

BASE_DIR = Path(__file__).resolve().parent.parent.parent

# Liveness timings short enough for a test (the defaults are minutes): a heartbeat every second,
# stale after 3 s, a sweep every 2 s, the broker redelivers an unacknowledged message after 8 s.
FAST_RECOVERY_ENV = {
    "THEMATICA_JOB_HEARTBEAT_S": "1",
    "THEMATICA_JOB_STALE_AFTER_S": "3",
    "THEMATICA_JOB_SWEEP_INTERVAL_S": "2",
    "THEMATICA_JOB_RESEND_AFTER_S": "20",
    "THEMATICA_BROKER_VISIBILITY_TIMEOUT_S": "8",
}


def database_url() -> str:
    """The URL of the database this test process uses (the test database), for a worker process."""
    from django.db import connection

    s = connection.settings_dict
    if s["ENGINE"] != "django.db.backends.postgresql":
        if os.environ.get("CI", "").lower() == "true":  # in CI the fault suite runs, never skips
            pytest.fail("CI=true but DATABASE_URL is not PostgreSQL: the fault suite needs it")
        pytest.skip("fault tests need PostgreSQL: set DATABASE_URL=postgres://postgres@127.0.0.1:5432/thematica")
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


@dataclass
class WorkerProcess:
    """One `celery worker` process group started by `celery_workers.start`; its output is in `log_path`."""

    name: str
    process: subprocess.Popen[bytes]
    log_path: Path
    started: float = field(default_factory=time.monotonic)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL the whole process group (the main process, its pool children, an embedded beat):
        nothing gets to clean up, acknowledge or restore a message."""
        if self.alive():
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self, timeout: float = 15) -> None:
        """A warm shutdown (SIGTERM), then SIGKILL if it does not end within `timeout` seconds."""
        if not self.alive():
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()


@dataclass
class CeleryWorkers:
    """Starts real worker processes for one test and stops them all at its end (see `celery_workers`)."""

    data_dir: Path
    broker_url: str
    workers: list[WorkerProcess] = field(default_factory=list)

    def start(
        self,
        *,
        env: dict[str, str] | None = None,
        beat: bool = False,
        app: str = "tests.faults.worker_app",
        broker_url: str | None = None,
        queues: str = "celery",
        ready_timeout: float = 60,
    ) -> WorkerProcess:
        """Start `celery -A <app> worker --pool=prefork --concurrency=1` in its own process group and
        wait until it says it is ready.

        The worker runs the production settings (config.settings.base) on the test database, with
        THEMATICA_DATA_DIR=`data_dir` (its MEDIA_ROOT is the test's, see `celery_workers`), the broker
        `broker_url` (default: the test's CELERY_BROKER_URL), and `env` on top (e.g.
        FAST_RECOVERY_ENV, or THEMATICA_FAULT_PAUSE_* read by tests/faults/worker_app.py). With
        `beat`, it also runs the beat scheduler (-B), i.e. the periodic stale-job sweep."""
        broker_url = broker_url or self.broker_url
        if not broker_url:
            if os.environ.get("CI", "").lower() == "true":
                pytest.fail("CI=true but CELERY_BROKER_URL is not set: the fault suite needs Redis")
            pytest.skip("fault tests need Redis: set CELERY_BROKER_URL=redis://127.0.0.1:6379/7")
        name = f"fault{len(self.workers) + 1}"
        log_path = self.data_dir / f"{name}.log"
        worker_env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.base",
            "DATABASE_URL": database_url(),
            "CELERY_BROKER_URL": broker_url,
            "THEMATICA_DATA_DIR": str(self.data_dir),
            "THEMATICA_LOG_LEVEL": "INFO",
            # No sandbox warm-up: it would train the sandbox's models in this fresh data directory.
            "THEMATICA_SANDBOX_WARMUP": "0",
            "PYTHONUNBUFFERED": "1",
            **(env or {}),
        }
        command = [
            sys.executable, "-m", "celery", "-A", app, "worker", "--pool=prefork", "--concurrency=1",
            "--loglevel=INFO", "-n", f"{name}@%h", "-Q", queues, "--without-gossip", "--without-mingle",
        ]  # fmt: skip
        if beat:
            command += ["-B", "--schedule", str(self.data_dir / f"{name}-beat-schedule")]
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                command, cwd=BASE_DIR, env=worker_env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        worker = WorkerProcess(name=name, process=process, log_path=log_path)
        self.workers.append(worker)
        deadline = time.monotonic() + ready_timeout
        while " ready." not in worker.log():
            if not worker.alive() or time.monotonic() > deadline:
                worker.kill()
                raise AssertionError(f"worker {name} did not start:\n{worker.log()[-4000:]}")
            time.sleep(0.1)
        return worker

    def stop_all(self) -> None:
        for worker in self.workers:
            worker.stop()


@pytest.fixture
def celery_workers(transactional_db: None, tmp_path: Path, settings: object) -> Iterator[CeleryWorkers]:
    """Real worker processes on the test database (PostgreSQL, transaction=True) and the broker in
    CELERY_BROKER_URL (or the one passed to `start`); every worker started is stopped at the end of
    the test.

    This process sends tasks to the broker for the test (Celery is not eager) and stores uploads in
    `tmp_path/media`, the workers' MEDIA_ROOT. Use a Redis database of your own (e.g.
    redis://127.0.0.1:6379/7) or your own redis-server: a worker takes every task of its queue."""
    from config.celery import app

    broker_url = os.environ.get("CELERY_BROKER_URL", "")
    database_url()  # skips unless PostgreSQL
    settings.MEDIA_ROOT = tmp_path / "media"  # type: ignore[attr-defined]
    app.conf.task_always_eager = False
    workers = CeleryWorkers(data_dir=tmp_path, broker_url=broker_url)
    try:
        yield workers
    finally:
        workers.stop_all()
        app.conf.task_always_eager = True
