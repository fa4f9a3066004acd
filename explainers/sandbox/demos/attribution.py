"""Demos of feature attribution: exact and Monte Carlo Shapley values, KernelSHAP, TreeSHAP, LIME (with
its instability under test), and global importance (mean |SHAP| by predicted class, permutation
importance). Each `run` answers in well under a second at its defaults (see docs/benchmarks.md)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from explainers.techniques import by_slug, not_in_seeds

from .. import data, models
from ..base import Block, ChartSpec, Demo, DemoRequest, DemoResult, HeavyTask, Option, register
from ..common import Resolved, resolve
from ..methods import importance, lime_tabular, shapley

TABULAR = ("credit", "breast-cancer", "diabetes")
ALL_MODELS = ("linear", "boosting", "mlp")


def _paper(slug: str) -> str:
    """The technique's source as a citation: "Lundberg & Lee 2017, … (not discussed in the seed
    papers)" rather than the vocabulary's "Not in the seed papers; Lundberg & Lee 2017, …", which after
    "Source:" reads as if there were none."""
    paper = by_slug(slug).paper
    prefix = not_in_seeds("")
    if paper.startswith(prefix):
        return f"{paper[len(prefix) :]} (not discussed in the seed papers)"
    return paper


# ------------------------------------------------------------------------------------------ helpers


@dataclass
class Players:
    labels: list[str]
    groups: list[list[int]] | None  # None: one player per feature
    members: list[list[int]]

    @property
    def grouped(self) -> bool:
        return self.groups is not None


def players(bundle: data.Bundle) -> Players:
    """One player per feature when there are at most 12, else the dataset's groups (`DatasetInfo.groups`)."""
    names = bundle.feature_names
    if len(names) <= shapley.MAX_EXACT_PLAYERS:
        return Players([f.label for f in bundle.info.features], None, [[j] for j in range(len(names))])
    groups = [[names.index(n) for n in members] for _, members in bundle.info.groups]
    return Players([label for label, _ in bundle.info.groups], groups, groups)


def _value_fn(r: Resolved) -> Callable[[np.ndarray], np.ndarray]:
    fitted, target = r.fitted, r.target
    return lambda X: fitted.predict_value(X, target)


def _player_values(r: Resolved, members: list[int]) -> str:
    shown = [f"{r.bundle.info.features[j].label}: {r.instance[r.bundle.feature_names[j]]}" for j in members]
    return "; ".join(shown)


def _amount(r: Resolved | models.Fitted, v: float, signed: bool = True) -> str:
    """A contribution in words: percentage points of probability for a classifier, units otherwise."""
    fitted = r.fitted if isinstance(r, Resolved) else r
    sign = "+" if signed and v > 0 else ("−" if signed and v < 0 else "")
    mag = abs(v) if signed else v
    if fitted.is_classifier:
        return f"{sign}{mag * 100:.1f} percentage points"
    return f"{sign}{mag:.1f}"


def _level(r: Resolved | models.Fitted, v: float) -> str:
    fitted = r.fitted if isinstance(r, Resolved) else r
    return f"{v:.1%}" if fitted.is_classifier else f"{v:.1f}"


def _source(slug: str) -> str:
    return f" Source: {_paper(slug)}."


def _grouping_note(bundle: data.Bundle, p: Players) -> str:
    if not p.grouped:
        return ""
    d = len(bundle.feature_names)
    return (
        f" This dataset has {d} features; exact values over {d} players would need 2^{d} = {2**d:,} coalitions, so "
        f"the features are grouped into {len(p.labels)} players that enter and leave together (listed in the table)."
    )


def _background(request: DemoRequest, demo: Demo, bundle: data.Bundle, name: str = "background") -> np.ndarray:
    return bundle.background(int(demo.option(request, name)), seed=request.seed)


def _top(labels: list[str], values: np.ndarray, k: int = 3) -> list[str]:
    order = np.argsort(-np.abs(values), kind="stable")[:k]
    return [labels[i] for i in order]


def _unavailable(request: DemoRequest, demo: Demo) -> DemoResult | None:
    notes = []
    if request.dataset not in demo.datasets:
        notes.append(
            f"This demo does not run on dataset {request.dataset!r}; choose one of {', '.join(demo.datasets)}."
        )
    if request.model not in demo.models:
        notes.append(f"This demo does not run on model {request.model!r}; choose one of {', '.join(demo.models)}.")
    return DemoResult(None, [], notes=notes) if notes else None


# ----------------------------------------------------------------------------- exact and Monte Carlo

_MC_CHECKPOINTS = (10, 20, 50, 100, 200, 500, 1000, 2000, 5000)


def run_exact(request: DemoRequest) -> DemoResult:
    demo = EXACT
    if (bad := _unavailable(request, demo)) is not None:
        return bad
    r = resolve(request)
    bundle = r.bundle
    p = players(bundle)
    bg = _background(request, demo, bundle)
    f = _value_fn(r)
    exact = shapley.exact_shapley(f, r.x, bg, p.groups)
    n_perm = int(demo.option(request, "permutations"))
    checkpoints = sorted({c for c in _MC_CHECKPOINTS if c < n_perm} | {n_perm})
    mc, running = shapley.monte_carlo_shapley(
        f, r.x, bg, p.groups, permutations=n_perm, seed=request.seed, checkpoints=checkpoints
    )
    assert mc.stderr is not None

    frame = pd.DataFrame(
        {
            "player": p.labels,
            "instance value": [_player_values(r, m) for m in p.members],
            "contribution": exact.values,
            f"Monte Carlo ({n_perm} orders)": mc.values,
            "Monte Carlo ± (2 standard errors)": 2 * mc.stderr,
        }
    )
    frame = frame.reindex(frame["contribution"].abs().sort_values(ascending=False).index).reset_index(drop=True)
    up = _top([lbl for lbl, v in zip(p.labels, exact.values, strict=True) if v > 0], exact.values[exact.values > 0], 2)
    down = _top(
        [lbl for lbl, v in zip(p.labels, exact.values, strict=True) if v < 0], exact.values[exact.values < 0], 2
    )
    what = r.value_name
    text = (
        f"The model's {what} for this instance is {_level(r, exact.fx)}; averaged over {len(bg)} background rows from the "
        f"training data it is {_level(r, exact.base_value)}. Shapley values share the difference, "
        f"{_amount(r, exact.fx - exact.base_value)}, among the players: each value is the player's average effect on "
        f"the prediction when it joins every possible combination of the others (a player 'absent' from a "
        f"combination takes a background row's values). A positive value pushed this prediction up, a negative one "
        f"down. Here {', '.join(up) or 'no player'} pushed it up most and {', '.join(down) or 'no player'} pushed it "
        f"down most. The values add up to the difference exactly (off by {abs(exact.gap):.1e}). They were computed "
        f"over all {2 ** len(p.labels):,} combinations of {len(p.labels)} players, each on {len(bg)} background rows "
        f"({exact.evaluations:,} distinct rows for the model to score: a player whose values equal the instance's in "
        f"a background row changes nothing there), in {exact.seconds * 1000:.0f} ms."
        + _grouping_note(bundle, p)
        + " They describe this model's arithmetic, not causes in the world: a feature the model relies on may only "
        "stand in for another it does not see." + _source("shapley-values")
    )
    blocks = [
        Block(
            "Exact Shapley values of this prediction",
            text,
            frame,
            ChartSpec(
                "attribution",
                x="contribution",
                y="player",
                x_title=f"Contribution to the {what}",
                description="Exact Shapley value per player; bars right push the prediction up, left push it down.",
            ),
            formats={
                "contribution": "+.4f",
                f"Monte Carlo ({n_perm} orders)": "+.4f",
                "Monte Carlo ± (2 standard errors)": ".4f",
            },
        )
    ]

    conv = pd.DataFrame(
        {
            "orders sampled": list(running),
            "relative error": [shapley.errors(v, exact.values)["relative_error"] for v in running.values()],
            "largest error on one player": [shapley.errors(v, exact.values)["max_abs_error"] for v in running.values()],
            "model evaluations": [c * (len(p.labels) + 1) for c in running],
        }
    )
    final = shapley.errors(mc.values, exact.values)
    within = int(np.sum(np.abs(mc.values - exact.values) <= 2 * mc.stderr))
    blocks.append(
        Block(
            "Monte Carlo Shapley against the exact values",
            (
                f"Monte Carlo sampling (Štrumbelj & Kononenko 2014) estimates the same values from random orders of "
                f"the players instead of all combinations. With {n_perm} orders ({mc.evaluations:,} model "
                f"evaluations, {mc.seconds * 1000:.0f} ms) its values are off by {final['relative_error']:.1%} "
                f"overall (the length of the error vector relative to the exact values') and by at most "
                f"{_amount(r, final['max_abs_error'], signed=False)} on one player; {within} of {len(p.labels)} exact "
                f"values lie within the estimate's own ±2 standard errors. On average over many runs the error "
                f"shrinks with the square root of the number of orders (four times as many orders halve it); one "
                f"run need not follow that: here it was {conv['relative error'].iloc[0]:.1%} after "
                f"{conv['orders sampled'].iloc[0]} orders and {final['relative_error']:.1%} after {n_perm}. Where "
                f"exact values are affordable (up to about a dozen players) an approximation adds only noise; beyond "
                f"that, the error shown here is what a reader of sampled Shapley values should keep in mind."
            ),
            conv,
            ChartSpec(
                "line",
                x="orders sampled",
                y="relative error",
                x_title="Orders sampled",
                y_title="Relative error against exact",
                description="Error of the Monte Carlo estimate as more orders are sampled.",
            ),
            claim="Sampled approximations of Shapley values are close to the exact values they stand in for.",
            formats={"relative error": ".1%", "largest error on one player": ".4f", "model evaluations": ",d"},
        )
    )
    if p.grouped:
        blocks.append(
            Block(
                "Players",
                "Which features make up each player: a player's features keep the instance's values together or take "
                "a background row's values together.",
                pd.DataFrame(
                    {
                        "player": p.labels,
                        "features": [", ".join(bundle.info.features[j].label for j in m) for m in p.members],
                    }
                ),
            )
        )
    return DemoResult(r.prediction, blocks, r.instance, r.notes)


# --------------------------------------------------------------------------------------- KernelSHAP

_KERNEL_BUDGETS = (64, 256, 1024)


def run_kernel(request: DemoRequest) -> DemoResult:
    demo = KERNEL
    if (bad := _unavailable(request, demo)) is not None:
        return bad
    r = resolve(request)
    bundle = r.bundle
    p = players(bundle)
    bg = _background(request, demo, bundle)
    f = _value_fn(r)
    nsamples = int(demo.option(request, "nsamples"))
    exact = shapley.exact_shapley(f, r.x, bg, p.groups)
    kernel = shapley.kernel_shap(f, r.x, bg, p.groups, nsamples=nsamples, seed=request.seed)
    err = shapley.errors(kernel.values, exact.values)
    order = np.argsort(-np.abs(exact.values), kind="stable")
    frame = pd.DataFrame(
        {
            "player": [p.labels[i] for i in order for _ in (0, 1)],
            "method": [m for _ in order for m in (f"KernelSHAP ({nsamples} samples)", "exact")],
            "contribution": [v for i in order for v in (kernel.values[i], exact.values[i])],
        }
    )
    n_coal = 2 ** len(p.labels)
    blocks = [
        Block(
            "KernelSHAP values next to the exact values",
            (
                f"KernelSHAP estimates Shapley values by evaluating the model on {nsamples} "
                f"sampled combinations of players (of {n_coal:,} possible) and fitting a weighted linear model to "
                f"them; the exact values come from all combinations, with the same {len(bg)} background rows. "
                f"Here KernelSHAP is off by {err['relative_error']:.1%} overall and by at most "
                f"{_amount(r, err['max_abs_error'], signed=False)} on one player ({kernel.seconds * 1000:.0f} ms against "
                f"{exact.seconds * 1000:.0f} ms for exact). Its top three players are "
                f"{', '.join(_top(p.labels, kernel.values))}; the exact top three are {', '.join(_top(p.labels, exact.values))}."
                + (
                    " This model is additive in the players (a linear regression), and KernelSHAP's weighted "
                    "regression then recovers the exact values from any sample: choose the boosting or MLP model to "
                    "see sampling error."
                    if err["relative_error"] < 1e-6
                    else ""
                )
                + _grouping_note(bundle, p)
                + _source("kernel-shap")
            ),
            frame,
            ChartSpec(
                "bars",
                x="player",
                y="contribution",
                series="method",
                y_title=f"Contribution to the {r.value_name}",
                description="KernelSHAP and exact Shapley value per player, side by side.",
            ),
            formats={"contribution": "+.4f"},
        )
    ]
    rows = []
    for budget in sorted({b for b in _KERNEL_BUDGETS if b < n_coal} | {nsamples}):
        k = (
            kernel
            if budget == nsamples
            else shapley.kernel_shap(f, r.x, bg, p.groups, nsamples=budget, seed=request.seed)
        )
        e = shapley.errors(k.values, exact.values)
        top_same = set(_top(p.labels, k.values)) == set(_top(p.labels, exact.values))
        rows.append((budget, e["relative_error"], e["max_abs_error"], "yes" if top_same else "no", k.seconds * 1000))
    acc = pd.DataFrame(
        rows, columns=["samples", "relative error", "largest error on one player", "same top three as exact", "ms"]
    )
    good = [str(s) for s, rel, *_ in rows if rel < 0.05]
    blocks.append(
        Block(
            "Accuracy at several sample budgets",
            (
                "The same instance explained with several sample budgets (one run each), each against the exact "
                "values. "
                + (
                    f"Within 5% of exact for this instance: {', '.join(good)} samples "
                    f"({len(good)} of the {len(rows)} budgets tried). "
                    if good
                    else "No budget tried here brings KernelSHAP within 5% of exact for this instance. "
                )
                + "Each budget is one random draw, so a larger budget is not guaranteed a smaller error. When the "
                "budget covers every combination KernelSHAP enumerates them and recovers the exact values; shap's "
                "default budget is 2 × players + 2,048 samples. A report of KernelSHAP values that does not say how "
                "many samples were used leaves open whether a small difference between two features is sampling noise."
            ),
            acc,
            ChartSpec(
                "line",
                x="samples",
                y="relative error",
                x_title="Samples (combinations evaluated)",
                y_title="Relative error against exact",
            ),
            claim="KernelSHAP's sampled estimate is accurate enough to stand in for exact Shapley values.",
            formats={"relative error": ".1%", "largest error on one player": ".4f", "ms": ".0f"},
        )
    )
    return DemoResult(r.prediction, blocks, r.instance, r.notes)


# ----------------------------------------------------------------------------------------- TreeSHAP


def run_tree(request: DemoRequest) -> DemoResult:
    demo = TREE
    if (bad := _unavailable(request, demo)) is not None:
        return bad
    r = resolve(request)
    bundle, fitted = r.bundle, r.fitted
    bg = _background(request, demo, bundle)
    labels = [ft.label for ft in bundle.info.features]
    log_odds = fitted.is_classifier and demo.option(request, "scale") == "log-odds"
    tree = shapley.tree_shap(
        fitted.estimator, r.x, bg, target=r.target, classifier=fitted.is_classifier, probability=not log_odds
    )

    def explained(X: np.ndarray) -> np.ndarray:
        return fitted.logit(X, r.target) if log_odds else fitted.predict_value(X, r.target)

    fx = float(explained(r.x[None, :])[0])
    base = float(np.mean(explained(bg)))
    gap = float(tree.values.sum() - (fx - base))
    mc, _ = shapley.monte_carlo_shapley(explained, r.x, bg, permutations=1000, seed=request.seed)
    assert mc.stderr is not None
    frame = pd.DataFrame(
        {
            "feature": labels,
            "instance value": [r.instance[n] for n in bundle.feature_names],
            "contribution": tree.values,
            "Monte Carlo check (1,000 orders)": mc.values,
            "check ± (2 standard errors)": 2 * mc.stderr,
        }
    )
    frame = frame.reindex(frame["contribution"].abs().sort_values(ascending=False).index).reset_index(drop=True)
    inside = int(np.sum(np.abs(mc.values - tree.values) <= 2 * mc.stderr + 1e-9))
    what = f"log-odds of {r.prediction.target!r}" if log_odds else r.value_name
    level = (lambda v: f"{v:+.2f}") if log_odds else (lambda v: _level(r, v))
    amount = (lambda v: f"{v:+.2f}") if log_odds else (lambda v: _amount(r, v))
    if not fitted.is_classifier or log_odds:
        exactness = (
            "On this scale TreeSHAP's values are exact (our tests check them against the all-combinations "
            "computation to a millionth)."
        )
    else:
        exactness = (
            "On the probability scale shown here shap approximates the logistic link between the trees' score and "
            "the probability, so the values can differ slightly from exact Shapley values (in our tests by up to "
            "about 3% of their size); switch the scale to log-odds for exact values."
        )
    blocks = [
        Block(
            "TreeSHAP values of this prediction",
            (
                f"TreeSHAP computes Shapley values of a tree ensemble, one per feature, by walking the trees instead "
                f"of evaluating every combination of features: here all {len(labels)} features "
                f"(2^{len(labels)} = {2 ** len(labels):,} combinations) in {tree.seconds * 1000:.0f} ms. The {what} "
                f"is {level(fx)} against {level(base)} on average over {len(bg)} background rows; the values share "
                f"out the difference ({amount(fx - base)}; they sum to it within {abs(gap):.1e}). Largest effects: "
                f"{', '.join(_top(labels, tree.values))}. {exactness} As a check, a Monte Carlo estimate from 1,000 "
                f"random orders (a different algorithm on the same game) agrees within its ±2 standard errors on "
                f"{inside} of {len(labels)} features." + _source("tree-shap")
            ),
            frame,
            ChartSpec(
                "attribution",
                x="contribution",
                y="feature",
                x_title=f"Contribution to the {what}",
                description="Interventional TreeSHAP value per feature.",
            ),
            formats={
                "contribution": "+.4f",
                "Monte Carlo check (1,000 orders)": "+.4f",
                "check ± (2 standard errors)": ".4f",
            },
        )
    ]
    path = shapley.tree_shap(fitted.estimator, r.x, None, target=r.target, classifier=fitted.is_classifier)
    same = len(set(_top(labels, path.values, 5)) & set(_top(labels, tree.values, 5)))
    scale = "log-odds" if fitted.is_classifier else "output"
    if not fitted.is_classifier:
        scale_note = "on the same scale as above, so the numbers can be compared directly"
    elif log_odds:
        scale_note = "on the same log-odds scale as above, so the numbers can be compared directly"
    else:
        scale_note = (
            "on the log-odds scale rather than the probability scale, so the numbers are not comparable one to one; "
            "the rankings are"
        )
    blocks.append(
        Block(
            "TreeSHAP without a background (shap's default)",
            (
                f"Called without background data, shap's TreeExplainer uses the 'tree path dependent' variant: a "
                f"feature left out follows the training data down both branches of each split in proportion to how "
                f"many training rows went each way. That is a different question from the one above, answered "
                f"{scale_note}. {same} of the top five features are the same in both. Reports of 'SHAP values' "
                f"of tree models often do not say which variant produced them."
            ),
            pd.DataFrame({"feature": labels, f"path-dependent ({scale})": path.values}).sort_values(
                f"path-dependent ({scale})", key=np.abs, ascending=False
            ),
            formats={f"path-dependent ({scale})": "+.4f"},
        )
    )
    return DemoResult(r.prediction, blocks, r.instance, r.notes)


# --------------------------------------------------------------------------------------------- LIME


@dataclass
class _Reruns:
    lime: np.ndarray
    kernel: np.ndarray
    tree: np.ndarray | None
    lime_first: lime_tabular.LimeResult
    seconds: dict[str, float]


def _lime_explainer(bundle: data.Bundle, seed: int):  # type: ignore[no-untyped-def]
    cats = {int(j): list(bundle.info.features[j].categories) for j in np.flatnonzero(bundle.categorical)}
    return lime_tabular.make_explainer(
        bundle.X_train,
        [ft.label for ft in bundle.info.features],
        bundle.categorical,
        cats,
        regression=bundle.info.task == "regression",
        seed=seed,
    )


def _reruns(r: Resolved, reruns: int, num_samples: int, seed: int, kernel_background: int) -> _Reruns:
    fitted, bundle = r.fitted, r.bundle
    regression = not fitted.is_classifier
    predict = fitted.predict if regression else fitted.predict_proba
    explainer = _lime_explainer(bundle, seed)
    t = time.perf_counter()
    lime_runs = [
        lime_tabular.explain(explainer, predict, r.x, target=r.target, regression=regression, num_samples=num_samples)
        for _ in range(reruns)
    ]
    seconds = {"LIME": (time.perf_counter() - t) / reruns}
    bg = bundle.background(kernel_background, seed=seed)
    t = time.perf_counter()
    kernel = np.array(
        [
            shapley.kernel_shap(_value_fn(r), r.x, bg, None, nsamples=num_samples, seed=seed + i).values
            for i in range(reruns)
        ]
    )
    seconds["KernelSHAP"] = (time.perf_counter() - t) / reruns
    tree = None
    if fitted.model == "boosting":
        # TreeSHAP samples nothing: two runs show whether it repeats itself; only if they differ is it worth
        # running the rest.
        t = time.perf_counter()
        runs = [
            shapley.tree_shap(fitted.estimator, r.x, bg, target=r.target, classifier=fitted.is_classifier).values
            for _ in range(min(2, reruns))
        ]
        seconds["TreeSHAP"] = (time.perf_counter() - t) / len(runs)
        if len(runs) > 1 and not np.array_equal(runs[0], runs[1]):
            runs += [
                shapley.tree_shap(fitted.estimator, r.x, bg, target=r.target, classifier=fitted.is_classifier).values
                for _ in range(reruns - 2)
            ]
        tree = np.array(runs + [runs[-1]] * (reruns - len(runs)))
    return _Reruns(np.array([x.weights for x in lime_runs]), kernel, tree, lime_runs[0], seconds)


def _stability_frame(res: _Reruns, k: int) -> pd.DataFrame:
    rows = []
    for name, runs in (("LIME", res.lime), ("KernelSHAP", res.kernel), ("TreeSHAP", res.tree)):
        if runs is None:
            continue
        s = lime_tabular.stability(runs, k)
        rows.append(
            (
                name,
                s["spearman_mean"],
                s["spearman_min"],
                s["topk_overlap"],
                s["topk_identical"],
                res.seconds[name] * 1000,
            )
        )
    return pd.DataFrame(
        rows,
        columns=[
            "method",
            "rank correlation (mean)",
            "rank correlation (worst pair)",
            f"top-{k} overlap",
            f"pairs with identical top {k}",
            "ms per run",
        ],
    )


def run_lime(request: DemoRequest) -> DemoResult:
    demo = LIME
    if (bad := _unavailable(request, demo)) is not None:
        return bad
    r = resolve(request)
    bundle = r.bundle
    reruns = int(demo.option(request, "reruns"))
    num_samples = int(demo.option(request, "num_samples"))
    k = 5
    res = _reruns(r, reruns, num_samples, request.seed, KERNEL_RERUN_BACKGROUND)
    first = res.lime_first
    labels = [ft.label for ft in bundle.info.features]
    chosen = [j for j in np.argsort(-np.abs(first.weights), kind="stable") if first.descriptions[j]][:10]
    frame = pd.DataFrame(
        {"condition": [first.descriptions[j] for j in chosen], "weight": [first.weights[j] for j in chosen]}
    )
    blocks = [
        Block(
            "LIME's explanation (first run)",
            (
                f"LIME draws {num_samples} random variations of this instance (LIME's own default is 5,000; fewer "
                f"are faster and less stable), asks the model "
                f"about each, and fits a simple weighted linear model that imitates the model near the instance. Each "
                f"weight says how much meeting the condition (the feature being in the instance's range or category) "
                f"moves the {r.value_name} in that imitation: a positive weight pushes it up. The imitation predicts "
                f"{_level(r, first.local_prediction)} where the model says {_level(r, r.value)}, and it explains "
                f"{max(first.score, 0):.0%} of the variation among the samples (R²): the lower that share, the less the "
                f"weights tell about the model. The ten largest weights are shown." + _source("lime")
            ),
            frame,
            ChartSpec("attribution", x="weight", y="condition", x_title=f"Weight for the {r.value_name}"),
            formats={"weight": "+.4f"},
        )
    ]
    stab = _stability_frame(res, k)
    lime_row = stab.iloc[0]
    kern_row = stab.iloc[1]
    tops = [", ".join(labels[j] for j in sorted(lime_tabular.top_k(w, k), key=lambda j: -abs(w[j]))) for w in res.lime]
    distinct = len(set(frozenset(lime_tabular.top_k(w, k)) for w in res.lime))
    tree_sentence = ""
    if res.tree is not None:
        tree_row = stab[stab["method"] == "TreeSHAP"].iloc[0]
        tree_sentence = (
            " TreeSHAP samples nothing: two runs gave identical values (rank correlation 1), so the others reuse them."
            if np.all(res.tree == res.tree[0])
            else f" TreeSHAP's runs reach {tree_row['rank correlation (mean)']:.2f} and "
            f"{tree_row[f'top-{k} overlap']:.0%}."
        )
    blocks.append(
        Block(
            f"Is LIME unstable? {reruns} reruns of the same explanation",
            (
                f"The same prediction explained {reruns} times, each run with fresh random samples. Between two LIME "
                f"runs the ranking of features by importance correlates at {lime_row['rank correlation (mean)']:.2f} on "
                f"average (1 = identical order; the worst pair {lime_row['rank correlation (worst pair)']:.2f}), and two "
                f"runs share {lime_row[f'top-{k} overlap']:.0%} of their top {k} features; the runs produced {distinct} "
                f"different top-{k} sets. KernelSHAP with the same number of samples per run reaches "
                f"{kern_row['rank correlation (mean)']:.2f} and {kern_row[f'top-{k} overlap']:.0%}.{tree_sentence} "
                f"Instability here means that the explanation a user sees depends on the random draw, not only on "
                f"the model and the instance. Whether more samples reduce it here can be tried with the samples "
                f"option. The heavy task below repeats this over many instances, with up to 5,000 samples per run."
            ),
            stab,
            None,
            claim="LIME is unstable: explaining the same prediction twice can give different features as most important.",
            formats={
                "rank correlation (mean)": ".2f",
                "rank correlation (worst pair)": ".2f",
                f"top-{k} overlap": ".0%",
                f"pairs with identical top {k}": ".0%",
                "ms per run": ".0f",
            },
        )
    )
    blocks.append(
        Block(
            f"LIME's top {k} features in each run",
            "Each row is one rerun; the features are in order of the size of their weight.",
            pd.DataFrame({"run": range(1, reruns + 1), f"top {k}": tops}),
        )
    )
    return DemoResult(r.prediction, blocks, r.instance, r.notes)


def lime_stability_task(request: DemoRequest, progress: Callable[[int, str], None]) -> list[Block]:
    """The rerun comparison of `run_lime` over many test rows: does the instability hold in general?"""
    demo = LIME
    bundle = data.load(request.dataset)
    instances = int(demo.option(request, "instances"))
    reruns = int(demo.option(request, "heavy_reruns"))
    num_samples = int(demo.option(request, "heavy_samples"))
    rng = np.random.default_rng(request.seed)
    rows = np.sort(rng.choice(bundle.test_rows, size=min(instances, bundle.test_rows), replace=False))
    records = []
    for n, index in enumerate(rows):
        progress(int(100 * n / len(rows)), f"Instance {n + 1} of {len(rows)}")
        r = resolve(DemoRequest(request.dataset, request.model, index=int(index), seed=request.seed))
        res = _reruns(r, reruns, num_samples, request.seed + n, KERNEL_RERUN_BACKGROUND)
        for _, row in _stability_frame(res, 5).iterrows():
            records.append(
                {
                    "index": int(index),
                    "method": row["method"],
                    "rank correlation": row["rank correlation (mean)"],
                    "top-5 overlap": row["top-5 overlap"],
                }
            )
    progress(100, "Done")
    per = pd.DataFrame(records)
    summary = (
        per.groupby("method", sort=False)
        .agg(
            instances=("index", "count"),
            rank_median=("rank correlation", "median"),
            rank_worst=("rank correlation", "min"),
            overlap_median=("top-5 overlap", "median"),
            overlap_worst=("top-5 overlap", "min"),
        )
        .reset_index()
    )
    summary.columns = [
        "method",
        "instances",
        "rank correlation (median)",
        "rank correlation (worst instance)",
        "top-5 overlap (median)",
        "top-5 overlap (worst instance)",
    ]
    lime_med = float(summary.loc[summary["method"] == "LIME", "rank correlation (median)"].iloc[0])
    lime_low = float(summary.loc[summary["method"] == "LIME", "top-5 overlap (worst instance)"].iloc[0])
    others = " and ".join(m for m in summary["method"] if m != "LIME")
    return [
        Block(
            f"LIME's stability over {len(rows)} instances",
            (
                f"For each of {len(rows)} test rows, {reruns} reruns of LIME (and of {others}) with {num_samples} "
                f"samples each, compared pairwise as in the live demo. Across "
                f"instances LIME's median rank correlation between reruns is {lime_med:.2f}; on the worst instance two "
                f"reruns shared only {lime_low:.0%} of their top five features on average."
            ),
            summary,
            claim="LIME is unstable: explaining the same prediction twice can give different features as most important.",
            formats={c: (".2f" if "rank" in c else ".0%") for c in summary.columns if c not in ("method", "instances")},
        ),
        Block(
            "Per instance",
            "Rank correlation and top-5 overlap between reruns for every instance and method.",
            per,
            ChartSpec(
                "scatter",
                x="rank correlation",
                y="top-5 overlap",
                series="method",
                x_title="Rank correlation between reruns",
                y_title="Top-5 overlap",
            ),
            formats={"rank correlation": ".2f", "top-5 overlap": ".0%"},
        ),
    ]


KERNEL_RERUN_BACKGROUND = 10

# ------------------------------------------------------------------------------- global importance

GLOBAL_BACKGROUND = 100
GLOBAL_PERMUTATIONS = 100


@dataclass
class GlobalShap:
    values: np.ndarray  # (test rows, features)
    base_value: float
    method: str
    predicted: np.ndarray  # predicted class per test row (or value)
    seconds: float


def global_shap(fitted: models.Fitted, target: int | None = None) -> GlobalShap:
    """Per-feature SHAP values of every test row, computed once per model (disk cache): exact TreeSHAP for
    the boosting model, Monte Carlo permutation sampling (100 orders per row) for the others."""
    target = fitted.info.target_class if target is None else target

    def compute() -> GlobalShap:
        bundle = fitted.bundle
        bg = bundle.background(GLOBAL_BACKGROUND, seed=0)
        start = time.perf_counter()
        if fitted.model == "boosting":
            values, base = shapley.tree_shap_matrix(
                fitted.estimator, bundle.X_test, bg, target=target, classifier=fitted.is_classifier
            )
            method = "TreeSHAP (interventional, probability scale)"
        else:
            values, _ = importance.monte_carlo_shap_matrix(
                lambda X: fitted.predict_value(X, target), bundle.X_test, bg, permutations=GLOBAL_PERMUTATIONS
            )
            base = float(np.mean(fitted.predict_value(bg, target)))
            method = f"Monte Carlo Shapley ({GLOBAL_PERMUTATIONS} orders per row)"
        return GlobalShap(values, base, method, fitted.predict_label(bundle.X_test), time.perf_counter() - start)

    result: GlobalShap = models.cached_result(f"global-shap-v1-t{target}", fitted, compute)
    return result


def run_global_shap(request: DemoRequest) -> DemoResult:
    demo = GLOBAL
    if (bad := _unavailable(request, demo)) is not None:
        return bad
    fitted = models.get(request.dataset, request.model)
    bundle = fitted.bundle
    g = global_shap(fitted)
    labels = [ft.label for ft in bundle.info.features]
    overall = np.abs(g.values).mean(axis=0)
    order = np.argsort(-overall, kind="stable")
    what = fitted.value_name()
    frame = pd.DataFrame({"feature": [labels[j] for j in order], "mean |SHAP|": overall[order]})
    blocks = [
        Block(
            "Mean |SHAP| over the test set",
            (
                f"For each of the {bundle.test_rows} test rows, the Shapley value of each feature says how far it moved "
                f"that row's {what} from the average ({_level(fitted, g.base_value)}). "
                f"Averaging their sizes (ignoring direction) gives a global ranking: {', '.join(labels[j] for j in order[:3])} "
                f"move predictions most, by {_amount(fitted, overall[order[0]], signed=False)} on average for the first. "
                f"Values by {g.method}. The ranking says where the model looks, not whether it is right to, and it "
                f"hides direction: a feature can push some rows up and others down." + _source("feature-importance")
            ),
            frame,
            ChartSpec("bars", x="feature", y="mean |SHAP|", y_title=f"Mean |SHAP| on the {what}"),
            formats={"mean |SHAP|": ".4f"},
        )
    ]
    if fitted.is_classifier:
        names = list(bundle.info.class_names)
        by_class = importance.mean_abs_by_class(g.values, np.asarray(g.predicted).astype(int), list(range(len(names))))
        top = order[: min(12, len(order))]
        long = pd.DataFrame(
            [
                {
                    "feature": labels[j],
                    "predicted class": names[c],
                    "mean |SHAP|": float(v[j]),
                    "rows": int(np.sum(g.predicted == c)),
                }
                for c, v in by_class.items()
                for j in top
            ]
        )
        classes = list(by_class)
        sentence = ""
        if len(classes) == 2:
            a, b = by_class[classes[0]], by_class[classes[1]]
            diff = np.abs(a - b)
            j = int(np.argmax(diff))
            ra = labels[int(np.argmax(a))]
            rb = labels[int(np.argmax(b))]
            sentence = (
                f" For rows predicted '{names[classes[0]]}' the leading feature is {ra}; for rows predicted "
                f"'{names[classes[1]]}' it is {rb}. The largest difference between the two groups is for {labels[j]} "
                f"({_amount(fitted, float(a[j]), signed=False)} against {_amount(fitted, float(b[j]), signed=False)})."
            )
        blocks.append(
            Block(
                "Mean |SHAP| by predicted class",
                (
                    "The same average taken separately over the rows the model assigns to each class (the twelve "
                    "globally strongest features shown). A single global ranking can hide that the model leans on "
                    "different features for different outcomes." + sentence
                ),
                long,
                ChartSpec(
                    "bars", x="feature", y="mean |SHAP|", series="predicted class", y_title=f"Mean |SHAP| on the {what}"
                ),
                claim=(
                    "Global Shapley values reported separately for each predicted class tell stakeholders more than a "
                    "single global ranking (Organization A's plan in Bhatt et al. 2020)."
                ),
                formats={"mean |SHAP|": ".4f"},
            )
        )
    return DemoResult(None, blocks)


def run_permutation(request: DemoRequest) -> DemoResult:
    demo = PERMUTATION
    if (bad := _unavailable(request, demo)) is not None:
        return bad
    fitted = models.get(request.dataset, request.model)
    bundle = fitted.bundle
    repeats = int(demo.option(request, "repeats"))
    y = bundle.y_test.astype(int) if fitted.is_classifier else bundle.y_test
    start = time.perf_counter()
    res = importance.permutation_importance(
        fitted.predict_label, bundle.X_test, y, classifier=fitted.is_classifier, repeats=repeats, seed=request.seed
    )
    seconds = time.perf_counter() - start
    labels = [ft.label for ft in bundle.info.features]
    order = np.argsort(-res.mean, kind="stable")
    metric = "accuracy" if fitted.is_classifier else "R²"
    frame = pd.DataFrame(
        {
            "feature": [labels[j] for j in order],
            f"drop in {metric}": res.mean[order],
            "spread (std over shuffles)": res.std[order],
        }
    )
    harmless = int(np.sum(res.mean <= 0))
    fmt = ".1%" if fitted.is_classifier else ".3f"
    blocks = [
        Block(
            "Permutation importance",
            (
                f"Each feature's column in the {bundle.test_rows} held-out test rows is shuffled, breaking its link to "
                f"the outcome while keeping its values, and the model's {metric} is measured again ({repeats} shuffles "
                f"per feature; {seconds * 1000:.0f} ms). The model's {metric} is {res.baseline:{fmt}} unshuffled; "
                f"shuffling {labels[order[0]]} costs most ({res.mean[order[0]]:{fmt}}). {harmless} features cost nothing "
                f"or less than nothing when shuffled: the model does not need them to be right, even if it uses them "
                f"(compare mean |SHAP|). Correlated features share credit oddly: shuffling one leaves its partner to "
                f"carry the information, so both can look unimportant." + _source("permutation-importance")
            ),
            frame,
            ChartSpec("bars", x="feature", y=f"drop in {metric}", y_title=f"Drop in {metric} when shuffled"),
            formats={f"drop in {metric}": fmt, "spread (std over shuffles)": fmt},
        )
    ]
    if fitted.is_classifier:
        names = bundle.info.class_names
        base_pred = fitted.predict_label(bundle.X_test)
        top = order[: min(12, len(order))]
        rows: list[dict[str, object]] = []
        for c in range(len(names)):
            mask = base_pred == c
            if not mask.any():
                continue
            share = res.changed[:, :, mask].mean(axis=(0, 2))
            rows.extend(
                {"feature": labels[j], "predicted class": names[c], "predictions changed": float(share[j])} for j in top
            )
        blocks.append(
            Block(
                "Which predictions change, by predicted class",
                (
                    "For the rows the model assigns to each class, the share whose predicted class changes when the "
                    "feature is shuffled (averaged over shuffles; the twelve most important features shown). This needs "
                    "no true labels, so it can be monitored on new data, and it shows which outcome a feature holds up."
                ),
                pd.DataFrame(rows),
                ChartSpec(
                    "bars",
                    x="feature",
                    y="predictions changed",
                    series="predicted class",
                    y_title="Share of predictions that change",
                ),
                formats={"predictions changed": ".1%"},
            )
        )
    try:
        g = global_shap(fitted)
    except Exception:  # the SHAP comparison is a bonus; the importance above stands without it
        g = None
    if g is not None:
        from scipy.stats import spearmanr

        shap_rank = np.abs(g.values).mean(axis=0)
        rho = float(spearmanr(shap_rank, res.mean).statistic)
        blocks.append(
            Block(
                "Against mean |SHAP|",
                (
                    f"Rank correlation between permutation importance and mean |SHAP| over the features: {rho:.2f} "
                    f"(1 = same order). Where they disagree, a feature moves predictions without making them more "
                    f"accurate, or the other way round."
                ),
                pd.DataFrame({"feature": labels, f"drop in {metric}": res.mean, "mean |SHAP|": shap_rank}).sort_values(
                    "mean |SHAP|", ascending=False
                ),
                ChartSpec(
                    "scatter",
                    x="mean |SHAP|",
                    y=f"drop in {metric}",
                    x_title="Mean |SHAP|",
                    y_title=f"Drop in {metric}",
                ),
                formats={f"drop in {metric}": fmt, "mean |SHAP|": ".4f"},
            )
        )
    return DemoResult(None, blocks)


# ------------------------------------------------------------------------------------- registration

EXACT = register(
    Demo(
        key="shapley-exact",
        title="Exact Shapley values, and Monte Carlo against exact",
        slugs=("shapley-values", "shap", "feature-importance"),
        datasets=TABULAR,
        models=ALL_MODELS,
        run=run_exact,
        options=(
            Option(
                "background",
                "Background rows",
                "int",
                50,
                minimum=10,
                maximum=100,
                help="Training rows that stand in for an absent feature.",
            ),
            Option(
                "permutations",
                "Monte Carlo orders",
                "int",
                200,
                minimum=10,
                maximum=5000,
                help="Random orders the Monte Carlo estimate samples.",
            ),
        ),
        summary=f"All combinations of up to 12 players, summing exactly to the prediction minus the average. {_paper('shapley-values')}.",
    )
)

KERNEL = register(
    Demo(
        key="kernel-shap",
        title="KernelSHAP against exact Shapley values",
        slugs=("kernel-shap", "shap", "shapley-values"),
        datasets=TABULAR,
        models=ALL_MODELS,
        run=run_kernel,
        options=(
            Option(
                "nsamples",
                "Samples",
                "int",
                256,
                minimum=16,
                # With the exact values and the smaller budgets computed alongside, 4,096 samples × 100
                # background rows took 1.4 s on credit/mlp; these maxima keep it under a second.
                maximum=2048,
                help="Combinations of players KernelSHAP evaluates.",
            ),
            Option("background", "Background rows", "int", 50, minimum=10, maximum=50),
        ),
        summary=f"How close KernelSHAP's sampled estimate comes to the exact values, by sample budget. {_paper('kernel-shap')}.",
    )
)

TREE = register(
    Demo(
        key="tree-shap",
        title="TreeSHAP on gradient boosting",
        slugs=("tree-shap", "shap"),
        datasets=TABULAR,
        models=("boosting",),
        run=run_tree,
        options=(
            Option("background", "Background rows", "int", 100, minimum=10, maximum=500),
            Option(
                "scale",
                "Scale (classifiers)",
                "choice",
                "probability",
                choices=(("probability", "Probability"), ("log-odds", "Log-odds (exact)")),
                help="What the values add up to: the probability, or the trees' raw score.",
            ),
        ),
        summary=f"Shapley values of a tree ensemble, per feature, in milliseconds. {_paper('tree-shap')}.",
    )
)

LIME = register(
    Demo(
        key="lime-tabular",
        title="LIME on a table, and whether it is stable",
        slugs=("lime", "local-explanations"),
        datasets=TABULAR,
        models=ALL_MODELS,
        run=run_lime,
        options=(
            # The live demo's cost grows with samples × reruns (LIME and KernelSHAP per rerun); these maxima
            # keep every combination under a second on a 2-core machine. Larger settings are the heavy task's.
            Option(
                "num_samples",
                "Samples per run",
                "int",
                500,
                minimum=100,
                maximum=1000,
                help="Random variations of the instance LIME (and KernelSHAP) evaluate per run.",
            ),
            Option("reruns", "Reruns", "int", 10, minimum=2, maximum=10),
            Option("instances", "Instances (heavy task)", "int", 30, minimum=5, maximum=100),
            Option("heavy_samples", "Samples per run (heavy task)", "int", 1000, minimum=100, maximum=5000),
            Option("heavy_reruns", "Reruns (heavy task)", "int", 10, minimum=2, maximum=20),
        ),
        heavy=(
            HeavyTask(
                "lime-stability",
                "LIME stability over many instances",
                lime_stability_task,
                "Reruns of LIME and KernelSHAP (and TreeSHAP on the boosting model) on each of many test rows, "
                "with the heavy task's instances, reruns and samples chosen above.",
            ),
        ),
        summary=f"A local linear imitation of the model, rerun on the same instance to test the claim that LIME is unstable. {_paper('lime')}.",
    )
)

GLOBAL = register(
    Demo(
        key="global-shap",
        title="Mean |SHAP|, overall and by predicted class",
        slugs=("feature-importance", "shap", "global-explanations"),
        datasets=TABULAR,
        models=ALL_MODELS,
        run=run_global_shap,
        local=False,
        summary=f"Which features move the model's predictions most, over the test set and per predicted class. {_paper('feature-importance')}.",
    )
)

PERMUTATION = register(
    Demo(
        key="permutation-importance",
        title="Permutation importance",
        slugs=("permutation-importance", "feature-importance"),
        datasets=TABULAR,
        models=ALL_MODELS,
        run=run_permutation,
        options=(Option("repeats", "Shuffles per feature", "int", 5, minimum=1, maximum=20),),
        local=False,
        summary=f"How much the model's accuracy drops when a feature is shuffled. {_paper('permutation-importance')}.",
    )
)


def warm(dataset_models: list[tuple[str, str]] | None = None) -> list[str]:
    """Precompute the model-level results the global demos read (build_sandbox calls this)."""
    lines = []
    for dataset, model in dataset_models or [(d, m) for d in TABULAR for m in ALL_MODELS]:
        t = time.perf_counter()
        global_shap(models.get(dataset, model))
        lines.append(f"global SHAP {dataset}/{model}: {time.perf_counter() - t:.2f} s")
    return lines
