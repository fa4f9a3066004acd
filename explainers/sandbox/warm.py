"""Warm a web or worker process up for the sandbox, so no user's first demo pays for start-up.

A fresh process would otherwise import shap (about half a second, more on a loaded machine), import
the demo modules and load each model from the disk cache on the first request that needs them. The
web process does it in a background thread right after start-up (`config.wsgi`), and so does each
Celery pool process as it starts (`config.celery`: in a thread, because billiard kills a pool process
that is not ready within four seconds); THEMATICA_SANDBOX_WARMUP=0 turns both off (tests do). Models
missing from the disk cache are not trained here.
"""

from __future__ import annotations

import logging
import threading
import time

from django.conf import settings

logger = logging.getLogger(__name__)


def warm_up() -> float:
    """Import the demos and shap's explainers and load every model already in the disk cache (it
    never trains: `manage.py build_sandbox` does, or a demo's first use); returns the seconds it took."""
    started = time.perf_counter()
    from . import base, data, models
    from .demos import examples_global
    from .methods import shapley

    base.all_demos()  # also limits BLAS to one thread
    shapley.warmup()
    for dataset in data.DATASET_SLUGS:
        for model in models.MODELS:
            if models.is_cached(dataset, model):
                # Whole-model results the example/global demos memoise (about 0.5 s for all models).
                examples_global.warm_caches(models.get(dataset, model))
    return time.perf_counter() - started


def _run() -> None:
    try:
        logger.info("Explainer sandbox warmed up in %.1f s", warm_up())
    except Exception:  # the app must serve even when the sandbox cannot warm up; demos say why
        logger.exception("Warming the explainer sandbox up failed")


def warm_up_in_background() -> threading.Thread | None:
    """Start the warm-up in a daemon thread (None when switched off)."""
    if not getattr(settings, "THEMATICA_SANDBOX_WARMUP", True):
        return None
    thread = threading.Thread(target=_run, name="sandbox-warm-up", daemon=True)
    thread.start()
    return thread
