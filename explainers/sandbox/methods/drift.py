"""Drift monitoring cross-referenced with feature importance.

Bhatt et al. quote the wish to see data drift next to which features matter: a shift in a feature
the model ignores is harmless; the same shift in its most important feature changes its decisions.
So each feature gets a drift statistic (PSI, and the Kolmogorov–Smirnov distance for numeric
features) between a reference batch and a new batch, shown beside the feature's importance.

PSI (population stability index) = Σ (new% − ref%) · ln(new% / ref%) over bins of the reference:
below 0.1 is read in credit-risk practice as "no real change", 0.1–0.25 "moderate", above 0.25 "major".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.stats import ks_2samp

Predict = Callable[[np.ndarray], np.ndarray]


def psi(reference: np.ndarray, current: np.ndarray, *, categorical: bool = False, bins: int = 10) -> float:
    """Population stability index; bins are the reference's deciles (or its categories)."""
    reference = np.asarray(reference, dtype=float)
    current = np.asarray(current, dtype=float)
    if categorical:
        cats = np.union1d(np.unique(reference), np.unique(current))
        ref = np.array([(reference == c).mean() for c in cats])
        cur = np.array([(current == c).mean() for c in cats])
    else:
        inner = _inner_edges(reference, bins)
        ref = np.bincount(np.searchsorted(inner, reference, side="right"), minlength=len(inner) + 1) / len(reference)
        cur = np.bincount(np.searchsorted(inner, current, side="right"), minlength=len(inner) + 1) / len(current)
    ref = np.maximum(ref, _PSI_EPS)
    cur = np.maximum(cur, _PSI_EPS)
    return float(((cur - ref) * np.log(cur / ref)).sum())


_PSI_EPS = 1e-4  # keeps an empty bin from making the index infinite


def _inner_edges(reference: np.ndarray, bins: int) -> np.ndarray:
    """The cut points between `psi`'s bins of a number: its deciles, or for a discrete number (dependants,
    a 1-4 rating) one bin per observed value, split halfway."""
    values = np.unique(reference)
    if len(values) <= bins:
        return np.asarray((values[1:] + values[:-1]) / 2.0)
    return np.asarray(np.unique(np.quantile(reference, np.linspace(0, 1, bins + 1)))[1:-1])


def psi_band(value: float) -> str:
    return "major" if value >= 0.25 else "moderate" if value >= 0.1 else "none"


def shift_batch(
    X: np.ndarray,
    features: list[int],
    categorical: np.ndarray,
    scale: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    *,
    size: float = 1.0,
    seed: int = 0,
) -> np.ndarray:
    """A simulated new batch: the rows of `X` with each listed numeric feature moved up by `size` ×
    its scale (clipped to the training range; a whole-number feature by a whole number, at least 1 when
    `size` > 0, so "dependants" stays a count), and each listed categorical feature re-drawn so that its
    most common category loses about `size`/2 of its rows to the others (capped at all of them)."""
    rng = np.random.default_rng(seed)
    out = np.array(X, dtype=float, copy=True)
    for j in features:
        if categorical[j]:
            codes = np.rint(out[:, j]).astype(int)
            values, counts = np.unique(codes, return_counts=True)
            top = values[np.argmax(counts)]
            others = values[values != top]
            if len(others) == 0:
                continue
            move = (codes == top) & (rng.random(len(codes)) < min(size / 2.0, 1.0))
            out[move, j] = rng.choice(others, size=int(move.sum()))
        else:
            out[:, j] = np.clip(out[:, j] + numeric_step(out[:, j], float(scale[j]), size), lower[j], upper[j])
    return out


def numeric_step(column: np.ndarray, scale: float, size: float) -> float:
    """How far `shift_batch` moves every value of a numeric feature for a shift of `size` × `scale`: that
    amount, except that a whole-number feature moves by a whole number, at least 1 when `size` > 0 (a
    shift of 0.4 dependants does not exist). So the shift applied can differ from the one asked for."""
    step = size * scale
    if size > 0 and np.all(np.mod(np.asarray(column, dtype=float), 1.0) == 0):
        step = max(1.0, float(np.round(step)))
    return float(step)


def psi_noise(
    reference: np.ndarray, n: int, categorical: np.ndarray, *, repeats: int = 30, quantile: float = 95.0, seed: int = 0
) -> np.ndarray:
    """Per feature, the PSI that sampling alone produces: the `quantile` of PSI between the reference
    and `repeats` random batches of `n` of its own rows. Small batches drift by chance; an alarm should
    clear this level as well as the usual 0.1. Each reference row's bin is found once (the bins of
    `psi`: categories, or the reference's deciles), so a batch costs one count per feature."""
    rng = np.random.default_rng(seed)
    reference = np.asarray(reference, dtype=float)
    d = reference.shape[1]
    codes = np.empty(reference.shape, dtype=np.intp)
    ref_share: list[np.ndarray] = []
    for j in range(d):
        codes[:, j], n_bins = _reference_bins(reference[:, j], bool(categorical[j]))
        ref_share.append(np.maximum(np.bincount(codes[:, j], minlength=n_bins) / len(reference), _PSI_EPS))
    out = np.empty((repeats, d))
    for r in range(repeats):
        batch = codes[rng.choice(len(reference), size=min(n, len(reference)), replace=False)]
        for j in range(d):
            ref = ref_share[j]
            cur = np.maximum(np.bincount(batch[:, j], minlength=len(ref)) / len(batch), _PSI_EPS)
            out[r, j] = float(((cur - ref) * np.log(cur / ref)).sum())
    return np.asarray(np.percentile(out, quantile, axis=0))


def _reference_bins(reference: np.ndarray, categorical: bool, bins: int = 10) -> tuple[np.ndarray, int]:
    """Each reference value's bin under `psi`'s binning, and the number of bins."""
    if categorical:
        cats = np.unique(reference)
        return np.searchsorted(cats, reference), len(cats)
    inner = _inner_edges(reference, bins)
    return np.searchsorted(inner, reference, side="right"), len(inner) + 1


def prediction_importance(predict: Predict, X: np.ndarray, seed: int = 0) -> np.ndarray:
    """Label-free permutation importance: the mean |change in prediction| when one feature's column
    is shuffled. Needs no ground truth, which a monitored production batch does not have."""
    rng = np.random.default_rng(seed)
    X = np.asarray(X, dtype=float)
    n, d = X.shape
    base = np.asarray(predict(X), dtype=float)
    stacked = np.repeat(X[None, :, :], d, axis=0)
    for j in range(d):
        stacked[j, :, j] = X[rng.permutation(n), j]
    out = np.asarray(predict(stacked.reshape(d * n, -1)), dtype=float).reshape(d, n)
    return np.asarray(np.abs(out - base[None, :]).mean(axis=1))


@dataclass
class DriftReport:
    psi: np.ndarray
    ks: np.ndarray  # KS statistic (nan for categoricals)
    ks_p: np.ndarray
    importance: np.ndarray
    risk: np.ndarray  # psi × importance normalised to the largest importance: drift that matters


def drift_report(
    reference: np.ndarray, current: np.ndarray, categorical: np.ndarray, importance: np.ndarray
) -> DriftReport:
    d = reference.shape[1]
    psis = np.array([psi(reference[:, j], current[:, j], categorical=bool(categorical[j])) for j in range(d)])
    ks = np.full(d, np.nan)
    ks_p = np.full(d, np.nan)
    for j in range(d):
        if not categorical[j]:
            res = ks_2samp(reference[:, j], current[:, j])
            ks[j], ks_p[j] = float(res.statistic), float(res.pvalue)
    top = float(importance.max()) if importance.size and importance.max() > 0 else 1.0
    return DriftReport(psis, ks, ks_p, np.asarray(importance), psis * importance / top)
