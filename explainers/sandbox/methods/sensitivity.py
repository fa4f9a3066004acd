"""Sensitivity analysis and stress testing: nudge the input a little and watch the prediction.

Bhatt et al.'s interviewees audit models this way: if a small, plausible change to one feature moves
the prediction a lot, the model is fragile there (or the feature matters a great deal); if random
small noise on every feature flips decisions, a decision near that instance is not robust.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

Predict = Callable[[np.ndarray], np.ndarray]


@dataclass
class FeatureSensitivity:
    down: np.ndarray  # prediction change when the feature decreases by `step` × scale (nan for categoricals)
    up: np.ndarray  # ... increases by `step` × scale
    categorical_max: np.ndarray  # largest |change| over the other categories (nan for numeric)
    largest: np.ndarray  # max |change| over the tried values, per feature
    base: float


def one_at_a_time(
    predict: Predict,
    x: np.ndarray,
    scale: np.ndarray,
    categorical: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    step: float = 0.1,
    n_categories: np.ndarray | None = None,
) -> FeatureSensitivity:
    """Move one feature at a time by ±`step` of its typical spread (`scale`), clipped to the training
    range; a categorical feature tries each other category. One batched call to `predict`."""
    x = np.asarray(x, dtype=float)
    d = len(x)
    rows: list[np.ndarray] = [x]
    where: list[tuple[int, str]] = [(-1, "base")]
    for j in range(d):
        if categorical[j]:
            k = int(n_categories[j]) if n_categories is not None else int(upper[j]) + 1
            for c in range(k):
                if c != round(x[j]):
                    r = x.copy()
                    r[j] = c
                    rows.append(r)
                    where.append((j, "cat"))
        else:
            for sign, tag in ((-1.0, "down"), (1.0, "up")):
                r = x.copy()
                r[j] = np.clip(x[j] + sign * step * scale[j], lower[j], upper[j])
                rows.append(r)
                where.append((j, tag))
    out = np.asarray(predict(np.vstack(rows)), dtype=float)
    base = float(out[0])
    down = np.full(d, np.nan)
    up = np.full(d, np.nan)
    cat_max = np.full(d, np.nan)
    for (j, tag), v in zip(where[1:], out[1:], strict=True):
        delta = v - base
        if tag == "down":
            down[j] = delta
        elif tag == "up":
            up[j] = delta
        else:
            cat_max[j] = delta if np.isnan(cat_max[j]) or abs(delta) > abs(cat_max[j]) else cat_max[j]
    largest = np.nanmax(np.abs(np.vstack([down, up, cat_max])), axis=0)
    largest = np.where(np.isnan(largest), 0.0, largest)
    return FeatureSensitivity(down, up, cat_max, np.asarray(largest), base)


@dataclass
class StressTest:
    changes: np.ndarray  # prediction change of each noisy copy
    flip_rate: float  # share of copies whose predicted label differs (classification), else nan
    base: float


def random_noise(
    predict: Predict,
    x: np.ndarray,
    scale: np.ndarray,
    categorical: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    *,
    step: float = 0.1,
    n: int = 200,
    seed: int = 0,
    label: Callable[[np.ndarray], np.ndarray] | None = None,
) -> StressTest:
    """`n` copies of `x` with Gaussian noise of `step` × scale added to every numeric feature at once
    (categories unchanged), clipped to the training range: how far the prediction can wander under
    small measurement noise, and how often the decision flips."""
    rng = np.random.default_rng(seed)
    x = np.asarray(x, dtype=float)
    noise = rng.normal(size=(n, len(x))) * (step * np.asarray(scale))[None, :]
    noise[:, np.asarray(categorical, dtype=bool)] = 0.0
    X = np.clip(x[None, :] + noise, lower, upper)
    allx = np.vstack([x[None, :], X])
    out = np.asarray(predict(allx), dtype=float)
    flip = float("nan")
    if label is not None:
        labels = np.asarray(label(allx))
        flip = float((labels[1:] != labels[0]).mean())
    return StressTest(np.asarray(out[1:] - out[0]), flip, float(out[0]))
