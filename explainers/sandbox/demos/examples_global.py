"""Demos: influence functions and Cook's distance, explanation by example, partial dependence and ICE,
global surrogate trees, transparent models, sensitivity analysis, calibration, PCA / t-SNE maps and drift
monitoring (issue 12). The numerical work lives in `explainers.sandbox.methods`; this module turns it into
blocks a qualitative researcher can read: every number comes with a sentence saying what it means.

Everything a demo computes about the model as a whole (predictions on the train and test rows, label-free
importance, prototypes, the surrogate tree at each depth) is memoised per model fingerprint in this
process, so an interactive request pays only for the instance-specific part.
"""

from __future__ import annotations

import itertools
import logging
import math
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

import numpy as np
import pandas as pd

from .. import common, data, models
from ..base import Block, ChartSpec, Demo, DemoRequest, DemoResult, HeavyTask, Option, register
from ..methods import calibration, drift, examples, global_, influence, projection, sensitivity

log = logging.getLogger(__name__)

TABULAR = tuple(s for s, i in data.DATASETS.items() if i.modality == "tabular")
CLASSIFICATION = tuple(s for s, i in data.DATASETS.items() if i.task == "classification")
BINARY_OR_REGRESSION = tuple(s for s in TABULAR if len(data.DATASETS[s].class_names) <= 2)
ALL_MODELS = ("boosting", "mlp", "linear")

# Per-process memo of model-wide results. Its keys are bounded by construction: a model fingerprint or
# dataset slug times options with few values (ints with small ranges, `step` on its 0.01 grid), about
# 1,150 keys at most, most of them ~20-number sensitivity arrays; the LRU cap is a second guard.
_MEMO: OrderedDict[Hashable, Any] = OrderedDict()
_MEMO_MAX = 2048
_MEMO_LOCK = threading.Lock()
# One lock per key being computed, so concurrent first requests for the same result compute it once
# (a whole-model result costs up to half a second) while other keys go ahead.
_PENDING: dict[Hashable, threading.Lock] = {}


def _memo[T](key: Hashable, make: Callable[[], T]) -> T:
    """Per-process memo of model-wide results, safe under the threaded server: every read and write of
    the dict holds `_MEMO_LOCK`, and the value is returned from the local, never re-read from the dict
    (another thread may evict it in between). Keys carry the model fingerprint (or the dataset), so a
    retrained model never reuses a stale entry."""
    with _MEMO_LOCK:
        if key in _MEMO:
            _MEMO.move_to_end(key)
            return _MEMO[key]  # type: ignore[no-any-return]
        pending = _PENDING.setdefault(key, threading.Lock())
    with pending:
        with _MEMO_LOCK:
            if key in _MEMO:  # computed by the thread we waited for
                return _MEMO[key]  # type: ignore[no-any-return]
        try:
            value = make()  # outside the dict's lock: `make` may itself use the memo
            with _MEMO_LOCK:
                _MEMO[key] = value
                while len(_MEMO) > _MEMO_MAX:
                    _MEMO.popitem(last=False)
        finally:
            with _MEMO_LOCK:
                if _PENDING.get(key) is pending:
                    del _PENDING[key]
    return value


_num = global_.format_number
_quote = global_.quote


def _steps(bundle: data.Bundle) -> list[float]:
    """Each feature's resolution in the data (1 for counts and whole amounts): the decimals its values
    are written with."""
    return [f.step for f in bundle.info.features]


def _fmt(fitted: models.Fitted, v: float) -> str:
    return f"{v:.3f}" if fitted.is_classifier else f"{v:.1f}"


def _labels(bundle: data.Bundle) -> list[str]:
    return [f.label for f in bundle.info.features]


def _display(bundle: data.Bundle, X: np.ndarray) -> pd.DataFrame:
    """Rows as the reader knows them: category labels, and feature labels as column names."""
    frame = bundle.display_frame(X).reset_index(drop=True)
    return frame.rename(columns=dict(zip(bundle.feature_names, _labels(bundle), strict=True)))


def _shown(bundle: data.Bundle, j: int, value: float) -> str:
    """A feature's value inside a sentence: a quoted category label, or the number in the data's units."""
    f = bundle.info.features[j]
    if f.kind == "categorical":
        return _quote(str(bundle.display_value(j, value)))
    return _num(value, f.step)


def _categories(bundle: data.Bundle) -> list[tuple[str, ...]]:
    return [f.categories for f in bundle.info.features]


def _class_name(bundle: data.Bundle, k: int | float) -> str:
    names = bundle.info.class_names
    return names[int(k)] if names and 0 <= int(k) < len(names) else f"{float(k):.1f}"


def _scale(bundle: data.Bundle) -> np.ndarray:
    """Distance units: per-feature spread for tables; one shared spread for images (a border pixel that
    is almost always blank must not dominate every distance)."""
    if bundle.info.modality == "image":
        return np.full(len(bundle.feature_names), float(np.asarray(bundle.X_train).std()) or 1.0)
    return np.asarray(bundle.scale)


def _predict_value(fitted: models.Fitted, target: int | None = None) -> Callable[[np.ndarray], np.ndarray]:
    return lambda X: fitted.predict_value(X, target)


def _train_labels(fitted: models.Fitted) -> np.ndarray:
    return _memo(("train_labels", fitted.fingerprint), lambda: fitted.predict_label(fitted.bundle.X_train))


def _test_labels(fitted: models.Fitted) -> np.ndarray:
    return _memo(("test_labels", fitted.fingerprint), lambda: fitted.predict_label(fitted.bundle.X_test))


def _importance(fitted: models.Fitted) -> np.ndarray:
    """Label-free permutation importance on the test rows (mean |change in the explained value|)."""
    return _memo(
        ("importance", fitted.fingerprint),
        lambda: drift.prediction_importance(_predict_value(fitted), np.asarray(fitted.bundle.X_test)),
    )


def _lower_first(label: str) -> str:
    """'Neural network (small MLP)' → 'neural network (small MLP)', for use inside a sentence."""
    return label[:1].lower() + label[1:]


def _fixed(values: np.ndarray, signed: bool = False) -> str:
    """A fixed-point format showing the largest of `values` to three significant digits (at least four
    decimals): a near-certain model's tiny influences read 0.000123, not 1.23e-04 or 0.0000."""
    top = float(np.max(np.abs(values))) if len(values) else 0.0
    decimals = 4 if top <= 0 or not math.isfinite(top) else min(10, max(4, 2 - math.floor(math.log10(top))))
    return f"{'+' if signed else ''}.{decimals}f"


def _verbal_share(x: float) -> str:
    return f"{100 * x:.0f}%"


# ============================================================================ influence functions


def _glm(fitted: models.Fitted) -> influence.GLMFit:
    """The sandbox's linear model in its own design space: standardised numeric features and one-hot
    categories (exactly what the logistic or ridge regression saw), with its coefficients and penalty."""

    def make() -> influence.GLMFit:
        net = fitted._net
        assert net is not None
        b = fitted.bundle
        head = fitted.estimator.named_steps["model"]
        W, c = net.layers[-1]
        if fitted.is_classifier:
            y = (np.asarray(b.y_train) == 1).astype(float)
            l2 = 1.0 / float(head.C)
            family: influence.Family = "logistic"
        else:
            y = np.asarray(b.y_train, dtype=float)
            l2 = float(head.alpha)
            family = "gaussian"
        return influence.GLMFit(net.encode(np.asarray(b.X_train)), y, W[:, 0].copy(), float(c[0]), l2, family)

    return _memo(("glm", fitted.fingerprint), make)


def _atypicality(bundle: data.Bundle) -> np.ndarray:
    return _memo(
        ("atypical", bundle.info.slug),
        lambda: influence.atypicality(
            examples.embed(bundle.X_train, _scale(bundle), bundle.categorical, _n_categories(bundle)), k=10
        ),
    )


def _claim_measures(
    top: np.ndarray, nn: np.ndarray, atyp: np.ndarray, loss_pct: np.ndarray, cooks_pct: np.ndarray, k: int
) -> tuple[int, float, float, int, float, bool]:
    """Overlap with the neighbours, median atypicality (influential, neighbours), worst-fitted count,
    median Cook's rank, and whether "outliers rather than similar cases" holds for one instance:
    little overlap, and the influential cases outlying in either sense the literature uses — unusual
    inputs (atypicality) or cases the model gets badly wrong (loss, Cook's distance)."""
    overlap = len(set(top.tolist()) & set(nn.tolist()))
    atyp_top, atyp_nn = float(np.median(atyp[top])), float(np.median(atyp[nn]))
    misfit = int((loss_pct[top] >= 90).sum())
    cook = float(np.median(cooks_pct[top]))
    outlying = atyp_top >= 75 or cook >= 75 or misfit * 2 >= k
    return overlap, atyp_top, atyp_nn, misfit, cook, bool(overlap <= max(1, k // 5) and outlying)


def _claim_over_test_set(
    fitted: models.Fitted, fit: influence.GLMFit, res: influence.InfluenceResult, k: int
) -> dict[str, float]:
    """The claim measured for every test case at once (the Hessian is shared, so each test case costs
    one matrix product): how often it holds, not just for the instance on screen."""

    def make() -> dict[str, float]:
        b = fitted.bundle
        Z_test = fitted._net.encode(np.asarray(b.X_test))  # type: ignore[union-attr]
        grads = fit.variance_weights(Z_test)[:, None] * fit.augment(Z_test)  # d mean / d θ per test case
        effects = res.param_shift @ grads.T  # n_train × n_test
        scale = _scale(b)
        cats = _n_categories(b)
        E_train = examples.embed(b.X_train, scale, b.categorical, cats)
        E_test = examples.embed(b.X_test, scale, b.categorical, cats)
        d2 = (E_test**2).sum(1)[:, None] + (E_train**2).sum(1)[None, :] - 2 * E_test @ E_train.T
        atyp = _atypicality(b)
        n = len(res.cooks)
        cooks_pct = 100.0 * res.cooks.argsort().argsort() / max(n - 1, 1)
        loss_pct = 100.0 * res.train_loss.argsort().argsort() / max(n - 1, 1)
        rows = [
            _claim_measures(
                np.argsort(-np.abs(effects[:, t]), kind="stable")[:k],
                np.argsort(d2[t], kind="stable")[:k],
                atyp,
                loss_pct,
                cooks_pct,
                k,
            )
            for t in range(effects.shape[1])
        ]
        arr = np.array([r[:5] for r in rows], dtype=float)
        return {
            "cases": float(len(rows)),
            "holds": float(np.mean([r[5] for r in rows])),
            "overlap": float(arr[:, 0].mean()),
            "atyp_top": float(np.median(arr[:, 1])),
            "atyp_nn": float(np.median(arr[:, 2])),
            "misfit": float(arr[:, 3].mean()),
            "cook": float(np.median(arr[:, 4])),
        }

    return _memo(("influence_claim", fitted.fingerprint, k), make)


INFLUENCE_GROUPS = ("most influential", "both", "nearest neighbour", "other")


def influence_scatter(dist: np.ndarray, change: np.ndarray, top: np.ndarray, nn: np.ndarray) -> pd.DataFrame:
    """The influence-against-similarity chart's frame. Each group is its own colour, with no marker
    drawn over it (a diamond over a point hid the colour its legend entry promised), and the legend
    lists only the groups that occur. The listed cases come first so that the table, which shows the
    first rows of a long frame, starts with them; the others follow by training row."""
    kind = np.full(len(dist), "other", dtype=object)
    kind[nn] = "nearest neighbour"
    kind[top] = "most influential"
    kind[np.intersect1d(top, nn)] = "both"
    frame = pd.DataFrame(
        {
            "training row": np.arange(len(dist)),
            "distance from instance": dist,
            "|change if removed|": change,
            "group": kind,
        }
    )
    rank = frame["group"].map({g: i for i, g in enumerate(INFLUENCE_GROUPS)})
    return (
        frame.assign(_rank=rank)
        .sort_values(["_rank", "training row"], kind="stable")
        .drop(columns="_rank")
        .reset_index(drop=True)
    )


def _influence_run(request: DemoRequest) -> DemoResult:
    r = common.resolve(request)
    fitted, b = r.fitted, r.bundle
    k = DEMO_INFLUENCE.option(request, "k")
    fit = _glm(fitted)
    notes = list(r.notes)
    if fit.stationarity() > 1e-2:
        notes.append("The linear model's training stopped short of its optimum; influence estimates are rougher.")
    z = fitted._net.encode(r.x[None, :])  # type: ignore[union-attr]
    res = influence.influence(fit, z)  # a few ms; not memoised, every what-if edit is a new instance
    # Influence on the explained value: P(target class), whose sign flips if the target is class 0.
    sign = 1.0 if (not fitted.is_classifier or r.target == 1) else -1.0
    delta = sign * res.on_prediction
    n = len(delta)
    top = np.argsort(-np.abs(delta), kind="stable")[:k]
    nn, _nn_dist = examples.nearest(b.X_train, r.x, _scale(b), b.categorical, k=k)
    dist = examples.distances(b.X_train, r.x, _scale(b), b.categorical)
    dist_pct = 100.0 * dist.argsort().argsort() / max(n - 1, 1)
    atyp = _atypicality(b)
    cooks_pct = 100.0 * res.cooks.argsort().argsort() / max(n - 1, 1)
    loss_pct = 100.0 * res.train_loss.argsort().argsort() / max(n - 1, 1)
    train_pred = _train_labels(fitted)
    what = r.value_name

    def row(i: int, kind: str) -> dict[str, Any]:
        out: dict[str, Any] = {
            "kind": kind,
            "training row": int(i),
            "change if removed": float(delta[i]),
            "label": _class_name(b, b.y_train[i]) if fitted.is_classifier else float(b.y_train[i]),
            "model says": _class_name(b, train_pred[i]) if fitted.is_classifier else float(train_pred[i]),
            "distance": float(dist[i]),
            "atypicality %": float(atyp[i]),
            "Cook's distance": float(res.cooks[i]),
        }
        return out

    table = pd.DataFrame(
        [row(i, "most influential") for i in top] + [row(i, "nearest neighbour") for i in nn],
    )
    shown = _display(b, b.X_train[np.concatenate([top, nn])])
    table = pd.concat([table, shown], axis=1)
    change = _fixed(np.abs(delta[top]), signed=True)
    fmt = {"change if removed": change, "distance": ".2f", "atypicality %": ".0f", "Cook's distance": ".4f"}

    biggest = int(top[0])
    direction = "lower" if delta[biggest] < 0 else "raise"
    blocks = [
        Block(
            "Which training cases this prediction leans on",
            f"For each of the {n} training cases we estimate how the model's {what} for this instance "
            f"(now {_fmt(fitted, r.value)}) would change if that one case were deleted and the model "
            f"retrained (Koh & Liang's influence function, computed exactly for this "
            f"{_lower_first(fitted.label)}). The top {k} are listed first, then the {k} training cases most "
            f"similar to the instance, for comparison. Deleting training row {biggest} would {direction} the "
            f"{what} by {_num(abs(delta[biggest]), digits=3)}. 'Atypicality %' places a case among all training cases "
            f"by how isolated it is (100 = the most unusual); 'distance' is how different it is from the "
            f"instance (about one unit per feature that differs by a typical amount).",
            frame=table,
            formats=fmt,
        )
    ]

    overlap, med_atyp_top, med_atyp_nn, misfit_top, med_cook_top, _ = _claim_measures(
        top, nn, atyp, loss_pct, cooks_pct, k
    )
    med_dist_top = float(np.median(dist_pct[top]))
    outlying = med_atyp_top >= 75 or med_cook_top >= 75 or misfit_top * 2 >= k
    wide = _claim_over_test_set(fitted, fit, res, k)
    similar = overlap * 2 >= k
    senses = []
    if med_atyp_top >= 75:
        senses.append("unusual in their inputs")
    if misfit_top * 2 >= k or med_cook_top >= 75:
        senses.append("cases the model fits badly (large residuals or Cook's distances)")
    why = (
        "By these measures the influential cases are " + " and ".join(senses) + "."
        if senses
        else "By these measures the influential cases are neither unusual inputs nor badly fitted cases."
    )
    if similar:
        verdict = "In this run the claim does not hold: influence and similarity pick largely the same cases"
    elif outlying and overlap <= max(1, k // 5):
        verdict = "In this run the claim holds"
    elif outlying:
        verdict = "In this run the claim holds partly: the influential cases are mostly outliers, though a few are also similar cases"
    else:
        verdict = (
            "In this run the claim holds only partly: the influential cases are not the similar ones, but "
            "neither are they clear outliers"
        )
    blocks.append(
        Block(
            "Claim under test: influence surfaces outliers, not similar cases",
            f"{verdict}. Of the {k} most influential training cases, {overlap} are also among the {k} most "
            f"similar ones. Their median atypicality is {med_atyp_top:.0f} (nearest neighbours: "
            f"{med_atyp_nn:.0f}; a typical case: 50); their median distance from the instance ranks at "
            f"{med_dist_top:.0f}% (0% = the closest case). {misfit_top} of them are among the 10% of "
            f"training cases the model fits worst, and their median Cook's distance ranks at "
            f"{med_cook_top:.0f}%. {why} Across all {wide['cases']:.0f} test cases the claim holds for "
            f"{_verbal_share(wide['holds'])} of them; on average {wide['overlap']:.1f} of the {k} most "
            f"influential cases are also among the {k} nearest, and {wide['misfit']:.1f} are among the "
            f"worst-fitted 10%.",
            claim="Influence functions surface outliers rather than similar cases (Bhatt et al. 2020: "
            "practitioners found the most influential points tended to be outliers).",
            frame=pd.DataFrame(
                {
                    "measure": [
                        "shared with nearest neighbours",
                        "median atypicality % (most influential)",
                        "median atypicality % (nearest neighbours)",
                        "median distance rank % (most influential)",
                        "among the 10% worst-fitted (most influential)",
                        "median Cook's distance rank % (most influential)",
                        "all test cases: share where the claim holds %",
                        "all test cases: mean number shared with nearest neighbours",
                        "all test cases: median atypicality % (most influential)",
                        "all test cases: median atypicality % (nearest neighbours)",
                    ],
                    "value": [
                        float(overlap),
                        med_atyp_top,
                        med_atyp_nn,
                        med_dist_top,
                        float(misfit_top),
                        med_cook_top,
                        100.0 * wide["holds"],
                        wide["overlap"],
                        wide["atyp_top"],
                        wide["atyp_nn"],
                    ],
                }
            ),
            formats={"value": ".3g"},
        )
    )

    blocks.append(
        Block(
            "Influence against similarity",
            "Each point is a training case: to the right, less like the instance; higher up, more "
            f"influential. The {k} most influential and the {k} nearest cases have their own colours"
            + (
                f" ({overlap} {'is' if overlap == 1 else 'are'} in both lists, in a colour of its own)"
                if overlap
                else ""
            )
            + ". If influence followed similarity, the tall points would sit at the left.",
            frame=influence_scatter(dist, np.abs(delta), top, nn),
            chart=ChartSpec(
                "scatter",
                x="distance from instance",
                y="|change if removed|",
                series="group",
                x_title="Distance from the instance",
                y_title=f"|change in {what}| if removed",
            ),
            formats={"distance from instance": ".2f", "|change if removed|": change.lstrip("+")},
        )
    )

    # Live check of the approximation against actual retraining for the top cases (a few Newton refits).
    actual = []
    for i in top[: min(k, 5)]:
        keep = np.ones(n, dtype=bool)
        keep[i] = False
        refit = influence.refit(fit, keep, tol=1e-9, max_iter=25)
        actual.append(sign * (float(refit.mean(z)[0]) - float(fit.mean(z)[0])))
    check = pd.DataFrame(
        {"training row": top[: len(actual)], "estimated change": delta[top[: len(actual)]], "actual change": actual}
    )
    est_top, act = delta[top[: len(actual)]], np.asarray(actual)
    same_sign = int(np.sum(np.sign(est_top) == np.sign(act)))
    rel_err = float(np.max(np.abs(est_top - act) / np.maximum(np.abs(act), 1e-12))) if len(act) else 0.0
    blocks.append(
        Block(
            "Check: estimate against actual retraining",
            f"The influence function is an approximation (one Newton step). Here the model was actually "
            f"retrained without each of the top {len(act)} cases: the estimate has the sign of the actual "
            f"change for {same_sign} of them, and is off by at most {_verbal_share(rel_err)} of the actual change.",
            frame=check,
            formats={"estimated change": change, "actual change": change},
        )
    )

    threshold = 4.0 / n
    top_cook = np.argsort(-res.cooks, kind="stable")[:10]
    cook_frame = pd.DataFrame(
        {
            "case": [f"row {i}" for i in top_cook],
            "Cook's distance": res.cooks[top_cook],
            "leverage": res.leverage[top_cook],
            "label": [_class_name(b, b.y_train[i]) if fitted.is_classifier else float(b.y_train[i]) for i in top_cook],
            "model says": [
                _class_name(b, train_pred[i]) if fitted.is_classifier else float(train_pred[i]) for i in top_cook
            ],
        }
    )
    blocks.append(
        Block(
            "Cook's distance: cases that move the whole model",
            f"Cook's distance does not depend on the instance: it measures how much all of the model's "
            f"fitted values would shift if a training case were removed, combining how badly the case is "
            f"fitted (its residual) with how unusual its inputs are (its leverage). "
            f"{int((res.cooks > threshold).sum())} of {n} cases exceed the common rule of thumb 4/n = "
            f"{threshold:.4f}; the ten largest are shown.",
            frame=cook_frame,
            chart=ChartSpec("bars", x="case", y="Cook's distance", x_title="Training case", y_title="Cook's distance"),
            formats={"Cook's distance": ".4f", "leverage": ".3f"},
        )
    )
    return DemoResult(r.prediction, blocks, r.instance, notes)


# ============================================================================ explanation by example


def _prototypes(bundle: data.Bundle) -> dict[str, examples.PrototypeResult | np.ndarray]:
    """MMD-critic per true class on the training rows (whole data for a regression). Data only."""

    def make() -> dict[str, Any]:
        E = examples.embed(bundle.X_train, _scale(bundle), bundle.categorical, _n_categories(bundle))
        out: dict[str, Any] = {}
        if bundle.info.task == "classification":
            per = 2 if len(bundle.info.class_names) > 2 else 3
            for c in range(len(bundle.info.class_names)):
                rows = np.flatnonzero(np.asarray(bundle.y_train).astype(int) == c)
                if len(rows) < 3:
                    continue
                res = examples.mmd_critic(E[rows], n_prototypes=per, n_criticisms=1 if per == 2 else 2)
                out[bundle.info.class_names[c]] = (res, rows)
        else:
            res = examples.mmd_critic(E, n_prototypes=4, n_criticisms=2)
            out["all cases"] = (res, np.arange(len(E)))
        return out

    return _memo(("prototypes", bundle.info.slug), make)


def _image_frame(bundle: data.Bundle, rows: list[tuple[str, np.ndarray]]) -> pd.DataFrame:
    h, w = bundle.info.image_shape or (8, 8)
    parts = []
    for name, x in rows:
        grid = np.asarray(x, dtype=float).reshape(h, w)
        rr, cc = np.indices((h, w))
        parts.append(pd.DataFrame({"image": name, "row": rr.ravel(), "column": cc.ravel(), "ink": grid.ravel()}))
    return pd.concat(parts, ignore_index=True)


def _examples_run(request: DemoRequest) -> DemoResult:
    r = common.resolve(request)
    fitted, b = r.fitted, r.bundle
    k = DEMO_EXAMPLES.option(request, "k")
    scale = _scale(b)
    classify = fitted.is_classifier
    train_pred = _train_labels(fitted)
    pred_here = fitted.predict_label(r.x[None, :])[0]
    nn, nn_dist = examples.nearest(b.X_train, r.x, scale, b.categorical, k=k)
    if classify:
        other_mask = train_pred != pred_here
        other_word = "puts in a different class"
    else:
        median = float(np.median(train_pred))
        other_mask = (train_pred > median) != (pred_here > median)
        other_word = "puts on the other side of the median prediction"
    other, other_dist = examples.nearest(b.X_train, r.x, scale, b.categorical, k=1, mask=other_mask)
    image = b.info.modality == "image"

    def lab(v: float) -> str | float:
        return _class_name(b, v) if classify else round(float(v), 1)

    blocks: list[Block] = []
    if classify:
        agree = int(sum(int(b.y_train[i]) == int(pred_here) for i in nn))
        nn_text = (
            f"The model says {_class_name(b, pred_here)!r}. Of the {k} most similar training cases, {agree} "
            f"carry that label. Someone shown these cases would read the prediction as 'cases like this "
            f"were {_class_name(b, pred_here)}' — a fair reading only when most neighbours agree."
        )
    else:
        mean_nn = float(np.mean(np.asarray(b.y_train)[nn]))
        nn_text = (
            f"The model predicts {_fmt(fitted, r.value)}. The {k} most similar training cases had an "
            f"average outcome of {mean_nn:.1f}: the precedent a person would compare the prediction with."
        )
    nn_frame = pd.DataFrame(
        {
            "rank": np.arange(1, len(nn) + 1),
            "training row": nn,
            "distance": nn_dist,
            "label": [lab(b.y_train[i]) for i in nn],
            "model says": [lab(train_pred[i]) for i in nn],
        }
    )
    if image:
        imgs = [("this instance", r.x)] + [
            (f"#{j + 1}: label {lab(b.y_train[i])}", np.asarray(b.X_train[i])) for j, i in enumerate(nn)
        ]
        blocks.append(
            Block(
                "Nearest neighbours",
                nn_text + " Distances count differences in ink, pixel by pixel.",
                frame=_image_frame(b, imgs),
                chart=ChartSpec("image", x="column", y="row", value="ink", series="image"),
            )
        )
        blocks.append(Block("Nearest neighbours (table)", "", frame=nn_frame, formats={"distance": ".2f"}))
    else:
        shown = _display(b, b.X_train[nn])
        blocks.append(
            Block(
                "Nearest neighbours",
                nn_text + " Distance: about one unit per feature that differs by a typical amount "
                "(a different category counts as one unit).",
                frame=pd.concat([nn_frame, shown], axis=1),
                formats={"distance": ".2f"},
            )
        )

    if len(other):
        o = int(other[0])
        diff = examples.differing_features(r.x, b.X_train[o], scale, b.categorical)
        order = [j for j in np.argsort(-diff, kind="stable") if diff[j] > 0][:6]
        labels = _labels(b)
        diff_frame = pd.DataFrame(
            {
                "feature": [labels[j] for j in order],
                "this instance": [str(b.display_value(j, r.x[j])) for j in order],
                f"training row {o}": [str(b.display_value(j, b.X_train[o][j])) for j in order],
                "difference": diff[order],
            }
        )
        text = (
            f"The most similar training case that the model {other_word} is row {o} (distance "
            f"{other_dist[0]:.2f}; the model says {lab(train_pred[o])!r}, its label is {lab(b.y_train[o])!r}). "
            "Contrasting the two answers 'why this and not that?': the features listed are where they differ most."
        )
        if image:
            blocks.append(
                Block(
                    "Nearest example of another class",
                    text,
                    frame=_image_frame(
                        b, [("this instance", r.x), (f"row {o}: model says {lab(train_pred[o])}", b.X_train[o])]
                    ),
                    chart=ChartSpec("image", x="column", y="row", value="ink", series="image"),
                )
            )
        else:
            blocks.append(
                Block("Nearest example of another class", text, frame=diff_frame, formats={"difference": ".2f"})
            )

    protos = _prototypes(b)
    proto_rows: list[dict[str, Any]] = []
    imgs = []
    E_inst = examples.embed(r.x[None, :], scale, b.categorical, _n_categories(b))[0]
    E_train = _memo(("embed", b.info.slug), lambda: examples.embed(b.X_train, scale, b.categorical, _n_categories(b)))
    nearest_proto: tuple[float, str, int] = (math.inf, "", -1)
    for cls, (res, rows) in protos.items():  # type: ignore[misc]
        for kind, idx in (("prototype", res.prototypes), ("criticism", res.criticisms)):
            for i in idx:
                row_i = int(rows[i])
                d = float(np.linalg.norm(E_train[row_i] - E_inst))
                if kind == "prototype" and d < nearest_proto[0]:
                    nearest_proto = (d, cls, row_i)
                proto_rows.append(
                    {
                        "group": cls,
                        "kind": kind,
                        "training row": row_i,
                        "witness": float(res.witness[i]),
                        "distance to instance": d,
                    }
                )
                if image and (cls == _class_name(b, pred_here) or kind == "prototype"):
                    imgs.append((f"{cls} {kind} (row {row_i})", np.asarray(b.X_train[row_i])))
    pframe = pd.DataFrame(proto_rows)
    if not image:
        pframe = pd.concat([pframe, _display(b, b.X_train[pframe["training row"].to_numpy()])], axis=1)
    ptext = (
        "Prototypes are the few training cases that together best stand for all the others of their group "
        "(chosen by MMD-critic: the set whose spread over the data matches the data's own). Criticisms are "
        "the cases those prototypes represent worst — the kinds of case a reader who saw only the prototypes "
        f"would not expect (a positive 'witness' means under-represented). The prototype closest to this "
        f"instance is training row {nearest_proto[2]} ({nearest_proto[1]})."
    )
    if image:
        blocks.append(
            Block(
                "Prototypes and criticisms",
                ptext + " Shown: every class's prototypes and the criticisms of the predicted class.",
                frame=_image_frame(b, imgs),
                chart=ChartSpec("image", x="column", y="row", value="ink", series="image"),
            )
        )
        blocks.append(
            Block(
                "Prototypes and criticisms (table)",
                "",
                frame=pframe,
                formats={"witness": ".4f", "distance to instance": ".2f"},
            )
        )
    else:
        blocks.append(
            Block(
                "Prototypes and criticisms",
                ptext,
                frame=pframe,
                formats={"witness": ".4f", "distance to instance": ".2f"},
            )
        )
    return DemoResult(r.prediction, blocks, r.instance if not image else {}, r.notes)


# ============================================================================ partial dependence and ICE


def _feature_choices() -> tuple[tuple[str, str], ...]:
    seen: dict[str, list[str]] = {}
    labels: dict[str, str] = {}
    for slug in TABULAR:
        for f in data.DATASETS[slug].features:
            seen.setdefault(f.name, []).append(data.DATASETS[slug].name)
            labels.setdefault(f.name, f.label)
    return (
        ("", "The most important feature"),
        *tuple((name, f"{labels[name]} ({', '.join(ds)})") for name, ds in seen.items()),
    )


def _pick_feature(request: DemoRequest, demo: Demo, fitted: models.Fitted, notes: list[str]) -> int:
    b = fitted.bundle
    name = demo.option(request, "feature")
    if name and name in b.feature_names:
        return b.feature_names.index(name)
    if name:
        notes.append(f"The {b.info.name} data has no feature {name!r}; showing its most important feature.")
    return int(np.argmax(_importance(fitted)))


def _pdp_run(request: DemoRequest) -> DemoResult:
    r = common.resolve(request)
    fitted, b = r.fitted, r.bundle
    notes = list(r.notes)
    j = _pick_feature(request, DEMO_PDP, fitted, notes)
    n_ice = DEMO_PDP.option(request, "curves")
    centred = DEMO_PDP.option(request, "centred")
    cat = bool(b.categorical[j])
    grid = global_.grid_for(b.X_train[:, j], cat, n=15, step=None if cat else b.info.features[j].step)
    rng = np.random.default_rng(request.seed)
    rows = rng.choice(len(b.X_test), size=min(n_ice, len(b.X_test)), replace=False)
    X = np.vstack([b.X_test[rows], r.x[None, :]])
    ice = global_.ice_curves(_predict_value(fitted, r.target), X, j, grid)
    if centred:
        ice = ice - ice[:, :1]
    pdp = global_.partial_dependence(ice[:-1])
    xs: list[Any] = [b.display_value(j, g) for g in grid]
    label = _labels(b)[j]
    what = r.value_name
    parts = [pd.DataFrame({label: xs, "value": ice[i], "curve": f"case {int(rows[i])}"}) for i in range(len(rows))]
    parts.append(pd.DataFrame({label: xs, "value": ice[-1], "curve": "this instance"}))
    parts.append(pd.DataFrame({label: xs, "value": pdp, "curve": "average (PDP)"}))
    frame = pd.concat(parts, ignore_index=True)
    het = global_.ice_heterogeneity(ice[:-1])
    spread = float(np.ptp(pdp)) if len(pdp) else 0.0
    lo_i, hi_i = int(np.argmin(pdp)), int(np.argmax(pdp))
    text = (
        f"Each thin line is one test case: the model's {what} as {label} is set to each value on the "
        f"horizontal axis, everything else about the case kept as it is (an ICE curve). The thick line is "
        f"their average, the partial dependence: across the {len(rows)} cases the average moves by "
        f"{_num(spread, digits=3)}, lowest at {_shown(b, j, grid[lo_i])} and highest at {_shown(b, j, grid[hi_i])}. "
    )
    text += (
        "The curves run roughly parallel, so the average tells each case's story."
        if het < 0.25 * max(spread, 1e-9)
        else f"The curves disagree in shape (spread {_num(het, digits=3)} after aligning their starts): the feature "
        "matters differently for different cases — an interaction the average hides."
    )
    if centred:
        text += " Curves are centred: each starts at 0, so the chart shows change, not level."
    summary = pd.DataFrame(
        {
            label: xs,
            "average (PDP)": pdp,
            "this instance": ice[-1],
            "10th percentile": np.percentile(ice[:-1], 10, axis=0),
            "90th percentile": np.percentile(ice[:-1], 90, axis=0),
        }
    )
    blocks = [
        Block(
            f"Partial dependence and ICE: {label}",
            text,
            frame=frame,
            chart=ChartSpec(
                "line",
                x=label,
                y="value",
                series="curve",
                highlight="average (PDP)",
                x_title=label,
                y_title=("change in " if centred else "") + what,
            ),
            formats={"value": ".4f"},
        ),
        Block(
            "The curves in numbers",
            f"At each value of {label}: the average over cases, this instance's own curve, and the range "
            "in which the middle 80% of cases fall. A wide range means the average is a poor summary.",
            frame=summary,
            formats={c: ".4f" for c in summary.columns[1:]},
        ),
    ]
    return DemoResult(r.prediction, blocks, r.instance, notes)


# ============================================================================ global surrogate


def _model_outputs(fitted: models.Fitted, X: np.ndarray) -> np.ndarray:
    return fitted.predict_label(X) if fitted.is_classifier else fitted.predict(X)


DEMO_SURROGATE_MAX_DEPTH = 8


def surrogate_for(fitted: models.Fitted, depth: int) -> global_.Surrogate:
    """The surrogate tree of a model at a depth: trained on the model's outputs for the training rows,
    scored on the test rows (memoised; the numeric test reads it)."""
    b = fitted.bundle

    def make() -> global_.Surrogate:
        return global_.fit_surrogate(
            _train_labels(fitted),
            np.asarray(b.X_train),
            _test_labels(fitted),
            np.asarray(b.X_test),
            classification=fitted.is_classifier,
            max_depth=depth,
        )

    return _memo(("surrogate", fitted.fingerprint, depth), make)


def _rules_frame(tree: Any, b: data.Bundle, leaf: int, classify: bool) -> pd.DataFrame:
    rules = global_.tree_rules(tree, _labels(b), _categories(b), b.info.class_names, _steps(b))
    return pd.DataFrame(
        {
            "rule": [("IF " + " AND ".join(r.conditions)) if r.conditions else "(always)" for r in rules],
            "then": [r.outcome for r in rules],
            "purity": [r.share for r in rules] if classify else [np.nan] * len(rules),
            "training cases": [r.samples for r in rules],
            "this instance": ["←" if r.leaf == leaf else "" for r in rules],
        }
    )


def _surrogate_run(request: DemoRequest) -> DemoResult:
    r = common.resolve(request)
    fitted, b = r.fitted, r.bundle
    depth = DEMO_SURROGATE.option(request, "depth")
    classify = fitted.is_classifier
    s = surrogate_for(fitted, depth)
    steps, leaf = global_.decision_path(s.tree, r.x, _labels(b), _categories(b), _steps(b))
    tree_says = s.tree.predict(r.x[None, :])[0]
    model_says = _model_outputs(fitted, r.x[None, :])[0]
    y_test = np.asarray(b.y_test)
    if classify:
        tree_acc = global_.agreement(y_test.astype(int), s.tree.predict(b.X_test), True)
        model_acc = global_.agreement(y_test.astype(int), _test_labels(fitted), True)
        fid_word = "agree with the model on"
        fid = f"{_verbal_share(s.fidelity_heldout)} of the {s.n_heldout} held-out test cases"
        same = int(tree_says) == int(model_says)
        inst = (
            f"For this instance the tree says {_class_name(b, tree_says)!r} and the model says "
            f"{_class_name(b, model_says)!r}: {'they agree' if same else 'they disagree, so the rule shown is not why the model decided'}."
        )
    else:
        tree_acc = global_.agreement(y_test, s.tree.predict(b.X_test), False)
        model_acc = global_.agreement(y_test, _test_labels(fitted), False)
        fid_word = "reproduce the model's predictions with R² ="
        fid = f"{s.fidelity_heldout:.3f} on the {s.n_heldout} held-out test cases"
        inst = f"For this instance the tree predicts {_num(float(tree_says))} and the model {_num(float(model_says))}."
    metric = "accuracy" if classify else "R²"
    text = (
        f"A decision tree of depth {depth} was trained to imitate the {_lower_first(fitted.label)} — to predict "
        f"what the model says, not the truth (model distillation). Its rules {fid_word} {fid}: that number, "
        f"the fidelity, says how far the rules can be trusted as a description of the model (measured on "
        f"cases the tree never saw; on its own training cases it scores "
        f"{_verbal_share(s.fidelity_train) if classify else f'{s.fidelity_train:.3f}'}). "
        f"Against the true outcomes the tree's {metric} is {tree_acc:.3f}, the model's {model_acc:.3f}. {inst}"
    )
    summary = pd.DataFrame(
        {
            "measure": [
                "fidelity on held-out cases (reported)",
                "fidelity on training cases",
                f"tree {metric} vs truth",
                f"model {metric} vs truth",
            ],
            "value": [s.fidelity_heldout, s.fidelity_train, tree_acc, model_acc],
            # A count of cases is a column of its own: in the "value" column it took the fractions' format.
            "cases": [s.n_heldout, len(b.X_train), s.n_heldout, s.n_heldout],
        }
    )
    depths = list(range(1, DEMO_SURROGATE_MAX_DEPTH + 1))
    curve = []
    held: list[float] = []
    for d in depths:
        sd = surrogate_for(fitted, d)
        held.append(sd.fidelity_heldout)
        curve.append({"depth": d, "fidelity": sd.fidelity_train, "measured on": "training cases"})
        curve.append({"depth": d, "fidelity": sd.fidelity_heldout, "measured on": "held-out cases"})
    best = int(np.argmax(held))
    deepest = surrogate_for(fitted, depths[-1])
    measure = "fidelity" if classify else "R² against the model"
    gap = deepest.fidelity_train - deepest.fidelity_heldout
    readability = (
        f"A tree of depth d has up to 2^d rules to read. Here the held-out {measure} is {held[0]:.3f} at "
        f"depth 1 and {held[-1]:.3f} at depth {depths[-1]}, highest ({held[best]:.3f}) at depth {depths[best]}"
        + ("; no deeper tree does better on unseen cases." if best < len(depths) - 1 else ".")
        + f" At depth {depths[-1]} it is {deepest.fidelity_train:.3f} on the tree's own training cases and "
        f"{deepest.fidelity_heldout:.3f} on held-out ones"
        + (
            f": the gap of {gap:.3f} is what the tree memorised rather than learnt about the model."
            if gap > 0.005
            else ": the tree does not imitate the model better where it was trained."
        )
    )
    blocks = [
        Block("Global surrogate tree: how faithful are its rules?", text, frame=summary, formats={"value": ".3f"}),
        Block(
            "The surrogate's rules",
            f"Every path from the top of the tree to a leaf, as a rule. 'Purity' is the share of the "
            f"training cases in that leaf for which the model said the outcome shown. The arrow marks the "
            f"rule this instance follows: {' → '.join(steps) or '(no tests)'}.",
            frame=_rules_frame(s.tree, b, leaf, classify),
            formats={"purity": ".2f"},
        ),
        Block(
            "Readability against fidelity",
            readability,
            frame=pd.DataFrame(curve),
            chart=ChartSpec(
                "line", x="depth", y="fidelity", series="measured on", x_title="Tree depth", y_title="Fidelity"
            ),
            formats={"fidelity": ".3f"},
        ),
    ]
    return DemoResult(r.prediction, blocks, r.instance, r.notes)


# ============================================================================ transparent models


def _encoded_names(fitted: models.Fitted) -> tuple[list[str], list[int]]:
    """Names of the linear model's inputs (a numeric feature, or 'feature = category') and the original
    feature each comes from."""
    net = fitted._net
    assert net is not None
    b = fitted.bundle
    labels = _labels(b)
    names, owner = [], []
    for j in net.num_idx:
        names.append(f"{labels[j]} (per SD)")
        owner.append(int(j))
    for j, k in zip(net.cat_idx, net.cat_sizes, strict=True):
        for c in range(k):
            names.append(f"{labels[j]} = {_quote(b.info.features[j].categories[c])}")
            owner.append(int(j))
    return names, owner


def _small_tree(b: data.Bundle, depth: int, classify: bool) -> Any:
    from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

    def make() -> Any:
        cls = DecisionTreeClassifier if classify else DecisionTreeRegressor
        return cls(max_depth=depth, min_samples_leaf=5, random_state=0).fit(b.X_train, b.y_train)

    return _memo(("small_tree", b.fingerprint(), depth), make)


def _transparent_run(request: DemoRequest) -> DemoResult:
    r = common.resolve(request)
    fitted, b = r.fitted, r.bundle
    classify = fitted.is_classifier
    depth = DEMO_TRANSPARENT.option(request, "depth")
    fit = _glm(fitted)
    names, owner = _encoded_names(fitted)
    z = fitted._net.encode(r.x[None, :])[0]  # type: ignore[union-attr]
    z_mean = fit.Z.mean(axis=0)
    terms, base = global_.linear_terms(fit.coef, fit.intercept, z, z_mean)
    labels = _labels(b)
    per_feature = np.zeros(len(labels))
    for t, j in zip(terms, owner, strict=True):
        per_feature[j] += t
    sign = 1.0 if (not classify or r.target == 1) else -1.0
    score = base + terms.sum()
    order = np.argsort(-np.abs(fit.coef), kind="stable")
    coef_frame = pd.DataFrame({"input": [names[i] for i in order], "weight": fit.coef[order]})
    if classify:
        coef_frame["odds multiplied by"] = np.exp(fit.coef[order])
        unit = "points on the log-odds scale"
        what = f"log-odds of {b.info.class_names[1]!r}"
        lead = int(order[0])
        how = (
            f"The model adds up one weight per input, then turns the total ({what}) into a probability. "
            f"Its largest weight, {fit.coef[lead]:+.3f} for {names[lead]}, multiplies the odds of "
            f"{b.info.class_names[1]!r} by e^{fit.coef[lead]:+.3f} = {math.exp(fit.coef[lead]):.2f} for each step "
            "(one standard deviation for numbers; having the category rather than an average mix, for categories)."
        )
        own_score = float(fitted.logit(r.x[None, :], 1)[0])
    else:
        unit = "units of the outcome"
        what = "the predicted outcome"
        how = "The model adds up one weight per input: the prediction is that sum."
        own_score = float(fitted.predict(r.x[None, :])[0])
    contrib = pd.DataFrame({"feature": labels, "contribution": sign * per_feature})
    contrib = contrib.reindex(contrib["contribution"].abs().sort_values(ascending=False).index).reset_index(drop=True)
    blocks = [
        Block(
            "Logistic-regression weights (decomposability)"
            if classify
            else "Linear-regression weights (decomposability)",
            how + " Every part of the model has a meaning of its own — Lipton's decomposability.",
            frame=coef_frame,
            formats={"weight": "+.3f", "odds multiplied by": ".2f"},
        ),
        Block(
            "This instance, term by term",
            f"The model's score for this instance is {score:.3f} {unit}: {base:.3f} for an average case plus "
            f"one term per feature (weight × how far the instance is from the average), shown here"
            + (f" in the direction of {r.value_name}" if classify else "")
            + f". The model's own computation gives {own_score:.3f}: "
            + (
                "adding the terms up by hand reproduces it, nothing is hidden."
                if abs(own_score - score) <= 1e-6 * max(1.0, abs(own_score))
                else f"the terms miss it by {abs(own_score - score):.3g}."
            ),
            frame=contrib,
            chart=ChartSpec("attribution", x="contribution", y="feature", x_title=f"Contribution ({unit})"),
            formats={"contribution": "+.3f"},
        ),
    ]
    tree = _small_tree(b, depth, classify)
    steps, leaf = global_.decision_path(tree, r.x, labels, _categories(b), _steps(b))
    said = tree.predict(r.x[None, :])[0]
    y_test = np.asarray(b.y_test)
    accs = {
        "this small tree": global_.agreement(
            y_test.astype(int) if classify else y_test, tree.predict(b.X_test), classify
        )
    }
    accs[fitted.label] = global_.agreement(y_test.astype(int) if classify else y_test, _test_labels(fitted), classify)
    try:
        boost = models.get(b.info.slug, "boosting")
        accs[boost.label] = global_.agreement(y_test.astype(int) if classify else y_test, _test_labels(boost), classify)
    except Exception:  # a missing cache must not break the page; the comparison is optional
        log.warning("sandbox: no boosting model for %s to compare with", b.info.slug, exc_info=True)
    metric = "accuracy" if classify else "R²"
    best_other = max((v, k) for k, v in accs.items() if k != "this small tree")
    cost = best_other[0] - accs["this small tree"]
    price = (
        f" The tree's {metric} is {cost:.3f} below the {_lower_first(best_other[1])}'s: the price of being "
        "readable on this data."
        if cost > 0.005
        else f" The tree's {metric} is within {cost:.3f} of the {_lower_first(best_other[1])}'s: readability "
        "costs next to nothing on this data."
        if cost >= 0
        else f" The tree's {metric} is {-cost:.3f} above the {_lower_first(best_other[1])}'s: on this data "
        "readability costs nothing."
    )
    blocks.append(
        Block(
            f"A decision tree of depth {depth} (simulatability)",
            f"A tree trained on the true outcomes, small enough to follow by hand — Lipton's simulatability: "
            f"a person can compute the prediction in a few steps. This instance: "
            f"{' → '.join(steps) or '(no tests)'} → {_class_name(b, said) if classify else _num(float(said))}. "
            f"Test {metric}: " + "; ".join(f"{k} {v:.3f}" for k, v in accs.items()) + "." + price,
            frame=_rules_frame(tree, b, leaf, classify),
            formats={"purity": ".2f"},
        )
    )
    return DemoResult(r.prediction, blocks, r.instance, r.notes)


# ============================================================================ sensitivity analysis


# The change size of the sensitivity demo lives on a grid of 0.01 standard deviations (its option runs
# from 0.01 to 1): a typed 0.123 becomes 0.12, so the memo of typical sensitivities holds at most 100
# entries per model however many values viewers type.
STEPS_PER_SD = 100


def _float_option(demo: Demo, request: DemoRequest, name: str, notes: list[str]) -> float:
    """A float option, its default when the value is not a finite number (`Demo.option` lets "nan"
    through: it compares false with both bounds)."""
    value = float(demo.option(request, name))
    if math.isfinite(value):
        return value
    opt = next(o for o in demo.options if o.name == name)
    notes.append(f"{opt.label}: {request.options.get(name)!r} is not a number; using {opt.default:g}.")
    return float(opt.default)


def _step(request: DemoRequest, notes: list[str]) -> float:
    raw = _float_option(DEMO_SENSITIVITY, request, "step", notes)
    step = max(1, min(STEPS_PER_SD, round(raw * STEPS_PER_SD))) / STEPS_PER_SD
    if abs(step - raw) > 1e-9:
        notes.append(f"Change size rounded to {step:g} standard deviations (the sandbox uses steps of 0.01).")
    return step


def _typical_sensitivity(fitted: models.Fitted, step: float, target: int) -> np.ndarray:
    """The median one-at-a-time sensitivity over 30 test cases at `step` (rounded to its grid, which
    the memo key carries as an integer)."""
    b = fitted.bundle
    grid_step = max(1, min(STEPS_PER_SD, round(step * STEPS_PER_SD)))

    def make() -> np.ndarray:
        rng = np.random.default_rng(0)
        rows = rng.choice(len(b.X_test), size=min(30, len(b.X_test)), replace=False)
        out = [
            sensitivity.one_at_a_time(
                _predict_value(fitted, target),
                b.X_test[i],
                b.scale,
                b.categorical,
                b.lower,
                b.upper,
                grid_step / STEPS_PER_SD,
                _n_categories(b),
            ).largest
            for i in rows
        ]
        return np.asarray(np.median(np.vstack(out), axis=0))

    return _memo(("typical_sens", fitted.fingerprint, grid_step, int(target)), make)


def _n_categories(b: data.Bundle) -> np.ndarray:
    return np.array([len(f.categories) for f in b.info.features])


def _sensitivity_run(request: DemoRequest) -> DemoResult:
    r = common.resolve(request)
    fitted, b = r.fitted, r.bundle
    notes = list(r.notes)
    step = _step(request, notes)
    f = _predict_value(fitted, r.target)
    s = sensitivity.one_at_a_time(f, r.x, b.scale, b.categorical, b.lower, b.upper, step, _n_categories(b))
    typical = _typical_sensitivity(fitted, step, r.target)
    labels = _labels(b)
    what = r.value_name
    frame = pd.DataFrame(
        {
            "feature": labels,
            "largest change": s.largest,
            "direction": np.where(b.categorical, s.categorical_max, s.up),
            "when lowered": s.down,
            "when raised": s.up,
            "other category (largest)": s.categorical_max,
            "typical case": typical,
        }
    ).sort_values("largest change", ascending=False, ignore_index=True)
    ratio = np.where(typical > 1e-12, s.largest / np.maximum(typical, 1e-12), np.nan)
    fragile = [labels[j] for j in np.argsort(-np.nan_to_num(ratio)) if ratio[j] >= 3 and s.largest[j] > 1e-6][:3]
    top = frame.iloc[0]
    text = (
        f"Each number feature was moved by {step:g} of its usual spread (standard deviation) down and up, one "
        f"at a time; each category was swapped for every other (not a small change: compare categories with "
        f"categories, numbers with numbers). The table shows how far the model's {what} "
        f"(now {_fmt(fitted, r.value)}) moves. The largest move, {top['largest change']:.4f}, comes from "
        f"{top['feature']}. 'Typical case' is the same measure's median over 30 test cases: "
    )
    text += (
        "this instance is unusually sensitive to " + ", ".join(fragile) + " (three times the typical move or more)."
        if fragile
        else "nothing here is unusually sensitive compared with other cases."
    )
    text += (
        " The chart shows the direction: for a number, what raising it does; for a category, the swap that "
        "moves the prediction most."
    )
    stress = sensitivity.random_noise(
        f,
        r.x,
        b.scale,
        b.categorical,
        b.lower,
        b.upper,
        step=step,
        n=200,
        seed=request.seed,
        label=fitted.predict_label if fitted.is_classifier else None,
    )
    hist_edges = np.linspace(stress.changes.min(), stress.changes.max() + 1e-12, 13)
    counts, edges = np.histogram(stress.changes, bins=hist_edges)
    hist = pd.DataFrame({"change": [f"{(a + c) / 2:+.4f}" for a, c in itertools.pairwise(edges)], "copies": counts})
    flip = (
        f" The predicted class changed in {_verbal_share(stress.flip_rate)} of them"
        + (
            ": a decision this close to the boundary is not robust to measurement noise."
            if stress.flip_rate > 0.05
            else "."
        )
        if fitted.is_classifier
        else ""
    )
    stext = (
        f"Stress test: 200 copies of the instance with small random noise ({step:g} of a standard deviation) "
        f"added to every number feature at once. The {what} varied between {stress.changes.min():+.4f} and "
        f"{stress.changes.max():+.4f} around its value (standard deviation {stress.changes.std():.4f})." + flip
    )
    blocks = [
        Block(
            "Sensitivity to small changes, feature by feature",
            text,
            frame=frame,
            chart=ChartSpec(
                "attribution",
                x="direction",
                y="feature",
                x_title=f"Change in {what}: number raised, or the category swap that moves it most",
            ),
            formats={c: "+.4f" for c in frame.columns[1:]},
        ),
        Block(
            "Stress test: noise on every feature",
            stext,
            frame=hist,
            chart=ChartSpec("bars", x="change", y="copies", x_title=f"Change in {what}", y_title="Noisy copies"),
        ),
    ]
    return DemoResult(r.prediction, blocks, r.instance, notes)


# ============================================================================ calibration


def _test_proba(fitted: models.Fitted) -> np.ndarray:
    return _memo(("test_proba", fitted.fingerprint), lambda: fitted.predict_proba(fitted.bundle.X_test))


def _calibration_ranking(rows: list[dict[str, Any]]) -> str:
    """Whether the most accurate model is also the best calibrated, from the computed table."""
    if len(rows) < 2:
        return ""
    acc = max(rows, key=lambda m: m["accuracy"])
    cal = min(rows, key=lambda m: m["ECE"])
    if acc is cal:
        return (
            f"Here the most accurate model, the {_lower_first(acc['model'])} ({_verbal_share(acc['accuracy'])} "
            f"right), is also the best calibrated (ECE {cal['ECE']:.3f})."
        )
    return (
        f"Here the most accurate model, the {_lower_first(acc['model'])} ({_verbal_share(acc['accuracy'])} right, "
        f"ECE {acc['ECE']:.3f}), is not the best calibrated: the {_lower_first(cal['model'])} is "
        f"(ECE {cal['ECE']:.3f})."
    )


def _calibration_run(request: DemoRequest) -> DemoResult:
    r = common.resolve(request)
    fitted, b = r.fitted, r.bundle
    n_bins = DEMO_CALIBRATION.option(request, "bins")
    y = np.asarray(b.y_test).astype(int)
    rel = calibration.reliability(_test_proba(fitted), y, n_bins)
    proba_here = fitted.predict_proba(r.x[None, :])[0]
    conf_here = float(proba_here.max())
    k = int(calibration.bin_of(np.array([conf_here]), n_bins)[0])
    in_bin = rel.bins[rel.bins["bin"] == k]
    over = rel.mean_confidence - rel.accuracy
    lo, hi = k / n_bins, (k + 1) / n_bins
    if len(in_bin):
        acc_bin, cnt = float(in_bin["accuracy"].iloc[0]), int(in_bin["count"].iloc[0])
        here = (
            f"For this instance the model is {_verbal_share(conf_here)} sure of {r.prediction.label!r}. Among "
            f"the {cnt} test cases where it was between {_verbal_share(lo)} and {_verbal_share(hi)} sure, it "
            f"was right {_verbal_share(acc_bin)} of the time"
            + (" — trust its confidence less than it claims." if acc_bin < conf_here - 0.05 else ".")
        )
    else:
        here = (
            f"For this instance the model is {_verbal_share(conf_here)} sure; no test case fell in that range "
            "of confidence, so there is no track record to check it against."
        )
    ent = float(calibration.entropy(proba_here))
    here += f" Its uncertainty (entropy) is {ent:.2f} bits out of a possible {math.log2(len(proba_here)):.2f}."
    big = rel.bins[rel.bins["count"] >= 10]
    worst = float(big["gap"].abs().max()) if len(big) else rel.mce
    summary = (
        f"On the {len(y)} test cases the model's average confidence is {_verbal_share(rel.mean_confidence)} and "
        f"it is right {_verbal_share(rel.accuracy)} of the time: "
        + (
            f"overconfident by {100 * over:.1f} points"
            if over > 0.01
            else f"underconfident by {100 * -over:.1f} points"
            if over < -0.01
            else "confidence and accuracy match"
        )
        + f". The expected calibration error (ECE) — the average gap between confidence and accuracy, weighted "
        f"by how many cases sit at each confidence — is {rel.ece:.3f}; the worst gap among groups of at least 10 cases is {worst:.3f}. "
        "Points below the dashed diagonal are groups where the model claimed more certainty than it earned."
    )
    curves = [rel.bins.assign(model=fitted.label)]
    others = []
    for m in (fitted.model, *[m for m in ALL_MODELS if m != fitted.model]):
        try:
            fm = models.get(b.info.slug, m)
        except Exception:  # optional comparison: skip a model whose cache is missing
            log.warning("sandbox: no %s model for %s to compare with", m, b.info.slug, exc_info=True)
            continue
        rm = rel if m == fitted.model else calibration.reliability(_test_proba(fm), y, n_bins)
        if m != fitted.model:
            curves.append(rm.bins.assign(model=fm.label))
        others.append(
            {
                "model": fm.label,
                "accuracy": rm.accuracy,
                "mean confidence": rm.mean_confidence,
                "ECE": rm.ece,
                "overconfidence": rm.mean_confidence - rm.accuracy,
                "Brier score": rm.brier,
            }
        )
    chart = pd.concat(curves, ignore_index=True)[["model", "confidence", "accuracy", "count", "lower", "upper"]]
    blocks = [
        Block("This prediction's confidence against the track record", here),
        Block(
            "Reliability diagram: confidence against accuracy",
            summary + f" The other models' curves are drawn for comparison; the numbers above are for the "
            f"{_lower_first(fitted.label)}. Groups with few cases (see 'count') are noisy.",
            frame=chart,
            chart=ChartSpec(
                "line",
                x="confidence",
                y="accuracy",
                series="model",
                diagonal=True,
                x_title="Confidence (average in group)",
                y_title="Accuracy (share right)",
            ),
            formats={"confidence": ".3f", "accuracy": ".3f", "lower": ".1f", "upper": ".1f"},
        ),
        Block(
            "Calibration of each model on this data",
            "The same measures for every model of the sandbox. " + _calibration_ranking(others) + " The Brier "
            "score is the mean squared error of the probabilities (lower is better).",
            frame=pd.DataFrame(others),
            formats={c: ".3f" for c in ("accuracy", "mean confidence", "ECE", "overconfidence", "Brier score")},
        ),
    ]
    return DemoResult(r.prediction, blocks, r.instance if b.info.modality == "tabular" else {}, r.notes)


# ============================================================================ PCA / t-SNE


def _representation(fitted: models.Fitted, X: np.ndarray, hidden: bool) -> np.ndarray:
    if hidden and fitted.model == "mlp" and fitted._net is not None:
        _, layers = fitted._net.forward(np.asarray(X, dtype=float))
        return layers[-1]
    return examples.embed(X, _scale(fitted.bundle), fitted.bundle.categorical, _n_categories(fitted.bundle))


def _map_groups(fitted: models.Fitted, pred: np.ndarray, y: np.ndarray, colour: str) -> list[str]:
    """The map's colour groups of cases with predictions `pred` and true outcomes `y`."""
    b = fitted.bundle
    if fitted.is_classifier:
        if colour == "true":
            return [_class_name(b, v) for v in y]
        if colour == "correct":
            return ["right" if int(p) == int(t) else "wrong" for p, t in zip(pred, y, strict=True)]
        return [_class_name(b, v) for v in pred]
    q = np.quantile(_test_labels(fitted), [1 / 3, 2 / 3])
    return ["low" if v <= q[0] else "high" if v > q[1] else "middle" for v in pred]


def _map_frame(
    fitted: models.Fitted,
    coords: np.ndarray,
    colour: str,
    instance_xy: np.ndarray | None,
    instance_group: str = "",
) -> pd.DataFrame:
    """The map's points. The instance (`instance_xy`) is drawn as the chart's diamond, which hides a
    point's colour: it therefore carries its own group (`instance_group`), not a legend entry of its
    own that no point would show."""
    b = fitted.bundle
    group = _map_groups(fitted, _test_labels(fitted), np.asarray(b.y_test), colour)
    frame = pd.DataFrame(
        {
            "test row": np.arange(len(coords)),
            "axis 1": coords[:, 0],
            "axis 2": coords[:, 1],
            "group": group,
            "instance": False,
        }
    )
    if instance_xy is not None:
        frame = pd.concat(
            [
                frame,
                pd.DataFrame(
                    {
                        "test row": [-1],
                        "axis 1": [instance_xy[0]],
                        "axis 2": [instance_xy[1]],
                        "group": [instance_group],
                        "instance": [True],
                    }
                ),
            ],
            ignore_index=True,
        )
    return frame


def _pca(fitted: models.Fitted, hidden: bool) -> tuple[Any, Any, np.ndarray, np.ndarray]:
    """PCA of the standardised training representation: the projection, the fitted PCA, the test
    cases' coordinates, and the standardisation (mean and spread rows)."""
    b = fitted.bundle

    def make() -> tuple[Any, Any, np.ndarray, np.ndarray]:
        R_train = _representation(fitted, np.asarray(b.X_train), hidden)
        mu, sd = R_train.mean(axis=0), R_train.std(axis=0)
        sd = np.where(sd > 0, sd, 1.0)
        proj, pca = projection.pca_2d((R_train - mu) / sd)
        R_test = (_representation(fitted, np.asarray(b.X_test), hidden) - mu) / sd
        return proj, pca, np.asarray(pca.transform(R_test)), np.vstack([mu, sd])

    return _memo(("pca", fitted.fingerprint, hidden), make)


def _projection_run(request: DemoRequest) -> DemoResult:
    r = common.resolve(request)
    fitted, b = r.fitted, r.bundle
    hidden = DEMO_PROJECTION.option(request, "representation") == "hidden"
    colour = DEMO_PROJECTION.option(request, "colour")
    notes = list(r.notes)
    if hidden and fitted.model != "mlp":
        notes.append("Only the neural network has a hidden layer; showing the inputs instead.")
        hidden = False

    proj, pca, coords, musd = _pca(fitted, hidden)
    R_x = (_representation(fitted, r.x[None, :], hidden) - musd[0]) / musd[1]
    xy = np.asarray(pca.transform(R_x))[0]
    # The instance's group: its prediction after the what-if edits; its true outcome is its test row's.
    own = _map_groups(fitted, fitted.predict_label(r.x[None, :]), np.asarray(b.y_test)[[r.index]], colour)[0]
    frame = _map_frame(fitted, coords, colour, xy, own)
    labels_for_purity = np.asarray(frame["group"][:-1])  # the test cases, without the instance
    purity = projection.neighbourhood_purity(coords, labels_for_purity, k=10)
    space = "the neural network's hidden layer (what the model computes from the inputs)" if hidden else "the inputs"
    ev = proj.explained
    loadings = proj.loadings if proj.loadings is not None else np.zeros((2, 0))
    feature_text = ""
    if not hidden and b.info.modality == "tabular":
        names, owner = [], []
        for j, f in enumerate(b.info.features):
            if f.kind == "categorical":
                for c in f.categories:
                    names.append(f"{f.label} = {_quote(c)}")
                    owner.append(j)
            else:
                names.append(f.label)
                owner.append(j)
        if len(names) == loadings.shape[1]:
            top = [names[i] for i in np.argsort(-np.abs(loadings[0]))[:3]]
            feature_text = f" Axis 1 weighs most on {'; '.join(top)}."
    text = (
        f"Each point is a test case, placed by principal component analysis of {space}: the two directions "
        f"along which the cases differ most ({100 * ev[0]:.1f}% and {100 * ev[1]:.1f}% of all "
        f"variation).{feature_text} The red diamond is this instance. On average {_verbal_share(purity)} of a "
        f"point's 10 nearest points on the map are in its group: the higher, the more the groups separate "
        f"in this view. PCA is a straight projection: the map keeps those {100 * (ev[0] + ev[1]):.1f}% of the "
        "variation and drops the rest, so cases close on the map may still differ in what was dropped. t-SNE "
        "(run below as a job) bends the map to keep neighbours together, at the cost of distances between "
        "clusters meaning nothing."
    )
    blocks = [_map_block("PCA", hidden, text, frame, axis="Principal component", decimals=3)]
    return DemoResult(r.prediction, blocks, r.instance if b.info.modality == "tabular" else {}, notes)


def _map_block(method: str, hidden: bool, text: str, frame: pd.DataFrame, *, axis: str, decimals: int) -> Block:
    """A 2-D map of the test cases (PCA or t-SNE), coloured by group, the chosen instance marked."""
    return Block(
        f"{method} map of " + ("the hidden layer" if hidden else "the inputs"),
        text,
        frame=frame,
        chart=ChartSpec(
            "scatter",
            x="axis 1",
            y="axis 2",
            series="group",
            highlight="instance",
            x_title=f"{axis} 1",
            y_title=f"{axis} 2",
        ),
        hidden_columns=("instance",),
        formats={"axis 1": f".{decimals}f", "axis 2": f".{decimals}f"},
    )


def _tsne_task(request: DemoRequest, progress: Callable[[int, str], None]) -> list[Block]:
    fitted = models.get(request.dataset, request.model)
    b = fitted.bundle
    hidden = DEMO_PROJECTION.option(request, "representation") == "hidden" and fitted.model == "mlp"
    colour = DEMO_PROJECTION.option(request, "colour")
    progress(5, "Computing the representation of the test cases")
    R = projection.standardise(_representation(fitted, np.asarray(b.X_test), hidden))
    progress(15, f"Running t-SNE on {len(R)} cases (this takes a while)")
    proj = projection.tsne_2d(R, seed=request.seed)
    progress(90, "Measuring how well the map separates the groups")
    frame = _map_frame(fitted, proj.coords, colour, None)
    index = min(max(int(request.index), 0), len(frame) - 1)
    frame.loc[index, "instance"] = True
    purity = projection.neighbourhood_purity(proj.coords, np.asarray(frame["group"]), k=10)
    progress(100, "Done")
    space = "the neural network's hidden layer" if hidden else "the inputs"
    return [
        _map_block(
            "t-SNE",
            hidden,
            f"t-SNE places the {len(R)} test cases so that cases similar in {space} end up close together. "
            f"Read only neighbourhoods: the size of clusters and the gaps between them carry no meaning, and "
            f"another random seed gives another picture. On average {_verbal_share(purity)} of a point's 10 "
            f"nearest points are in its group. The red diamond is test row {index} (a what-if edit cannot be "
            "placed on a t-SNE map without recomputing it).",
            frame,
            axis="t-SNE",
            decimals=2,
        )
    ]


# ============================================================================ drift monitoring


def _signed(v: float, step: float | None = None, digits: int = 2) -> str:
    text = _num(v, step, digits)
    return text if text.startswith("-") else "+" + text


def _sds(v: float, signed: bool = False) -> str:
    """A number of standard deviations in words: "1 standard deviation", "+2.4 standard deviations"."""
    text = _signed(v) if signed else _num(v, digits=2)
    return f"{text} standard deviation{'' if text.lstrip('+-') == '1' else 's'}"


def _shift_text(b: data.Bundle, current: np.ndarray, j: int, size: float) -> str:
    """What the setting asked of one shifted feature, and, separately, what was measured in the new batch,
    with the reason when they differ: a whole-number feature moves by whole steps, values are capped at
    the training maximum, and a category has no standard deviation (the setting moves a share of its
    most common category instead)."""
    before = np.asarray(b.X_test)[:, j]
    after = current[:, j]
    f = b.info.features[j]
    if b.categorical[j]:
        codes = np.rint(before).astype(int)
        values, counts = np.unique(codes, return_counts=True)
        top = int(values[np.argmax(counts)])
        in_top = codes == top
        moved = float(np.mean(np.rint(after[in_top]).astype(int) != top)) if in_top.any() else 0.0
        return (
            f"{f.label}: a category has no standard deviation, so a shift of {_sds(size)} "
            f"asks for {_verbal_share(min(size / 2.0, 1.0))} of the cases in its most common category, "
            f"{_quote(f.categories[top])}, to move to other categories; measured: {_verbal_share(moved)} of "
            f"those {int(in_top.sum())} cases moved"
        )
    scale = float(b.scale[j])
    asked = size * scale
    applied = drift.numeric_step(before, scale, size)
    moved = float(np.mean(after - before))
    capped = int(np.sum(before + applied > b.upper[j]))
    text = (
        f"{f.label}: asked for {_sds(size, signed=True)} ({_signed(asked)} in its units); "
        f"measured: {_signed(moved)} on average, {_sds(moved / scale, signed=True)}"
    )
    reasons = []
    if abs(applied - asked) > 1e-9 * max(1.0, abs(asked)):
        reasons.append(
            f"it is a whole number, so each case was raised by {_num(applied, 1.0)} rather than {_num(asked, digits=2)}"
        )
    if capped:
        reasons.append(
            f"{capped} of {len(before)} cases would have passed the training maximum of "
            f"{_num(float(b.upper[j]), f.step)} and were capped there"
        )
    if reasons and abs(moved - asked) > 0.05 * max(abs(asked), 1e-12):
        text += " (they differ because " + " and ".join(reasons) + ")"
    return text


# The drift chart's colours: whether the simulation shifted a feature, and whether it was flagged
# (moderate or major drift above chance). One colour per pair and no marker drawn over the points, so
# every colour in the legend is a colour some point shows; the legend lists only the pairs that occur.
DRIFT_GROUPS = {
    (True, True): "shifted, flagged",
    (True, False): "shifted, not flagged",
    (False, True): "not shifted, flagged",
    (False, False): "not shifted, not flagged",
}


def _psi_noise(b: data.Bundle, n: int) -> np.ndarray:
    return _memo(("psi_noise", b.info.slug, n), lambda: drift.psi_noise(np.asarray(b.X_train), n, b.categorical))


def _drift_run(request: DemoRequest) -> DemoResult:
    fitted = models.get(request.dataset, request.model)
    b = fitted.bundle
    notes: list[str] = []
    scenario = DEMO_DRIFT.option(request, "scenario")
    size = _float_option(DEMO_DRIFT, request, "size", notes)
    importance = _importance(fitted)
    labels = _labels(b)
    order = np.argsort(-importance, kind="stable")
    if scenario == "important":
        shifted = [int(order[0])]
    elif scenario == "unimportant":
        shifted = [int(order[-1])]
    elif scenario == "both":
        shifted = [int(order[0]), int(order[-1])]
    else:
        shifted = []
    reference = np.asarray(b.X_train)
    current = drift.shift_batch(
        np.asarray(b.X_test), shifted, b.categorical, b.scale, b.lower, b.upper, size=size, seed=request.seed
    )
    rep = drift.drift_report(reference, current, b.categorical, importance)
    noise = _psi_noise(b, len(current))
    bands = [
        drift.psi_band(v) if v > noise[j] else ("none (within chance)" if v >= 0.1 else "none")
        for j, v in enumerate(rep.psi)
    ]
    flagged_mask = np.isin(bands, ["moderate", "major"])
    f = _predict_value(fitted)
    before, after = f(np.asarray(b.X_test)), f(current)
    out_psi = drift.psi(before, after)  # same cases before and after: the shift's own effect
    frame = pd.DataFrame(
        {
            "feature": labels,
            "PSI": rep.psi,
            "chance level": noise,
            "drift": bands,
            "KS": rep.ks,
            "importance": rep.importance,
            "drift × importance": rep.risk,
            "shifted in this simulation": [j in shifted for j in range(len(labels))],
            "shift and alarm": [DRIFT_GROUPS[(j in shifted, bool(flagged_mask[j]))] for j in range(len(labels))],
        }
    ).sort_values("drift × importance", ascending=False, ignore_index=True)
    what = fitted.value_name()
    if fitted.is_classifier:
        acc_before = float(np.mean(fitted.predict_label(b.X_test) == np.asarray(b.y_test).astype(int)))
        acc_after = float(np.mean(fitted.predict_label(current) == np.asarray(b.y_test).astype(int)))
        perf = (
            f" If the outcomes stayed as they were, accuracy would go from {_verbal_share(acc_before)} to "
            f"{_verbal_share(acc_after)}."
        )
    else:
        perf = ""
    shifted_text = (
        "No feature was shifted: the differences are the ordinary ones between two samples of the same data."
        if not shifted
        else f"Simulated shift of {_sds(size)} (the setting) in "
        + ("one feature" if len(shifted) == 1 else f"{len(shifted)} features")
        + ". "
        + " ".join(
            f"{_shift_text(b, current, j, size)}; importance rank {int(np.flatnonzero(order == j)[0]) + 1} "
            f"of {len(labels)}."
            for j in shifted
        )
    )
    flagged = frame[frame["drift"].isin(["moderate", "major"])]
    flagged_text = (
        "Features with moderate or major drift: "
        + ", ".join(
            f"{row.feature} (PSI {row.PSI:.2f}, importance {row.importance:.3f})" for row in flagged.itertuples()
        )
        + "."
        if len(flagged)
        else "No feature drifted beyond both the usual 0.1 PSI threshold and its chance level."
    )
    text = (
        f"The training data is the reference; the test cases, with a simulated change, play the new batch. "
        f"{shifted_text} For each feature, PSI (population stability index) measures how much its "
        f"distribution moved (below 0.1: no real change; 0.1–0.25 moderate; above 0.25 major) and KS the "
        f"largest gap between the two cumulative distributions. With only {len(current)} new cases, PSI "
        f"also moves by chance: 'chance level' is the PSI that 95% of random batches of that size from the "
        f"training data stay under, and a feature is flagged only above both. Importance is how much the "
        f"model's {what} moves, on average, when that feature is scrambled. {flagged_text} On the same cases, the shift moved the model's output by PSI "
        f"{out_psi:.2f} (average {what}: {before.mean():.3f} before, {after.mean():.3f} after).{perf} A drift "
        "alarm matters when it hits an important feature: sorting by drift × importance puts those first. "
        "On the chart, each point's colour says whether this simulation shifted the feature and whether it "
        "was flagged."
    )
    blocks = [
        Block(
            "Drift next to feature importance",
            text,
            frame=frame,
            chart=ChartSpec(
                "scatter",
                x="importance",
                y="PSI",
                series="shift and alarm",
                x_title="Importance to the model",
                y_title="Drift (PSI)",
            ),
            hidden_columns=("shift and alarm",),
            formats={
                "PSI": ".3f",
                "chance level": ".3f",
                "KS": ".3f",
                "importance": ".4f",
                "drift × importance": ".4f",
            },
        )
    ]
    return DemoResult(None, blocks, {}, notes)


# ============================================================================ registration

DEMO_INFLUENCE = register(
    Demo(
        key="influence",
        title="Influence functions and Cook's distance",
        slugs=("influence-functions", "influential-samples", "cooks-distance"),
        datasets=BINARY_OR_REGRESSION,
        models=("linear",),
        run=_influence_run,
        options=(Option("k", "Cases to list", "int", 5, minimum=1, maximum=20),),
        summary="Which training cases the prediction depends on, and whether they are similar cases or outliers.",
    )
)

DEMO_EXAMPLES = register(
    Demo(
        key="examples",
        title="Explanation by example: neighbours, contrasts, prototypes",
        slugs=("explanation-by-example", "nearest-neighbours", "prototypes"),
        datasets=tuple(data.DATASETS),
        models=ALL_MODELS,
        run=_examples_run,
        options=(Option("k", "Neighbours to show", "int", 5, minimum=1, maximum=15),),
        summary="The most similar training cases, the nearest case the model treats differently, and "
        "prototypes and criticisms of each class.",
    )
)

DEMO_PDP = register(
    Demo(
        key="pdp-ice",
        title="Partial dependence and ICE curves",
        slugs=("partial-dependence", "ice-plots"),
        datasets=TABULAR,
        models=ALL_MODELS,
        run=_pdp_run,
        options=(
            Option(
                "feature",
                "Feature",
                "choice",
                "",
                choices=_feature_choices(),
                help="A feature of the chosen data set; otherwise its most important feature.",
            ),
            Option("curves", "ICE curves", "int", 30, minimum=5, maximum=100),
            Option("centred", "Centre the curves (c-ICE)", "bool", False),
        ),
        summary="How the prediction changes as one feature varies: for each case (ICE) and on average (PDP).",
    )
)

DEMO_SURROGATE = register(
    Demo(
        key="surrogate",
        title="Global surrogate tree and its fidelity",
        slugs=("surrogate-models", "model-distillation", "global-explanations"),
        datasets=TABULAR,
        models=ALL_MODELS,
        run=_surrogate_run,
        options=(Option("depth", "Tree depth", "int", 3, minimum=1, maximum=DEMO_SURROGATE_MAX_DEPTH),),
        summary="A small decision tree imitating the model, with how often it agrees with it on unseen cases.",
    )
)

DEMO_TRANSPARENT = register(
    Demo(
        key="transparent",
        title="Transparent models: weights and a small tree",
        slugs=("linear-models", "decision-trees", "interpretable-models", "simulatability", "decomposability"),
        datasets=BINARY_OR_REGRESSION,
        models=("linear",),
        run=_transparent_run,
        options=(Option("depth", "Tree depth", "int", 3, minimum=1, maximum=5),),
        summary="A linear model read weight by weight, and a tree small enough to follow by hand.",
    )
)

DEMO_SENSITIVITY = register(
    Demo(
        key="sensitivity",
        title="Sensitivity analysis and stress testing",
        slugs=("sensitivity-analysis", "stress-testing"),
        datasets=TABULAR,
        models=ALL_MODELS,
        run=_sensitivity_run,
        options=(Option("step", "Change size (standard deviations)", "float", 0.1, minimum=0.01, maximum=1.0),),
        summary="How far the prediction moves under small changes to each feature, and under noise on all.",
    )
)

DEMO_CALIBRATION = register(
    Demo(
        key="calibration",
        title="Calibration: confidence against accuracy",
        slugs=("calibration", "uncertainty", "trust-calibration"),
        datasets=CLASSIFICATION,
        models=ALL_MODELS,
        run=_calibration_run,
        options=(Option("bins", "Confidence groups", "int", 10, minimum=2, maximum=20),),
        summary="Reliability diagram and expected calibration error: is the model as often right as it is sure?",
    )
)

DEMO_PROJECTION = register(
    Demo(
        key="projection",
        title="Maps of representations: PCA and t-SNE",
        slugs=("pca", "t-sne"),
        datasets=tuple(data.DATASETS),
        models=("mlp", "boosting", "linear"),
        run=_projection_run,
        options=(
            Option(
                "representation",
                "Representation",
                "choice",
                "inputs",
                choices=(("inputs", "The inputs"), ("hidden", "The neural network's hidden layer")),
            ),
            Option(
                "colour",
                "Colour by",
                "choice",
                "predicted",
                choices=(("predicted", "Predicted class"), ("true", "True class"), ("correct", "Right or wrong")),
            ),
        ),
        heavy=(
            HeavyTask(
                "tsne",
                "Compute a t-SNE map",
                _tsne_task,
                "t-SNE of the test cases (about 10–30 seconds); the result is kept for everyone.",
            ),
        ),
        summary="Where the instance sits among the test cases on a 2-D map of the inputs or of a hidden layer.",
    )
)

DEMO_DRIFT = register(
    Demo(
        key="drift",
        title="Drift monitoring next to feature importance",
        slugs=("data-drift", "model-monitoring"),
        datasets=TABULAR,
        models=ALL_MODELS,
        run=_drift_run,
        options=(
            Option(
                "scenario",
                "Simulated change",
                "choice",
                "both",
                choices=(
                    ("important", "Shift the most important feature"),
                    ("unimportant", "Shift the least important feature"),
                    ("both", "Shift both"),
                    ("none", "No shift (sampling noise only)"),
                ),
            ),
            Option("size", "Shift size (standard deviations)", "float", 1.0, minimum=0.0, maximum=3.0),
        ),
        local=False,
        summary="A simulated shifted batch: per-feature drift (PSI, KS) beside importance, so drift that matters stands out.",
    )
)


# ============================================================================ warm-up


def warm_caches(fitted: models.Fitted) -> None:
    """Compute the whole-model results these demos memoise, at their default options, for one model:
    the start-up warm-up (`explainers.sandbox.warm`) calls it so that no user's first request for a
    dataset pays for them (up to half a second each otherwise)."""
    b = fitted.bundle
    slug = b.info.slug
    _train_labels(fitted)
    _test_labels(fitted)
    if fitted.is_classifier:
        _test_proba(fitted)
    _prototypes(b)
    _memo(("embed", slug), lambda: examples.embed(b.X_train, _scale(b), b.categorical, _n_categories(b)))
    _pca(fitted, False)
    if fitted.model == "mlp":
        _pca(fitted, True)
    if slug not in TABULAR:
        return
    _importance(fitted)
    _psi_noise(b, len(b.X_test))
    for depth in range(1, DEMO_SURROGATE_MAX_DEPTH + 1):
        surrogate_for(fitted, depth)
    target = common.prediction(fitted, b.X_test[0])[1]
    _typical_sensitivity(fitted, float(_option_default(DEMO_SENSITIVITY, "step")), target)
    if slug in BINARY_OR_REGRESSION and fitted.model == "linear":
        fit = _glm(fitted)
        _atypicality(b)
        _small_tree(b, int(_option_default(DEMO_TRANSPARENT, "depth")), fitted.is_classifier)
        res = influence.influence(fit, fitted._net.encode(b.X_test[:1]))  # type: ignore[union-attr]
        _claim_over_test_set(fitted, fit, res, int(_option_default(DEMO_INFLUENCE, "k")))


def _option_default(demo: Demo, name: str) -> Any:
    return next(o.default for o in demo.options if o.name == name)
