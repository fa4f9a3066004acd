"""Global views of a model: partial dependence and ICE curves, a global surrogate tree with its
measured fidelity, and transparent models read as rules (Lipton's simulatability) or as a sum of
per-feature terms (decomposability).

Everything works on "feature space" rows (categoricals as integer codes) and a prediction callable,
so it applies to any model of the sandbox.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

Predict = Callable[[np.ndarray], np.ndarray]


def grid_for(values: np.ndarray, categorical: bool, n: int = 20, step: float | None = None) -> np.ndarray:
    """Where to evaluate a feature: every category, or `n` quantiles of the training values (so the
    grid follows the data and does not dwell in empty ranges). With the data's resolution `step` the
    quantiles are put on it, so a count is evaluated at whole numbers (1,185, not 1,185.5), values the
    feature can take."""
    values = np.asarray(values, dtype=float)
    if categorical:
        return np.unique(np.rint(values))
    grid = np.quantile(values, np.linspace(0.0, 1.0, n))
    if step:
        grid = np.clip(np.round(grid / step) * step, values.min(), values.max())
    return np.asarray(np.unique(grid))


def _decimals(step: float) -> int:
    """Decimals needed to write a multiple of `step` (1 → 0, 0.01 → 2, 0.5 → 1)."""
    for decimals in range(7):
        if abs(step * 10**decimals - round(step * 10**decimals)) < 1e-6:
            return decimals
    return 6


def format_number(value: float, step: float | None = None, digits: int = 4) -> str:
    """A number in the data's units for a reader: thousands separators, never an exponent. With the
    feature's resolution `step` (1 for a count or an amount in whole DM), exactly the decimals the data
    has: 10,841 and 15.04, not 1.084e+04 and 15.0400. Without it, `digits` significant digits (whole
    numbers from 1,000 up)."""
    v = float(value)
    if not np.isfinite(v):
        return str(v)
    if step:
        return f"{v:,.{_decimals(step)}f}"
    a = abs(v)
    if a >= 1000 or a == 0:
        return f"{v:,.0f}"
    decimals = min(6, max(0, digits - 1 - int(np.floor(np.log10(a)))))
    text = f"{v:,.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def quote(label: str) -> str:
    """A category label inside a sentence, so that one with its own commas or negation ("no checking
    account") is read as one name."""
    return f"“{label}”"


def category_list(labels: Sequence[str]) -> str:
    return ", ".join(quote(c) for c in labels)


def ice_curves(predict: Predict, X: np.ndarray, feature: int, grid: np.ndarray) -> np.ndarray:
    """ICE: for each row of `X`, the prediction as `feature` is set to each grid value while the
    row's other features stay as they are. Returns rows × grid. One batched call to `predict`."""
    X = np.asarray(X, dtype=float)
    n, g = len(X), len(grid)
    big = np.repeat(X, g, axis=0)
    big[:, feature] = np.tile(grid, n)
    return np.asarray(predict(big), dtype=float).reshape(n, g)


def partial_dependence(ice: np.ndarray) -> np.ndarray:
    """PDP (Friedman 2001): the average ICE curve — the model's mean prediction when everyone is
    given the same value of the feature."""
    return np.asarray(ice.mean(axis=0))


def ice_heterogeneity(ice: np.ndarray) -> float:
    """How much the individual curves disagree in shape once centred at their first point: the mean
    standard deviation across rows. Near 0: the PDP tells everyone's story; large: it averages away
    opposite effects (interactions)."""
    centred = ice - ice[:, :1]
    return float(centred.std(axis=0).mean())


@dataclass
class Surrogate:
    tree: DecisionTreeClassifier | DecisionTreeRegressor
    classification: bool
    fidelity_train: float
    fidelity_heldout: float
    n_heldout: int


def agreement(a: np.ndarray, b: np.ndarray, classification: bool) -> float:
    """Fidelity between two sets of outputs: share of identical labels (classification) or R² of `b`
    as a prediction of `a` (regression)."""
    a = np.asarray(a)
    b = np.asarray(b)
    if classification:
        return float((a == b).mean())
    ss = float(((a - a.mean()) ** 2).sum())
    return float(1.0 - ((a - b) ** 2).sum() / ss) if ss > 0 else 0.0


def fit_surrogate(
    model_out_train: np.ndarray,
    X_train: np.ndarray,
    model_out_heldout: np.ndarray,
    X_heldout: np.ndarray,
    *,
    classification: bool,
    max_depth: int = 3,
    seed: int = 0,
) -> Surrogate:
    """A decision tree trained to imitate the model (its labels, not the true ones: model
    distillation) on the training rows; fidelity is measured where the tree was not trained."""
    tree: DecisionTreeClassifier | DecisionTreeRegressor
    if classification:
        tree = DecisionTreeClassifier(max_depth=max_depth, random_state=seed, min_samples_leaf=5)
    else:
        tree = DecisionTreeRegressor(max_depth=max_depth, random_state=seed, min_samples_leaf=5)
    tree.fit(X_train, model_out_train)
    return Surrogate(
        tree=tree,
        classification=classification,
        fidelity_train=agreement(model_out_train, tree.predict(X_train), classification),
        fidelity_heldout=agreement(model_out_heldout, tree.predict(X_heldout), classification),
        n_heldout=len(X_heldout),
    )


def _condition(
    feature: int,
    threshold: float,
    left: bool,
    names: Sequence[str],
    categories: Sequence[Sequence[str]],
    steps: Sequence[float] | None = None,
) -> str:
    cats = categories[feature]
    if cats:
        # Integer codes: "code ≤ 2.5" means the first three categories; say which (or which not,
        # when that list is shorter).
        cut = int(np.floor(threshold)) + 1
        chosen = list(cats[:cut]) if left else list(cats[cut:])
        rest = list(cats[cut:]) if left else list(cats[:cut])
        if not chosen:
            return f"{names[feature]} is (none)"
        negated = bool(rest) and len(rest) < len(chosen)
        named = rest if negated else chosen
        verb = "is not" if negated else "is"
        return f"{names[feature]} {verb} {'' if len(named) == 1 else 'one of '}{category_list(named)}"
    op = "≤" if left else ">"
    step = steps[feature] if steps is not None else None
    if step:
        # The split lies halfway between two values the data takes; on the data's own grid "≤ 22.5"
        # and "> 22.5" are exactly "≤ 22" and "> 22", which is how a person would say it.
        threshold = np.floor(threshold / step + 1e-9) * step
    return f"{names[feature]} {op} {format_number(threshold, step)}"


def _leaf_text(value: np.ndarray, classification: bool, class_names: Sequence[str]) -> tuple[str, float]:
    if classification:
        probs = value / value.sum() if value.sum() > 0 else value
        k = int(np.argmax(probs))
        name = class_names[k] if k < len(class_names) else str(k)
        return name, float(probs[k])
    return format_number(float(value[0])), float("nan")


@dataclass
class Rule:
    conditions: list[str]
    outcome: str
    share: float  # share of the leaf's training rows with the outcome (classification) or nan
    samples: int
    leaf: int


def tree_rules(
    tree: DecisionTreeClassifier | DecisionTreeRegressor,
    names: Sequence[str],
    categories: Sequence[Sequence[str]],
    class_names: Sequence[str] = (),
    steps: Sequence[float] | None = None,
) -> list[Rule]:
    """Every root-to-leaf path as an IF … THEN … rule (categorical splits named by their categories;
    numeric thresholds on the data's resolution `steps` per feature, when given)."""
    t = tree.tree_
    classification = isinstance(tree, DecisionTreeClassifier)
    classes = [class_names[int(c)] if int(c) < len(class_names) else str(c) for c in getattr(tree, "classes_", [])]
    rules: list[Rule] = []

    def walk(node: int, conds: list[str]) -> None:
        if t.children_left[node] == -1:
            outcome, share = _leaf_text(t.value[node][0], classification, classes)
            rules.append(Rule(conds, outcome, share, int(t.n_node_samples[node]), node))
            return
        f, thr = int(t.feature[node]), float(t.threshold[node])
        walk(int(t.children_left[node]), [*conds, _condition(f, thr, True, names, categories, steps)])
        walk(int(t.children_right[node]), [*conds, _condition(f, thr, False, names, categories, steps)])

    walk(0, [])
    return rules


def decision_path(
    tree: DecisionTreeClassifier | DecisionTreeRegressor,
    x: np.ndarray,
    names: Sequence[str],
    categories: Sequence[Sequence[str]],
    steps: Sequence[float] | None = None,
) -> tuple[list[str], int]:
    """The tests one row passes through, in order, and its leaf: the steps a person simulates."""
    t = tree.tree_
    node, path = 0, []
    while t.children_left[node] != -1:
        f, thr = int(t.feature[node]), float(t.threshold[node])
        left = bool(x[f] <= thr)
        path.append(_condition(f, thr, left, names, categories, steps))
        node = int(t.children_left[node] if left else t.children_right[node])
    return path, node


def linear_terms(coef: np.ndarray, intercept: float, z: np.ndarray, z_mean: np.ndarray) -> tuple[np.ndarray, float]:
    """Decomposability of a linear model: its score for `z` is the baseline score (the average
    input's) plus one term per input, coefᵢ (zᵢ − meanᵢ). Returns the terms and the baseline."""
    terms = coef * (z - z_mean)
    return np.asarray(terms), float(intercept + coef @ z_mean)
