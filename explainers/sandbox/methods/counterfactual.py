"""Counterfactual explanations in numpy: Wachter-style optimisation, diverse counterfactuals, and the
genetic search with a robustness score of CERTIFAI (Sharma et al. 2020; Organization C in Bhatt et al.).

A counterfactual answers "what is the smallest change to this case that changes the model's answer?".
All three methods share one `Space` (scales, bounds, which features are categorical, which are locked)
and one distance: numeric changes in units of the feature's `scale`, a category change counting 1.
Locked features are reset to the instance's value after every step, so no method can move them, and
categorical features move only by discrete jumps to another category (a gradient means nothing for a
category code).

The model is a `Target`: `margin(X) > 0` once the desired class wins (the log-probability of the
desired class minus the largest other), and, for the gradient method, `grad(X)`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

Array = np.ndarray


@dataclass
class Target:
    margin: Callable[[Array], Array]
    grad: Callable[[Array], Array] | None = None


@dataclass
class Space:
    """`categories[i]` is the number of categories of feature i (0 for numeric); `step[i]` the unit a
    numeric feature is recorded in (1 for age in years; 0 for continuous)."""

    scale: Array
    lower: Array
    upper: Array
    categories: Array
    locked: Array
    step: Array

    @property
    def categorical(self) -> Array:
        return np.asarray(self.categories > 0)

    def with_locked(self, locked: Array) -> Space:
        return Space(self.scale, self.lower, self.upper, self.categories, np.asarray(locked, bool), self.step)

    def bounds(self, x: Array) -> tuple[Array, Array]:
        return np.minimum(self.lower, x), np.maximum(self.upper, x)


def distance(space: Space, x: Array, C: Array, *, weights: Array | None = None, norm: str = "l1") -> Array:
    """Distance of each row of C from x: scaled numeric change (L1, or Euclidean with norm="l2") plus 1
    per changed category, each term optionally weighted."""
    C = np.atleast_2d(C)
    w = np.ones(len(x)) if weights is None else weights
    cat = space.categorical
    num = np.where(cat, 0.0, np.abs(C - x) / space.scale)
    chg = np.where(cat, (x != C).astype(float), 0.0)
    if norm == "l2":
        return np.asarray(np.sqrt(((w * num) ** 2).sum(axis=1) + (w * chg).sum(axis=1)))
    return np.asarray((w * (num + chg)).sum(axis=1))


@dataclass
class Counterfactual:
    x: Array
    margin: float
    distance: float
    found: bool

    def changed(self, x: Array) -> Array:
        return np.asarray(~np.isclose(self.x, x, rtol=0, atol=1e-9))


def _snap(space: Space, x: Array, c: Array) -> Array:
    """Round numeric changes to the feature's recording unit, away from x, so that no change is smaller
    than one unit (a count of credits moves by whole credits, not by 0.0045 of one)."""
    step = space.step
    out = c.copy()
    num = (~space.categorical) & (step > 0) & ~np.isclose(c, x, rtol=0, atol=1e-12)
    if not num.any():
        return out
    up = c > x
    q = c[num] / step[num]
    out[num] = np.where(up[num], np.ceil(q - 1e-9), np.floor(q + 1e-9)) * step[num]
    lo, hi = space.bounds(x)
    return np.clip(out, lo, hi)


def _flips(target: Target, c: Array) -> bool:
    return bool(target.margin(c[None, :])[0] > 0)


def _sparsify(space: Space, target: Target, x: Array, c: Array) -> Array:
    """Put changed features back to x's value, smallest change first, wherever the answer stays flipped:
    an optimiser leaves small leftover moves that are not part of the explanation."""
    c = c.copy()
    changed = np.flatnonzero(~np.isclose(c, x, rtol=0, atol=1e-12))
    order = sorted(changed, key=lambda f: 1.0 if space.categories[f] else abs(c[f] - x[f]) / space.scale[f])
    for f in order:
        trial = c.copy()
        trial[f] = x[f]
        if _flips(target, trial):
            c = trial
    return c


def _shrink(space: Space, target: Target, x: Array, c: Array, iterations: int = 20) -> Array:
    """Pull the numeric changes back towards x as far as the answer stays flipped (bisection on the
    fraction kept): an optimiser's last step overshoots the decision boundary by up to one step."""
    num = ~space.categorical
    if not _flips(target, c) or not np.any(num & (c != x)):
        return c
    lo, hi = 0.0, 1.0
    for _ in range(iterations):
        mid = (lo + hi) / 2.0
        trial = np.where(num, x + mid * (c - x), c)
        if _flips(target, trial):
            hi = mid
        else:
            lo = mid
    return np.where(num, x + hi * (c - x), c)


def _shrink_each(space: Space, target: Target, x: Array, c: Array, which: Array, points: int = 16) -> Array:
    """Pull each numeric change in `which` back towards x, on the unit grid, as far as the answer stays
    flipped (largest change first): rounding to units, and the search that restores a flip, overshoot.
    Each feature tries `points` fractions of its change at once, then `points` finer ones below the
    smallest that flipped (1/256 of the change), two model calls per feature."""
    c = c.copy()
    num = np.flatnonzero(which & ~space.categorical & ~np.isclose(c, x, rtol=0, atol=1e-12))
    for j in sorted(num, key=lambda f: -abs(c[f] - x[f]) / space.scale[f]):
        end, hi = c[j], 1.0
        for width in (1.0, 1.0 / points):
            t = hi - width + width * np.arange(1, points + 1) / points
            trials = np.repeat(c[None, :], points, axis=0)
            trials[:, j] = x[j] + t * (end - x[j])
            trials = np.array([_snap(space, x, row) for row in trials])
            ok = np.flatnonzero(target.margin(trials) > 0)
            if ok.size:
                hi = float(t[ok[0]])
                c = trials[ok[0]]
    return c


def _moves(space: Space, x: Array, c: Array) -> Array:
    """Candidate next points on the unit grid: each free numeric feature one unit, a tenth and half of a
    standard deviation either way (whole units), and each free category switched."""
    rows = []
    lo, hi = space.bounds(x)
    for j in np.flatnonzero(~space.categorical & ~space.locked):
        unit = space.step[j]
        sizes = {space.scale[j] * f for f in (0.1, 0.5)}
        if unit > 0:
            sizes = {max(unit, np.ceil(s / unit - 1e-9) * unit) for s in sizes} | {unit}
        for s in sorted(sizes):
            for sign in (1.0, -1.0):
                trial = c.copy()
                trial[j] = np.clip(c[j] + sign * s, lo[j], hi[j])
                trial = _snap(space, x, trial)
                if trial[j] != c[j]:
                    rows.append(trial)
    for j in np.flatnonzero(space.categorical & ~space.locked):
        for k in range(int(space.categories[j])):
            if k != c[j]:
                trial = c.copy()
                trial[j] = k
                rows.append(trial)
    return np.array(rows) if rows else np.empty((0, len(x)))


def _search_grid(space: Space, target: Target, x: Array, c: Array, w: Array | None, moves: int = 60) -> Array | None:
    """From a point on the unit grid that does not flip (rounding undid the flip), take the grid move
    that gains the most margin per unit of distance until one flips; the closest flipping move wins.
    None when no move gains any margin."""
    for _ in range(moves):
        cand = _moves(space, x, c)
        if not len(cand):
            return None
        m = target.margin(np.vstack([c, cand]))
        m0, m = m[0], m[1:]
        d = distance(space, x, np.vstack([c, cand]), weights=w)
        d0, d = d[0], d[1:]
        ok = np.flatnonzero(m > 0)
        if ok.size:
            return np.asarray(cand[ok[int(np.argmin(d[ok]))]])
        gain = m - m0
        if not np.any(gain > 1e-12):
            return None
        ratio = np.where(gain > 1e-12, gain / np.maximum(d - d0, 1e-6), -np.inf)
        c = cand[int(np.argmax(ratio))]
    return None


def _finish(space: Space, target: Target, x: Array, c: Array, weights: Array | None) -> Counterfactual:
    """Tidy a flipped point into the counterfactual reported: sparse, pulled back to the boundary, and on
    each feature's unit grid (a change below the unit is not a change anyone can make). When rounding
    undoes the flip, the search continues on the grid; if it cannot restore one, nothing is found."""
    c = _shrink(space, target, x, _sparsify(space, target, x, c))
    grid = _snap(space, x, c)
    if _flips(target, grid):
        # Only where rounding moved a feature noticeably (a unit of age, not a millionth of a radius).
        grid = _shrink_each(space, target, x, grid, np.abs(grid - c) > 1e-3 * space.scale)
    else:
        found = _search_grid(space, target, x, grid, weights)
        if found is None:
            mg = float(target.margin(grid[None, :])[0])
            return Counterfactual(grid, mg, float(distance(space, x, grid[None, :], weights=weights)[0]), False)
        grid = _sparsify(space, target, x, found)
        grid = _shrink_each(space, target, x, grid, np.ones(len(x), dtype=bool))
    mg = float(target.margin(grid[None, :])[0])
    return Counterfactual(grid, mg, float(distance(space, x, grid[None, :], weights=weights)[0]), mg > 0)


def wachter(
    x: Array,
    target: Target,
    space: Space,
    *,
    weights: Array | None = None,
    lambdas: Array | None = None,
    steps: int = 100,
    kappa: float = 0.2,
    cat_every: int = 20,
    rate: float = 0.08,
    patience: int = 25,
) -> Counterfactual:
    """Wachter et al. (2017): minimise  lambda * max(0, kappa - margin(c)) + distance(x, c).

    Wachter et al. raise lambda until the answer flips; here a geometric ladder of lambdas is solved at
    once (one gradient call per step for all of them) and the closest flipped solution is kept. Numeric
    features move by proximal gradient steps (the L1 distance's soft-threshold keeps untouched features
    exactly at their values, so counterfactuals are sparse); categorical features move by trying every
    single-category change every `cat_every` steps and keeping the one that lowers the objective most.
    """
    if target.grad is None:
        raise ValueError("Wachter counterfactuals need a differentiable model")
    x = np.asarray(x, dtype=float)
    d = len(x)
    w = np.ones(d) if weights is None else np.asarray(weights, dtype=float)
    lam = np.geomspace(0.05, 200.0, 10) if lambdas is None else np.asarray(lambdas, dtype=float)
    cat = space.categorical
    num_free = (~cat) & ~space.locked
    cat_free = np.flatnonzero(cat & ~space.locked)
    lo, hi = space.bounds(x)
    zlo, zhi = (lo - x) / space.scale, (hi - x) / space.scale
    C = np.repeat(x[None, :], len(lam), axis=0)
    best_d, best_c = np.inf, x

    def remember(C: Array, m: Array) -> None:
        nonlocal best_d, best_c
        ok = np.flatnonzero(m > 0)
        if ok.size:
            dist = distance(space, x, C[ok], weights=w)
            i = int(np.argmin(dist))
            if dist[i] < best_d:
                best_d, best_c = float(dist[i]), C[ok[i]].copy()

    def objective(rows: Array, lam_rows: Array) -> Array:
        m = target.margin(rows)
        return np.asarray(lam_rows * np.maximum(0.0, kappa - m) + distance(space, x, rows, weights=w))

    since = 0
    for t in range(steps):
        m = target.margin(C)
        before = best_d
        remember(C, m)
        # Stop once the closest flip has not improved for `patience` steps: the remaining lambdas either
        # already flipped further away or never will.
        since = 0 if best_d < before - 1e-9 else since + 1
        if np.isfinite(best_d) and since >= patience:
            break
        if num_free.any():
            g = target.grad(C) * space.scale
            active = (m < kappa)[:, None] & num_free
            grad_loss = np.where(active, -lam[:, None] * g, 0.0)
            z = (C - x) / space.scale
            # Step size from the steepest coordinate that can still move (not locked, not at a bound), so
            # the largest move is `rate` standard units per step.
            blocked = ((z <= zlo + 1e-12) & (grad_loss > 0)) | ((z >= zhi - 1e-12) & (grad_loss < 0))
            steep = np.abs(np.where(blocked, 0.0, grad_loss)).max(axis=1, keepdims=True)
            eta = rate / np.maximum(steep, 1.0)
            z = z - eta * grad_loss
            z = np.sign(z) * np.maximum(np.abs(z) - eta * w, 0.0)
            z = np.clip(z, zlo, zhi)
            C = np.where(num_free, x + z * space.scale, C)
        if cat_free.size and t % cat_every == 0:
            C = _categorical_moves(C, lam, cat_free, space, objective)
    remember(C, target.margin(C))
    if not np.isfinite(best_d):
        m = target.margin(C)
        i = int(np.argmax(m))
        return Counterfactual(C[i], float(m[i]), float(distance(space, x, C[i : i + 1], weights=w)[0]), False)
    found = _finish(space, target, x, best_c, w)
    # Polish: with the categories the optimiser chose, walk the most efficient numeric features to the
    # boundary one at a time. Exact for a linear model; the closer of the two answers is kept.
    walked = _walk(space, target, x, best_c, w)
    if walked is not None:
        other = _finish(space, target, x, walked, w)
        if other.found and (not found.found or other.distance < found.distance - 1e-9):
            return other
    return found


def _walk(space: Space, target: Target, x: Array, start: Array, w: Array, iterations: int = 30) -> Array | None:
    """From x with `start`'s categories, move the numeric feature with the largest gradient per unit of
    distance towards its bound; stop at the first point that flips (found by bisection along it)."""
    assert target.grad is not None
    cat = space.categorical
    c = np.where(cat, start, x)
    if target.margin(c[None, :])[0] > 0:
        return c
    free = (~cat) & ~space.locked
    lo, hi = space.bounds(x)
    used = np.zeros(len(x), dtype=bool)
    while True:
        g = target.grad(c[None, :])[0]
        room = np.where(g > 0, hi - c, c - lo)
        eff = np.where(free & ~used & (room > 0), np.abs(g) * space.scale / w, 0.0)
        j = int(np.argmax(eff))
        if eff[j] <= 0:
            return None
        end = c.copy()
        end[j] = hi[j] if g[j] > 0 else lo[j]
        if target.margin(end[None, :])[0] <= 0:
            c, used[j] = end, True
            continue
        a, b = c[j], end[j]
        for _ in range(iterations):
            mid = (a + b) / 2.0
            trial = c.copy()
            trial[j] = mid
            if target.margin(trial[None, :])[0] > 0:
                b = mid
            else:
                a = mid
        c = c.copy()
        c[j] = b
        return c


def _categorical_moves(
    C: Array,
    lam: Array,
    cat_free: Array,
    space: Space,
    objective: Callable[[Array, Array], Array],
) -> Array:
    """For each row, the single change of one category that lowers the objective most, if any does."""
    feats = np.concatenate([np.full(int(space.categories[f]), f) for f in cat_free])
    codes = np.concatenate([np.arange(int(space.categories[f])) for f in cat_free]).astype(float)
    n, k = len(C), len(feats)
    cand = np.repeat(C, k, axis=0)
    rows = np.arange(n * k)
    cand[rows, np.tile(feats, n)] = np.tile(codes, n)
    own = np.repeat(np.arange(n), k)
    obj = objective(np.vstack([C, cand]), np.concatenate([lam, lam[own]]))
    obj_now, obj_c = obj[:n].reshape(n), obj[n:].reshape(n, k)
    pick = obj_c.argmin(axis=1)
    better = obj_c[np.arange(n), pick] < obj_now - 1e-9
    out = C.copy()
    out[better] = cand.reshape(n, k, -1)[np.flatnonzero(better), pick[better]]
    return out


def diverse(
    x: Array, target: Target, space: Space, *, k: int = 4, reuse_penalty: float = 3.0, steps: int = 100
) -> list[Counterfactual]:
    """k counterfactuals that take different routes (in the spirit of DiCE, Mothilal et al. 2020): each
    one is solved with features the earlier ones changed made `reuse_penalty` times dearer per use, so
    it prefers another route but may reuse a feature where no other route exists."""
    uses = np.zeros(len(x))
    out: list[Counterfactual] = []
    routes: set[tuple[int, ...]] = set()
    for _ in range(2 * k):
        w = 1.0 + reuse_penalty * uses
        cf = wachter(x, target, space, weights=w, steps=steps)
        if not cf.found:
            break
        changed = cf.changed(x)
        uses += changed
        route = tuple(np.flatnonzero(changed).tolist())
        if route in routes:
            # The same features again: not a different route; the raised prices may find one next time.
            continue
        routes.add(route)
        # Report the plain distance (unweighted) so counterfactuals compare with each other.
        cf.distance = float(distance(space, x, cf.x[None, :])[0])
        out.append(cf)
        if len(out) >= k:
            break
    return out


def genetic(
    x: Array,
    target: Target,
    space: Space,
    *,
    population: int = 200,
    generations: int = 30,
    seed: int = 0,
    keep: int = 3,
) -> list[Counterfactual]:
    """CERTIFAI's genetic search (Sharma et al. 2020): needs only predictions, so it works on any model.

    Start from random points (half anywhere in the feature ranges, half near x), keep those the model
    puts in the desired class, breed the closest (fitness = 1 / Euclidean distance) by uniform crossover,
    and mutate: jitter a numeric feature, switch a category, or put a feature back to x's value (which
    is what makes the survivors sparse). Returns the `keep` closest distinct counterfactuals.
    """
    rng = np.random.default_rng(seed)
    x = np.asarray(x, dtype=float)
    d = len(x)
    cat = space.categorical
    free = ~space.locked
    lo, hi = space.bounds(x)
    ncat = np.maximum(space.categories, 1)

    def repair(P: Array) -> Array:
        P = np.where(cat, np.clip(np.rint(P), 0, ncat - 1), np.clip(P, lo, hi))
        return np.where(free, P, x)

    half = population // 2
    wide = rng.uniform(lo, hi, size=(half, d))
    near = x + rng.normal(0.0, 1.0, size=(population - half, d)) * space.scale * rng.uniform(
        0.1, 1.0, (population - half, 1)
    )
    P = np.vstack([wide, near])
    switch = rng.random((population, d)) < 0.3
    P = np.where(cat, np.where(switch, rng.integers(0, ncat, size=(population, d)), x), P)
    P = repair(P)
    pool = np.empty((0, d))
    for _ in range(generations):
        m = target.margin(P)
        valid = P[m > 0]
        pool = np.vstack([pool, valid]) if len(valid) else pool
        if len(pool):
            dist = distance(space, x, pool, norm="l2")
            order = np.argsort(dist, kind="mergesort")[: max(population // 4, 2)]
            pool = pool[order]
            parents = pool
        else:
            # Nothing flips yet: breed the individuals closest to flipping and widen the search.
            parents = P[np.argsort(-m, kind="mergesort")[: max(population // 4, 2)]]
        a = parents[rng.integers(0, len(parents), population)]
        b = parents[rng.integers(0, len(parents), population)]
        child = np.where(rng.random((population, d)) < 0.5, a, b)
        r = rng.random((population, d))
        jitter = child + rng.normal(0.0, 0.3, (population, d)) * space.scale
        child = np.where((r < 0.1) & ~cat, jitter, child)
        child = np.where((r < 0.1) & cat, rng.integers(0, ncat, size=(population, d)), child)
        child = np.where((r > 0.85), x, child)
        P = repair(child)
    m = target.margin(P)
    pool = np.vstack([pool, P[m > 0]]) if np.any(m > 0) else pool
    if not len(pool):
        i = int(np.argmax(m))
        return [Counterfactual(P[i], float(m[i]), float(distance(space, x, P[i : i + 1], norm="l2")[0]), False)]
    pool = np.unique(pool, axis=0)
    dist = distance(space, x, pool, norm="l2")
    out: list[Counterfactual] = []
    for i in np.argsort(dist, kind="mergesort")[: 4 * keep]:
        cf = _finish(space, target, x, pool[i], None)
        if not cf.found or any(np.allclose(cf.x, o.x) for o in out):
            continue
        cf.distance = float(distance(space, x, cf.x[None, :], norm="l2")[0])
        out.append(cf)
    out.sort(key=lambda cf: cf.distance)
    return out[:keep]


def robustness_score(distances: Array) -> float:
    """CERTIFAI's robustness score: the mean distance from an instance to its nearest counterfactual.
    Larger means the model's answers take bigger changes to overturn."""
    distances = np.asarray(distances, dtype=float)
    return float(distances.mean()) if distances.size else float("nan")
