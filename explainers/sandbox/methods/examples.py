"""Explanation by example: nearest neighbours, the nearest example of another class, and prototypes
and criticisms (MMD-critic, Kim, Khanna & Koyejo 2016).

Distances are Gower-like so that a dataset mixing numbers and categories has one sensible metric:
a numeric feature contributes |Δ| / scale (its spread in the training data), a categorical one 1
when the categories differ and 0 when they agree. A researcher can read "distance 2.1" as "about two
features' worth of typical difference".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def distances(X: np.ndarray, x: np.ndarray, scale: np.ndarray, categorical: np.ndarray) -> np.ndarray:
    """Distance from `x` to every row of `X` (see the module docstring); Euclidean over the
    per-feature differences so that one large difference weighs more than many small ones."""
    diff = np.abs(np.asarray(X, dtype=float) - np.asarray(x, dtype=float)[None, :])
    cat = np.asarray(categorical, dtype=bool)
    scaled = np.where(cat[None, :], (diff > 0.5).astype(float), diff / np.where(scale > 0, scale, 1.0)[None, :])
    return np.asarray(np.sqrt((scaled**2).sum(axis=1)))


def embed(
    X: np.ndarray, scale: np.ndarray, categorical: np.ndarray, n_categories: np.ndarray | None = None
) -> np.ndarray:
    """The rows in a space where Euclidean distance equals `distances`, up to a constant per
    categorical feature: numeric features divided by their scale, categories one-hot × 1/√2
    (two different one-hot rows are √2 × 1/√2 = 1 apart). Pass `n_categories` so that every call gives
    the same columns (else a category absent from `X` drops out)."""
    X = np.asarray(X, dtype=float)
    cols: list[np.ndarray] = []
    for j in range(X.shape[1]):
        if categorical[j]:
            codes = np.rint(X[:, j]).astype(int)
            k = int(n_categories[j]) if n_categories is not None else (int(codes.max()) + 1 if len(codes) else 1)
            onehot = np.zeros((len(codes), max(k, 1)))
            onehot[np.arange(len(codes)), np.clip(codes, 0, None)] = 1.0 / np.sqrt(2.0)
            cols.append(onehot)
        else:
            cols.append((X[:, j] / (scale[j] if scale[j] > 0 else 1.0))[:, None])
    return np.hstack(cols) if cols else X


def nearest(
    X: np.ndarray,
    x: np.ndarray,
    scale: np.ndarray,
    categorical: np.ndarray,
    k: int = 5,
    mask: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Indices and distances of the k rows of `X` nearest to `x`, among rows where `mask` is true."""
    d = distances(X, x, scale, categorical)
    if mask is not None:
        d = np.where(mask, d, np.inf)
    order = np.argsort(d, kind="stable")[:k]
    order = order[np.isfinite(d[order])]
    return order, d[order]


def differing_features(a: np.ndarray, b: np.ndarray, scale: np.ndarray, categorical: np.ndarray) -> np.ndarray:
    """Per feature, how different two rows are in the units of `distances` (for "what differs")."""
    diff = np.abs(np.asarray(a, dtype=float) - np.asarray(b, dtype=float))
    return np.asarray(np.where(categorical, (diff > 0.5).astype(float), diff / np.where(scale > 0, scale, 1.0)))


@dataclass
class PrototypeResult:
    prototypes: np.ndarray  # row indices, in order of selection
    criticisms: np.ndarray  # row indices
    witness: np.ndarray  # witness value of every row (positive: under-represented by the prototypes)
    mmd2: list[float]  # MMD² after each prototype was added
    gamma: float


def rbf_kernel(E: np.ndarray, gamma: float) -> np.ndarray:
    sq = (E**2).sum(axis=1)
    d2 = np.maximum(sq[:, None] + sq[None, :] - 2.0 * E @ E.T, 0.0)
    return np.asarray(np.exp(-gamma * d2))


def median_gamma(E: np.ndarray, sample: int = 300, seed: int = 0) -> float:
    """RBF width from the median pairwise distance (the usual heuristic), on a sample of rows."""
    rng = np.random.default_rng(seed)
    S = E[rng.choice(len(E), size=min(sample, len(E)), replace=False)]
    sq = (S**2).sum(axis=1)
    d2 = np.maximum(sq[:, None] + sq[None, :] - 2.0 * S @ S.T, 0.0)
    med = float(np.median(d2[np.triu_indices(len(S), 1)])) if len(S) > 1 else 1.0
    return 1.0 / max(med, 1e-12)


def mmd_critic(
    E: np.ndarray, n_prototypes: int = 5, n_criticisms: int = 3, gamma: float | None = None
) -> PrototypeResult:
    """Greedy MMD-critic on the embedded rows `E`.

    Prototypes: rows chosen one at a time to minimise the maximum mean discrepancy between the data
    and the prototype set, i.e. the set whose kernel "density" best matches the data's. Criticisms:
    the rows where the witness function mean k(x, data) − mean k(x, prototypes) is largest — the
    places the prototypes represent worst — chosen greedily with the paper's log-determinant diversity
    term (Σ witness + log det K_C) so that they are not all the same outlier."""
    n = len(E)
    if gamma is None:
        gamma = median_gamma(E)
    K = rbf_kernel(E, gamma)
    col_mean = K.mean(axis=0)  # mean_j k(x_i, x_j)
    chosen: list[int] = []
    mmd2: list[float] = []
    const = float(K.mean())
    for _ in range(min(n_prototypes, n)):
        # MMD²(S ∪ {c}) = const − 2/|S'| Σ_{s∈S'} col_mean[s] + 1/|S'|² Σ_{s,t∈S'} K[s,t]; evaluate all c at once.
        m = len(chosen) + 1
        s_sum = col_mean[chosen].sum() if chosen else 0.0
        kk_sum = K[np.ix_(chosen, chosen)].sum() if chosen else 0.0
        cross = K[:, chosen].sum(axis=1) if chosen else np.zeros(n)
        cand = const - 2.0 / m * (s_sum + col_mean) + (kk_sum + 2.0 * cross + np.diag(K)) / m**2
        cand[chosen] = np.inf
        best = int(np.argmin(cand))
        chosen.append(best)
        mmd2.append(float(cand[best]))
    protos = np.array(chosen, dtype=int)
    witness = col_mean - K[:, protos].mean(axis=1)
    crits: list[int] = []
    # Only positive witness counts: rows whose neighbourhood holds more data than the prototypes
    # account for. The paper scores |witness|, but with few prototypes the largest |witness| sits
    # right next to a prototype (negative: over-represented), which no reader would call a criticism.
    absw = np.maximum(witness, 0.0)
    for _ in range(min(n_criticisms, n - len(protos))):
        score = absw.copy()
        if crits:
            # log det K_C grows by log(1 − k_cᵀ K_C⁻¹ k_c) when c joins C (Schur complement, k(c, c) = 1):
            # very negative for a candidate close to a criticism already chosen.
            Kc = K[:, crits]
            schur = 1.0 - np.einsum("ij,ij->i", Kc @ np.linalg.pinv(K[np.ix_(crits, crits)]), Kc)
            score = score + np.log(np.maximum(schur, 1e-12))
        score[protos] = -np.inf
        score[crits] = -np.inf
        score[witness <= 0] = -np.inf  # nothing under-represented is left to criticise
        best = int(np.argmax(score))
        if not np.isfinite(score[best]):
            break
        crits.append(best)
    return PrototypeResult(protos, np.array(crits, dtype=int), np.asarray(witness), mmd2, gamma)
