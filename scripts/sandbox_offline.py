"""Run every explainer-sandbox demo once, and one heavy task, on a throwaway in-memory database.

    unshare -rn .venv/bin/python scripts/sandbox_offline.py [--heavy DEMO/TASK | --all-heavy | --no-heavy]

Made to run with no network at all: under ``unshare -rn`` the process has a network namespace of its
own with not even loopback up, so anything that reaches for a socket fails. The database is an
in-memory SQLite one whatever DATABASE_URL says (CI points it at PostgreSQL on 127.0.0.1, which a
fresh namespace cannot reach; in memory, the migrations take half the time of a file), and no Celery
broker is used (tasks run eagerly in the test settings). The text demos get a small sample study
(`assist.suggest.sample`, 2 interviews) with its suggestion model trained through the service.

Every interactive demo runs at its defaults (the text demos must explain a suggestion, not say
there is no model). Heavy tasks cost seconds each (a minute for all of them under load) and share
the code paths the demos use (models, datasets, the libraries), so by default one small one runs,
`DEFAULT_HEAVY` at its smallest settings (every numeric option at its minimum); `--all-heavy` runs
every one (by hand, after changing a heavy task).

Prints one line per demo and heavy task (`ok KEY ms` or `FAIL KEY error`), then
`demos=N heavy=H failed=F`; exits 1 when anything failed (tests/explainers/sandbox/test_offline.py).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# The heavy task run by default: about 0.2 s at its smallest settings (LIME's stability reruns).
DEFAULT_HEAVY = "lime-tabular/lime-stability"


def setup() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["DATABASE_URL"] = "sqlite://:memory:"
    os.environ.pop("CELERY_BROKER_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def smallest(options: Any) -> dict[str, str]:
    """Every numeric option at its minimum (instances, reruns, samples...)."""
    return {
        o.name: str(int(o.minimum) if o.kind == "int" else o.minimum)
        for o in options
        if o.kind in ("int", "float") and o.minimum is not None
    }


def heavy_tasks(demos: list[Any], wanted: str | None) -> list[tuple[Any, Any]]:
    """(demo, task) pairs to run: all with `wanted` None, else the one named `wanted` ("demo/task"),
    or the first registered when that one is gone (renamed: the offline run still covers one)."""
    pairs = [(demo, task) for demo in demos for task in demo.heavy]
    if wanted is None:
        return pairs
    named = [(d, t) for d, t in pairs if f"{d.key}/{t.name}" == wanted]
    if not named and pairs:
        say(f"note: no heavy task {wanted}; running {pairs[0][0].key}/{pairs[0][1].name} instead")
    return named or pairs[:1]


def main() -> int:
    parser = argparse.ArgumentParser()
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--heavy", default=DEFAULT_HEAVY, help=f"The heavy task to run (default {DEFAULT_HEAVY}).")
    group.add_argument("--all-heavy", action="store_true", help="Run every demo's heavy tasks.")
    group.add_argument("--no-heavy", action="store_true", help="Run no heavy task.")
    args = parser.parse_args()
    setup()

    from assist.suggest.sample import build_sample_study
    from assist.suggestions import train_model
    from explainers.sandbox.base import DemoRequest, DemoResult, all_demos
    from explainers.sandbox.demos import text

    study = build_sample_study(slug="sandbox-offline", transcripts=2, with_rules=False)
    train_model(study)
    demos = list(all_demos())

    def interactive(demo: Any) -> Callable[[], str]:
        def job() -> str:
            result: DemoResult = demo.run(DemoRequest(dataset=demo.datasets[0], model=demo.models[0], study=study))
            if not result.blocks:
                return "no result blocks"
            if demo.datasets[0] == text.DATASET and result.prediction is None:
                return f"nothing explained: {result.blocks[0].title}"
            return ""

        return job

    def heavy(demo: Any, task: Any) -> Callable[[], str]:
        def job() -> str:
            small = DemoRequest(
                dataset=demo.datasets[0], model=demo.models[0], study=study, options=smallest(demo.options)
            )
            return "" if task.run(small, lambda p, m: None) else "no result blocks"

        return job

    jobs = [(demo.key, interactive(demo)) for demo in demos]
    if not args.no_heavy:
        chosen = heavy_tasks(demos, None if args.all_heavy else args.heavy)
        jobs += [(f"{demo.key}/{task.name}", heavy(demo, task)) for demo, task in chosen]
    failed = heavies = 0
    for key, job in jobs:
        began = time.perf_counter()
        try:
            problem = job()
        except Exception:
            problem = traceback.format_exc()
        if problem:
            failed += 1
            say(f"FAIL {key} {problem}")
            continue
        heavies += "/" in key
        say(f"ok {key} {(time.perf_counter() - began) * 1000:.0f}")
    say(f"demos={len(demos)} heavy={heavies} failed={failed}")
    return 1 if failed or not demos else 0


if __name__ == "__main__":
    sys.exit(main())
