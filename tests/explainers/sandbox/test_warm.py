"""Start-up warm-up of the sandbox (explainers.sandbox.warm): off the request path, never training."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import override_settings

from explainers.sandbox import models, warm


def test_warm_up_loads_cached_models_and_trains_none(tmp_path: Path) -> None:
    trained = len(models.TRAINED)
    with override_settings(THEMATICA_SANDBOX_DIR=tmp_path):
        memory = dict(models._MEMORY)
        models._MEMORY.clear()
        try:
            warm.warm_up()  # an empty cache: nothing to load, and nothing is trained
            assert len(models.TRAINED) == trained
            assert not models._MEMORY
            assert not models.is_cached("credit", "linear")
        finally:
            models._MEMORY.update(memory)


@pytest.mark.parametrize("enabled", [True, False])
def test_the_worker_hook_returns_at_once_and_warms_in_a_thread(monkeypatch: pytest.MonkeyPatch, enabled: bool) -> None:
    """billiard kills a pool process not ready within 4 s: the hook only starts a thread."""
    from config.celery import warm_sandbox

    started: list[str] = []
    monkeypatch.setattr(warm, "_run", lambda: started.append("ran"))
    with override_settings(THEMATICA_SANDBOX_WARMUP=enabled):
        thread = warm.warm_up_in_background()
        warm_sandbox()
    if enabled:
        assert thread is not None
        thread.join(5)
        assert started
    else:
        assert thread is None and not started
