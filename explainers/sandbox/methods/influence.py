"""Influence functions (Koh & Liang 2017) and Cook's distance, exact for L2-regularised GLMs.

For a logistic (or least-squares) model the Hessian of the regularised training objective is small
(one row and column per model input) and can be inverted outright, so nothing here is approximated
by conjugate gradients or stochastic estimation: the only approximation is the one the method
itself makes, a single Newton step from the full fit towards the fit without the training point.
That is why the estimate can be compared with actual leave-one-out retraining (the numeric test).

The objective is Σᵢ ℓᵢ(θ) + λ/2 ‖w‖², the intercept unpenalised (scikit-learn's LogisticRegression
with λ = 1/C, Ridge with λ = alpha). Removing training point i moves the parameters by about
Δθᵢ = H⁻¹ ∇ℓᵢ(θ̂), so any smooth quantity f of the fit (a test point's loss, its predicted
probability) changes by about ∇f(θ̂)ᵀ H⁻¹ ∇ℓᵢ(θ̂) — Koh & Liang's −I_up with the sum-form objective.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy.special import expit

Family = Literal["logistic", "gaussian"]


@dataclass
class GLMFit:
    """A fitted GLM in its own design space: `Z` (n × d, whatever the model's preprocessing produced),
    `y` (0/1 for logistic, real for gaussian), `coef`, `intercept`, `l2` (λ on `coef` only)."""

    Z: np.ndarray
    y: np.ndarray
    coef: np.ndarray
    intercept: float
    l2: float
    family: Family = "logistic"

    @property
    def theta(self) -> np.ndarray:
        return np.append(self.coef, self.intercept)

    @staticmethod
    def augment(Z: np.ndarray) -> np.ndarray:
        Z = np.atleast_2d(np.asarray(Z, dtype=float))
        return np.hstack([Z, np.ones((Z.shape[0], 1))])

    def linear(self, Z: np.ndarray) -> np.ndarray:
        return np.asarray(self.augment(Z) @ self.theta)

    def mean(self, Z: np.ndarray) -> np.ndarray:
        eta = self.linear(Z)
        return np.asarray(expit(eta)) if self.family == "logistic" else eta

    def variance_weights(self, Z: np.ndarray) -> np.ndarray:
        """d mean / d linear predictor: p(1 − p) for logistic, 1 for least squares."""
        if self.family == "logistic":
            p = self.mean(Z)
            return np.asarray(p * (1.0 - p))
        return np.ones(np.atleast_2d(Z).shape[0])

    def losses(self, Z: np.ndarray, y: np.ndarray) -> np.ndarray:
        mu = self.mean(Z)
        if self.family == "logistic":
            eps = 1e-12
            return np.asarray(-(y * np.log(mu + eps) + (1 - y) * np.log(1 - mu + eps)))
        return np.asarray(0.5 * (mu - y) ** 2)

    def sample_gradients(self, Z: np.ndarray, y: np.ndarray) -> np.ndarray:
        """∇θ ℓ for each row: (mean − y) · [z, 1] for both families (canonical links)."""
        return np.asarray((self.mean(Z) - y)[:, None] * self.augment(Z))

    def hessian(self) -> np.ndarray:
        A = self.augment(self.Z)
        w = self.variance_weights(self.Z)
        H = (A * w[:, None]).T @ A
        reg = np.full(A.shape[1], self.l2)
        reg[-1] = 0.0
        return np.asarray(H + np.diag(reg))

    def stationarity(self) -> float:
        """Largest component of the objective's gradient at the fit (≈ 0 when the fit converged and
        `l2` is the penalty it was fitted with); shown so a mismatch cannot pass silently."""
        g = self.sample_gradients(self.Z, self.y).sum(axis=0)
        g[:-1] += self.l2 * self.coef
        scale = max(1.0, float(np.abs(self.sample_gradients(self.Z, self.y)).sum(axis=0).max()))
        return float(np.abs(g).max() / scale)


@dataclass
class InfluenceResult:
    """Per training point: `param_shift` (n × d+1, Δθ when the point is removed), `on_prediction`
    (change in the test point's predicted mean — probability or value — when the point is removed),
    `on_loss` (change in the test point's loss, when its label is known), `cooks` (Cook's distance),
    `leverage` and `train_loss`."""

    param_shift: np.ndarray
    on_prediction: np.ndarray
    on_loss: np.ndarray | None
    cooks: np.ndarray
    leverage: np.ndarray
    train_loss: np.ndarray


def influence(fit: GLMFit, z_test: np.ndarray, y_test: float | None = None) -> InfluenceResult:
    """Influence of removing each training point on one test point (see the module docstring)."""
    H = fit.hessian()
    G = fit.sample_gradients(fit.Z, fit.y)  # n × (d+1)
    # Δθ_i = H⁻¹ g_i for every i at once; the Hessian is symmetric positive definite when l2 > 0.
    shifts = np.linalg.solve(H, G.T).T
    a_test = fit.augment(z_test)[0]
    grad_pred = fit.variance_weights(np.atleast_2d(z_test))[0] * a_test
    on_prediction = shifts @ grad_pred
    on_loss = None
    if y_test is not None:
        grad_loss = fit.sample_gradients(np.atleast_2d(z_test), np.array([y_test]))[0]
        on_loss = shifts @ grad_loss
    cooks, leverage = cooks_distance(fit, H)
    return InfluenceResult(
        param_shift=shifts,
        on_prediction=np.asarray(on_prediction),
        on_loss=None if on_loss is None else np.asarray(on_loss),
        cooks=cooks,
        leverage=leverage,
        train_loss=fit.losses(fit.Z, fit.y),
    )


def cooks_distance(fit: GLMFit, H: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Cook's distance of every training point and its leverage hᵢ (diagonal of the hat matrix
    W^½ A H⁻¹ Aᵀ W^½, with the penalised Hessian H).

    Dᵢ = rᵢ² hᵢ / (p (1 − hᵢ)²), rᵢ the Pearson residual and p the number of parameters: how far all
    fitted values move, in units of their variance, when point i is removed. For least squares this
    is Cook's original statistic; for logistic regression the usual one-step GLM version."""
    if H is None:
        H = fit.hessian()
    A = fit.augment(fit.Z)
    w = fit.variance_weights(fit.Z)
    Hinv_A = np.linalg.solve(H, A.T)  # (d+1) × n
    leverage = np.clip(w * np.einsum("ij,ji->i", A, Hinv_A), 0.0, 1.0 - 1e-9)
    resid = fit.mean(fit.Z) - fit.y
    p = A.shape[1]
    if fit.family == "logistic":
        pearson2 = resid**2 / np.maximum(w, 1e-12)
    else:
        dof = max(len(fit.y) - p, 1)
        sigma2 = float((resid**2).sum() / dof) or 1.0
        pearson2 = resid**2 / sigma2
    cooks = pearson2 * leverage / (p * (1.0 - leverage) ** 2)
    return np.asarray(cooks), np.asarray(leverage)


def refit(fit: GLMFit, keep: np.ndarray, *, tol: float = 1e-12, max_iter: int = 100) -> GLMFit:
    """The same model refitted (Newton's method, warm-started at the full fit) on the rows in
    `keep`: the ground truth influence estimates are tested against. Least squares solves in one step."""
    sub = GLMFit(fit.Z[keep], fit.y[keep], fit.coef.copy(), fit.intercept, fit.l2, fit.family)
    for _ in range(max_iter):
        g = sub.sample_gradients(sub.Z, sub.y).sum(axis=0)
        g[:-1] += sub.l2 * sub.coef
        step = np.linalg.solve(sub.hessian(), g)
        theta = sub.theta - step
        sub.coef, sub.intercept = theta[:-1], float(theta[-1])
        if np.abs(step).max() < tol:
            break
    return sub


def leave_one_out(fit: GLMFit, z_test: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Actual change in the test point's predicted mean when each row in `rows` is removed and the
    model refitted. O(len(rows)) refits: for tests and small checks, never for a request."""
    full = float(fit.mean(np.atleast_2d(z_test))[0])
    out = np.empty(len(rows))
    n = len(fit.y)
    for k, i in enumerate(rows):
        keep = np.ones(n, dtype=bool)
        keep[i] = False
        out[k] = float(refit(fit, keep).mean(np.atleast_2d(z_test))[0]) - full
    return out


def atypicality(X_scaled: np.ndarray, k: int = 10) -> np.ndarray:
    """How unusual each row is among the others: its mean distance to its k nearest neighbours, as a
    percentile of all rows (100 = the most isolated point). Distances in `X_scaled` (standardised).
    Brute force in one matrix product: for the sandbox's few hundred rows it is ten times quicker than
    a neighbour index, and it runs at start-up."""
    X = np.asarray(X_scaled, dtype=float)
    n = len(X)
    k = min(k, n - 1)
    sq = (X**2).sum(axis=1)
    d2 = sq[:, None] + sq[None, :] - 2.0 * (X @ X.T)
    np.fill_diagonal(d2, np.inf)  # a row is not its own neighbour (a duplicate row still is, at 0)
    nearest = np.partition(np.maximum(d2, 0.0), k - 1, axis=1)[:, :k] if k > 0 else np.zeros((n, 1))
    score = np.sqrt(nearest).mean(axis=1)
    ranks = score.argsort(kind="stable").argsort()
    return np.asarray(100.0 * ranks / max(n - 1, 1))
