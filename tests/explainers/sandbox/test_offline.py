"""The sandbox works with the network unplugged: every registered demo runs while any connection to a
non-loopback address (and any name lookup of another host) fails, and — where ``unshare -rn`` works,
as it does for root in CI — every demo and one heavy task run in a process with no network at all
(`scripts/sandbox_offline.py`: one small heavy task, since each costs seconds of the CI budget and
shares its code paths with the demos; `--all-heavy` runs them all by hand).

The fixture also records what was blocked: a demo that catches the error and carries on (a library
falling back after a failed download) still fails the test, since nothing may reach for the network.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from explainers.sandbox.base import DemoRequest, all_demos
from tests.conftest import Team

ROOT = Path(__file__).resolve().parents[3]
LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", ""}


class NetworkBlocked(OSError):
    """Raised instead of a connection or name lookup that would leave the machine."""


def _local_host(host: Any) -> bool:
    if host is None:
        return True
    if isinstance(host, bytes):
        host = host.decode()
    host = str(host).split("%", 1)[0].strip("[]")
    if host.lower() in LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a host name other than localhost: resolving it would ask the network


def _local_address(family: int, address: Any) -> bool:
    if family == getattr(socket, "AF_UNIX", None) or isinstance(address, (str, bytes)):
        return True  # a unix socket (a path)
    return _local_host(address[0])


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Block every non-loopback connect/connect_ex/sendto, create_connection and getaddrinfo of another
    host; yields the list of blocked attempts."""
    blocked: list[str] = []
    connect, connect_ex, sendto = socket.socket.connect, socket.socket.connect_ex, socket.socket.sendto
    getaddrinfo, create_connection = socket.getaddrinfo, socket.create_connection

    def refuse(what: str) -> NetworkBlocked:
        blocked.append(what)
        return NetworkBlocked(f"network blocked by the offline test: {what}")

    def guarded_connect(self: socket.socket, address: Any) -> None:
        if not _local_address(self.family, address):
            raise refuse(f"connect {address!r}")
        connect(self, address)

    def guarded_connect_ex(self: socket.socket, address: Any) -> int:
        if not _local_address(self.family, address):
            raise refuse(f"connect_ex {address!r}")
        return connect_ex(self, address)

    def guarded_sendto(self: socket.socket, data: Any, *args: Any) -> int:
        address = args[-1]
        if not _local_address(self.family, address):
            raise refuse(f"sendto {address!r}")
        return sendto(self, data, *args)  # type: ignore[arg-type]

    def guarded_getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if not _local_host(host):
            raise refuse(f"getaddrinfo {host!r}")
        return getaddrinfo(host, *args, **kwargs)

    def guarded_create_connection(address: Any, *args: Any, **kwargs: Any) -> socket.socket:
        if not _local_host(address[0]):
            raise refuse(f"create_connection {address!r}")
        return create_connection(address, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)
    monkeypatch.setattr(socket.socket, "connect_ex", guarded_connect_ex)
    monkeypatch.setattr(socket.socket, "sendto", guarded_sendto)
    monkeypatch.setattr(socket, "getaddrinfo", guarded_getaddrinfo)
    monkeypatch.setattr(socket, "create_connection", guarded_create_connection)
    yield blocked


def test_the_fixture_blocks_the_network_but_not_loopback(no_network: list[str]) -> None:
    # 203.0.113.0/24 is TEST-NET-3: documentation only; the guard raises before any packet is sent.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s, pytest.raises(NetworkBlocked):
        s.connect(("203.0.113.7", 443))
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s, pytest.raises(NetworkBlocked):
        s.connect_ex(("203.0.113.7", 443))
    with pytest.raises(NetworkBlocked):
        socket.create_connection(("example.org", 443), timeout=1)
    with pytest.raises(NetworkBlocked):
        socket.getaddrinfo("pypi.org", 443)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s, pytest.raises(NetworkBlocked):
        s.sendto(b"x", ("203.0.113.7", 53))
    assert len(no_network) == 5
    # Loopback still works (the test database and broker live there).
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        with socket.create_connection(server.getsockname(), timeout=5):
            accepted, _ = server.accept()
            accepted.close()
    assert socket.getaddrinfo("localhost", 80)
    assert len(no_network) == 5


@pytest.mark.django_db
def test_every_demo_runs_with_the_network_blocked(team: Team, no_network: list[str]) -> None:
    from tests.explainers.sandbox.test_text import coded_study

    coded_study(team)  # the text demos explain the study's own model
    demos = list(all_demos())
    assert {"text-why-suggested", "text-smallest-flip"} <= {d.key for d in demos}
    failures = []
    for demo in demos:
        request = DemoRequest(dataset=demo.datasets[0], model=demo.models[0], study=team.study)
        try:
            result = demo.run(request)
        except Exception as error:
            failures.append(f"{demo.key}: {type(error).__name__}: {error}")
            continue
        if not result.blocks:
            failures.append(f"{demo.key}: no result blocks")
    assert not failures, failures
    assert not no_network, f"demos reached for the network: {no_network}"


@pytest.mark.slow
def test_every_demo_and_a_heavy_task_run_in_a_process_with_no_network() -> None:
    """``unshare -rn``: a user and network namespace of its own, with no interface up (root in CI can
    make one). In CI (CI=true) the test must run: no unshare is a failure, not a skip."""
    probe = subprocess.run(["unshare", "-rn", "true"], capture_output=True, text=True, check=False)
    if probe.returncode != 0:
        message = f"`unshare -rn true` failed ({probe.returncode}): {probe.stderr.strip()}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{message}; CI must run the sandbox with no network namespace (run as root)")
        pytest.skip(message)
    # Loopback is down in the new namespace: prove it, so a pass means no network rather than luck.
    check = subprocess.run(
        ["unshare", "-rn", sys.executable, "-c", "import socket; socket.create_connection(('127.0.0.1', 9), 2)"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert check.returncode != 0 and "unreachable" in check.stderr.lower(), check.stderr
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "CELERY_BROKER_URL"}}
    run = subprocess.run(
        ["unshare", "-rn", sys.executable, str(ROOT / "scripts" / "sandbox_offline.py")],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
        env=env,
        timeout=900,
    )
    output = run.stdout + run.stderr
    assert run.returncode == 0, output[-6000:]
    last = run.stdout.strip().splitlines()[-1]
    assert last.startswith("demos=") and last.endswith(" heavy=1 failed=0"), output[-6000:]
    assert int(last.split()[0].removeprefix("demos=")) == len(list(all_demos()))
    assert "ok text-why-suggested" in run.stdout and "ok text-smallest-flip" in run.stdout
