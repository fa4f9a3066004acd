"""Agreement coefficients on a reliability matrix, as array operations.

Input everywhere is a reliability matrix: one row per unit, one column per coder, nominal values
(any numbers standing for categories), NaN where a coder gave no value. Rows may carry weights,
which count as that many identical units: the unit constructions of `agreement.units` hand over
each distinct presence pattern once with the number of code points, turns or documents showing
it, so a corpus of millions of characters is a matrix of at most 2^k rows. Every statistic is
computed from per-unit category counts built with one `bincount`, never a Python loop per unit.

A coefficient whose formula divides by zero is *not defined* and returned as None, never 0: a
code one coder never used gives Cohen's κ 0/0 (expected agreement 1), and reporting 0 there would
read as "no better than chance" when there is nothing to judge. The variants, so that figures can
be compared with other tools:

- percent agreement: the share of agreeing pairs of values among all pairs of values coded on the
  same unit (pooled over units). With two coders, the share of units on which they agree; with
  complete data, Fleiss' mean observed agreement P̄.
- Cohen's κ (1960): exactly two coders, units where both gave a value.
- Fleiss' κ (1971): two or more coders, units where every coder gave a value.
- Krippendorff's α, nominal, from the coincidence matrix: every unit with at least two values
  counts, so missing values are allowed.
- Brennan–Prediger κ (1981), the free-marginal κ that MAXQDA and QualCoder report:
  (P_o − 1/q) / (1 − 1/q) with P_o the percent agreement above and q the number of categories a
  coder could choose from (given by the caller: 2 for coded / not coded; by default the number
  of distinct values in the data). For more than two coders this is Randolph's (2005) κ_free.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

# A denominator this small relative to its scale is zero up to rounding: the value is not defined.
_EPSILON = 1e-12

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Table:
    """A reliability matrix reduced to what every coefficient needs."""

    codes: IntArray  # units × coders: category index, -1 where missing
    counts: FloatArray  # units × categories: how many coders chose each category
    weights: FloatArray  # units: how many identical units each row stands for
    categories: int  # distinct values present

    @property
    def coders(self) -> int:
        return int(self.codes.shape[1])


def table(data: npt.ArrayLike, weights: npt.ArrayLike | None = None) -> Table:
    """The category counts of `data` (units × coders, NaN missing), rows of zero weight left out."""
    matrix = np.asarray(data, dtype=np.float64)
    if matrix.ndim != 2:
        raise ValueError("A reliability matrix has one row per unit and one column per coder.")
    units = matrix.shape[0]
    weight = np.ones(units) if weights is None else np.asarray(weights, dtype=np.float64).reshape(-1)
    if weight.shape != (units,):
        raise ValueError("There must be one weight per unit.")
    if (weight < 0).any() or not np.isfinite(weight).all():
        raise ValueError("Weights must be finite and not negative.")
    keep = weight > 0
    matrix, weight = matrix[keep], weight[keep]
    present = ~np.isnan(matrix)
    values, inverse = np.unique(matrix[present], return_inverse=True)
    codes = np.full(matrix.shape, -1, dtype=np.int64)
    codes[present] = inverse
    q = len(values)
    rows = np.broadcast_to(np.arange(len(matrix))[:, None], matrix.shape)[present]
    counts = np.bincount(rows * q + inverse, minlength=len(matrix) * q).reshape(len(matrix), q)
    return Table(codes=codes, counts=counts.astype(np.float64), weights=weight, categories=q)


def _ratio(numerator: float, denominator: float, scale: float = 1.0) -> float | None:
    if abs(denominator) <= _EPSILON * max(scale, 1.0):
        return None
    return float(numerator / denominator)


def percent_agreement(t: Table) -> float | None:
    """Agreeing pairs of values over all pairs of values on the same unit (a proportion, 0–1)."""
    n_u = t.counts.sum(axis=1)
    agreeing = float(t.weights @ (t.counts * (t.counts - 1)).sum(axis=1))
    pairs = float(t.weights @ (n_u * (n_u - 1)))
    return _ratio(agreeing, pairs)


def cohen_kappa(t: Table) -> float | None:
    """Cohen's κ of two coders over the units both coded."""
    if t.coders != 2:
        raise ValueError("Cohen's kappa is for exactly two coders.")
    both = (t.codes >= 0).all(axis=1)
    a, b, w = t.codes[both, 0], t.codes[both, 1], t.weights[both]
    q = t.categories
    total = float(w.sum())
    if total <= 0:
        return None
    confusion = np.bincount(a * q + b, weights=w, minlength=q * q).reshape(q, q) / total
    observed = float(np.trace(confusion))
    expected = float(confusion.sum(axis=1) @ confusion.sum(axis=0))
    return _ratio(observed - expected, 1.0 - expected)


def fleiss_kappa(t: Table) -> float | None:
    """Fleiss' κ over the units every coder coded."""
    m = t.coders
    complete = (t.codes >= 0).all(axis=1)
    counts, w = t.counts[complete], t.weights[complete]
    total = float(w.sum())
    if m < 2 or total <= 0:
        return None
    observed = float(w @ (counts * (counts - 1)).sum(axis=1)) / (total * m * (m - 1))
    shares = (w @ counts) / (total * m)
    expected = float(shares @ shares)
    return _ratio(observed - expected, 1.0 - expected)


def krippendorff_alpha(t: Table) -> float | None:
    """Krippendorff's α for nominal data over every unit with at least two values."""
    n_u = t.counts.sum(axis=1)
    pairable = n_u >= 2
    counts, w, n_u = t.counts[pairable], t.weights[pairable], n_u[pairable]
    # Diagonal of the coincidence matrix and the pairable values of each category.
    agreeing = float(w @ ((counts * (counts - 1)).sum(axis=1) / (n_u - 1)))
    by_category = w @ counts
    n = float(by_category.sum())
    if n <= 1:
        return None
    expected = n * n - float(by_category @ by_category)
    ratio = _ratio((n - 1) * (n - agreeing), expected, scale=n * n)
    return None if ratio is None else 1.0 - ratio


def brennan_prediger_kappa(t: Table, categories: int | None = None) -> float | None:
    """Brennan–Prediger's free-marginal κ with q = `categories` (default: the distinct values seen)."""
    q = t.categories if categories is None else categories
    if categories is not None and t.categories > categories:
        raise ValueError(f"The data hold {t.categories} distinct values, more than the {categories} categories given.")
    observed = percent_agreement(t)
    if observed is None or q < 2:
        return None
    return (observed - 1.0 / q) / (1.0 - 1.0 / q)


@dataclass(frozen=True)
class Agreement:
    """Every coefficient of one reliability matrix; None where not defined or not applicable
    (Cohen's κ is for two coders only, Fleiss' κ here for three or more: with two it is Scott's π)."""

    coders: int
    units: float  # weighted number of units (rows) in the matrix
    percent: float | None  # a proportion, 0–1
    cohen_kappa: float | None
    fleiss_kappa: float | None
    bp_kappa: float | None
    krippendorff_alpha: float | None


def agreement(data: npt.ArrayLike, weights: npt.ArrayLike | None = None, categories: int | None = None) -> Agreement:
    """All the coefficients of `data` (units × coders, NaN missing) with optional unit weights."""
    t = table(data, weights)
    return Agreement(
        coders=t.coders,
        units=float(t.weights.sum()),
        percent=percent_agreement(t),
        cohen_kappa=cohen_kappa(t) if t.coders == 2 else None,
        fleiss_kappa=fleiss_kappa(t) if t.coders >= 3 else None,
        bp_kappa=brennan_prediger_kappa(t, categories),
        krippendorff_alpha=krippendorff_alpha(t),
    )


def presence_agreement(patterns: npt.ArrayLike, weights: npt.ArrayLike, coders: int) -> Agreement:
    """The coefficients of binary presence data given as pattern counts: `patterns[i]` has bit c set
    when coder c coded the units it stands for, `weights[i]` of them (q = 2 for Brennan–Prediger)."""
    bits = np.asarray(patterns, dtype=np.int64).reshape(-1)
    matrix = ((bits[:, None] >> np.arange(coders, dtype=np.int64)) & 1).astype(np.float64)
    return agreement(matrix, weights, categories=2)
