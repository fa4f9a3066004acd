"""Global feature importance: permutation importance (Breiman 2001; Fisher, Rudin & Dominici 2019) and
mean |SHAP| (Lundberg et al. 2020), overall and by predicted class.

Permutation importance asks how much worse the model does on held-out rows when one feature's column is
shuffled (its link to everything else broken); mean |SHAP| asks how far, on average, a feature moves
individual predictions away from the average prediction. The first measures reliance for accuracy, the
second influence on outputs; they can disagree (a feature can move predictions a lot without improving
accuracy). Split by predicted class, mean |SHAP| shows what drives the model's "bad" calls as opposed to
its "good" ones, the breakdown Organization A in Bhatt et al. (2020) planned to report.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .shapley import monte_carlo_shapley


@dataclass
class PermutationResult:
    baseline: float  # score on the unshuffled rows (accuracy or R²)
    drops: np.ndarray  # (repeats, features): baseline − score with the feature shuffled
    changed: np.ndarray  # (repeats, features, rows): whether the row's prediction changed (classifiers)

    @property
    def mean(self) -> np.ndarray:
        return self.drops.mean(axis=0)

    @property
    def std(self) -> np.ndarray:
        return self.drops.std(axis=0, ddof=1) if len(self.drops) > 1 else np.zeros(self.drops.shape[1])


def permutation_importance(
    predict: Callable[[np.ndarray], np.ndarray],
    X: np.ndarray,
    y: np.ndarray,
    *,
    classifier: bool,
    repeats: int = 5,
    seed: int = 0,
) -> PermutationResult:
    """Shuffles each feature `repeats` times and scores all shuffled copies in one model call.
    `predict` returns class labels (classifier) or values (regression)."""
    X = np.asarray(X, dtype=float)
    n, d = X.shape
    rng = np.random.default_rng(seed)
    base_pred = np.asarray(predict(X))
    copies = np.repeat(X[None, None, :, :], repeats * d, axis=0).reshape(repeats, d, n, d)
    for r in range(repeats):
        for j in range(d):
            copies[r, j, :, j] = X[rng.permutation(n), j]
    pred = np.asarray(predict(copies.reshape(-1, d))).reshape(repeats, d, n)

    def score(p: np.ndarray) -> np.ndarray:
        if classifier:
            return np.mean(p == y, axis=-1)
        ss_tot = np.sum((y - y.mean()) ** 2)
        return 1.0 - np.sum((y - p) ** 2, axis=-1) / ss_tot

    baseline = float(score(base_pred))
    changed = pred != base_pred[None, None, :] if classifier else np.abs(pred - base_pred[None, None, :]) > 1e-9
    return PermutationResult(baseline, baseline - score(pred), changed)


def monte_carlo_shap_matrix(
    f: Callable[[np.ndarray], np.ndarray],
    X: np.ndarray,
    background: np.ndarray,
    *,
    permutations: int = 100,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Per-feature Shapley values of many rows by permutation sampling (for models TreeSHAP cannot read):
    values (rows, features) and their standard errors."""
    X = np.atleast_2d(np.asarray(X, dtype=float))
    values = np.empty_like(X)
    errors = np.empty_like(X)
    for i, x in enumerate(X):
        result, _ = monte_carlo_shapley(f, x, background, permutations=permutations, seed=seed + i)
        values[i] = result.values
        assert result.stderr is not None
        errors[i] = result.stderr
    return values, errors


def mean_abs_by_class(values: np.ndarray, predicted: np.ndarray, classes: list[int]) -> dict[int, np.ndarray]:
    """Mean |SHAP| per feature among the rows predicted as each class (classes with no rows are left out)."""
    out = {}
    for c in classes:
        rows = predicted == c
        if rows.any():
            out[c] = np.abs(values[rows]).mean(axis=0)
    return out
