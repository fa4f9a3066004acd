"""The fault suite (`make faults`): workers killed, the broker stopped, PostgreSQL restarted.

These tests start and stop real processes, so they are not part of `make test` (every module here
sets `pytestmark = pytest.mark.faults`, which `make test` deselects); `make faults` runs them one at
a time (`pytest -m faults tests/faults -p no:xdist`) and prints the figures they record (time to recovery, jobs completed exactly once) on its last line as `name=value` pairs.
"""

from __future__ import annotations

from collections.abc import Callable

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
