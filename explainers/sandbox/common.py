"""What every demo does first: turn a `DemoRequest` into the instance to explain and the model's prediction
for it, and list the test rows the instance picker offers."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import data, models
from .base import DemoRequest, Prediction


@dataclass
class Resolved:
    bundle: data.Bundle
    fitted: models.Fitted
    index: int
    # The explained row in feature space, after the what-if edits; `original` is the test row before them.
    x: np.ndarray
    original: np.ndarray
    # The class whose probability is explained: the dataset's target class for binary tasks, the predicted
    # class of `x` for digits; 0 for a regression (unused).
    target: int
    value: float
    prediction: Prediction
    instance: dict[str, str | float]
    notes: list[str] = field(default_factory=list)

    @property
    def value_name(self) -> str:
        return self.fitted.value_name(self.target)


def prediction(fitted: models.Fitted, x: np.ndarray, target: int | None = None) -> tuple[Prediction, int]:
    info = fitted.info
    if not fitted.is_classifier:
        v = float(fitted.predict(x[None, :])[0])
        return Prediction(label=f"{v:.1f}", value=v, target=info.target_label), 0
    proba = fitted.predict_proba(x[None, :])[0]
    predicted = int(np.argmax(proba))
    if target is None:
        target = predicted if len(info.class_names) > 2 else info.target_class
    scores = {name: float(p) for name, p in zip(info.class_names, proba, strict=True)}
    return (
        Prediction(
            label=info.class_names[predicted],
            value=float(proba[target]),
            target=info.class_names[target],
            scores=scores,
        ),
        target,
    )


def resolve(request: DemoRequest) -> Resolved:
    """The bundle, fitted model, edited instance and prediction of a request. Bad input never raises: an
    index outside the test split is clipped and noted, edits are parsed by `Bundle.parse` (notes)."""
    if request.dataset not in data.DATASETS:
        raise KeyError(f"Unknown sandbox dataset {request.dataset!r}")
    bundle = data.load(request.dataset)
    fitted = models.get(request.dataset, request.model)
    notes: list[str] = []
    index = int(request.index)
    if not 0 <= index < bundle.test_rows:
        clipped = min(max(index, 0), bundle.test_rows - 1)
        notes.append(f"There is no test row {index}; showing row {clipped}.")
        index = clipped
    original = np.array(bundle.X_test[index], dtype=float)
    x, parse_notes = bundle.parse(dict(request.overrides), original)
    notes.extend(parse_notes)
    pred, target = prediction(fitted, x)
    return Resolved(
        bundle=bundle,
        fitted=fitted,
        index=index,
        x=x,
        original=original,
        target=target,
        value=pred.value,
        prediction=pred,
        instance=bundle.display(x),
        notes=notes,
    )


def instances(
    dataset: str,
    model: str,
    *,
    predicted: str | None = None,
    feature: str | None = None,
    lo: float | None = None,
    hi: float | None = None,
    limit: int = 100,
) -> pd.DataFrame:
    """Test rows for the instance picker: `index`, `predicted` (class name, or the value for a regression),
    `value` (what explanations explain: P(target class), P(predicted class) for digits, or the prediction),
    `true`, then each feature as displayed. Filters: `predicted` class name; `feature` within [lo, hi]
    (category codes for a categorical feature). Unknown filters are ignored rather than raising."""
    bundle = data.load(dataset)
    fitted = models.get(dataset, model)
    X = np.asarray(bundle.X_test)
    info = bundle.info
    if fitted.is_classifier:
        proba = fitted.predict_proba(X)
        labels = np.argmax(proba, axis=1)
        value = proba[np.arange(len(X)), labels] if len(info.class_names) > 2 else proba[:, info.target_class]
        pred_col: list[str | float] = [info.class_names[i] for i in labels]
        true_col: list[str | float] = [info.class_names[int(t)] for t in bundle.y_test]
    else:
        value = fitted.predict(X)
        pred_col = [round(float(v), 1) for v in value]
        true_col = [float(t) for t in bundle.y_test]
    mask = np.ones(len(X), dtype=bool)
    if predicted and fitted.is_classifier and predicted in info.class_names:
        mask &= np.array([p == predicted for p in pred_col])
    if feature and feature in bundle.feature_names:
        column = X[:, bundle.feature_names.index(feature)]
        if lo is not None:
            mask &= column >= lo
        if hi is not None:
            mask &= column <= hi
    rows = np.flatnonzero(mask)[: max(0, int(limit))]
    frame = pd.DataFrame(
        {
            "index": rows,
            "predicted": [pred_col[i] for i in rows],
            "value": np.round(value[rows], 4),
            "true": [true_col[i] for i in rows],
        }
    )
    if info.modality == "tabular":
        shown = bundle.display_frame(X[rows]) if len(rows) else pd.DataFrame(columns=bundle.feature_names)
        frame = pd.concat([frame, shown.reset_index(drop=True)], axis=1)
    return frame
