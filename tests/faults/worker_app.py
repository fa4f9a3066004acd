"""The Celery app of the fault suite's workers: the project's app, with an optional pause in an import.

`celery -A tests.faults.worker_app worker` runs exactly what `celery -A config worker` runs, except
that a worker started with THEMATICA_FAULT_PAUSE_IN_IMPORT_S=<seconds> stops for that long inside
`import_transcript`, after the transcript and its turns are written and before its transaction
commits: the worst moment to die. It touches the file THEMATICA_FAULT_PAUSE_MARKER when it gets
there, so a test knows when to kill it. With THEMATICA_FAULT_PAUSE_IGNORES_SOFT_LIMIT=1 the pause
sleeps on through the soft time limit (as a task stuck in C code would), so only the hard limit
stops it. Production code carries no test hook: the pause is patched in here, in each pool process.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from celery.signals import worker_process_init

from config.celery import app

__all__ = ["app"]


@worker_process_init.connect
def _pause_imports(**_: Any) -> None:
    pause = float(os.environ.get("THEMATICA_FAULT_PAUSE_IN_IMPORT_S") or 0)
    if not pause:
        return
    from interviews.services import imports

    summarise = imports.import_summary

    def paused(*args: Any, **kwargs: Any) -> Any:
        # Called by import_transcript once every row is written, inside its transaction.
        marker = os.environ.get("THEMATICA_FAULT_PAUSE_MARKER")
        if marker:
            Path(marker).touch()
        until = time.monotonic() + pause
        while time.monotonic() < until:
            try:
                time.sleep(until - time.monotonic())
            except SoftTimeLimitExceeded:
                if not os.environ.get("THEMATICA_FAULT_PAUSE_IGNORES_SOFT_LIMIT"):
                    raise
        return summarise(*args, **kwargs)

    imports.import_summary = paused  # type: ignore[assignment]
