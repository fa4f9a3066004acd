"""Calibration: does a model's confidence match how often it is right?

Hopkins & Booth's practitioners worried about models that are confidently wrong. The check is the
reliability diagram: group predictions by confidence (the probability of the predicted class), and
in each group compare the average confidence with the share that was actually correct. A calibrated
model's points lie on the diagonal; points below it mean overconfidence. The expected calibration
error (ECE, Naeini et al. 2015; Guo et al. 2017) is the gap averaged over groups, weighted by their size.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass
class Reliability:
    bins: pd.DataFrame  # bin, lower, upper, count, confidence, accuracy, gap
    ece: float  # Σ n_b / N · |accuracy_b − confidence_b|
    mce: float  # max over non-empty bins of |accuracy_b − confidence_b|
    mean_confidence: float
    accuracy: float
    brier: float  # mean squared error of the full probability vector


def confidences(proba: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Top-label confidence and predicted class of each row of a probability matrix."""
    proba = np.asarray(proba, dtype=float)
    pred = proba.argmax(axis=1)
    return proba[np.arange(len(proba)), pred], pred


def bin_edges(n_bins: int) -> np.ndarray:
    return np.linspace(0.0, 1.0, n_bins + 1)


def bin_of(confidence: np.ndarray, n_bins: int) -> np.ndarray:
    """Equal-width bins (lower, upper]; a confidence of exactly 0 goes to the first bin."""
    return np.clip(np.ceil(np.asarray(confidence) * n_bins).astype(int) - 1, 0, n_bins - 1)


def reliability(proba: np.ndarray, y: np.ndarray, n_bins: int = 10) -> Reliability:
    """The reliability table and summary numbers for predicted probabilities `proba` (rows × classes)
    and true class indices `y`."""
    proba = np.asarray(proba, dtype=float)
    y = np.asarray(y).astype(int)
    conf, pred = confidences(proba)
    correct = (pred == y).astype(float)
    b = bin_of(conf, n_bins)
    edges = bin_edges(n_bins)
    rows = []
    ece, mce, n = 0.0, 0.0, len(y)
    for k in range(n_bins):
        m = b == k
        count = int(m.sum())
        if count == 0:
            continue
        c, a = float(conf[m].mean()), float(correct[m].mean())
        ece += count / n * abs(a - c)
        mce = max(mce, abs(a - c))
        rows.append(
            {
                "bin": k,
                "lower": edges[k],
                "upper": edges[k + 1],
                "count": count,
                "confidence": c,
                "accuracy": a,
                "gap": a - c,
            }
        )
    onehot = np.zeros_like(proba)
    onehot[np.arange(n), y] = 1.0
    return Reliability(
        bins=pd.DataFrame(rows, columns=["bin", "lower", "upper", "count", "confidence", "accuracy", "gap"]),
        ece=float(ece),
        mce=float(mce),
        mean_confidence=float(conf.mean()) if n else 0.0,
        accuracy=float(correct.mean()) if n else 0.0,
        brier=float(((proba - onehot) ** 2).sum(axis=1).mean()) if n else 0.0,
    )


def entropy(proba: np.ndarray) -> np.ndarray:
    """Predictive entropy in bits: 0 when the model is certain, log2(classes) when it has no idea."""
    p = np.clip(np.asarray(proba, dtype=float), 1e-12, 1.0)
    return np.asarray(-(p * np.log2(p)).sum(axis=-1))
