"""Two-dimensional maps of a model's inputs or internal representation: PCA (linear, instant, axes
with a meaning: directions of largest variance) and t-SNE (van der Maaten & Hinton 2008; non-linear,
keeps neighbourhoods but not distances between clusters, slow: run as a job).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from sklearn.decomposition import PCA


@dataclass
class Projection:
    coords: np.ndarray  # n × 2
    explained: tuple[float, float]  # share of variance on each axis (PCA); nan for t-SNE
    loadings: np.ndarray | None  # 2 × d (PCA)


def standardise(X: np.ndarray, ref: np.ndarray | None = None) -> np.ndarray:
    ref = X if ref is None else ref
    mu = ref.mean(axis=0)
    sd = ref.std(axis=0)
    return np.asarray((X - mu) / np.where(sd > 0, sd, 1.0))


def pca_2d(R: np.ndarray, seed: int = 0) -> tuple[Projection, PCA]:
    """PCA of the rows of R (standardised first); the fitted PCA projects new rows (a what-if edit)."""
    pca = PCA(n_components=2, random_state=seed).fit(R)
    coords = pca.transform(R)
    ev = pca.explained_variance_ratio_
    return Projection(coords, (float(ev[0]), float(ev[1])), pca.components_), pca


def tsne_2d(R: np.ndarray, *, perplexity: float = 30.0, seed: int = 0, max_iter: int = 750) -> Projection:
    from sklearn.manifold import TSNE

    perplexity = min(perplexity, max(2.0, (len(R) - 1) / 3.0))
    # Exact gradients are O(n²) but, up to a few hundred points, several times faster than Barnes-Hut's
    # tree building in scikit-learn (450 digits: about 10 s against 40 s on the 2-core machine).
    method = "exact" if len(R) <= 600 else "barnes_hut"
    tsne = TSNE(n_components=2, perplexity=perplexity, init="pca", random_state=seed, max_iter=max_iter, method=method)
    coords = tsne.fit_transform(R)
    return Projection(np.asarray(coords), (float("nan"), float("nan")), None)


def neighbourhood_purity(coords: np.ndarray, labels: np.ndarray, k: int = 10) -> float:
    """Share of each point's k nearest neighbours on the map that have its label: how well the map
    separates the classes (compare maps of inputs and of a hidden layer)."""
    from sklearn.neighbors import NearestNeighbors

    k = min(k, len(coords) - 1)
    _, idx = NearestNeighbors(n_neighbors=k + 1).fit(coords).kneighbors(coords)
    return float((labels[idx[:, 1:]] == labels[:, None]).mean())


def mlp_hidden(
    estimator: object, X: np.ndarray, transform: Callable[[np.ndarray], np.ndarray] | None = None
) -> np.ndarray:
    """The last hidden layer of a scikit-learn MLP for rows X: its preprocessing (`transform`, e.g. a
    pipeline's steps before the MLP) then each hidden layer's affine map and activation."""
    H = np.asarray(transform(X) if transform is not None else X, dtype=float)
    coefs = estimator.coefs_  # type: ignore[attr-defined]
    intercepts = estimator.intercepts_  # type: ignore[attr-defined]
    act = getattr(estimator, "activation", "relu")
    for W, b in zip(coefs[:-1], intercepts[:-1], strict=True):
        H = H @ W + b
        if act == "relu":
            H = np.maximum(H, 0.0)
        elif act == "tanh":
            H = np.tanh(H)
        elif act == "logistic":
            H = 1.0 / (1.0 + np.exp(-H))
    return H
