"""Adversarial perturbation in numpy: projected gradient descent (PGD) and the smallest flipping epsilon.

Everything works in *scaled* units: a perturbation of 1 moves a feature by its `scale` (a standard
deviation for tabular data, the full intensity range for a digit's pixel), so one epsilon means the same
for every feature. Perturbations stay inside the feature bounds and leave `mask == False` features
(categoricals, which have no gradient, and anything locked) alone.

The model is seen through a `Margin`: the log-probability of the original class minus the largest other
one. It is positive while the model keeps its answer and negative once it flips, and its gradient is the
difference of two logit gradients, which the sandbox's differentiable models give analytically.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

Array = np.ndarray


@dataclass
class Margin:
    """`value(X) -> (n,)` > 0 while the original class wins; `grad(X) -> (n, d)` its gradient in x."""

    value: Callable[[Array], Array]
    grad: Callable[[Array], Array]


@dataclass
class Box:
    """Where a perturbation may go: per-feature `scale`, bounds, and which features may move."""

    scale: Array
    lower: Array
    upper: Array
    mask: Array

    def around(self, x: Array) -> tuple[Array, Array]:
        """Bounds on the scaled perturbation z = (x' - x) / scale; an instance outside the training range
        keeps its own value reachable (the bounds widen to include it)."""
        lo = (np.minimum(self.lower, x) - x) / self.scale
        hi = (np.maximum(self.upper, x) - x) / self.scale
        return np.where(self.mask, lo, 0.0), np.where(self.mask, hi, 0.0)


def _norm(z: Array, norm: str) -> float:
    return float(np.abs(z).max()) if norm == "linf" else float(np.linalg.norm(z))


def _project(z: Array, eps: float, norm: str, lo: Array, hi: Array) -> Array:
    if norm == "linf":
        z = np.clip(z, -eps, eps)
    else:
        n = np.linalg.norm(z)
        if n > eps:
            z = z * (eps / n)
    # The box contains 0, so clipping never lengthens z: the result stays inside the eps-ball.
    return np.clip(z, lo, hi)


def _descent(g: Array, norm: str) -> Array:
    """The unit step (in the norm's geometry) that lowers the margin fastest to first order."""
    if norm == "linf":
        return -np.sign(g)
    n = np.linalg.norm(g)
    return -g / n if n > 0 else np.zeros_like(g)


@dataclass
class PGDResult:
    x_adv: Array
    margin: float
    flipped: bool
    distance: float
    steps: int


def pgd(x: Array, margin: Margin, box: Box, eps: float, *, norm: str = "linf", steps: int = 30) -> PGDResult:
    """Minimise the margin within the eps-ball (Madry et al. 2018), stopping at the first flip.

    Starts from the full fast-gradient step (optimal for a linear model, a good start otherwise) and then
    takes projected steps of 2.5 * eps / steps, as Madry et al. do.
    """
    x = np.asarray(x, dtype=float)
    lo, hi = box.around(x)
    scale = box.scale

    def at(z: Array) -> Array:
        return x + z * scale

    g = margin.grad(x[None, :])[0] * scale * box.mask
    z = _project(eps * _descent(g, norm), eps, norm, lo, hi)
    alpha = 2.5 * eps / max(steps, 1)
    best_z, best_m = np.zeros_like(x), float(margin.value(x[None, :])[0])
    taken = 0
    for _ in range(steps):
        taken += 1
        m = float(margin.value(at(z)[None, :])[0])
        if m < best_m:
            best_z, best_m = z.copy(), m
        if m < 0:
            break
        g = margin.grad(at(z)[None, :])[0] * scale * box.mask
        if not np.any(g):
            break
        z = _project(z + alpha * _descent(g, norm), eps, norm, lo, hi)
    return PGDResult(at(best_z), best_m, best_m < 0, _norm(best_z, norm), taken)


@dataclass
class EpsilonSearch:
    """The smallest epsilon at which PGD flipped the prediction (None if none up to `eps_max`), the
    perturbed input found there, and every epsilon tried, in order."""

    epsilon: float | None
    result: PGDResult | None
    trace: list[tuple[float, bool]] = field(default_factory=list)


def smallest_epsilon(
    x: Array,
    margin: Margin,
    box: Box,
    *,
    norm: str = "linf",
    eps_max: float = 4.0,
    eps_start: float = 0.05,
    tolerance: float = 1e-4,
    steps: int = 30,
) -> EpsilonSearch:
    """Grow epsilon until PGD flips the prediction, then bisect between the last failure and the first
    success until the bracket is within `tolerance` (relative). The reported epsilon is the size of the
    perturbation actually found (never more than the bracket's upper end), so it is an upper bound on the
    true minimum, as any attack's answer is."""
    trace: list[tuple[float, bool]] = []
    lo, hi = 0.0, min(eps_start, eps_max)
    found: PGDResult | None = None
    while True:
        r = pgd(x, margin, box, hi, norm=norm, steps=steps)
        trace.append((hi, r.flipped))
        if r.flipped:
            found = r
            break
        if hi >= eps_max:
            return EpsilonSearch(None, None, trace)
        lo, hi = hi, min(hi * 2.0, eps_max)
    while hi - lo > tolerance * hi and len(trace) < 60:
        mid = (lo + hi) / 2.0
        r = pgd(x, margin, box, mid, norm=norm, steps=steps)
        trace.append((mid, r.flipped))
        if r.flipped:
            hi, found = mid, r
        else:
            lo = mid
    return EpsilonSearch(found.distance, found, trace)


def line_epsilon(
    x: Array,
    margin: Margin,
    box: Box,
    direction: Array,
    *,
    norm: str = "linf",
    eps_max: float = 4.0,
    iterations: int = 30,
) -> float | None:
    """The smallest epsilon at which moving along one fixed (scaled) direction flips the prediction, by
    bisection: the check PGD has to beat. With the gradient's direction this is the fast-gradient-sign
    attack; with a random direction it shows how much less an optimised perturbation needs."""
    x = np.asarray(x, dtype=float)
    lo_z, hi_z = box.around(x)
    d = np.asarray(direction, dtype=float) * box.mask
    size = _norm(d, norm)
    if size == 0:
        return None
    d = d / size

    def flips(eps: float) -> bool:
        z = np.clip(eps * d, lo_z, hi_z)
        return bool(margin.value((x + z * box.scale)[None, :])[0] < 0)

    if not flips(eps_max):
        return None
    lo, hi = 0.0, eps_max
    for _ in range(iterations):
        mid = (lo + hi) / 2.0
        if flips(mid):
            hi = mid
        else:
            lo = mid
    return _norm(np.clip(hi * d, lo_z, hi_z), norm)


def gradient_direction(x: Array, margin: Margin, box: Box, norm: str = "linf") -> Array:
    g = margin.grad(np.asarray(x, dtype=float)[None, :])[0] * box.scale * box.mask
    return _descent(g, norm)


def class_margin(
    log_proba: Callable[[Array], Array], logit_grad: Callable[[Array, int], Array], original: int
) -> Margin:
    """The margin of class `original` against the strongest other class, from log-probabilities (their
    differences are the differences of the logits) and per-class logit gradients."""

    def value(X: Array) -> Array:
        lp = log_proba(X)
        others = np.delete(lp, original, axis=1)
        return np.asarray(lp[:, original] - others.max(axis=1))

    def grad(X: Array) -> Array:
        lp = log_proba(X)
        masked = lp.copy()
        masked[:, original] = -np.inf
        rival = masked.argmax(axis=1)
        out = np.asarray(logit_grad(X, original), dtype=float).copy()
        for j in np.unique(rival):
            rows = rival == j
            out[rows] -= logit_grad(X[rows], int(j))
        return out

    return Margin(value, grad)


def fitted_margin(fitted: Any, original: int) -> Margin:
    """The margin of a sandbox model (`models.Fitted`, differentiable) for its class `original`.

    Binary models have one log-odds score: `logit(X, c)` is the log-odds of class c, which is exactly the
    margin, with gradient `logit_gradient(X, c)`. Multiclass models have one score per class, and the
    margin is the difference of two of them.
    """
    if fitted.n_classes == 2:
        return Margin(
            lambda X: np.asarray(fitted.logit(X, original)), lambda X: np.asarray(fitted.logit_gradient(X, original))
        )
    return class_margin(lambda X: np.log(np.maximum(fitted.predict_proba(X), 1e-300)), fitted.logit_gradient, original)
