"""Numeric tests of the influence, example-based, global, calibration, sensitivity, projection and
drift methods of the explainer sandbox (issue 12), then the demos themselves on the sandbox models."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy.stats import spearmanr
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression

from explainers.sandbox.methods import calibration, drift, examples, global_, influence, projection, sensitivity


def _small_logistic(n: int = 80, d: int = 5, C: float = 1.0) -> tuple[influence.GLMFit, np.ndarray, np.ndarray]:
    X, y = load_breast_cancer(return_X_y=True)
    rng = np.random.default_rng(3)
    rows = rng.choice(len(y), n + 10, replace=False)
    X = X[rows][:, :d]
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    y = y[rows].astype(float)
    model = LogisticRegression(C=C, tol=1e-12, max_iter=10_000).fit(X[:n], y[:n])
    fit = influence.GLMFit(X[:n], y[:n], model.coef_[0].copy(), float(model.intercept_[0]), 1.0 / C)
    return fit, X[n:], y[n:]


def test_influence_matches_leave_one_out_retraining() -> None:
    fit, X_test, y_test = _small_logistic()
    assert fit.stationarity() < 1e-5  # l2 = 1/C is the penalty scikit-learn fitted with
    for t in range(3):
        res = influence.influence(fit, X_test[t], y_test[t])
        actual = influence.leave_one_out(fit, X_test[t], np.arange(len(fit.y)))
        rho = spearmanr(res.on_prediction, actual).statistic
        assert rho > 0.9, rho
        # Same for the test loss (Koh & Liang's quantity): its change is ∂loss/∂p × change in p.
        p_full = float(fit.mean(X_test[t : t + 1])[0])
        dloss_dp = -1.0 / p_full if y_test[t] == 1 else 1.0 / (1.0 - p_full)
        assert res.on_loss is not None
        assert spearmanr(res.on_loss, dloss_dp * actual).statistic > 0.9
        assert np.sign(res.on_prediction[np.argmax(np.abs(actual))]) == np.sign(actual[np.argmax(np.abs(actual))])


def test_cooks_distance_is_the_refit_statistic_for_least_squares() -> None:
    rng = np.random.default_rng(1)
    Z = rng.normal(size=(30, 3))
    y = Z @ np.array([1.0, -2.0, 0.5]) + 0.3 + rng.normal(scale=0.5, size=30)
    y[4] += 6.0  # an outlier, so the distances differ visibly
    A = np.hstack([Z, np.ones((30, 1))])
    theta = np.linalg.lstsq(A, y, rcond=None)[0]
    fit = influence.GLMFit(Z, y, theta[:-1], float(theta[-1]), 0.0, "gaussian")
    cooks, leverage = influence.cooks_distance(fit)
    s2 = ((A @ theta - y) ** 2).sum() / (30 - 4)
    for i in range(30):
        keep = np.arange(30) != i
        th_i = np.linalg.lstsq(A[keep], y[keep], rcond=None)[0]
        direct = ((A @ theta - A @ th_i) ** 2).sum() / (4 * s2)
        assert cooks[i] == pytest.approx(direct, rel=1e-8)
    assert int(np.argmax(cooks)) == 4
    assert leverage.sum() == pytest.approx(4.0)  # trace of the hat matrix = number of parameters


def test_atypicality_ranks_an_isolated_point_highest() -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 2))
    X[7] = [9.0, 9.0]
    a = influence.atypicality(X, k=5)
    assert a[7] == 100.0 and a.min() == 0.0


def test_atypicality_matches_a_neighbour_index() -> None:
    from sklearn.neighbors import NearestNeighbors

    X = np.random.default_rng(2).normal(size=(120, 6))
    X[5] = X[6]  # a duplicate pair: each is the other's nearest neighbour, at distance 0
    dist, _ = NearestNeighbors(n_neighbors=11).fit(X).kneighbors(X)
    score = dist[:, 1:].mean(axis=1)
    expected = 100.0 * score.argsort().argsort() / 119
    assert influence.atypicality(X, k=10) == pytest.approx(expected)


def test_nearest_neighbours_use_scaled_and_categorical_distance() -> None:
    X = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [10.0, 0.0]])
    categorical = np.array([False, True])
    scale = np.array([2.0, 1.0])
    d = examples.distances(X, np.array([0.0, 0.0]), scale, categorical)
    assert d == pytest.approx([0.0, 0.5, 1.0, 5.0])
    idx, dist = examples.nearest(X, np.array([0.0, 0.0]), scale, categorical, k=2, mask=np.array([0, 1, 1, 1], bool))
    assert list(idx) == [1, 2] and dist == pytest.approx([0.5, 1.0])
    # The embedding reproduces the distance (categorical mismatch = 1).
    E = examples.embed(X, scale, categorical)
    assert np.linalg.norm(E[0] - E[2]) == pytest.approx(1.0)
    assert np.linalg.norm(E[0] - E[3]) == pytest.approx(5.0)


def test_mmd_critic_prototypes_cover_clusters_and_criticism_finds_the_odd_group() -> None:
    rng = np.random.default_rng(0)
    A = rng.normal(loc=(0, 0), scale=0.5, size=(60, 2))
    B = rng.normal(loc=(5, 5), scale=0.5, size=(40, 2))
    odd = rng.normal(loc=(0, 5), scale=0.1, size=(4, 2))  # a small group no prototype stands for
    E = np.vstack([A, B, odd])
    res = examples.mmd_critic(E, n_prototypes=4, n_criticisms=2, gamma=0.5)
    assert {int(i >= 60) for i in res.prototypes} == {0, 1}
    assert not any(i >= 100 for i in res.prototypes)
    assert res.criticisms[0] >= 100
    assert res.witness[res.criticisms[0]] > 0
    assert res.mmd2[1] < res.mmd2[0]
    # Diversity: the second criticism is not another member of the odd group.
    assert res.criticisms[1] < 100


def test_pdp_is_the_mean_of_ice_curves_and_ice_sets_the_feature() -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(25, 3))

    def f(Z: np.ndarray) -> np.ndarray:
        return np.asarray(Z[:, 0] * Z[:, 1] + np.sin(Z[:, 2]))

    grid = global_.grid_for(X[:, 0], False, n=7)
    ice = global_.ice_curves(f, X, 0, grid)
    for i in (0, 11, 24):
        for g, v in enumerate(grid):
            row = X[i].copy()
            row[0] = v
            assert ice[i, g] == pytest.approx(f(row[None, :])[0])
    pdp = global_.partial_dependence(ice)
    assert pdp == pytest.approx([np.mean([f(np.c_[np.full(25, v), X[:, 1:]])]) for v in grid])
    # The interaction x0·x1 makes the individual curves disagree; an additive feature does not.
    assert global_.ice_heterogeneity(ice) > 0.1
    assert global_.ice_heterogeneity(global_.ice_curves(f, X, 2, global_.grid_for(X[:, 2], False))) < 1e-9


def test_surrogate_fidelity_is_measured_on_the_held_out_split() -> None:
    """Fidelity counted by hand (equal labels; R² written out) on the held-out rows, for a classifier
    and a regressor; the training-set figure differs there, so reporting it instead would fail."""
    from sklearn.datasets import load_diabetes
    from sklearn.linear_model import Ridge

    X, y = load_breast_cancer(return_X_y=True)
    order = np.random.default_rng(0).permutation(len(y))
    tr, te = order[:400], order[400:]
    mu, sd = X[tr].mean(0), X[tr].std(0)
    clf = LogisticRegression(max_iter=5000).fit((X[tr] - mu) / sd, y[tr])
    m_tr, m_te = clf.predict((X[tr] - mu) / sd), clf.predict((X[te] - mu) / sd)
    differs = 0
    for depth in (1, 3, 5):
        s = global_.fit_surrogate(m_tr, X[tr], m_te, X[te], classification=True, max_depth=depth)
        t_te, t_tr = s.tree.predict(X[te]), s.tree.predict(X[tr])
        held = sum(int(a == b) for a, b in zip(t_te, m_te, strict=True)) / len(te)
        train = sum(int(a == b) for a, b in zip(t_tr, m_tr, strict=True)) / len(tr)
        assert s.fidelity_heldout == pytest.approx(held, abs=1e-15)
        assert s.fidelity_train == pytest.approx(train, abs=1e-15)
        assert s.n_heldout == len(te)
        differs += held != train
    assert differs  # the two figures differ here, so swapping them would fail

    Xd, yd = load_diabetes(return_X_y=True)
    reg = Ridge(alpha=0.1).fit(Xd[:330], yd[:330])
    r_tr, r_te = reg.predict(Xd[:330]), reg.predict(Xd[330:])
    for depth in (2, 6):
        s = global_.fit_surrogate(r_tr, Xd[:330], r_te, Xd[330:], classification=False, max_depth=depth)
        t_te = s.tree.predict(Xd[330:])
        r2 = 1.0 - float(np.sum((r_te - t_te) ** 2)) / float(np.sum((r_te - r_te.mean()) ** 2))
        t_tr = s.tree.predict(Xd[:330])
        r2_train = 1.0 - float(np.sum((r_tr - t_tr) ** 2)) / float(np.sum((r_tr - r_tr.mean()) ** 2))
        assert s.fidelity_heldout == pytest.approx(r2, abs=1e-12)
        assert s.fidelity_train == pytest.approx(r2_train, abs=1e-12)
        assert abs(r2 - r2_train) > 1e-3 and s.fidelity_heldout != pytest.approx(r2_train, abs=1e-6)

    rules = global_.tree_rules(s.tree, [f"f{j}" for j in range(Xd.shape[1])], [()] * Xd.shape[1], ())
    assert sum(r.samples for r in rules) == 330
    names = [f"f{j}" for j in range(Xd.shape[1])]
    steps, leaf = global_.decision_path(s.tree, Xd[340], names, [()] * Xd.shape[1])
    assert leaf in {r.leaf for r in rules} and len(steps) <= 6


def test_tree_rules_name_categories_for_categorical_splits() -> None:
    from sklearn.tree import DecisionTreeClassifier

    X = np.array([[0.0], [1.0], [2.0], [0.0], [1.0], [2.0]])
    y = np.array([0, 0, 1, 0, 0, 1])
    tree = DecisionTreeClassifier(max_depth=1).fit(X, y)
    rules = global_.tree_rules(tree, ["housing"], [("rent", "own", "free")], ("good", "bad"))
    # The shorter side is named: "not free" rather than "rent or own"; labels are quoted, so a negated
    # label ("no checking account") does not read as a double negative.
    assert [r.conditions for r in rules] == [["housing is not “free”"], ["housing is “free”"]]
    assert [r.outcome for r in rules] == ["good", "bad"]
    X4 = np.array([[0.0], [1.0], [2.0], [3.0]] * 3)
    y4 = np.array([1, 0, 0, 0] * 3)
    tree4 = DecisionTreeClassifier(max_depth=1).fit(X4, y4)
    rules4 = global_.tree_rules(tree4, ["job"], [("none", "unskilled", "skilled", "manager")], ("good", "bad"))
    assert [r.conditions for r in rules4] == [["job is “none”"], ["job is not “none”"]]
    y5 = np.array([1, 1, 0, 0, 0] * 3)
    X5 = np.array([[0.0], [1.0], [2.0], [3.0], [4.0]] * 3)
    cats5 = ("no checking account", "< 0 DM", "0-200 DM", ">= 200 DM", "salary, 1 year")
    tree5 = DecisionTreeClassifier(max_depth=1).fit(X5, y5)
    rules5 = global_.tree_rules(tree5, ["checking"], [cats5], ("good", "bad"))
    assert [r.conditions for r in rules5] == [
        ["checking is one of “no checking account”, “< 0 DM”"],
        ["checking is not one of “no checking account”, “< 0 DM”"],
    ]


def test_tree_thresholds_are_written_in_the_data_units() -> None:
    """A split between two whole amounts reads "≤ 10,841" / "> 10,841" (exactly the cases on each side),
    not "≤ 1.084e+04"; a measured feature keeps its own decimals."""
    from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

    amounts = np.array([[10_000.0], [10_841.0], [10_842.0], [15_000.0]] * 3)
    tree = DecisionTreeClassifier(max_depth=1).fit(amounts, np.array([0, 0, 1, 1] * 3))
    assert float(tree.tree_.threshold[0]) == 10_841.5
    rules = global_.tree_rules(tree, ["Credit amount (DM)"], [()], ("good", "bad"), steps=[1.0])
    assert [r.conditions for r in rules] == [["Credit amount (DM) ≤ 10,841"], ["Credit amount (DM) > 10,841"]]
    path, _ = global_.decision_path(tree, np.array([10_841.0]), ["Credit amount (DM)"], [()], steps=[1.0])
    assert path == ["Credit amount (DM) ≤ 10,841"]
    radius = np.array([[15.03], [15.04], [15.05], [15.2]] * 3)
    tree_r = DecisionTreeClassifier(max_depth=1).fit(radius, np.array([0, 0, 1, 1] * 3))
    assert global_.tree_rules(tree_r, ["Radius"], [()], ("a", "b"), steps=[0.01])[0].conditions == ["Radius ≤ 15.04"]
    leaf = DecisionTreeRegressor(max_depth=1).fit(amounts, np.array([15_940.0] * 12))
    assert global_.tree_rules(leaf, ["x"], [()])[0].outcome == "15,940"
    assert global_.format_number(15_940.2) == "15,940"
    assert global_.format_number(0.000123) == "0.000123"
    assert global_.format_number(4.0, step=1.0) == "4"  # a count has no decimals
    assert list(global_.grid_for(np.arange(1.0, 100.0), False, n=4, step=1.0)) == [1.0, 34.0, 66.0, 99.0]


def test_linear_terms_sum_to_the_score() -> None:
    coef, b = np.array([0.5, -1.0, 2.0]), 0.25
    z, mu = np.array([1.0, 2.0, -1.0]), np.array([0.2, 0.5, 0.0])
    terms, base = global_.linear_terms(coef, b, z, mu)
    assert base + terms.sum() == pytest.approx(b + coef @ z)


def test_ece_and_reliability_on_a_hand_computed_case() -> None:
    # Four predictions at confidence 0.9 (3 right) and four at 0.6 (2 right), binary.
    proba = np.array([[0.9, 0.1]] * 4 + [[0.4, 0.6]] * 4)
    y = np.array([0, 0, 0, 1, 1, 1, 0, 0])
    r = calibration.reliability(proba, y, n_bins=10)
    assert list(r.bins["bin"]) == [5, 8]
    assert list(r.bins["count"]) == [4, 4]
    assert r.bins["accuracy"].tolist() == pytest.approx([0.5, 0.75])
    assert r.bins["confidence"].tolist() == pytest.approx([0.6, 0.9])
    # ECE = 4/8·|0.5 − 0.6| + 4/8·|0.75 − 0.9| = 0.05 + 0.075
    assert r.ece == pytest.approx(0.125)
    assert r.mce == pytest.approx(0.15)
    assert r.mean_confidence == pytest.approx(0.75) and r.accuracy == pytest.approx(0.625)
    # Bin edges: exactly 0.6 belongs to (0.5, 0.6], exactly 1.0 to the last bin.
    assert list(calibration.bin_of(np.array([0.6, 1.0, 0.0, 0.61]), 10)) == [5, 9, 0, 6]
    assert calibration.entropy(np.array([0.5, 0.5])) == pytest.approx(1.0)


def test_sensitivity_of_a_linear_function_is_coefficient_times_step() -> None:
    w = np.array([2.0, -1.0, 0.0])

    def f(Z: np.ndarray) -> np.ndarray:
        return np.asarray(Z[:, :2] @ w[:2] + 0.5 * (Z[:, 2] == 2))

    x = np.array([0.0, 0.0, 0.0])
    scale = np.array([1.0, 3.0, 1.0])
    cat = np.array([False, False, True])
    lo, hi = np.array([-5.0, -5.0, 0.0]), np.array([5.0, 5.0, 2.0])
    s = sensitivity.one_at_a_time(f, x, scale, cat, lo, hi, step=0.1, n_categories=np.array([0, 0, 3]))
    assert s.up[:2] == pytest.approx([0.2, -0.3])
    assert s.down[:2] == pytest.approx([-0.2, 0.3])
    assert s.categorical_max[2] == pytest.approx(0.5)
    assert s.largest == pytest.approx([0.2, 0.3, 0.5])
    st = sensitivity.random_noise(f, x, scale, cat, lo, hi, step=0.1, n=500, label=lambda Z: f(Z) > 0.0)
    assert st.changes.std() == pytest.approx(np.sqrt(0.2**2 + 0.3**2), rel=0.15)
    assert 0.3 < st.flip_rate < 0.7


def test_psi_and_shifted_batch() -> None:
    rng = np.random.default_rng(0)
    ref = rng.normal(size=(2000, 2))
    ref[:, 1] = rng.integers(0, 3, size=2000)
    cat = np.array([False, True])
    assert drift.psi(ref[:, 0], ref[:, 0]) == pytest.approx(0.0, abs=1e-12)
    shifted = drift.shift_batch(
        ref, [0, 1], cat, np.array([1.0, 1.0]), np.array([-9.0, 0]), np.array([9.0, 2]), size=1.0
    )
    assert shifted[:, 0].mean() - ref[:, 0].mean() == pytest.approx(1.0)
    assert drift.psi(ref[:, 0], shifted[:, 0]) > 0.25
    assert drift.psi(ref[:, 1], shifted[:, 1], categorical=True) > 0.1
    rep = drift.drift_report(ref, shifted, cat, np.array([1.0, 0.0]))
    assert rep.ks[0] > 0.3 and np.isnan(rep.ks[1])
    assert rep.risk[1] == 0.0 and rep.risk[0] == rep.psi[0]


def test_psi_noise_is_the_quantile_of_psi_over_random_batches() -> None:
    """The binned shortcut against its definition: PSI of the reference against each random batch."""
    rng = np.random.default_rng(4)
    ref = np.c_[rng.normal(size=300), rng.integers(0, 4, size=300), rng.integers(0, 3, size=300)].astype(float)
    cat = np.array([False, False, True])  # a number, a discrete number (4 values), a category
    fast = drift.psi_noise(ref, 60, cat, repeats=12, seed=9)
    draw = np.random.default_rng(9)
    slow = np.empty((12, 3))
    for r in range(12):
        batch = ref[draw.choice(300, size=60, replace=False)]
        slow[r] = [drift.psi(ref[:, j], batch[:, j], categorical=bool(cat[j])) for j in range(3)]
    assert fast == pytest.approx(np.percentile(slow, 95.0, axis=0), rel=1e-12)
    assert (fast > 0).all()


def test_label_free_importance_finds_the_used_feature() -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3))
    imp = drift.prediction_importance(lambda Z: 3 * Z[:, 1], X)
    assert int(np.argmax(imp)) == 1 and imp[0] == 0.0 and imp[2] == 0.0


def test_pca_and_mlp_hidden_layer() -> None:
    from sklearn.neural_network import MLPClassifier

    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 4))
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    proj, _pca = projection.pca_2d(projection.standardise(X))
    assert proj.coords.shape == (120, 2) and proj.explained[0] >= proj.explained[1]
    mlp = MLPClassifier(hidden_layer_sizes=(8,), max_iter=3000, random_state=0).fit(X, y)
    H = projection.mlp_hidden(mlp, X)
    # The output layer applied to our hidden layer reproduces the MLP's probability.
    logit = H @ mlp.coefs_[-1] + mlp.intercepts_[-1]
    assert (1 / (1 + np.exp(-logit[:, 0]))) == pytest.approx(mlp.predict_proba(X)[:, 1])
    assert projection.neighbourhood_purity(X[:, :2], y) > 0.8


# ------------------------------------------------------------------------------- the demos themselves


@pytest.fixture(scope="module")
def eg() -> Any:
    from explainers.sandbox.demos import examples_global

    return examples_global


def _demos(eg: Any) -> list[Any]:
    return [
        eg.DEMO_INFLUENCE,
        eg.DEMO_EXAMPLES,
        eg.DEMO_PDP,
        eg.DEMO_SURROGATE,
        eg.DEMO_TRANSPARENT,
        eg.DEMO_SENSITIVITY,
        eg.DEMO_CALIBRATION,
        eg.DEMO_PROJECTION,
        eg.DEMO_DRIFT,
    ]


def test_every_demo_runs_on_each_of_its_datasets_and_models(eg: Any) -> None:
    from explainers.sandbox.base import Block, DemoRequest
    from explainers.techniques import by_slug

    for demo in _demos(eg):
        for slug in demo.slugs:
            by_slug(slug)
        # Every dataset with the default model, and every model on the default dataset.
        pairs = {(d, demo.models[0]) for d in demo.datasets} | {(demo.datasets[0], m) for m in demo.models}
        for dataset, model in sorted(pairs):
            result = demo.run(DemoRequest(dataset, model, index=7))
            assert result.blocks, (demo.key, dataset, model)
            for block in result.blocks:
                if block.frame is not None and block.chart is not None:
                    for column in (block.chart.x, block.chart.y, block.chart.value, block.chart.series):
                        assert not column or column in block.frame.columns, (demo.key, block.title, column)
                    assert block.text
                again = Block.from_json(block.to_json())
                assert again.title == block.title and again.text == block.text
            assert all(b.text or b.frame is not None for b in result.blocks)


def test_surrogate_demo_reports_held_out_fidelity_not_the_training_figure(eg: Any) -> None:
    """The demo's reported fidelity against agreement counted by hand on the held-out split, from the
    model's own predictions and the predictions of the tree the demo shows (its rules table names it);
    R² for the regression. Where the training-set figure differs, the reported number must not be it."""
    from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

    from explainers.sandbox import models
    from explainers.sandbox.base import DemoRequest

    cases = (
        ("credit", "boosting", 3),
        ("breast-cancer", "mlp", 5),
        ("diabetes", "boosting", 4),
        ("diabetes", "linear", 8),
    )
    differs = 0
    for dataset, model, depth in cases:
        result = eg.DEMO_SURROGATE.run(DemoRequest(dataset, model, options={"depth": str(depth)}))
        table = result.blocks[0].frame.set_index("measure")["value"]
        reported = float(table["fidelity on held-out cases (reported)"])
        reported_train = float(table["fidelity on training cases"])
        fitted = models.get(dataset, model)
        b = fitted.bundle
        tree = eg.surrogate_for(fitted, depth).tree  # the tree whose rules the demo shows
        shown_rules = result.blocks[1].frame
        assert len(shown_rules) == tree.get_n_leaves()
        assert shown_rules["training cases"].sum() == len(b.X_train)
        if fitted.is_classifier:
            m_te, m_tr = fitted.predict_label(b.X_test), fitted.predict_label(b.X_train)
            held = sum(int(t == m) for t, m in zip(tree.predict(b.X_test), m_te, strict=True)) / len(m_te)
            train = sum(int(t == m) for t, m in zip(tree.predict(b.X_train), m_tr, strict=True)) / len(m_tr)
            # An independently grown tree with the same settings agrees with the demo's.
            own = DecisionTreeClassifier(max_depth=depth, min_samples_leaf=5, random_state=0).fit(b.X_train, m_tr)
            assert np.array_equal(own.predict(b.X_test), tree.predict(b.X_test))
            assert f"{100 * held:.0f}% of the {len(m_te)} held-out" in result.blocks[0].text
        else:
            m_te, m_tr = fitted.predict(b.X_test), fitted.predict(b.X_train)
            t_te, t_tr = tree.predict(b.X_test), tree.predict(b.X_train)
            held = 1.0 - float(np.sum((m_te - t_te) ** 2)) / float(np.sum((m_te - m_te.mean()) ** 2))
            train = 1.0 - float(np.sum((m_tr - t_tr) ** 2)) / float(np.sum((m_tr - m_tr.mean()) ** 2))
            own = DecisionTreeRegressor(max_depth=depth, min_samples_leaf=5, random_state=0).fit(b.X_train, m_tr)
            assert np.allclose(own.predict(b.X_test), t_te)
            assert f"R² = {held:.3f} on the {len(m_te)} held-out" in result.blocks[0].text
        assert reported == pytest.approx(held, abs=1e-12), (dataset, model)
        assert reported_train == pytest.approx(train, abs=1e-12), (dataset, model)
        curve = result.blocks[2].frame
        at_depth = curve[(curve["depth"] == depth) & (curve["measured on"] == "held-out cases")]["fidelity"]
        assert float(at_depth.iloc[0]) == pytest.approx(held, abs=1e-12)
        if abs(held - train) > 1e-9:
            differs += 1
            assert reported != pytest.approx(train, abs=1e-9), (dataset, model)
    assert differs >= 2  # the check above had cases to bite on


def test_influence_on_the_sandbox_model_tracks_leave_one_out(eg: Any) -> None:
    from explainers.sandbox import models
    from explainers.sandbox.base import DemoRequest

    fitted = models.get("credit", "linear")
    fit = influence.refit(eg._glm(fitted), np.ones(len(fitted.bundle.y_train), dtype=bool))  # exact optimum
    assert fitted._net is not None
    z = fitted._net.encode(fitted.bundle.X_test[5:6])
    est = influence.influence(fit, z).on_prediction
    rng = np.random.default_rng(0)
    rows = np.unique(np.concatenate([np.argsort(-np.abs(est))[:15], rng.choice(len(est), 15, replace=False)]))
    actual = influence.leave_one_out(fit, z, rows)
    assert spearmanr(est[rows], actual).statistic > 0.9

    result = eg.DEMO_INFLUENCE.run(DemoRequest("credit", "linear", index=5))
    check = next(b for b in result.blocks if b.title.startswith("Check")).frame
    est_c, act_c = check["estimated change"].to_numpy(), check["actual change"].to_numpy()
    assert np.all(np.sign(est_c) == np.sign(act_c))
    assert np.all(np.abs(est_c - act_c) <= 0.35 * np.abs(act_c))
    claim = next(b for b in result.blocks if b.claim)
    assert claim.text.startswith("In this run the claim")


def test_pdp_demo_average_is_the_mean_of_its_ice_curves(eg: Any) -> None:
    from explainers.sandbox.base import DemoRequest

    for options in ({}, {"feature": "duration_in_month", "centred": "on"}):
        result = eg.DEMO_PDP.run(DemoRequest("credit", "boosting", index=2, options=options))
        frame = result.blocks[0].frame
        x = frame.columns[0]
        cases = frame[frame["curve"].str.startswith("case ")]
        pdp = frame[frame["curve"] == "average (PDP)"].set_index(x)["value"]
        mean = cases.groupby(x, sort=False)["value"].mean()
        assert cases["curve"].nunique() == 30
        assert pdp.to_numpy() == pytest.approx(mean.loc[pdp.index].to_numpy(), abs=1e-12)
    assert x == "Duration (months)"


def test_calibration_demo_numbers_come_from_the_test_split(eg: Any) -> None:
    from explainers.sandbox import models
    from explainers.sandbox.base import DemoRequest

    result = eg.DEMO_CALIBRATION.run(DemoRequest("credit", "mlp", index=0))
    fitted = models.get("credit", "mlp")
    rel = calibration.reliability(fitted.predict_proba(fitted.bundle.X_test), fitted.bundle.y_test.astype(int))
    per_model = result.blocks[2].frame.set_index("model")
    assert per_model.loc[fitted.label, "ECE"] == pytest.approx(rel.ece)
    curves = result.blocks[1].frame
    assert curves[curves["model"] == fitted.label]["count"].sum() == len(fitted.bundle.y_test)
    assert set(curves["model"]) == {models.get("credit", m).label for m in ("linear", "boosting", "mlp")}
    assert f"{rel.ece:.3f}" in result.blocks[1].text


def test_drift_demo_flags_the_shifted_important_feature_and_not_noise(eg: Any) -> None:
    from explainers.sandbox.base import DemoRequest

    shifted = eg.DEMO_DRIFT.run(DemoRequest("credit", "boosting", options={"scenario": "important"})).blocks[0].frame
    top = shifted.iloc[0]
    assert bool(top["shifted in this simulation"]) and top["drift"] == "major"
    quiet = eg.DEMO_DRIFT.run(DemoRequest("credit", "boosting", options={"scenario": "none"})).blocks[0].frame
    assert not quiet["drift"].isin(["moderate", "major"]).any()


def _legend_problems(block: Any) -> list[str]:
    """Legend entries of a scatter that no point shows: a series value all of whose points lie under the
    chart helper's highlight diamond (drawn in one colour over them)."""
    spec, frame = block.chart, block.frame
    if spec is None or spec.kind != "scatter" or not spec.series:
        return []
    marked = (
        frame[spec.highlight].map(lambda v: v in (True, 1, "true", "True")).astype(bool)
        if spec.highlight
        else pd.Series(False, index=frame.index)
    )
    shown = set(frame.loc[~marked, spec.series].astype(str))
    return sorted(set(frame[spec.series].astype(str)) - shown)


def test_influence_chart_shows_every_group_it_lists(eg: Any) -> None:
    """Credit row 0: training row 746 is both among the most influential and among the nearest cases.
    Its group has a colour of its own that no marker covers, the legend lists only groups that occur,
    and the table (the frame's first rows) starts with the listed cases."""
    from explainers.sandbox.base import DemoRequest

    result = eg.DEMO_INFLUENCE.run(DemoRequest("credit", "linear", index=0))
    block = next(b for b in result.blocks if b.title == "Influence against similarity")
    frame = block.frame
    groups = frame.set_index("training row")["group"]
    assert groups[746] == "both"
    assert _legend_problems(block) == []
    assert set(frame["group"]) == {"most influential", "both", "nearest neighbour", "other"}
    listed = (frame["group"] != "other").to_numpy()
    assert listed[: listed.sum()].all()  # the listed cases come first
    assert "in both lists" in block.text
    # Only the groups that occur: with one case listed, nothing is both and "both" is not in the legend.
    one = eg.DEMO_INFLUENCE.run(DemoRequest("credit", "linear", index=0, options={"k": "1"}))
    one_frame = next(b for b in one.blocks if b.title == "Influence against similarity").frame
    if not (one_frame["group"] == "both").any():
        assert "in both lists" not in one.blocks[2].text


def test_scatter_legends_of_drift_and_maps_match_their_points(eg: Any) -> None:
    from explainers.sandbox.base import DemoRequest

    drift_block = eg.DEMO_DRIFT.run(DemoRequest("credit", "boosting")).blocks[0]
    assert _legend_problems(drift_block) == []
    colours = drift_block.frame.set_index("feature")["shift and alarm"]
    assert colours["Credit amount (DM)"] == "shifted, flagged"
    assert colours["Duration (months)"] == "not shifted, not flagged"
    for colour in ("predicted", "true", "correct"):
        result = eg.DEMO_PROJECTION.run(
            DemoRequest("credit", "boosting", index=4, options={"colour": colour}, overrides={"age_in_years": "70"})
        )
        assert _legend_problems(result.blocks[0]) == [], colour
        assert "this instance" not in set(result.blocks[0].frame["group"])
    map_text = eg.DEMO_PROJECTION.run(DemoRequest("credit", "boosting")).blocks[0].text
    assert "Telephone = “none”" in map_text or "Axis 1 weighs most on" not in map_text


def test_drift_prose_separates_the_shift_asked_for_from_the_shift_measured(eg: Any) -> None:
    """The setting is 1 SD. Dependants (a count, scale 0.37) moves by a whole 1 per case, capped at its
    maximum 2: about 2.4 SD measured. The text must say both numbers and why they differ."""
    from explainers.sandbox import models
    from explainers.sandbox.base import DemoRequest

    text = eg.DEMO_DRIFT.run(DemoRequest("credit", "boosting", options={"size": "1.0"})).blocks[0].text
    b = models.get("credit", "boosting").bundle
    j = b.feature_names.index("number_of_people_being_liable_to_provide_maintenance_for")
    before = np.asarray(b.X_test)[:, j]
    after = np.clip(before + 1.0, b.lower[j], b.upper[j])
    measured_sd = float(np.mean(after - before)) / float(b.scale[j])
    assert measured_sd > 2.0  # the case the text must explain
    assert "Simulated shift of 1 standard deviation (the setting)" in text
    assert "Dependants: asked for +1 standard deviation (+0.37 in its units)" in text
    assert f"measured: +{np.mean(after - before):.2f} on average, +{measured_sd:.2g} standard deviations" in text
    assert "whole number, so each case was raised by 1 rather than 0.37" in text
    assert "capped" in text
    # A continuous feature gets what was asked; no excuse is added.
    assert "Credit amount (DM): asked for +1 standard deviation" in text
    half = eg.DEMO_DRIFT.run(DemoRequest("credit", "boosting", options={"size": "0.5"})).blocks[0].text
    assert "Simulated shift of 0.5 standard deviations (the setting)" in half


def test_numbers_in_tables_and_rules_are_written_in_the_data_units(eg: Any) -> None:
    """Counts as integers ("250", not "250.000"), no exponents, quoted category labels, and the source line
    of a technique the seed papers do not discuss."""
    import re

    from explainers.sandbox.base import DemoRequest
    from explainers.sandbox.demos import attribution
    from explainers.views import shown_table

    summary = eg.DEMO_SURROGATE.run(DemoRequest("credit", "boosting")).blocks[0]
    table = shown_table(summary)
    assert table is not None
    cells = {row[0][0]: [c for c, _ in row[1:]] for row in table.rows}
    assert cells["fidelity on held-out cases (reported)"] == ["0.800", "250"]
    assert cells["fidelity on training cases"][1] == "750"
    exponent = re.compile(r"\d[eE][+-]\d")
    for depth in (3, 5):
        for demo in (eg.DEMO_SURROGATE, eg.DEMO_TRANSPARENT):
            for dataset in ("credit", "diabetes"):
                model = demo.models[0]
                result = demo.run(DemoRequest(dataset, model, options={"depth": str(depth)}))
                for block in result.blocks:
                    assert not exponent.search(block.text), block.text
                    assert " is not no " not in block.text
                    if block.frame is not None and "rule" in block.frame.columns:
                        rules = " ".join(block.frame["rule"])
                        assert not exponent.search(rules) and " is not no " not in rules
                        if dataset == "credit":
                            assert "Credit amount (DM) ≤ " in rules or "Credit amount" not in rules
                            for amount in re.findall(r"Credit amount \(DM\) [≤>] ([\d,.]+)", rules):
                                assert re.fullmatch(r"\d{1,3}(,\d{3})*", amount), amount
    transparent = eg.DEMO_TRANSPARENT.run(DemoRequest("credit", "linear", options={"depth": "4"}))
    rules = " ".join(transparent.blocks[-1].frame["rule"])
    assert "Credit amount (DM) ≤ 10,841" in rules and "is not “no checking account”" in rules
    assert "Source: Not in" not in attribution._source("kernel-shap")
    assert attribution._source("kernel-shap").startswith(" Source: Lundberg & Lee 2017")
    assert attribution._source("kernel-shap").endswith("(not discussed in the seed papers).")
    assert "seed papers" not in attribution._source("lime")


def test_what_if_edits_change_instance_specific_results(eg: Any) -> None:
    from explainers.sandbox.base import DemoRequest

    base = eg.DEMO_SENSITIVITY.run(DemoRequest("credit", "mlp", index=1))
    edited = eg.DEMO_SENSITIVITY.run(DemoRequest("credit", "mlp", index=1, overrides={"duration_in_month": "60"}))
    assert edited.instance["duration_in_month"] == 60.0
    assert not base.blocks[0].frame.equals(edited.blocks[0].frame)
    inf_a = eg.DEMO_INFLUENCE.run(DemoRequest("credit", "linear", index=1)).blocks[0].frame
    inf_b = (
        eg.DEMO_INFLUENCE.run(DemoRequest("credit", "linear", index=1, overrides={"age_in_years": "70"}))
        .blocks[0]
        .frame
    )
    assert not np.allclose(inf_a["change if removed"], inf_b["change if removed"])


def test_projection_hidden_layer_and_tsne_task(eg: Any) -> None:
    from explainers.sandbox.base import DemoRequest

    hidden = eg.DEMO_PROJECTION.run(DemoRequest("breast-cancer", "mlp", options={"representation": "hidden"}))
    assert "hidden layer" in hidden.blocks[0].title and not hidden.notes
    fallback = eg.DEMO_PROJECTION.run(DemoRequest("breast-cancer", "boosting", options={"representation": "hidden"}))
    assert fallback.notes and "inputs" in fallback.blocks[0].title
    assert int(hidden.blocks[0].frame["instance"].sum()) == 1
    steps: list[int] = []
    task = eg.DEMO_PROJECTION.heavy[0]
    blocks = task.run(DemoRequest("breast-cancer", "linear", index=3), lambda p, m: steps.append(p))
    assert steps[0] < steps[-1] == 100
    frame = blocks[0].frame
    assert len(frame) == 143 and bool(frame.loc[3, "instance"])


# ------------------------------------------------------------------------------- the memo under threads


class _SlowKey:
    """A memo key whose hashing gives up the GIL, so other threads run between the memo's steps (the
    earlier memo's clear-between-store-and-read race then shows up on nearly every run)."""

    def __init__(self, n: int) -> None:
        self.n = n

    def __hash__(self) -> int:
        import time

        time.sleep(0.0001)
        return hash(self.n)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _SlowKey) and other.n == self.n


def test_memo_is_safe_under_threads_while_it_evicts(eg: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Many threads storing and evicting at once (a tiny cap): every caller gets its own key's value,
    none a KeyError, and the memo stays within its cap."""
    import threading
    from collections import OrderedDict

    monkeypatch.setattr(eg, "_MEMO", OrderedDict())
    monkeypatch.setattr(eg, "_MEMO_MAX", 4)
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def worker(t: int) -> None:
        start.wait()
        for i in range(150):
            key = _SlowKey((t * 7 + i) % 23)
            try:
                value = eg._memo(key, lambda k=key: ("value", k.n))
                assert value == ("value", key.n), (value, key.n)
            except BaseException as exc:  # collected: the main thread asserts there are none
                errors.append(exc)

    threads = [threading.Thread(target=worker, args=(t,)) for t in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(60)
    assert not errors, errors[:3]
    assert len(eg._MEMO) <= 4 and not eg._PENDING


def test_memo_computes_a_key_once_for_concurrent_first_requests(eg: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    import threading
    import time
    from collections import OrderedDict

    monkeypatch.setattr(eg, "_MEMO", OrderedDict())
    calls: list[int] = []
    results: list[Any] = []
    start = threading.Barrier(6)

    def make() -> list[int]:
        calls.append(1)
        time.sleep(0.05)
        return [42]

    def worker() -> None:
        start.wait()
        results.append(eg._memo(("slow",), make))

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(10)
    assert len(calls) == 1 and len(results) == 6 and all(r is results[0] for r in results)
    # A failing computation leaves nothing behind, and the next caller tries again.
    with pytest.raises(ZeroDivisionError):
        eg._memo(("broken",), lambda: 1 / 0)
    assert ("broken",) not in eg._MEMO and not eg._PENDING
    assert eg._memo(("broken",), lambda: 7) == 7


def test_sensitivity_step_is_kept_on_its_grid(eg: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Any typed change size maps to one of 100 values, so viewers cannot grow the memo without bound;
    concurrent requests with different sizes all answer."""
    import threading
    from collections import OrderedDict

    from explainers.sandbox.base import DemoRequest

    rng = np.random.default_rng(0)
    typed = [f"{v:.6f}" for v in rng.uniform(-1, 3, size=2000)] + ["nan", "inf", "-inf", "1e-9", "0.125"]
    steps = set()
    for raw in typed:
        notes: list[str] = []
        steps.add(eg._step(DemoRequest("credit", "linear", options={"step": raw}), notes))
    assert len(steps) <= eg.STEPS_PER_SD and min(steps) == 0.01 and max(steps) == 1.0
    assert all(round(v * 100) / 100 == v for v in steps)
    nan_notes: list[str] = []
    assert eg._step(DemoRequest("credit", "linear", options={"step": "nan"}), nan_notes) == 0.1 and nan_notes

    monkeypatch.setattr(eg, "_MEMO", OrderedDict())
    errors: list[BaseException] = []
    results: dict[str, Any] = {}

    def worker(raw: str) -> None:
        try:
            results[raw] = eg.DEMO_SENSITIVITY.run(DemoRequest("credit", "linear", index=3, options={"step": raw}))
        except BaseException as exc:  # collected: the main thread asserts there are none
            errors.append(exc)

    raws = ["0.1231", "0.1229", "0.12", "0.3", "0.30004", "nan"]
    threads = [threading.Thread(target=worker, args=(raw,)) for raw in raws]
    for th in threads:
        th.start()
    for th in threads:
        th.join(60)
    assert not errors, errors[:3]
    typical_keys = {k for k in eg._MEMO if k[0] == "typical_sens"}
    assert len(typical_keys) == 3  # 0.12, 0.30 and the default 0.1
    assert any("rounded to 0.12" in n for n in results["0.1231"].notes)
    assert not results["0.12"].notes
    assert results["0.1231"].blocks[0].frame.equals(results["0.12"].blocks[0].frame)


def test_warm_caches_leave_nothing_for_a_first_request_at_default_options(
    eg: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from collections import OrderedDict

    from explainers.sandbox import models
    from explainers.sandbox.base import DemoRequest

    monkeypatch.setattr(eg, "_MEMO", OrderedDict())
    for dataset, model in (("credit", "linear"), ("digits", "mlp"), ("diabetes", "boosting")):
        for other in models.MODELS:  # the warm-up does every model; some demos compare the models
            eg.warm_caches(models.get(dataset, other))
        warmed = set(eg._MEMO)
        for demo in _demos(eg):
            if dataset in demo.datasets and model in demo.models:
                demo.run(DemoRequest(dataset, model, index=4))
        assert set(eg._MEMO) == warmed, (dataset, model, set(eg._MEMO) - warmed)
