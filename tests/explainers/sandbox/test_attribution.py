"""Shapley values (exact, Monte Carlo, KernelSHAP, TreeSHAP), LIME stability measures, global importance,
and the attribution demos end to end."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from explainers.sandbox import data, models
from explainers.sandbox.base import DemoRequest, get_demo
from explainers.sandbox.demos import attribution
from explainers.sandbox.methods import importance, lime_tabular, shapley
from explainers.techniques import by_slug


def _game(dataset: str, model: str, index: int = 0, n_bg: int = 30):  # type: ignore[no-untyped-def]
    fitted = models.get(dataset, model)
    b = fitted.bundle
    p = attribution.players(b)
    return (lambda X: fitted.predict_value(X)), b.X_test[index], b.background(n_bg, seed=1), p.groups


def test_exact_matches_the_definition_on_a_small_game() -> None:
    """Against the Shapley formula written out over permutations, on a non-additive function."""
    rng = np.random.default_rng(0)
    background = rng.integers(0, 3, size=(7, 4)).astype(float)
    x = np.array([2.0, 0.0, 1.0, 2.0])
    background[0] = x  # makes some players inert on some rows (the deduplicated path)

    def f(X: np.ndarray) -> np.ndarray:
        return X[:, 0] * X[:, 1] + np.sin(X[:, 2]) * X[:, 3] + X[:, 0] ** 2

    def v(S: tuple[int, ...]) -> float:
        rows = background.copy()
        rows[:, list(S)] = x[list(S)]
        return float(f(rows).mean())

    expected = np.zeros(4)
    for order in itertools.permutations(range(4)):
        for t, k in enumerate(order):
            expected[k] += v(tuple(order[: t + 1])) - v(tuple(order[:t]))
    expected /= math.factorial(4)
    result = shapley.exact_shapley(f, x, background)
    assert np.allclose(result.values, expected, atol=1e-12)
    grouped = shapley.exact_shapley(f, x, background, [[0, 1], [2, 3]])
    assert grouped.values.sum() == pytest.approx(result.values.sum(), abs=1e-12)


@pytest.mark.parametrize(
    ("dataset", "model"),
    [("diabetes", "linear"), ("diabetes", "boosting"), ("diabetes", "mlp"), ("credit", "mlp"), ("credit", "boosting")],
)
def test_exact_shapley_is_efficient_and_matches_shap(dataset: str, model: str) -> None:
    f, x, bg, groups = _game(dataset, model)
    ours = shapley.exact_shapley(f, x, bg, groups)
    assert abs(ours.values.sum() - (float(f(x[None, :])[0]) - float(f(bg).mean()))) < 1e-9
    assert ours.fx == pytest.approx(float(f(x[None, :])[0]), abs=1e-12)
    theirs = shapley.shap_exact(f, x, bg, groups)
    assert theirs.base_value == pytest.approx(ours.base_value, abs=1e-9)
    assert np.max(np.abs(ours.values - theirs.values)) < 1e-6


def test_monte_carlo_converges_to_exact() -> None:
    f, x, bg, groups = _game("credit", "mlp", index=3)
    exact = shapley.exact_shapley(f, x, bg, groups)
    mc, running = shapley.monte_carlo_shapley(f, x, bg, groups, permutations=16000, seed=0, checkpoints=(20, 16000))
    assert mc.stderr is not None
    err = {n: shapley.errors(v, exact.values)["relative_error"] for n, v in running.items()}
    # Error falls like 1/sqrt(orders): 800 times the orders, about 28 times smaller.
    assert err[16000] < err[20] / 8
    assert err[16000] < 0.05
    # The errors are of the size the estimate's own standard errors claim.
    assert np.mean(np.abs(mc.values - exact.values) <= 3 * mc.stderr) >= 0.8


def test_kernel_shap_recovers_exact_with_enough_samples_and_tree_shap_is_exact() -> None:
    f, x, bg, groups = _game("diabetes", "boosting", index=5)
    exact = shapley.exact_shapley(f, x, bg, groups)
    full = shapley.kernel_shap(f, x, bg, groups, nsamples=2**10 + 10)
    assert np.max(np.abs(full.values - exact.values)) < 1e-6
    few = shapley.kernel_shap(f, x, bg, groups, nsamples=40, seed=3)
    assert shapley.errors(few.values, exact.values)["max_abs_error"] > 1e-6
    assert np.array_equal(shapley.kernel_shap(f, x, bg, groups, nsamples=40, seed=3).values, few.values)
    assert not np.array_equal(shapley.kernel_shap(f, x, bg, groups, nsamples=40, seed=4).values, few.values)
    fitted = models.get("diabetes", "boosting")
    tree = shapley.tree_shap(fitted.estimator, x, bg, classifier=False)
    assert np.max(np.abs(tree.values - exact.values)) < 1e-4 * max(1.0, np.abs(exact.values).max())


def test_tree_shap_is_exact_on_log_odds_and_close_on_probability() -> None:
    """shap's interventional TreeSHAP against exact values of a small classifier (8 features): exact on the
    trees' raw score; on the probability scale an approximation, within the 3% the demo's text states."""
    from sklearn.ensemble import GradientBoostingClassifier

    b = data.load("credit")
    X, y = b.X_train[:, :8], b.y_train.astype(int)
    gb = GradientBoostingClassifier(n_estimators=30, max_depth=3, random_state=0).fit(X, y)
    bg, x = X[:25], b.X_test[2, :8]
    for target in (0, 1):

        def log_odds(Z: np.ndarray, target: int = target) -> np.ndarray:
            return (1.0 if target == 1 else -1.0) * gb.decision_function(Z)

        def probability(Z: np.ndarray, target: int = target) -> np.ndarray:
            return gb.predict_proba(Z)[:, target]

        exact_raw = shapley.exact_shapley(log_odds, x, bg)
        raw = shapley.tree_shap(gb, x, bg, target=target, probability=False)
        assert np.max(np.abs(raw.values - exact_raw.values)) < 1e-6
        exact_p = shapley.exact_shapley(probability, x, bg)
        prob = shapley.tree_shap(gb, x, bg, target=target)
        assert prob.values.sum() == pytest.approx(exact_p.values.sum(), abs=1e-6)
        assert shapley.errors(prob.values, exact_p.values)["relative_error"] < 0.03


def test_tree_shap_on_probability_scale_sums_for_either_class() -> None:
    fitted = models.get("credit", "boosting")
    b = fitted.bundle
    bg = b.background(40)
    x = b.X_test[2]
    for target in (0, 1):
        t = shapley.tree_shap(fitted.estimator, x, bg, target=target)
        expected = fitted.predict_value(x[None, :], target)[0] - fitted.predict_value(bg, target).mean()
        assert t.values.sum() == pytest.approx(expected, abs=1e-6)


def test_stability_measures() -> None:
    w = np.array([0.5, -0.4, 0.3, 0.2, 0.1, 0.05])
    same = lime_tabular.stability(np.vstack([w, w, w]))
    assert same["spearman_mean"] == 1.0 and same["topk_overlap"] == 1.0
    flipped = lime_tabular.stability(np.vstack([w, w[::-1]]), k=2)
    assert flipped["spearman_mean"] == pytest.approx(-1.0)
    assert flipped["topk_overlap"] == 0.0


def test_permutation_importance_ignores_an_unused_feature() -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 3))
    y = (X[:, 0] > 0).astype(int)
    res = importance.permutation_importance(lambda Z: (Z[:, 0] > 0).astype(int), X, y, classifier=True, repeats=4)
    assert res.baseline == 1.0
    assert res.mean[0] > 0.3 and res.mean[1] == 0 and res.mean[2] == 0
    assert not res.changed[:, 1].any()


def test_demos_are_registered_under_known_techniques() -> None:
    keys = {"shapley-exact", "kernel-shap", "tree-shap", "lime-tabular", "global-shap", "permutation-importance"}
    for key in keys:
        demo = get_demo(key)
        for slug in demo.slugs:
            assert by_slug(slug).slug == slug
        assert set(demo.datasets) <= set(data.DATASET_SLUGS) and set(demo.models) <= set(models.MODELS)


@pytest.mark.parametrize(
    ("key", "dataset", "model"),
    [
        ("shapley-exact", "credit", "boosting"),
        ("shapley-exact", "diabetes", "mlp"),
        ("kernel-shap", "breast-cancer", "linear"),
        ("tree-shap", "credit", "boosting"),
        ("lime-tabular", "diabetes", "boosting"),
        ("global-shap", "credit", "linear"),
        ("permutation-importance", "breast-cancer", "boosting"),
    ],
)
def test_demo_runs_and_explains(key: str, dataset: str, model: str) -> None:
    demo = get_demo(key)
    result = demo.run(DemoRequest(dataset, model, index=4, overrides={"age": "999"} if dataset == "diabetes" else {}))
    assert result.blocks and all(b.title and b.text for b in result.blocks)
    for block in result.blocks:
        if block.chart is not None:
            assert block.frame is not None
            for column in (block.chart.x, block.chart.y, block.chart.series):
                assert not column or column in block.frame.columns
        block.from_json(block.to_json())  # JSON-serialisable for the heavy-task cache
    if demo.local:
        assert result.prediction is not None
    if dataset == "diabetes":
        assert any("outside the range" in n for n in result.notes)
    if key == "shapley-exact":
        table = result.blocks[0].frame
        assert table is not None and "contribution" in table.columns
        assert result.prediction is not None


def test_demo_refuses_a_model_it_does_not_support() -> None:
    result = get_demo("tree-shap").run(DemoRequest("credit", "mlp"))
    assert result.prediction is None and result.notes


def test_lime_heavy_task_reports_progress() -> None:
    seen: list[int] = []
    request = DemoRequest("diabetes", "linear", options={"instances": "5", "heavy_reruns": "3", "heavy_samples": "200"})
    blocks = get_demo("lime-tabular").heavy[0].run(request, lambda pct, msg: seen.append(pct))
    assert seen[-1] == 100 and len(seen) == 6
    summary = blocks[0].frame
    assert summary is not None and list(summary["method"]) == ["LIME", "KernelSHAP"]
    assert (summary["instances"] == 5).all()


def test_tree_shap_uses_every_background_row_the_demo_allows() -> None:
    """shap's Independent masker keeps only 100 rows by default; with 300 the values must still sum to
    f(x) − the mean over all 300 rows (the demo allows up to its option maximum)."""
    fitted = models.get("credit", "boosting")
    b = fitted.bundle
    bg = b.background(300, seed=0)
    assert len(bg) == 300
    x = b.X_test[2]
    for probability in (True, False):
        t = shapley.tree_shap(fitted.estimator, x, bg, target=1, probability=probability)
        f = (lambda X: fitted.predict_value(X, 1)) if probability else (lambda X: fitted.logit(X, 1))
        expected = float(f(x[None, :])[0] - f(bg).mean())
        assert t.values.sum() == pytest.approx(expected, abs=1e-6)
        assert t.base_value == pytest.approx(float(f(bg).mean()), abs=1e-6)
    values, base = shapley.tree_shap_matrix(fitted.estimator, b.X_test[:3], bg, target=1)
    assert base == pytest.approx(float(fitted.predict_value(bg, 1).mean()), abs=1e-6)
    assert np.allclose(values.sum(axis=1), fitted.predict_value(b.X_test[:3], 1) - base, atol=1e-6)


def test_kernel_shap_is_reproducible_under_threads() -> None:
    """KernelSHAP seeds numpy's global random state; concurrent requests (a threaded server) must not
    interleave their draws."""
    import threading

    f, x, bg, groups = _game("credit", "mlp", index=1, n_bg=10)
    seeds = list(range(6))
    sequential = {s: shapley.kernel_shap(f, x, bg, groups, nsamples=300, seed=s).values for s in seeds}
    results: dict[int, np.ndarray] = {}
    barrier = threading.Barrier(len(seeds))

    def work(seed: int) -> None:
        barrier.wait()
        for _ in range(3):
            results[seed] = shapley.kernel_shap(f, x, bg, groups, nsamples=300, seed=seed).values
            assert np.array_equal(results[seed], sequential[seed])

    errors: list[BaseException] = []

    def guarded(seed: int) -> None:
        try:
            work(seed)
        except BaseException as e:  # reported in the main thread
            errors.append(e)

    threads = [threading.Thread(target=guarded, args=(s,)) for s in seeds]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    for s in seeds:
        assert np.array_equal(results[s], sequential[s])


def test_stability_rank_correlation_matches_scipy() -> None:
    from scipy.stats import spearmanr

    rng = np.random.default_rng(2)
    runs = rng.normal(size=(6, 9))
    runs[2, :3] = runs[2, 3]  # ties
    runs[4] = 0.0  # a run that selected nothing
    expected = []
    for a, b in itertools.combinations(range(6), 2):
        rho = spearmanr(np.abs(runs[a]), np.abs(runs[b])).statistic
        expected.append(0.0 if np.isnan(rho) else float(rho))
    got = lime_tabular.stability(runs, k=3)
    assert got["spearman_mean"] == pytest.approx(np.mean(expected), abs=1e-12)
    assert got["spearman_min"] == pytest.approx(np.min(expected), abs=1e-12)
