"""Train and cache every sandbox model, and warm up the explainers' libraries, before the first request.

Run at deploy (and by CI before the test suite); `models.get` would otherwise train a model on the first
request that needs it, which takes seconds. Idempotent: cached models are loaded, not retrained.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from explainers.sandbox import models


class Command(BaseCommand):
    help = "Train and cache the explainer sandbox's models, precompute global SHAP values and warm up shap."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--no-warmup", action="store_true", help="Only train/load the models.")

    def handle(self, *args: Any, **options: Any) -> None:
        start = time.perf_counter()
        for dataset, model in models.all_keys():
            t = time.perf_counter()
            trained_before = len(models.TRAINED)
            fitted = models.get(dataset, model)
            action = "trained" if len(models.TRAINED) > trained_before else "loaded"
            self.stdout.write(
                f"{dataset:14s} {model:9s} {action} in {time.perf_counter() - t:5.2f} s  "
                f"score {fitted.score():.3f}  {fitted.fingerprint}"
            )
        if not options["no_warmup"]:
            from explainers.sandbox.demos.attribution import warm
            from explainers.sandbox.methods.shapley import warmup

            for line in [*warmup(), *warm()]:
                self.stdout.write(line)
        self.stdout.write(f"sandbox ready in {time.perf_counter() - start:.1f} s")
