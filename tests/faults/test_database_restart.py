"""PostgreSQL restarted while coders work: clear errors, no half-written rows, recovery without
restarting the app.

The test starts a private PostgreSQL cluster (initdb into a temporary directory, its own port;
the shared cluster on 5432 is never touched) and runs the app in a child process
(`python -m tests.faults.test_database_restart`, the `scenario` below) on it, with persistent
connections (DATABASE_CONN_MAX_AGE=60) as a production server keeps them. In the child, coder
threads apply codings through the app's WSGI handler, each thread like one worker thread of a
WSGI server: Django's own handler with the request signals a server sends (the test client leaves
out the ones that close or check connections). One more coder is idle during the outage, so it
comes back on a connection the restart killed. Meanwhile this test stops PostgreSQL (fast
shutdown: open transactions are aborted), keeps it down for a few seconds and starts it again.

Then: every failed request was a 503 with the clear message (never a 500); what the database holds
is exactly what the successful requests saved, each coding with its history entry; and requests
started after PostgreSQL is back all succeed, the idle coder's first one included, in the same
process.
"""

from __future__ import annotations

import json
import os
import pwd
import queue
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.faults

ROOT = Path(__file__).resolve().parent.parent.parent
BUSY_CODERS = 4
OUTAGE_S = 3.0
APPLY_MESSAGE = "The database is unavailable for a moment: nothing from this request was saved. Try again shortly."
PAGE_MESSAGE = "The database is unavailable"


# --- the private cluster ---------------------------------------------------------------------------


def _postgres_bin() -> Path | None:
    """The newest installed server's bin directory (Debian: /usr/lib/postgresql/<version>/bin)."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parent.parent.name))
    if found:
        return found[-1].parent
    pg_ctl = shutil.which("pg_ctl")
    return Path(pg_ctl).parent if pg_ctl else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class PrivateCluster:
    """A throwaway PostgreSQL server owned by the `postgres` OS user when we run as root
    (initdb refuses root), listening on 127.0.0.1:`port` with trust authentication."""

    bin: Path
    root: Path
    port: int

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/thematica"

    def run(self, program: str, *args: str) -> None:
        command = [str(self.bin / program), *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
        assert result.returncode == 0, f"{program} failed:\n{result.stdout}\n{result.stderr}\n{self.log()}"

    def log(self) -> str:
        path = self.root / "server.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1"
        self.run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-l",
            str(self.root / "server.log"),
            "-o",
            options,
            "-w",
            "-t",
            "60",
            "start",
        )

    def stop(self, mode: str = "fast") -> None:
        self.run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")


@pytest.fixture
def private_postgres() -> Iterator[PrivateCluster]:
    bin_dir = _postgres_bin()
    if bin_dir is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("CI=true but no PostgreSQL server binaries (apt-get install postgresql)")
        pytest.skip("needs PostgreSQL server binaries (initdb, pg_ctl): apt-get install postgresql")
    root = Path(tempfile.mkdtemp(prefix="thematica-pg-"))
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")
        os.chown(root, user.pw_uid, user.pw_gid)
    cluster = PrivateCluster(bin=bin_dir, root=root, port=_free_port())
    try:
        cluster.run(
            "initdb",
            "-D",
            str(cluster.data),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        )
        cluster.start()
        cluster.run("createdb", "-h", "127.0.0.1", "-p", str(cluster.port), "-U", "postgres", "thematica")
        yield cluster
    finally:
        if (cluster.data / "postmaster.pid").exists():
            cluster.stop("immediate")
        shutil.rmtree(root, ignore_errors=True)


# --- the test ----------------------------------------------------------------------------------------


class Child:
    """The app process: JSON lines on its stdout, commands on its stdin, its log in a file."""

    def __init__(self, cluster: PrivateCluster) -> None:
        self.log_path = cluster.root / "app.log"
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("DJANGO_", "THEMATICA_", "DATABASE_"))
        } | {
            "DJANGO_SETTINGS_MODULE": "config.settings.base",
            "DATABASE_URL": cluster.url,
            "DATABASE_CONN_MAX_AGE": "60",
            # No sandbox warm-up: it would train the sandbox's models in this fresh data directory.
            "THEMATICA_SANDBOX_WARMUP": "0",
            "CELERY_BROKER_URL": "",
            "THEMATICA_DATA_DIR": str(cluster.root / "app"),
            "PYTHONUNBUFFERED": "1",
        }
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "tests.faults.test_database_restart"],
                cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, text=True,
            )  # fmt: skip
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line)

    def expect(self, event: str, timeout: float) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self.lines.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"the app did not report {event!r} in {timeout} s:\n{self.log()}") from None
            if line.startswith("{"):
                message = json.loads(line)
                if message.get("event") == event:
                    return message
            if time.monotonic() > deadline:
                raise AssertionError(f"the app did not report {event!r} in {timeout} s:\n{self.log()}")

    def send(self, line: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=30)


def test_postgres_restart_while_coders_work(
    private_postgres: PrivateCluster, fault_figure: Callable[[str, float | int | str], None]
) -> None:
    app = Child(private_postgres)
    try:
        app.expect("working", timeout=180)
        down = time.time()
        private_postgres.stop("fast")
        time.sleep(OUTAGE_S)  # the outage: coders keep sending requests
        private_postgres.start()
        up = time.time()
        app.send(json.dumps({"down": down, "up": up}))
        result = app.expect("result", timeout=120)
    finally:
        app.stop()

    attempts = [Attempt(*row) for row in result["attempts"]]
    failed = [a for a in attempts if a.status not in (200, 201)]
    clear = [a for a in failed if a.is_clear_503()]
    # The outage was seen, and every failure said clearly what happened; none was a 500.
    assert failed, "no request met the outage: the test proved nothing"
    assert [a for a in failed if a not in clear] == [], [a for a in failed if a not in clear][:5]
    # Nothing half-written: every coding the database holds has its history entry and the other
    # way round, and it holds exactly what the successful requests saved (a 503 saved nothing).
    assert result["half_written"] == {"codings_without_history": 0, "history_without_coding": 0}
    saved = {(a.coder, a.start, a.end) for a in attempts if a.kind == "apply" and a.status == 201}
    assert {tuple(row) for row in result["live"]} == saved
    # Back without restarting the app: every request that started once PostgreSQL was up
    # succeeded, including the idle coder's first one on a connection the restart had killed.
    after = [a for a in attempts if a.started > up]
    assert after and all(a.status in (200, 201) for a in after), [a for a in after if a.status not in (200, 201)][:5]
    idle_after = [a for a in after if a.coder == "idle"]
    assert idle_after and idle_after[0].status == 201
    busy_back = [min(a.finished for a in after if a.coder == c and a.status == 201) for c in result["busy"]]
    assert len(busy_back) == BUSY_CODERS

    fault_figure("db_restart_recovery_s", max(busy_back) - up)
    fault_figure("db_restart_outage_s", up - down)
    fault_figure("db_restart_errors_clear", f"{len(clear)}/{len(failed)}")
    fault_figure("db_restart_half_written", sum(result["half_written"].values()))
    fault_figure("db_restart_requests", len(attempts))


@dataclass(frozen=True)
class Attempt:
    """One request a coder sent: what, when (epoch seconds), and the answer."""

    coder: str
    kind: str  # "apply" (POST JSON) or "poll" (GET, as the reader's poll sends it)
    start: int
    end: int
    started: float
    finished: float
    status: int
    body: str

    def is_clear_503(self) -> bool:
        if self.status != 503:
            return False
        if self.kind == "apply":
            return json.loads(self.body) == {"error": APPLY_MESSAGE}
        return PAGE_MESSAGE in self.body


# --- the app process ---------------------------------------------------------------------------------


def scenario() -> None:  # pragma: no cover - runs in the child process
    """Set up a study on the fresh database, run the coders, report to the test on stdout."""
    import django

    django.setup()
    from django.core.handlers.wsgi import WSGIHandler
    from django.core.management import call_command
    from django.db import connection

    from interviews.services.imports import import_transcript
    from tests.factories import make_membership, make_study, make_user

    call_command("migrate", verbosity=0)
    owner = make_user("olivia_owner")
    study = make_study("Restart", owner=owner, slug="restart")
    text = "Interviewer: Tell me about trust.\n\nP1: " + "trust " * 40_000 + "\n"
    transcript = import_transcript(study=study, filename="long.txt", data=text.encode(), user=owner).transcript
    from coding.models import Code

    code = Code.objects.create(study=study, name="Trust")
    names = [f"coder{i}" for i in range(BUSY_CODERS)]
    users = {name: make_user(name) for name in [*names, "idle"]}
    for user in users.values():
        make_membership(study, user)
    app = WSGIHandler()
    apply_url = f"/studies/{study.slug}/documents/{transcript.uuid}/codings/new/"
    poll_url = f"/studies/{study.slug}/documents/{transcript.uuid}/codings/"
    span_limit = len(transcript.text) - 10
    connection.close()

    attempts: list[list[Any]] = []
    lock = threading.Lock()
    stop = threading.Event()
    outage_over = threading.Event()

    def coder(name: str, slot: int, slots: int, idle: bool) -> None:
        send = _browser(app, users[name])
        k = 0
        try:
            while not stop.is_set():
                start = (k * slots + slot) * 8  # 5 characters, 3 apart: no two spans touch
                if start + 5 > span_limit:
                    break
                for kind in ("apply", "poll") if k % 4 == 3 else ("apply",):
                    body = json.dumps({"code": str(code.uuid), "start": start, "end": start + 5})
                    began = time.time()
                    status, answer = send(kind, apply_url if kind == "apply" else poll_url, body)
                    with lock:
                        attempts.append([name, kind, start, start + 5, began, time.time(), status, answer])
                k += 1
                if idle and k == 3:
                    outage_over.wait()  # asleep through the outage, its connection kept open
                else:
                    time.sleep(0.02)
        finally:
            connection.close()

    threads = [threading.Thread(target=coder, args=(n, i, BUSY_CODERS + 1, False)) for i, n in enumerate(names)]
    threads.append(threading.Thread(target=coder, args=("idle", BUSY_CODERS, BUSY_CODERS + 1, True)))
    for t in threads:
        t.start()

    def successes(name: str, since: float) -> int:
        with lock:
            return sum(1 for a in attempts if a[0] == name and a[4] > since and a[6] == 201)

    _wait_for(lambda: all(successes(n, 0) >= 3 for n in [*names, "idle"]), 60)
    _report({"event": "working"})
    times = json.loads(sys.stdin.readline())
    outage_over.set()
    _wait_for(lambda: all(successes(n, times["up"]) >= 5 for n in [*names, "idle"]), 60)
    stop.set()
    for t in threads:
        t.join()

    from coding.models import Coding, LogEntry

    connection.close()  # this thread's connection died with the restart too
    batches = LogEntry.objects.filter(object_type="coding").values("batch")
    live = Coding.objects.filter(retired_at__isnull=True).values_list("coder__username", "start", "end")
    _report({
        "event": "result",
        "busy": names,
        "attempts": attempts,
        "live": [list(row) for row in live],
        "half_written": {
            "codings_without_history": Coding.objects.exclude(batch__in=batches).count(),
            "history_without_coding": LogEntry.objects.filter(object_type="coding", action="apply")
            .exclude(object_uuid__in=Coding.objects.values("uuid"))
            .count(),
        },
    })  # fmt: skip


def _browser(app: Any, user: Any) -> Callable[[str, str, str], tuple[int, str]]:
    """A signed-in browser of `user` sending requests straight to the WSGI `app`: its session and
    CSRF cookies, the reader's headers. Returns (status, body); an exception the app lets out is
    what a WSGI server answers with a bare 500, and is reported as one."""
    from django.middleware.csrf import _get_new_csrf_string, _mask_cipher_secret  # type: ignore[attr-defined]
    from django.test import Client, RequestFactory

    client = Client()
    client.force_login(user)
    secret = _get_new_csrf_string()
    factory = RequestFactory(HTTP_HOST="localhost")
    factory.cookies["sessionid"] = client.cookies["sessionid"].value
    factory.cookies["csrftoken"] = secret
    token = _mask_cipher_secret(secret)

    def send(kind: str, url: str, body: str) -> tuple[int, str]:
        if kind == "apply":
            request = factory.post(url, body, content_type="application/json", headers={"X-CSRFToken": token})
        else:
            since = datetime.now(UTC).isoformat()
            request = factory.get(url, {"since": since}, headers={"Accept": "*/*"})
        answer: dict[str, int] = {}

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
            answer["status"] = int(status.split()[0])

        try:
            result = app(request.environ, start_response)
            try:
                content = b"".join(result)
            finally:
                result.close()  # sends request_finished, as a server does
        except Exception as exc:
            return 500, f"uncaught: {exc!r}"
        return answer["status"], content.decode(errors="replace")[:5000]

    return send


def _wait_for(condition: Callable[[], bool], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"gave up waiting after {timeout} s")
        time.sleep(0.05)


def _report(message: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    scenario()
