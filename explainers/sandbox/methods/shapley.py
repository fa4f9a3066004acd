"""Shapley values of one prediction: exact (all coalitions), Monte Carlo (permutation sampling),
KernelSHAP and TreeSHAP (through the shap library), all on the same game so they can be compared.

The game is the interventional one of SHAP (Lundberg & Lee 2017; Janzing et al. 2020): the value of a
coalition S of players is the model's average output when the players in S keep the instance's values
and every other feature takes the values of a background row, averaged over the background rows:

    v(S) = mean_b f(x_S, b_{not S}),     v(all) = f(x),     v(empty) = mean_b f(b) = E[f].

A player is a feature or, when a dataset has more than 12 features, a group of features that always enter
and leave together (12 players = 4,096 coalitions, each evaluated on every background row). By the
efficiency axiom the values sum to f(x) − E[f].

This module has no Django in it: `f` is any callable from a feature-space matrix to a vector.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

Model = Callable[[np.ndarray], np.ndarray]
MAX_EXACT_PLAYERS = 12
# Rows per model call: bounds memory (4,096 coalitions × 50 background rows × 64 features would be 100 MB).
CHUNK_ROWS = 65_536
# Held while numpy's process-wide random state is seeded for shap (see `kernel_shap`).
_GLOBAL_RANDOM_STATE = threading.Lock()


@dataclass
class ShapleyResult:
    values: np.ndarray  # one per player
    base_value: float  # E[f] over the background (v of the empty coalition)
    fx: float  # f(x) (v of the grand coalition)
    evaluations: int  # model rows evaluated
    seconds: float
    stderr: np.ndarray | None = None  # Monte Carlo only: standard error per player

    @property
    def gap(self) -> float:
        """How far the values are from summing to f(x) − E[f] (0 for an exact method)."""
        return float(self.values.sum() - (self.fx - self.base_value))


def _as_groups(n_features: int, groups: Sequence[Sequence[int]] | None) -> list[np.ndarray]:
    if groups is None:
        return [np.array([j]) for j in range(n_features)]
    out = [np.asarray(g, dtype=int) for g in groups]
    covered = np.sort(np.concatenate(out))
    if not np.array_equal(covered, np.arange(n_features)):
        raise ValueError("Groups must partition the features (each feature in exactly one group).")
    return out


def _evaluate(f: Model, X: np.ndarray) -> np.ndarray:
    if len(X) <= CHUNK_ROWS:
        return np.asarray(f(X), dtype=float).reshape(-1)
    return np.concatenate(
        [np.asarray(f(X[i : i + CHUNK_ROWS]), dtype=float).reshape(-1) for i in range(0, len(X), CHUNK_ROWS)]
    )


def coalition_values(
    f: Model, x: np.ndarray, background: np.ndarray, groups: Sequence[Sequence[int]] | None = None
) -> np.ndarray:
    """v(S) for every coalition S, indexed by the bit mask of S (bit k = player k present)."""
    return _coalition_values(f, x, background, groups)[0]


def _coalition_values(
    f: Model, x: np.ndarray, background: np.ndarray, groups: Sequence[Sequence[int]] | None
) -> tuple[np.ndarray, int]:
    """v(S) for every coalition, and the number of distinct rows the model evaluated."""
    x = np.asarray(x, dtype=float)
    background = np.atleast_2d(np.asarray(background, dtype=float))
    players = _as_groups(len(x), groups)
    p = len(players)
    if p > MAX_EXACT_PLAYERS:
        raise ValueError(f"Exact Shapley values over {p} players need 2^{p} coalitions; group features into ≤ 12.")
    n_coal, n_bg = 1 << p, len(background)
    owner = np.empty(len(x), dtype=np.int64)  # the player of each feature
    for k, g in enumerate(players):
        owner[g] = k
    # A player whose features equal the instance's in background row b changes nothing when it joins a
    # coalition evaluated on b, so on b coalition S gives the same row as S without the player. Evaluating
    # each distinct (b, effective coalition) once saves much of the work on data with categories.
    inert = np.zeros(n_bg, dtype=np.int64)
    for k, g in enumerate(players):
        inert |= np.all(background[:, g] == x[g], axis=1).astype(np.int64) << k
    coalitions = np.arange(n_coal, dtype=np.int64)
    effective = coalitions[:, None] & ~inert[None, :]  # (coalitions, background rows)
    keys = effective * n_bg + np.arange(n_bg)[None, :]
    unique, inverse = np.unique(keys.reshape(-1), return_inverse=True)
    mask_of = unique // n_bg
    row_of = unique % n_bg
    present = ((mask_of[:, None] >> owner[None, :]) & 1).astype(bool)  # (unique rows, features)
    out = np.empty(len(unique))
    for start in range(0, len(unique), CHUNK_ROWS):
        sl = slice(start, start + CHUNK_ROWS)
        rows = np.where(present[sl], x[None, :], background[row_of[sl]])
        out[sl] = _evaluate(f, rows)
    return out[inverse].reshape(n_coal, n_bg).mean(axis=1), len(unique)


def shapley_from_coalitions(v: np.ndarray) -> np.ndarray:
    """phi_k = sum over S not containing k of |S|!(p−|S|−1)!/p! · (v(S ∪ k) − v(S))."""
    n_coal = len(v)
    p = n_coal.bit_length() - 1
    masks = np.arange(n_coal)
    size = np.array([bin(m).count("1") for m in masks])
    weight = np.array(
        [math.factorial(s) * math.factorial(p - s - 1) / math.factorial(p) if s < p else 0.0 for s in size]
    )
    phi = np.empty(p)
    for k in range(p):
        without = masks[(masks >> k) & 1 == 0]
        phi[k] = np.sum(weight[without] * (v[without | (1 << k)] - v[without]))
    return phi


def exact_shapley(
    f: Model, x: np.ndarray, background: np.ndarray, groups: Sequence[Sequence[int]] | None = None
) -> ShapleyResult:
    """Exact interventional Shapley values of `f` at `x` over all coalitions of ≤ 12 players."""
    start = time.perf_counter()
    v, evaluated = _coalition_values(f, x, background, groups)
    phi = shapley_from_coalitions(v)
    return ShapleyResult(phi, float(v[0]), float(v[-1]), evaluated, time.perf_counter() - start)


def monte_carlo_shapley(
    f: Model,
    x: np.ndarray,
    background: np.ndarray,
    groups: Sequence[Sequence[int]] | None = None,
    *,
    permutations: int = 200,
    seed: int = 0,
    checkpoints: Sequence[int] = (),
) -> tuple[ShapleyResult, dict[int, np.ndarray]]:
    """Permutation-sampling estimate (Štrumbelj & Kononenko 2014; Castro et al. 2009): for each sample,
    draw an order of the players and a background row, add the players one at a time in that order and
    credit each with the change of f. Unbiased, and each sample's credits sum exactly to f(x) − f(b), so
    the estimate sums to f(x) − mean f(b over the sampled rows), not exactly to f(x) − E[f].

    Returns the estimate after all `permutations` and the running estimate after each checkpoint."""
    start = time.perf_counter()
    x = np.asarray(x, dtype=float)
    background = np.atleast_2d(np.asarray(background, dtype=float))
    players = _as_groups(len(x), groups)
    p = len(players)
    rng = np.random.default_rng(seed)
    orders = np.argsort(rng.random((permutations, p)), axis=1)
    rows_bg = rng.integers(0, len(background), size=permutations)
    # Chain rows: step t of a sample has the first t players of its order set to x. A feature enters at
    # step (position of its player in the order) + 1.
    owner = np.empty(len(x), dtype=int)
    for k, g in enumerate(players):
        owner[g] = k
    position = np.argsort(orders, axis=1)  # (perms, players): where each player comes in the order
    enters = position[:, owner] + 1  # (perms, features)
    steps = np.arange(p + 1)[None, :, None]
    chain = np.where(enters[:, None, :] <= steps, x[None, None, :], background[rows_bg][:, None, :])
    out = _evaluate(f, chain.reshape(-1, len(x))).reshape(permutations, p + 1)
    deltas = np.diff(out, axis=1)  # (perms, p): credit of the t-th player of each order
    contrib = np.empty((permutations, p))
    contrib[np.arange(permutations)[:, None], orders] = deltas
    phi = contrib.mean(axis=0)
    stderr = contrib.std(axis=0, ddof=1) / math.sqrt(permutations) if permutations > 1 else np.full(p, np.nan)
    running = {int(c): contrib[: int(c)].mean(axis=0) for c in checkpoints if 0 < c <= permutations}
    base = float(np.mean(_evaluate(f, background)))
    result = ShapleyResult(phi, base, float(out[0, -1]), permutations * (p + 1), time.perf_counter() - start, stderr)
    return result, running


# -------------------------------------------------------------------------------- shap, same game


class PlayerGame:
    """Lets shap's explainers play the grouped game: a row of the "player space" has one column per player,
    holding −1 for "the instance's values" or r for "background row r's values"; `expand` maps it back to
    feature space. shap's maskers replace a masked column by a background row's value, and the background
    row r of the player space is (r, r, ..., r), so masking player k substitutes background row r's values
    of all of k's features at once — exactly the grouped interventional game above."""

    def __init__(self, f: Model, x: np.ndarray, background: np.ndarray, groups: Sequence[Sequence[int]] | None):
        self.f = f
        self.x = np.asarray(x, dtype=float)
        self.background = np.atleast_2d(np.asarray(background, dtype=float))
        self.players = _as_groups(len(self.x), groups)
        self.owner = np.empty(len(self.x), dtype=int)
        for k, g in enumerate(self.players):
            self.owner[g] = k

    @property
    def instance(self) -> np.ndarray:
        return np.full((1, len(self.players)), -1.0)

    @property
    def player_background(self) -> np.ndarray:
        return np.repeat(np.arange(len(self.background), dtype=float)[:, None], len(self.players), axis=1)

    def expand(self, Z: np.ndarray) -> np.ndarray:
        Z = np.atleast_2d(Z).astype(int)[:, self.owner]  # (rows, features): source row per feature
        rows = self.background[np.clip(Z, 0, None), np.arange(len(self.x))[None, :]]
        return np.where(Z < 0, self.x[None, :], rows)

    def __call__(self, Z: np.ndarray) -> np.ndarray:
        return np.asarray(self.f(self.expand(Z)), dtype=float).reshape(-1)


def kernel_shap(
    f: Model,
    x: np.ndarray,
    background: np.ndarray,
    groups: Sequence[Sequence[int]] | None = None,
    *,
    nsamples: int = 256,
    seed: int = 0,
) -> ShapleyResult:
    """shap's KernelExplainer (Lundberg & Lee 2017) on the same game, without its L1 feature selection so
    that it estimates the same quantities as the exact values. nsamples coalitions are sampled (enumerated
    when they number fewer) and a weighted linear regression is fitted to their values."""
    import shap

    start = time.perf_counter()
    game = PlayerGame(f, x, background, groups)
    explainer = shap.KernelExplainer(game, game.player_background)
    # KernelExplainer samples coalitions from numpy's global random state (it has no seed of its own):
    # seed it for reproducible results and put the caller's state back afterwards. The state is shared by
    # every thread of the process, so under a threaded server two requests would draw from each other's
    # seeded stream; the lock makes seed-sample-restore one step.
    with _GLOBAL_RANDOM_STATE:
        saved = np.random.get_state()
        np.random.seed(seed)
        try:
            values = np.asarray(
                explainer.shap_values(game.instance, nsamples=nsamples, l1_reg=False, silent=True)
            ).reshape(-1)
        finally:
            np.random.set_state(saved)
    base = float(np.asarray(explainer.expected_value).reshape(-1)[0])
    fx = float(game(game.instance)[0])
    return ShapleyResult(values, base, fx, int(nsamples) * len(game.background), time.perf_counter() - start)


def shap_exact(
    f: Model, x: np.ndarray, background: np.ndarray, groups: Sequence[Sequence[int]] | None = None
) -> ShapleyResult:
    """shap's own exact explainer with an Independent masker over the same background: the reference our
    numpy implementation is tested and benchmarked against."""
    import shap

    start = time.perf_counter()
    game = PlayerGame(f, x, background, groups)
    bg = game.player_background
    explainer = shap.explainers.Exact(game, shap.maskers.Independent(bg, max_samples=len(bg)))
    exp = explainer(game.instance)
    values = np.asarray(exp.values).reshape(-1)
    base = float(np.asarray(exp.base_values).reshape(-1)[0])
    return ShapleyResult(
        values, base, float(game(game.instance)[0]), (1 << len(game.players)) * len(bg), time.perf_counter() - start
    )


def _tree_explainer(estimator: Any, background: np.ndarray | None, probability: bool) -> Any:
    import shap

    if background is None:
        return shap.TreeExplainer(estimator, feature_perturbation="tree_path_dependent")
    background = np.atleast_2d(np.asarray(background, dtype=float))
    # A bare array becomes an Independent masker that silently keeps a random 100 of its rows; the values
    # would then sum to f(x) minus the mean over those 100, not over the background the caller chose.
    return shap.TreeExplainer(
        estimator,
        data=shap.maskers.Independent(background, max_samples=len(background)),
        feature_perturbation="interventional",
        model_output="probability" if probability else "raw",
    )


def _tree_values(explainer: Any, X: np.ndarray, target: int, flip: bool, probability: bool) -> tuple[np.ndarray, float]:
    raw = np.asarray(explainer.shap_values(np.atleast_2d(X)))
    expected = np.asarray(explainer.expected_value).reshape(-1)
    if raw.ndim == 3:  # (rows, features, outputs) for multi-output models
        return raw[:, :, target], float(expected[target])
    base = float(expected[0])
    if flip:  # a binary model's single output explains class 1; class 0 is its complement
        return -raw, (1.0 - base) if probability else -base
    return raw, base


def tree_shap(
    estimator: Any,
    x: np.ndarray,
    background: np.ndarray | None,
    *,
    target: int = 1,
    classifier: bool = True,
    probability: bool = True,
) -> ShapleyResult:
    """shap's TreeExplainer (Lundberg et al. 2020) on a scikit-learn gradient-boosting model, per feature.

    With a background it plays the interventional game above in polynomial time. On the raw score
    (log-odds for a classifier, `probability=False`) its values are exact; on the probability scale shap
    handles the logistic link by an approximation, so they can differ from exact values by a little (the
    tests measure how much). Without a background ("tree path dependent") it follows the training data's
    path counts through each tree instead: a different game, on the raw scale, whose values can differ."""
    start = time.perf_counter()
    probability = probability and classifier and background is not None
    explainer = _tree_explainer(estimator, background, probability)
    values, base = _tree_values(explainer, x, target, classifier and target == 0, probability)
    values = values.reshape(-1)
    return ShapleyResult(values, base, base + float(values.sum()), 0, time.perf_counter() - start)


def tree_shap_matrix(
    estimator: Any, X: np.ndarray, background: np.ndarray, *, target: int = 1, classifier: bool = True
) -> tuple[np.ndarray, float]:
    """Interventional TreeSHAP values on the probability scale for many rows at once (global importance):
    (rows, features) and E[f]."""
    explainer = _tree_explainer(estimator, background, classifier)
    return _tree_values(explainer, X, target, classifier and target == 0, classifier)


def errors(estimate: np.ndarray, exact: np.ndarray) -> dict[str, float]:
    """How far an approximation is from the exact values: the largest error on one player, and the error
    vector's length relative to the exact values' length."""
    diff = np.asarray(estimate) - np.asarray(exact)
    norm = float(np.linalg.norm(exact))
    return {
        "max_abs_error": float(np.max(np.abs(diff))),
        "relative_error": float(np.linalg.norm(diff) / norm) if norm > 0 else float(np.linalg.norm(diff)),
    }


def warmup() -> list[str]:
    """Import shap and run each explainer once on a tiny problem, so a web or worker process pays the
    import (about 2 s) at start-up rather than on a user's first request. Returns timing lines."""
    lines = []
    t = time.perf_counter()
    import shap
    from sklearn.ensemble import GradientBoostingClassifier

    lines.append(f"import shap: {time.perf_counter() - t:.2f} s")
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 4))
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    gb = GradientBoostingClassifier(n_estimators=5, max_depth=2, random_state=0).fit(X, y)

    def f(Z: np.ndarray) -> np.ndarray:
        return np.asarray(gb.predict_proba(Z))[:, 1]

    for name, run in (
        ("kernel", lambda: kernel_shap(f, X[0], X[:10], nsamples=20)),
        ("exact (shap)", lambda: shap_exact(f, X[0], X[:10])),
        ("tree", lambda: tree_shap(gb, X[0], X[:10])),
        ("tree (path dependent)", lambda: tree_shap(gb, X[0], None)),
    ):
        t = time.perf_counter()
        run()
        lines.append(f"warm up {name}: {time.perf_counter() - t:.3f} s")
    del shap
    return lines
