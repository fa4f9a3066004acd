"""The sandbox's trained models: one linear model, one gradient-boosted tree ensemble and one small MLP per
dataset, trained once per machine (seeded) and cached on disk, never per request.

The cache file is keyed by a fingerprint of the data, the model's parameters and the library versions, so
an upgrade of scikit-learn or a change of parameters trains afresh instead of unpickling a stale model;
the fingerprint is also the cache key of heavy results (`base.HeavyTask`). Training runs under an
exclusive file lock, so parallel test processes and web workers starting together train each model once.

Linear models and MLPs are differentiable: `Fitted.gradient` gives the analytic gradient of the explained
value with respect to the numeric features, through the scaler and one-hot encoder of the pipeline (a
categorical code has no gradient: its entries are 0). Their forward pass is recomputed in numpy from the
fitted weights, which is exact (tested against scikit-learn) and several times faster than the pipeline
for the many small batches explainers evaluate.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import platform
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import scipy
import sklearn
from django.conf import settings
from sklearn.compose import ColumnTransformer, TransformedTargetRegressor
from sklearn.ensemble import GradientBoostingClassifier, GradientBoostingRegressor
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from . import data

log = logging.getLogger(__name__)

# Bump when the training code changes in a way the parameters below do not show.
MODEL_CODE_VERSION = 1
SEED = 0


@dataclass(frozen=True)
class ModelSpec:
    slug: str
    differentiable: bool
    labels: dict[str, str]  # task → label
    params: dict[str, dict[str, Any]]  # dataset slug or "*" → estimator parameters
    description: str

    def label(self, info: data.DatasetInfo) -> str:
        return self.labels[info.task]

    def params_for(self, dataset: str) -> dict[str, Any]:
        return {**self.params["*"], **self.params.get(dataset, {})}


MODELS: dict[str, ModelSpec] = {
    "linear": ModelSpec(
        "linear",
        True,
        {"classification": "Logistic regression", "regression": "Linear regression (ridge)"},
        {"*": {"C": 1.0, "alpha": 1.0}},
        "A weighted sum of the (standardised, one-hot encoded) features, passed through the logistic "
        "function for classifiers: transparent, and the baseline every explanation should agree with.",
    ),
    "boosting": ModelSpec(
        "boosting",
        False,
        {"classification": "Gradient boosting (trees)", "regression": "Gradient boosting (trees)"},
        {
            "*": {"n_estimators": 100, "max_depth": 3, "learning_rate": 0.1},
            "digits": {"n_estimators": 40},
            "diabetes": {"max_depth": 2, "learning_rate": 0.05},
        },
        "A sum of many small decision trees, each correcting the errors of the ones before: usually more "
        "accurate than a linear model and no longer readable by eye. It sees category codes directly.",
    ),
    "mlp": ModelSpec(
        "mlp",
        True,
        {"classification": "Neural network (small MLP)", "regression": "Neural network (small MLP)"},
        {"*": {"hidden_layer_sizes": (32,), "alpha": 1e-2, "max_iter": 600}, "diabetes": {"alpha": 3.0}},
        "A small neural network (one hidden layer of 32 tanh units) on the standardised, one-hot encoded "
        "features: a black box whose gradients the gradient methods use.",
    ),
}


# ------------------------------------------------------------------------------------------ training


def _preprocessor(bundle: data.Bundle) -> ColumnTransformer:
    num = [j for j in range(len(bundle.feature_names)) if not bundle.categorical[j]]
    cat = [j for j in range(len(bundle.feature_names)) if bundle.categorical[j]]
    steps: list[tuple[str, Any, list[int]]] = [("num", StandardScaler(), num)]
    if cat:
        categories = [np.arange(len(bundle.info.features[j].categories), dtype=float) for j in cat]
        steps.append(("cat", OneHotEncoder(categories=categories, handle_unknown="ignore", sparse_output=False), cat))
    return ColumnTransformer(steps, remainder="drop")


def _build(bundle: data.Bundle, spec: ModelSpec) -> Any:
    p = spec.params_for(bundle.info.slug)
    classify = bundle.info.task == "classification"
    if spec.slug == "linear":
        head: Any = LogisticRegression(C=p["C"], max_iter=5000) if classify else Ridge(alpha=p["alpha"])
        return Pipeline([("pre", _preprocessor(bundle)), ("model", head)])
    if spec.slug == "boosting":
        cls = GradientBoostingClassifier if classify else GradientBoostingRegressor
        return cls(
            n_estimators=p["n_estimators"],
            max_depth=p["max_depth"],
            learning_rate=p["learning_rate"],
            random_state=SEED,
        )
    if spec.slug == "mlp":
        kw = {
            "hidden_layer_sizes": p["hidden_layer_sizes"],
            "activation": "tanh",
            "alpha": p["alpha"],
            "max_iter": p["max_iter"],
            "random_state": SEED,
        }
        if classify:
            return Pipeline([("pre", _preprocessor(bundle)), ("model", MLPClassifier(**kw))])
        # The progression target (25-346) is standardised for the network and mapped back on predict.
        return TransformedTargetRegressor(
            regressor=Pipeline([("pre", _preprocessor(bundle)), ("model", MLPRegressor(**kw))]),
            transformer=StandardScaler(),
        )
    raise KeyError(spec.slug)


def fingerprint(dataset: str, model: str) -> str:
    bundle = data.load(dataset)
    spec = MODELS[model]
    h = hashlib.sha256()
    h.update(bundle.fingerprint().encode())
    h.update(json.dumps({"model": model, "params": spec.params_for(dataset)}, sort_keys=True, default=str).encode())
    h.update(
        json.dumps(
            {
                "code": MODEL_CODE_VERSION,
                "sklearn": sklearn.__version__,
                "numpy": np.__version__,
                "scipy": scipy.__version__,
                "joblib": joblib.__version__,
                "python": platform.python_version(),
            },
            sort_keys=True,
        ).encode()
    )
    return h.hexdigest()[:24]


def cache_dir() -> Path:
    return Path(settings.THEMATICA_SANDBOX_DIR) / "models"


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def _train(dataset: str, model: str) -> Any:
    bundle = data.load(dataset)
    estimator = _build(bundle, MODELS[model])
    y = bundle.y_train.astype(int) if bundle.info.task == "classification" else bundle.y_train
    with np.errstate(all="ignore"), _quiet_convergence():
        estimator.fit(np.asarray(bundle.X_train), y)
    return estimator


@contextlib.contextmanager
def _quiet_convergence() -> Iterator[None]:
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


_MEMORY: dict[tuple[str, str], Fitted] = {}
# Counts trainings in this process (the cache test reads it).
TRAINED: list[tuple[str, str]] = []


def get(dataset: str, model: str) -> Fitted:
    """The fitted model: from this process's memory, else the disk cache, else trained (once per machine)."""
    key = (dataset, model)
    if key in _MEMORY:
        return _MEMORY[key]
    if model not in MODELS:
        raise KeyError(f"Unknown sandbox model {model!r}")
    fp = fingerprint(dataset, model)
    directory = cache_dir()
    path = _cache_path(dataset, model, fp)
    estimator = _load(path)
    if estimator is None:
        with _locked(directory / f"{dataset}-{model}.lock"):
            estimator = _load(path)  # another process may have trained it while we waited
            if estimator is None:
                start = time.perf_counter()
                estimator = _train(dataset, model)
                TRAINED.append(key)
                fd, tmp = tempfile.mkstemp(dir=directory, suffix=".tmp")
                os.close(fd)
                joblib.dump(estimator, tmp)
                Path(tmp).replace(path)
                log.info("sandbox: trained %s/%s in %.1f s", dataset, model, time.perf_counter() - start)
    fitted = Fitted(dataset, model, fp, estimator)
    _MEMORY[key] = fitted
    return fitted


def _load(path: Path) -> Any | None:
    if not path.exists():
        return None
    try:
        return joblib.load(path)
    except Exception:  # a truncated or foreign file: train again rather than fail the page
        log.warning("sandbox: could not load %s; retraining", path, exc_info=True)
        return None


def clear_memory() -> None:
    _MEMORY.clear()
    _RESULTS.clear()


_RESULTS: dict[str, Any] = {}


def cached_result(name: str, fitted: Fitted, compute: Callable[[], Any]) -> Any:
    """A result that depends only on the model (global importance over the test set): computed once per
    machine under a file lock, stored next to the models under the model's fingerprint, kept in memory.
    `name` must change whenever the computation does."""
    key = f"{name}-{fitted.dataset}-{fitted.model}-{fitted.fingerprint}"
    if key in _RESULTS:
        return _RESULTS[key]
    directory = Path(settings.THEMATICA_SANDBOX_DIR) / "results"
    path = directory / f"{key}.joblib"
    value = _load(path)
    if value is None:
        with _locked(directory / f"{key}.lock"):
            value = _load(path)
            if value is None:
                value = compute()
                fd, tmp = tempfile.mkstemp(dir=directory, suffix=".tmp")
                os.close(fd)
                joblib.dump(value, tmp)
                Path(tmp).replace(path)
    _RESULTS[key] = value
    return value


# --------------------------------------------------------------------------------------- fitted model


@dataclass
class _Network:
    """The differentiable part of a linear model or MLP as numpy arrays: standardisation of numeric
    features, one-hot encoding of categorical codes, dense layers with tanh between them, and the raw
    output scores (log-odds for a binary classifier, pre-softmax scores, or the regression output before
    the target is unstandardised)."""

    num_idx: np.ndarray
    mean: np.ndarray
    scale: np.ndarray
    cat_idx: np.ndarray
    cat_sizes: list[int]
    layers: list[tuple[np.ndarray, np.ndarray]]
    y_mean: float = 0.0
    y_scale: float = 1.0
    # Per categorical feature: its rows of the first layer's weights plus a zero row (unknown code).
    _blocks: list[np.ndarray] = field(init=False, repr=False, default_factory=list)
    _W0_num: np.ndarray = field(init=False, repr=False, default_factory=lambda: np.empty(0))

    def __post_init__(self) -> None:
        W = self.layers[0][0]
        n_num = len(self.num_idx)
        self._W0_num = np.ascontiguousarray(W[:n_num])
        offset = n_num
        for k in self.cat_sizes:
            self._blocks.append(np.vstack([W[offset : offset + k], np.zeros((1, W.shape[1]))]))
            offset += k

    def encode(self, X: np.ndarray) -> np.ndarray:
        parts = [(X[:, self.num_idx] - self.mean) / self.scale]
        for j, k in zip(self.cat_idx, self.cat_sizes, strict=True):
            codes = np.rint(X[:, j])
            parts.append((codes[:, None] == np.arange(k)[None, :]).astype(float))
        return np.hstack(parts) if len(parts) > 1 else parts[0]

    def _first_layer(self, X: np.ndarray) -> np.ndarray:
        """encode(X) @ W0 + b0 without building the one-hot matrix: a categorical feature's block of W0 is
        looked up by code (a code outside 0..k-1 hits an appended zero row, as the encoder's "ignore").
        Explainers evaluate hundreds of thousands of rows; this is several times faster than the product."""
        out = ((X[:, self.num_idx] - self.mean) / self.scale) @ self._W0_num + self.layers[0][1]
        for j, k, block in zip(self.cat_idx, self.cat_sizes, self._blocks, strict=True):
            codes = np.rint(X[:, j])
            codes = np.where((codes >= 0) & (codes < k), codes, k).astype(np.intp)
            out += np.take(block, codes, axis=0)
        return out

    def forward(self, X: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
        """Raw scores and the hidden activations (kept for backprop)."""
        a = self._first_layer(X)
        hidden = []
        for W, b in self.layers[1:]:
            h = np.tanh(a)
            hidden.append(h)
            a = h @ W + b
        return a, hidden

    def backward(self, X: np.ndarray, grad_out: np.ndarray, hidden: list[np.ndarray]) -> np.ndarray:
        """d(Σ grad_out · scores)/dX for each row: the gradient in feature space (0 for categoricals)."""
        g = grad_out @ self.layers[-1][0].T
        for i in range(len(self.layers) - 2, -1, -1):
            g = g * (1.0 - hidden[i] ** 2)
            g = g @ self.layers[i][0].T
        out = np.zeros((len(X), X.shape[1]))
        out[:, self.num_idx] = g[:, : len(self.num_idx)] / self.scale
        return out


def _network(estimator: Any) -> _Network:
    y_mean, y_scale = 0.0, 1.0
    if isinstance(estimator, TransformedTargetRegressor):
        y_mean = float(estimator.transformer_.mean_[0])
        y_scale = float(estimator.transformer_.scale_[0])
        estimator = estimator.regressor_
    pre: ColumnTransformer = estimator.named_steps["pre"]
    head = estimator.named_steps["model"]
    scaler = pre.named_transformers_["num"]
    num_idx = np.asarray(next(cols for name, _, cols in pre.transformers_ if name == "num"), dtype=int)
    cat_idx = np.asarray(next((cols for name, _, cols in pre.transformers_ if name == "cat"), []), dtype=int)
    cat_sizes = [len(c) for c in pre.named_transformers_["cat"].categories_] if len(cat_idx) else []
    if hasattr(head, "coefs_"):
        layers = [(np.asarray(W), np.asarray(b)) for W, b in zip(head.coefs_, head.intercepts_, strict=True)]
    else:
        coef = np.atleast_2d(head.coef_)
        layers = [(coef.T.copy(), np.atleast_1d(head.intercept_).astype(float))]
    return _Network(num_idx, scaler.mean_, scaler.scale_, cat_idx, cat_sizes, layers, y_mean, y_scale)


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


@dataclass
class Fitted:
    """A trained sandbox model with the one vocabulary explainers use: `predict_value` is the number an
    explanation explains (P(target class), or the regression output)."""

    dataset: str
    model: str
    fingerprint: str
    estimator: Any
    bundle: data.Bundle = field(init=False)
    info: data.DatasetInfo = field(init=False)
    label: str = field(init=False)
    differentiable: bool = field(init=False)
    _net: _Network | None = field(init=False, default=None, repr=False)

    def __post_init__(self) -> None:
        self.bundle = data.load(self.dataset)
        self.info = self.bundle.info
        spec = MODELS[self.model]
        self.label = spec.label(self.info)
        self.differentiable = spec.differentiable
        if self.differentiable:
            self._net = _network(self.estimator)

    @property
    def is_classifier(self) -> bool:
        return self.info.task == "classification"

    @property
    def n_classes(self) -> int:
        return len(self.info.class_names)

    def _target(self, target: int | None) -> int:
        return self.info.target_class if target is None else int(target)

    def value_name(self, target: int | None = None) -> str:
        """What `predict_value` measures, in words: "probability of 'bad'"."""
        if not self.is_classifier:
            return f"predicted {self.info.target_label.lower()}" if self.info.target_label else "predicted value"
        return f"probability of {self.info.class_names[self._target(target)]!r}"

    # -- forward
    def _scores(self, X: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
        assert self._net is not None
        return self._net.forward(np.atleast_2d(np.asarray(X, dtype=float)))

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        if not self.is_classifier:
            raise ValueError("A regression model has no class probabilities.")
        X = np.atleast_2d(np.asarray(X, dtype=float))
        if self._net is None:
            return np.asarray(self.estimator.predict_proba(X))
        scores, _ = self._scores(X)
        if scores.shape[1] == 1:
            p1 = _sigmoid(scores[:, 0])
            return np.column_stack([1.0 - p1, p1])
        return _softmax(scores)

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Regression output (regression models only)."""
        X = np.atleast_2d(np.asarray(X, dtype=float))
        if self._net is None:
            return np.asarray(self.estimator.predict(X), dtype=float)
        scores, _ = self._scores(X)
        return self._net.y_mean + self._net.y_scale * scores[:, 0]

    def predict_value(self, X: np.ndarray, target: int | None = None) -> np.ndarray:
        if not self.is_classifier:
            return self.predict(X)
        return self.predict_proba(X)[:, self._target(target)]

    def predict_label(self, X: np.ndarray) -> np.ndarray:
        """Class index per row (classifiers) or the predicted value (regression)."""
        if not self.is_classifier:
            return self.predict(X)
        return np.argmax(self.predict_proba(X), axis=1)

    def logit(self, X: np.ndarray, target: int | None = None) -> np.ndarray:
        """The log-odds of the target class (binary), its pre-softmax score (multiclass) or the output
        (regression): the unbounded score integrated gradients and PGD work on."""
        X = np.atleast_2d(np.asarray(X, dtype=float))
        if not self.is_classifier:
            return self.predict(X)
        t = self._target(target)
        if self._net is None:
            raw = np.asarray(self.estimator.decision_function(X))
        else:
            raw, _ = self._scores(X)
        if raw.ndim == 1 or raw.shape[1] == 1:
            z = raw.reshape(-1)
            return z if t == 1 else -z
        return raw[:, t]

    # -- gradients
    def _require_net(self) -> _Network:
        if self._net is None:
            raise ValueError(f"{self.label} is not differentiable (trees are piecewise constant).")
        return self._net

    def _backprop(self, X: np.ndarray, grad_out_fn: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
        net = self._require_net()
        X = np.atleast_2d(np.asarray(X, dtype=float))
        scores, hidden = net.forward(X)
        return net.backward(X, grad_out_fn(scores), hidden)

    def gradient(self, X: np.ndarray, target: int | None = None) -> np.ndarray:
        """d predict_value / dx per row, numeric features only (0 for categorical codes)."""
        t = self._target(target)
        net = self._require_net()

        def grad_out(scores: np.ndarray) -> np.ndarray:
            if not self.is_classifier:
                return np.full_like(scores, net.y_scale)
            if scores.shape[1] == 1:
                p1 = _sigmoid(scores)
                return p1 * (1.0 - p1) * (1.0 if t == 1 else -1.0)
            p = _softmax(scores)
            onehot = np.zeros_like(p)
            onehot[:, t] = 1.0
            return p[:, [t]] * (onehot - p)

        return self._backprop(X, grad_out)

    def logit_gradient(self, X: np.ndarray, target: int | None = None) -> np.ndarray:
        """d logit / dx per row (see `logit`), numeric features only."""
        t = self._target(target)
        net = self._require_net()

        def grad_out(scores: np.ndarray) -> np.ndarray:
            if not self.is_classifier:
                return np.full_like(scores, net.y_scale)
            if scores.shape[1] == 1:
                return np.full_like(scores, 1.0 if t == 1 else -1.0)
            g = np.zeros_like(scores)
            g[:, t] = 1.0
            return g

        return self._backprop(X, grad_out)

    def score(self) -> float:
        """Test accuracy (classifiers) or R² (regression)."""
        b = self.bundle
        if self.is_classifier:
            return float(np.mean(self.predict_label(b.X_test) == b.y_test.astype(int)))
        pred = self.predict(b.X_test)
        return float(1.0 - np.sum((b.y_test - pred) ** 2) / np.sum((b.y_test - b.y_test.mean()) ** 2))


def all_keys() -> list[tuple[str, str]]:
    return [(d, m) for d in data.DATASET_SLUGS for m in MODELS]


def is_cached(dataset: str, model: str) -> bool:
    """Whether the model is in this process's memory or the disk cache (loading it trains nothing)."""
    if (dataset, model) in _MEMORY:
        return True
    return _cache_path(dataset, model, fingerprint(dataset, model)).exists()


def _cache_path(dataset: str, model: str, fp: str) -> Path:
    """Where the fitted model with fingerprint `fp` is kept on disk."""
    return cache_dir() / f"{dataset}-{model}-{fp}.joblib"
