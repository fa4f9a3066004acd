"""Gradient attributions in numpy: integrated gradients, saliency, and the statistics the demos show.

The functions take plain callables (`f(X) -> (n,)`, `grad(X) -> (n, d)`) so they run on any
differentiable model (the sandbox's linear and MLP models give analytic gradients) and on the small
models the tests build. No Django, no library: integrated gradients is a weighted sum of gradients along
a straight path, and doing it here lets the demo report the completeness gap it actually achieved.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import numpy as np
from scipy.stats import rankdata

Array = np.ndarray
ScoreFn = Callable[[Array], Array]
GradFn = Callable[[Array], Array]


@dataclass
class IGResult:
    """Integrated-gradients attributions and how well they add up.

    Completeness (Sundararajan et al. 2017): the attributions sum to f(x) - f(baseline). The integral is
    approximated by a quadrature over `steps` points, so the sum misses by `gap`; `relative_gap` is that
    miss as a share of |f(x) - f(baseline)|, the figure the 1% test checks.
    """

    attributions: Array
    f_x: float
    f_baseline: float
    steps: int
    gap: float
    relative_gap: float

    @property
    def delta(self) -> float:
        return self.f_x - self.f_baseline


@cache
def _gauss_legendre(steps: int) -> tuple[Array, Array]:
    """Nodes in (0, 1) and weights summing to 1. Gauss-Legendre integrates the smooth path integrand
    of a sigmoid/tanh/softmax model far more accurately than a Riemann sum with the same number of
    gradient evaluations, which keeps the interactive demo fast. Beyond 32 points the interval is cut
    into panels of 16 points each (composite rule): cheap to build, and robust to a ReLU network's kinks."""
    if steps <= 32:
        nodes, weights = np.polynomial.legendre.leggauss(steps)
        return (nodes + 1.0) / 2.0, weights / 2.0
    panels = -(-steps // 16)
    base, w = _gauss_legendre(16)
    starts = np.arange(panels) / panels
    nodes = (starts[:, None] + base[None, :] / panels).ravel()
    return nodes, np.tile(w / panels, panels)


def integrated_gradients(
    f: ScoreFn,
    grad: GradFn,
    x: Array,
    baseline: Array,
    *,
    steps: int = 32,
    max_steps: int = 512,
    tolerance: float = 0.005,
) -> IGResult:
    """IG attributions of `f` at `x` against `baseline`.

    Doubles the number of quadrature points (from `steps`, up to `max_steps`) until the completeness gap
    is within `tolerance` of |f(x) - f(baseline)|: a ReLU network's path integrand has kinks that a fixed
    small quadrature can miss, and the gap is the one honest check of the approximation.
    """
    x = np.asarray(x, dtype=float)
    baseline = np.asarray(baseline, dtype=float)
    diff = x - baseline
    ends = f(np.vstack([baseline, x]))
    f_b, f_x = float(ends[0]), float(ends[1])
    delta = f_x - f_b
    n = max(2, int(steps))
    while True:
        alphas, weights = _gauss_legendre(n)
        path = baseline[None, :] + alphas[:, None] * diff[None, :]
        avg_grad = weights @ grad(path)
        attributions = diff * avg_grad
        gap = float(attributions.sum() - delta)
        relative = abs(gap) / abs(delta) if abs(delta) > 1e-12 else abs(gap)
        if relative <= tolerance or n >= max_steps:
            return IGResult(attributions, f_x, f_b, n, gap, relative)
        n = min(2 * n, max_steps)


def saliency(grad: GradFn, X: Array) -> Array:
    """Vanilla gradient saliency (Simonyan et al. 2014): how fast the score changes per unit of each input."""
    return np.asarray(grad(np.atleast_2d(np.asarray(X, dtype=float))))


def gradient_times_input(grad: GradFn, X: Array, reference: Array | None = None) -> Array:
    """Gradient times (input - reference): a one-step linear attribution. With a zero reference on images
    this is the usual "gradient x input"; it is exact for a linear model."""
    X = np.atleast_2d(np.asarray(X, dtype=float))
    ref = np.zeros(X.shape[1]) if reference is None else np.asarray(reference, dtype=float)
    return np.asarray(grad(X)) * (X - ref[None, :])


def rank_correlations(maps: Array, reference: Array) -> Array:
    """Spearman's rank correlation of each row of `maps` with `reference` (scipy's ranks, ties averaged;
    equal to `scipy.stats.spearmanr` pair by pair); nan where a map is constant. One matrix product
    instead of one `spearmanr` call per map: averaging 450 maps is inside an interactive request."""
    ranks = rankdata(np.atleast_2d(maps), axis=1)
    ref = rankdata(np.ravel(reference))
    ranks = ranks - ranks.mean(axis=1, keepdims=True)
    ref = ref - ref.mean()
    scale = np.sqrt((ranks**2).sum(axis=1) * (ref**2).sum())
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(np.where(scale > 0, (ranks @ ref) / scale, np.nan))


def spearman(a: Array, b: Array) -> float:
    """Spearman's rank correlation of two flat maps (nan when one is constant)."""
    return float(rank_correlations(np.ravel(a), b)[0])


def top_k_overlap(a: Array, b: Array, k: int) -> float:
    """Share of the k largest-|value| positions two maps have in common (1 = same top pixels)."""
    a = np.abs(np.ravel(a))
    b = np.abs(np.ravel(b))
    k = max(1, min(k, len(a)))
    ta = set(np.argsort(-a, kind="mergesort")[:k].tolist())
    tb = set(np.argsort(-b, kind="mergesort")[:k].tolist())
    return len(ta & tb) / k


@dataclass
class AggregateStats:
    """How much of the per-image heatmaps survives averaging.

    `retained` = sum|mean map| / mean(sum|map|): 1 when every map is the same, near 0 when maps cancel.
    `sign_agreement`: per pixel, the share of maps that agree with the majority sign, averaged over
    pixels that matter (0.5 = a coin toss). `similarity`: each map's Spearman correlation with the
    average, and `top_overlap`: the share of its top-k pixels the average also ranks top-k.
    """

    average: Array
    retained: float
    sign_agreement: float
    similarity: Array
    top_overlap: Array


def aggregate(maps: Array, k: int = 10) -> AggregateStats:
    maps = np.asarray(maps, dtype=float)
    average = maps.mean(axis=0)
    per_image_mass = np.abs(maps).sum(axis=1).mean()
    retained = float(np.abs(average).sum() / per_image_mass) if per_image_mass > 0 else float("nan")
    mass = np.abs(maps).mean(axis=0)
    active = mass > 1e-9 * max(mass.max(), 1e-300)
    pos = (maps > 0).mean(axis=0)
    neg = (maps < 0).mean(axis=0)
    agree = np.maximum(pos, neg) / np.maximum(pos + neg, 1e-12)
    sign_agreement = float(np.average(agree[active], weights=mass[active])) if active.any() else float("nan")
    similarity = rank_correlations(maps, average)
    top = np.array([top_k_overlap(m, average, k) for m in maps])
    return AggregateStats(average, retained, sign_agreement, similarity, top)
