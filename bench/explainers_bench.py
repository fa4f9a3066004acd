"""Latency of every explainer-sandbox demo through the page's path, and the library comparisons.

    .venv/bin/python bench/explainers_bench.py [--instances 20] [--pair-instances 5] [--only KEY,KEY]
        [--default-only] [--no-library]

Per demo (`explainers.sandbox.base.all_demos()`, whatever is registered) and per dataset × model it
accepts, at its default options: the request the technique page's htmx makes when a member picks an
instance, a GET of the demo's fragment URL (`explainers:demo`, with `HX-Request`) through Django's
test client, logged in as a viewer of the study: the form, the instance list, the demo's run, the
result's charts and tables, the heavy tasks' cached results and the template, as served. Each
request picks the next instance (test rows 0..n-1; for the text demos, n sentences of the sample
study as the "Sentence" option) and carries the state the previous answer drew (`shown`, `listed`),
as the browser's form does, so the controls are drawn again as they are then.

`--instances` requests for each demo's default dataset and model; `--pair-instances` for each other
pair (fewer: 159 pairs in all; their p95 is then nearly their maximum). Before them, one request
switches to the pair (`first_ms`, timed on its own: model loading, caches; for the text demos with
their caches cleared, so it includes loading the study's model and scanning its sentences for the
default one; a first call of seconds is a bug). Median and p95 wall-clock milliseconds, and the p95
of the process's CPU time (it moves less when other processes share the two cores). For the default
pair, `run_median`: the median of `demo.run(DemoRequest(...))` alone on the same instances (the
difference is what the page adds around the demo).

Then, measured in the same run (the same machine load), where a library does the same thing:
- exact Shapley values (ours, numpy: `methods.shapley.exact_shapley`) against shap's exact explainer
  on the same game (German Credit, 12 feature groups, 50 background rows): time ratio and largest
  difference;
- KernelSHAP (shap) by nsamples: error against the exact values and time; Monte Carlo Shapley too;
- LIME tabular (lime, `methods.lime_tabular`) against KernelSHAP: time per explanation;
- LIME text (lime) on the study's suggestion model by num_samples: time, and rank agreement with the
  model's exact n-gram contributions.

The study is the sample study of `assist.suggest.sample` (12 interviews), built in a throwaway
SQLite database (`_django.setup`) with its suggestion model trained through `assist.suggestions`.

Last line: `techniques=N p95_max_ms=X slowest=KEY` (N: technique slugs with a demo; the largest p95
of any demo/dataset/model and its key).
"""

from __future__ import annotations

import argparse
import re
import statistics
import time
import traceback
from collections.abc import Callable
from typing import Any

import numpy as np
from _django import setup
from _timing import p95

STATE = re.compile(r'name="(shown|listed)" value="([^"]*)"')


def ms(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[float, Any]:
    """Milliseconds of fn(*args, **kwargs), and its value."""
    began = time.perf_counter()
    value = fn(*args, **kwargs)
    return (time.perf_counter() - began) * 1000, value


def build_study() -> tuple[Any, Any]:
    """The sample study with its model trained, and a client logged in as a viewer of it."""
    from django.test import Client

    from accounts.models import User
    from assist.suggest.sample import build_sample_study
    from assist.suggestions import train_model
    from studies.models import Membership, Role

    study = build_sample_study(slug="explainers-bench", transcripts=12)
    model = train_model(study)
    print(f"sample study: {study.transcripts.count()} transcripts, model v{model.version}, {len(model.enabled)} codes")
    viewer = User.objects.create_user(username="explainers-bench-viewer", password="unused-bench-password")
    Membership.objects.create(study=study, user=viewer, role=Role.VIEWER)
    client = Client()
    client.force_login(viewer)
    return study, client


class Page:
    """One demo's fragment URL as the browser's form asks it: the demo's default options, the pair,
    and the state of the controls the previous answer drew."""

    def __init__(self, client: Any, study: Any, demo: Any, dataset: str, model: str) -> None:
        from django.urls import reverse

        from explainers.views import _default_data

        self.client, self.demo = client, demo
        self.url = reverse("explainers:demo", args=[study.slug, demo.key])
        self.base = {**_default_data(demo), "dataset": dataset, "model": model}
        self.state: dict[str, str] = {}

    def get(self, **params: str) -> None:
        response = self.client.get(self.url, {**self.base, **self.state, **params}, HTTP_HX_REQUEST="true")
        html = response.content.decode()
        if response.status_code != 200 or 'class="demo-errors"' in html:
            errors = re.sub(r"<[^>]+>", " ", html[html.find('class="demo-errors"') :][:600])
            raise RuntimeError(f"{self.demo.key}: HTTP {response.status_code}: {' '.join(errors.split())}")
        self.state.update(STATE.findall(html))


def instances(demo: Any, study: Any, dataset: str, n: int) -> list[dict[str, str]]:
    """The query of n instance picks: test rows 0..n-1, or for the text demos n of the study's sentences."""
    from explainers.sandbox.demos import text

    if dataset == text.DATASET:
        loaded = text._model(study)
        assert loaded is not None, "the sample study has no trained model"
        sentences, _ = text.study_sentences(study, loaded[0], loaded[1])
        step = max(1, len(sentences) // n)
        return [{"opt-text": s} for s in sentences[::step][:n]]
    from explainers.sandbox import data

    rows = data.load(dataset).test_rows
    return [{"index": str(i % rows)} for i in range(n)]


def run_request(study: Any, dataset: str, model: str, params: dict[str, str]) -> Any:
    from explainers.sandbox.base import DemoRequest

    options = {"text": params["opt-text"]} if "opt-text" in params else {}
    return DemoRequest(dataset=dataset, model=model, index=int(params.get("index", 0)), options=options, study=study)


def bench_demos(
    study: Any, client: Any, n: int, per_pair: int, only: set[str], default_only: bool
) -> tuple[dict[str, float], set[str]]:
    from explainers.sandbox.base import all_demos
    from explainers.sandbox.demos import text

    p95s: dict[str, float] = {}
    slugs: set[str] = set()
    worst: list[tuple[str, float, str]] = []
    header = f"{'demo/dataset/model':48} {'first_ms':>9} {'median_ms':>10} {'p95_ms':>8} {'cpu_p95_ms':>10}"
    print(f"\n{header}   n {'run_median':>10}")
    for demo in all_demos():
        if only and demo.key not in only:
            continue
        pairs = [(d, m) for d in demo.datasets for m in demo.models]
        demo_p95: dict[str, float] = {}
        for number, (dataset, model) in enumerate(pairs[:1] if default_only else pairs):
            key = f"{demo.key}/{dataset}/{model}"
            try:
                batch = instances(demo, study, dataset, n if number == 0 else per_pair)
                if dataset == text.DATASET:  # a cold first call: load the model, scan the study
                    text._models.clear()
                    text._sentences.clear()
                page = Page(client, study, demo, dataset, model)
                first, _ = ms(page.get)
                times, cpu = [], []
                for params in batch:
                    began = time.process_time()
                    times.append(ms(page.get, **params)[0])
                    cpu.append((time.process_time() - began) * 1000)
                # The default pair: the demo's run alone on the same instances (what the page adds).
                runs = [ms(demo.run, run_request(study, dataset, model, p))[0] for p in batch] if number == 0 else []
            except Exception:
                print(f"{key:48} FAILED\n{traceback.format_exc()}")
                p95s[key] = demo_p95[key] = float("inf")
                continue
            p95s[key] = demo_p95[key] = p95(times)
            run_median = f"{statistics.median(runs):10.1f}" if runs else f"{'':10}"
            print(
                f"{key:48} {first:9.0f} {statistics.median(times):10.1f} {p95s[key]:8.1f} {p95(cpu):10.1f} "
                f"{len(times):3d} {run_median}"
            )
        if demo_p95 and all(v != float("inf") for v in demo_p95.values()):
            slugs.update(demo.slugs)
        if demo_p95:
            slowest = max(demo_p95, key=lambda k: demo_p95[k])
            worst.append((demo.key, demo_p95[slowest], slowest))
    print(f"\nper demo, the slowest of its {'default pair' if default_only else 'dataset × model pairs'}:")
    print(f"{'demo':28} {'p95_ms':>8}  pair")
    for key, value, pair in worst:
        print(f"{key:28} {value:8.1f}  {pair.split('/', 1)[1]}")
    return p95s, slugs


def bench_shapley(n: int) -> None:
    """Ours vs shap on the same games (see the module docstring)."""
    from explainers.sandbox import data, models
    from explainers.sandbox.methods import lime_tabular, shapley

    bundle = data.load("credit")
    fitted = models.get("credit", "linear")
    names = list(bundle.feature_names)
    groups = [[names.index(f) for f in features] for _, features in bundle.info.groups]
    background = bundle.background(50)

    def f(X: np.ndarray) -> np.ndarray:
        return np.asarray(fitted.predict_value(X), dtype=float)

    rows = bundle.X_test[:n]
    ours, theirs, diffs, exact = [], [], [], []
    for x in rows:
        t1, a = ms(shapley.exact_shapley, f, x, background, groups)
        t2, b = ms(shapley.shap_exact, f, x, background, groups)
        ours.append(t1)
        theirs.append(t2)
        diffs.append(float(np.max(np.abs(a.values - b.values))))
        exact.append(a.values)
    print(f"\nexact Shapley, German Credit, linear model, {len(groups)} groups, 50 background rows, {len(rows)} rows:")
    print(
        f"  ours median {statistics.median(ours):.1f} ms, shap Exact median {statistics.median(theirs):.1f} ms, "
        f"ratio ours/shap {statistics.median(ours) / statistics.median(theirs):.3f}, max |diff| {max(diffs):.1e}"
    )
    print("  KernelSHAP (shap) by nsamples vs exact: nsamples, median relative error, median max |error|, median ms")
    for nsamples in (64, 256, 1024, 4096):
        errs, worst, times = [], [], []
        for x, e in zip(rows, exact, strict=True):
            t, k = ms(shapley.kernel_shap, f, x, background, groups, nsamples=nsamples)
            err = shapley.errors(k.values, e)
            errs.append(err["relative_error"])
            worst.append(err["max_abs_error"])
            times.append(t)
        print(
            f"    {nsamples:5d}  {statistics.median(errs):.4f}  {statistics.median(worst):.5f}  "
            f"{statistics.median(times):.1f}"
        )
    print("  Monte Carlo Shapley (ours) by permutations vs exact: permutations, median relative error, median ms")
    for permutations in (50, 200, 800):
        errs, times = [], []
        for x, e in zip(rows, exact, strict=True):
            t, (mc, _) = ms(shapley.monte_carlo_shapley, f, x, background, groups, permutations=permutations)
            errs.append(shapley.errors(mc.values, e)["relative_error"])
            times.append(t)
        print(f"    {permutations:5d}  {statistics.median(errs):.4f}  {statistics.median(times):.1f}")

    categories = {j: list(feature.categories) for j, feature in enumerate(bundle.info.features) if feature.categories}
    explainer = lime_tabular.make_explainer(
        bundle.X_train, names, bundle.categorical, categories, regression=False, seed=0
    )
    target = bundle.info.target_class
    lime_times, kernel_times = [], []
    for x in rows:
        t, _ = ms(
            lime_tabular.explain, explainer, fitted.predict_proba, x, target=target, regression=False, num_samples=1000
        )
        lime_times.append(t)
        t, _ = ms(shapley.kernel_shap, f, x, background, None, nsamples=256)
        kernel_times.append(t)
    print(
        f"  LIME tabular (lime, 1000 samples, {len(names)} features) median {statistics.median(lime_times):.1f} ms, "
        f"KernelSHAP (shap, 256 coalitions, per feature) median {statistics.median(kernel_times):.1f} ms, "
        f"ratio LIME/KernelSHAP {statistics.median(lime_times) / statistics.median(kernel_times):.2f}"
    )


def bench_lime_text(study: Any, n: int) -> None:
    from explainers.sandbox.demos import text
    from explainers.sandbox.methods import text as methods

    loaded = text._model(study)
    assert loaded is not None
    model, version, enabled = loaded
    sentences, scores = text.study_sentences(study, model, version)
    codes = sorted(c for c in enabled if c in scores)
    best = np.max(np.stack([scores[c] for c in codes], axis=1), axis=1)
    chosen = [int(i) for i in np.flatnonzero(best >= 0.5)[:n]]
    print(f"\nLIME text on the sample study's model, {len(chosen)} suggested sentences:")
    print("  num_samples, median ms, median Spearman vs the model's exact word contributions; exact contributions: ms")
    own_times = []
    owns = []
    for i in chosen:
        code = codes[int(np.argmax([scores[c][i] for c in codes]))]
        t, own = ms(methods.contributions, model, code, sentences[i])
        own_times.append(t)
        owns.append((i, code, own.by_word()))
    for samples in (250, 500, 1000, 2000, 5000):
        times, rhos = [], []
        for i, code, own in owns:
            t, lime = ms(methods.lime_explanation, methods.probability(model, code), sentences[i], num_samples=samples)
            times.append(t)
            rho, _ = methods.rank_agreement(own, dict(lime.weights))
            if not np.isnan(rho):
                rhos.append(rho)
        print(f"    {samples:5d}  {statistics.median(times):7.1f}  {statistics.median(rhos):.3f}")
    print(f"  exact contributions median {statistics.median(own_times):.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--instances", type=int, default=20, help="Instances of each demo's default pair.")
    parser.add_argument("--pair-instances", type=int, default=5, help="Instances of every other pair.")
    parser.add_argument("--default-only", action="store_true", help="Only each demo's default dataset and model.")
    parser.add_argument("--only", default="", help="Comma-separated demo keys.")
    parser.add_argument("--no-library", action="store_true", help="Skip the library comparisons.")
    args = parser.parse_args()
    database = setup()
    print(f"database: {database}")
    from explainers.sandbox.methods import shapley

    for line in shapley.warmup():  # what a web process does at start-up (build_sandbox)
        print(f"  {line}")
    study, client = build_study()
    only = {k for k in args.only.split(",") if k}
    p95s, slugs = bench_demos(study, client, args.instances, args.pair_instances, only, args.default_only)
    if not args.no_library:
        bench_shapley(args.instances)
        bench_lime_text(study, args.instances)
    slowest = max(p95s, key=lambda k: p95s[k]) if p95s else "-"
    failed = [k for k, v in p95s.items() if v == float("inf")]
    print(f"\npairs={len(p95s)} failed={len(failed)}{' (' + ','.join(failed) + ')' if failed else ''}")
    print(f"techniques={len(slugs)} p95_max_ms={p95s.get(slowest, 0):.0f} slowest={slowest}")


if __name__ == "__main__":
    main()
