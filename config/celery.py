"""Celery app. Eager (in-process) unless CELERY_BROKER_URL is set.

A worker that starts runs the stale-job sweep once (`studies.sweep`), so a worker restarted after
its predecessor was killed takes that one's jobs back at once rather than at the next beat.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from celery import Celery
from celery.signals import worker_process_init, worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

app = Celery("thematica")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

logger = logging.getLogger(__name__)


@worker_ready.connect
def sweep_when_ready(**_: Any) -> None:
    from studies.jobs import release_connections
    from studies.sweep import sweep_jobs

    try:
        logger.info("Job sweep at worker start: %s", sweep_jobs())
    except Exception:  # a worker must start even if the database is away; beat sweeps again
        logger.exception("The job sweep at worker start failed")
    finally:
        release_connections()


@worker_process_init.connect
def warm_sandbox(**_: Any) -> None:
    """Each pool process imports shap and loads the sandbox's cached models in a background thread:
    this hook must return within billiard's four seconds or the pool process is killed."""
    from explainers.sandbox.warm import warm_up_in_background

    warm_up_in_background()
