"""The sandbox's heavy computations as jobs: one job kind (`JobKind.SANDBOX_RUN`), one task.

A demo's `HeavyTask` (LIME stability reruns, t-SNE, a robustness score over a test set) is too slow
for a request. A coder or owner starts it from the demo; the job runs it with progress, and its
result blocks are stored on the job as JSON. The job's `params["key"]` is the cache key: a hash of
(demo, task, dataset, model, options, the model's fingerprint), so the same settings are computed
once per study and shown to everyone, viewers included, and a retrained model (another fingerprint)
is a new key. A heavy task is about many instances (a test set, reruns over 30 rows), so the
instance on the page is not part of the key: the task is handed the row it was started from (a map
may mark it, and says which row it marked) but no what-if edits or locks, which the key would not
tell apart.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import time
from collections.abc import Callable
from typing import Any

from django.db import transaction

from accounts.models import User
from studies.jobs import JobError, create_job, enqueue, job_context, job_task, report_progress
from studies.models import Job, JobKind, JobStatus, Study

from .sandbox.base import Block, Demo, DemoRequest, HeavyTask, get_demo

logger = logging.getLogger(__name__)

# Progress is written at most this often (a task may report after every rerun).
PROGRESS_EVERY_S = 0.5


def fingerprint(dataset: str, model: str) -> str:
    """The trained model's fingerprint (data, parameters, library versions), "" for a dataset the
    sandbox's model cache does not hold (the study's own text)."""
    from .sandbox import data, models

    if dataset not in data.DATASETS or model not in models.MODELS:
        return ""
    return str(models.fingerprint(dataset, model))


def result_revision() -> str:
    """What heavy results depend on besides the data and model: the sandbox's revision and the
    explainer libraries' versions."""
    from importlib.metadata import version

    from .sandbox.base import SANDBOX_REVISION

    return f"{SANDBOX_REVISION}/shap-{version('shap')}/lime-{version('lime')}"


def options_of(demo: Demo, request: DemoRequest) -> dict[str, Any]:
    """Every option's parsed value (defaults filled in), so equal settings make equal keys however
    they were typed."""
    return {o.name: demo.option(request, o.name) for o in demo.options}


def heavy_params(demo: Demo, task: HeavyTask, request: DemoRequest) -> dict[str, Any]:
    """The job's parameters: everything needed to run the task again, and its cache key."""
    params: dict[str, Any] = {
        "demo": demo.key,
        "task": task.name,
        "dataset": request.dataset,
        "model": request.model,
        "options": {k: v for k, v in sorted(options_of(demo, request).items())},
        "fingerprint": fingerprint(request.dataset, request.model),
        "seed": request.seed,
        # A kept result is the sandbox code's of its time: a fixed demo (a new revision) or another
        # shap or lime computes it again rather than showing the old figures to everyone.
        "revision": result_revision(),
    }
    params["key"] = hashlib.sha256(json.dumps(params, sort_keys=True, default=str).encode()).hexdigest()
    params["index"] = request.index
    return params


def find_heavy(study: Study, key: str) -> Job | None:
    """The job to show for these settings: the latest done one (the cached result), else the latest
    still under way, else the latest failed one."""
    jobs = Job.objects.filter(study=study, kind=JobKind.SANDBOX_RUN, params__key=key)
    done = jobs.filter(status=JobStatus.DONE).order_by("-finished_at", "-pk").first()
    if done is not None:
        return done
    return jobs.order_by("-created_at", "-pk").first()


def start_heavy(*, study: Study, user: User, demo: Demo, task: HeavyTask, request: DemoRequest) -> tuple[Job, bool]:
    """The job for these settings, started if none is done or under way: (job, started). Two
    clicks (or two coders) at once start one job (the study's row lock serialises them)."""
    params = heavy_params(demo, task, request)
    with transaction.atomic():
        Study.objects.select_for_update().filter(pk=study.pk).first()
        current = find_heavy(study, params["key"])
        if current is not None and current.status != JobStatus.FAILED:
            return current, False
        job = create_job(study=study, kind=JobKind.SANDBOX_RUN, user=user, params=params)
        enqueue(sandbox_run_task, job)
    return job, True


def plain_json(value: Any) -> Any:
    """Result blocks as strict JSON (PostgreSQL's jsonb has no NaN; numpy scalars are not JSON)."""
    if isinstance(value, dict):
        return {str(k): plain_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain_json(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def stored_blocks(job: Job) -> list[Block]:
    return [Block.from_json(b) for b in (job.result or {}).get("blocks", [])]


def _progress(job: Job) -> Callable[[int, str], None]:
    last = [0.0]

    def report(percent: int, message: str = "") -> None:
        now = time.monotonic()
        if now - last[0] >= PROGRESS_EVERY_S or percent >= 100:
            last[0] = now
            report_progress(job, int(percent), message)

    return report


@job_task(JobKind.SANDBOX_RUN)
def sandbox_run_task(job_id: int) -> None:
    with job_context(job_id) as job:
        if job is None:
            return
        params = job.params
        try:
            demo = get_demo(params["demo"])
            task = next(t for t in demo.heavy if t.name == params["task"])
        except (KeyError, StopIteration):
            raise JobError("This computation is no longer offered by the sandbox.", permanent=True) from None
        if fingerprint(params["dataset"], params["model"]) != params.get("fingerprint", ""):
            raise JobError(
                "The model was retrained since this was asked for; start it again from the page.", permanent=True
            )
        request = DemoRequest(
            dataset=params["dataset"],
            model=params["model"],
            index=int(params.get("index", 0)),
            options={
                k: ("true" if v is True else "false" if v is False else str(v)) for k, v in params["options"].items()
            },
            study=job.study,
            seed=int(params.get("seed", 0)),
        )
        report_progress(job, 1, f"Starting {task.label}")
        blocks = task.run(request, _progress(job))
        job.result = {"blocks": plain_json([b.to_json() for b in blocks])}
