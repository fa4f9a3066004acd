"""Counterfactuals (Wachter, diverse, genetic/CERTIFAI) flip the prediction and never move a locked feature.

A small logistic model with numeric and categorical features (one weight per category, no gradient for
the codes, as in the sandbox's models) makes the right answers known: with an "age" feature that is the
cheapest lever, the unconstrained counterfactual must use it and the locked one must not.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from sklearn.ensemble import GradientBoostingClassifier

from explainers.sandbox.methods import counterfactual as cf


class CatLogit:
    """Binary logistic model: numeric weights `w` on the first features, a weight per category after."""

    def __init__(self, w: list[float], v: list[list[float]], b: float) -> None:
        self.w = np.asarray(w, float)
        self.v = [np.asarray(a, float) for a in v]
        self.b = b
        self.n = len(w)

    def logit(self, X: np.ndarray) -> np.ndarray:
        z = X[:, : self.n] @ self.w + self.b
        for j, vj in enumerate(self.v):
            z = z + vj[X[:, self.n + j].astype(int)]
        return z

    def grad(self, X: np.ndarray) -> np.ndarray:
        g = np.zeros_like(X, dtype=float)
        g[:, : self.n] = self.w
        return g


# Feature 0 is "age": per standard unit the cheapest way to raise the score.
MODEL = CatLogit([2.0, -0.5, 0.6, 0.3], [[0.0, 0.8, -1.0], [0.0, 0.4]], -0.2)
SPACE = cf.Space(
    scale=np.array([1.0, 1.0, 2.0, 1.0, 1.0, 1.0]),
    lower=np.array([-3.0, -3.0, -3.0, -3.0, 0.0, 0.0]),
    upper=np.array([3.0, 3.0, 3.0, 3.0, 2.0, 1.0]),
    categories=np.array([0, 0, 0, 0, 3, 2]),
    locked=np.zeros(6, bool),
    step=np.array([1.0, 0.0, 0.0, 0.0, 0.0, 0.0]),
)
TARGET = cf.Target(MODEL.logit, MODEL.grad)
AGE_LOCKED = SPACE.with_locked(np.array([1, 0, 0, 0, 0, 0], bool))


def _instances(n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    X = np.column_stack(
        [rng.integers(-2, 1, n), rng.uniform(0, 2, (n, 3)), rng.integers(0, 3, n), rng.integers(0, 2, n)]
    )
    return X[MODEL.logit(X) < 0].astype(float)


def _check(c: cf.Counterfactual, x: np.ndarray, space: cf.Space) -> None:
    assert c.found
    assert MODEL.logit(c.x[None])[0] > 0, "the counterfactual must flip the prediction"
    np.testing.assert_array_equal(c.x[space.locked], x[space.locked])
    cats = space.categorical
    assert np.all(c.x[cats] == np.round(c.x[cats])) and np.all(c.x[cats] < space.categories[cats])
    lo, hi = space.bounds(x)
    assert np.all(c.x >= lo - 1e-9) and np.all(c.x <= hi + 1e-9)


@pytest.mark.parametrize("space", [SPACE, AGE_LOCKED], ids=["free", "age-locked"])
def test_wachter_flips_and_respects_locks(space: cf.Space) -> None:
    for x in _instances(15):
        _check(cf.wachter(x, TARGET, space), x, space)


def test_unconstrained_counterfactual_changes_age_and_the_locked_one_does_not() -> None:
    x = np.array([-1.0, 1.0, 0.0, 0.0, 0.0, 0.0])
    free = cf.wachter(x, TARGET, SPACE)
    assert free.changed(x)[0] and free.x[0] == np.round(free.x[0]), "age is the cheapest lever, in whole years"
    locked = cf.wachter(x, TARGET, AGE_LOCKED)
    _check(locked, x, AGE_LOCKED)
    assert locked.x[0] == x[0] and locked.distance > free.distance


def test_wachter_is_close_to_the_cheapest_single_change_for_a_linear_model() -> None:
    # Need +z logit; per standard unit age gives 2.0, feature 2 gives 1.2, feature 3 gives 0.3.
    x = np.array([0.0, 1.0, 0.0, 0.0, 0.0, 0.0])
    z = -float(MODEL.logit(x[None])[0])
    best = cf.wachter(x, TARGET, SPACE.with_locked(np.array([0, 0, 0, 0, 1, 1], bool)))
    assert best.distance == pytest.approx(np.ceil(z / 2.0), abs=1e-6)  # age, rounded up to whole years
    no_age = cf.wachter(x, TARGET, SPACE.with_locked(np.array([1, 0, 0, 0, 1, 1], bool)))
    assert no_age.distance == pytest.approx(z / 1.2, rel=0.03)


@pytest.mark.parametrize("space", [SPACE, AGE_LOCKED], ids=["free", "age-locked"])
def test_diverse_counterfactuals_flip_respect_locks_and_take_different_routes(space: cf.Space) -> None:
    x = np.array([-1.0, 1.0, 0.0, 0.5, 2.0, 0.0])
    found = cf.diverse(x, TARGET, space, k=3)
    assert len(found) >= 2
    routes = {tuple(np.flatnonzero(c.changed(x))) for c in found}
    assert len(routes) == len(found)
    for c in found:
        _check(c, x, space)


@pytest.mark.parametrize("space", [SPACE, AGE_LOCKED], ids=["free", "age-locked"])
def test_genetic_search_flips_and_respects_locks(space: cf.Space) -> None:
    for i, x in enumerate(_instances(8, seed=1)):
        found = cf.genetic(x, TARGET, space, seed=i)
        assert found
        dists = [c.distance for c in found]
        assert dists == sorted(dists)
        for c in found:
            _check(c, x, space)


def test_genetic_search_works_on_a_black_box_and_scores_robustness() -> None:
    rng = np.random.default_rng(0)
    X = np.column_stack([rng.normal(size=(400, 4)), rng.integers(0, 3, 400), rng.integers(0, 2, 400)])
    y = (MODEL.logit(X) > 0).astype(int)
    trees = GradientBoostingClassifier(n_estimators=30, max_depth=2, random_state=0).fit(X, y)

    def margin(rows: np.ndarray) -> np.ndarray:
        p = np.clip(trees.predict_proba(rows)[:, 1], 1e-12, 1 - 1e-12)
        return np.log(p / (1 - p))

    target = cf.Target(margin)
    distances = []
    for i, x in enumerate(X[trees.predict(X) == 0][:5]):
        found = cf.genetic(x, target, AGE_LOCKED, seed=i, generations=20)
        assert found[0].found and trees.predict(found[0].x[None])[0] == 1
        assert found[0].x[0] == x[0]
        distances.append(found[0].distance)
    assert cf.robustness_score(np.array(distances)) == pytest.approx(np.mean(distances))
    with pytest.raises(ValueError):
        cf.wachter(X[0], target, SPACE)


def test_distance_counts_scaled_numeric_change_and_one_per_category() -> None:
    x = np.zeros(6)
    c = np.array([[2.0, 0.0, 1.0, 0.0, 2.0, 0.0]])
    assert cf.distance(SPACE, x, c)[0] == pytest.approx(2.0 + 0.5 + 1.0)
    assert cf.distance(SPACE, x, c, norm="l2")[0] == pytest.approx(np.sqrt(4.0 + 0.25 + 1.0))


# ------------------------------------------------------------------------------ the sandbox's models


@pytest.mark.parametrize("model", ["linear", "mlp"])
def test_sandbox_counterfactuals_flip_and_keep_immutable_features(model: str) -> None:
    from explainers.sandbox import data, models
    from explainers.sandbox.demos.counterfactual import space_for, target_for

    bundle, fitted = data.load("credit"), models.get("credit", model)
    space = space_for(bundle, bundle.immutable)
    assert bundle.immutable.sum() == 3
    for index in (0, 9, 31):
        x = np.asarray(bundle.X_test[index], dtype=float)
        predicted = int(fitted.predict_label(x[None])[0])
        target = target_for(fitted, 1 - predicted)
        found = [
            cf.wachter(x, target, space),
            *cf.diverse(x, target, space, k=2),
            *cf.genetic(x, target, space, seed=1),
        ]
        for c in found:
            assert c.found
            assert int(fitted.predict_label(c.x[None])[0]) == 1 - predicted
            np.testing.assert_array_equal(c.x[bundle.immutable], x[bundle.immutable])
            assert np.all(c.x[bundle.categorical] == np.round(c.x[bundle.categorical]))


def test_counterfactual_demo_honours_the_users_locks_and_compares_with_no_locks() -> None:
    from explainers.sandbox.base import DemoRequest, get_demo

    demo = get_demo("counterfactual-wachter")
    assert demo.lockable
    locked = ("credit_history", "status_of_existing_checking_account", "age_in_years")
    result = demo.run(DemoRequest("credit", "linear", index=0, locked=locked))
    first = result.blocks[0].frame
    assert first is not None and len(first)
    labels = {"Credit history", "Checking account balance", "Age (years)"}
    assert not labels & set(first["feature"])
    claim = result.blocks[1]
    assert claim.claim and claim.frame is not None and "no constraints" in claim.frame.columns


@pytest.mark.parametrize("key,model", [("counterfactual-diverse", "mlp"), ("counterfactual-certifai", "boosting")])
def test_counterfactual_demos_answer_with_json_blocks(key: str, model: str) -> None:
    import json

    from explainers.sandbox.base import DemoRequest, get_demo
    from explainers.tasks import plain_json
    from explainers.techniques import by_slug

    demo = get_demo(key)
    for slug in demo.slugs:
        by_slug(slug)
    result = demo.run(DemoRequest("credit", model, index=2, locked=("age_in_years",)))
    assert result.blocks and all(b.title and b.text for b in result.blocks)
    json.dumps(plain_json([b.to_json() for b in result.blocks]), allow_nan=False)  # as the job layer stores them


def test_wachter_reaches_the_exact_l1_optimum_of_the_sandbox_logistic_regression() -> None:
    """For a linear score the cheapest L1 change is known: spend the most efficient features first (largest
    |gradient| × scale), each up to its bound, until the score crosses zero (a fractional knapsack)."""
    from explainers.sandbox import data, models
    from explainers.sandbox.demos.counterfactual import space_for, target_for

    bundle, fitted = data.load("breast-cancer"), models.get("breast-cancer", "linear")
    base = space_for(bundle, np.zeros(len(bundle.feature_names), bool))
    space = cf.Space(base.scale, base.lower, base.upper, base.categories, base.locked, np.zeros_like(base.step))
    for index in (0, 7, 21, 56, 98):
        x = np.asarray(bundle.X_test[index], dtype=float)
        target = target_for(fitted, 1 - int(fitted.predict_label(x[None])[0]))
        need = -float(target.margin(x[None])[0])
        assert target.grad is not None
        g = target.grad(x[None])[0] * space.scale
        lo, hi = space.bounds(x)
        room = np.where(g > 0, (hi - x) / space.scale, (x - lo) / space.scale)
        exact = 0.0
        for j in np.argsort(-np.abs(g)):
            if abs(g[j]) * room[j] >= need:
                exact += need / abs(g[j])
                break
            need -= abs(g[j]) * room[j]
            exact += room[j]
        found = cf.wachter(x, target, space)
        assert found.found
        assert exact - 1e-6 <= found.distance <= exact * 1.001 + 1e-6


# ------------------------------------------------------------------------- the infeasibility heavy task


def test_infeasibility_task_on_a_dataset_without_immutable_features_says_so_and_runs_nothing() -> None:
    from explainers.sandbox import data
    from explainers.sandbox.base import DemoRequest, get_demo

    assert not data.load("breast-cancer").immutable.any()
    task = next(t for t in get_demo("counterfactual-wachter").heavy if t.name == "infeasibility")
    reports: list[int] = []
    blocks = task.run(DemoRequest("breast-cancer", "linear"), lambda p, m: reports.append(p))
    assert len(blocks) == 1 and blocks[0].frame is None and not reports
    assert "marks no feature" in blocks[0].text and "%" not in blocks[0].text


def test_infeasibility_task_states_only_figures_it_computed(monkeypatch: pytest.MonkeyPatch) -> None:
    from explainers.sandbox import data
    from explainers.sandbox.base import DemoRequest, get_demo
    from explainers.sandbox.demos import counterfactual as demo_module

    monkeypatch.setattr(demo_module, "INFEASIBILITY_CASES", 12)
    bundle = data.load("credit")
    # Stretch age's spread: the text's "one standard deviation of Age" must follow the data, not a constant.
    age = bundle.feature_names.index("age_in_years")
    scale = bundle.scale.copy()
    scale[age] = 7.25
    monkeypatch.setattr(bundle, "scale", scale)
    task = next(t for t in get_demo("counterfactual-wachter").heavy if t.name == "infeasibility")
    summary, every = task.run(DemoRequest("credit", "mlp"), lambda p, m: None)
    frame = every.frame
    assert frame is not None and len(frame) == 12
    hits = int(frame["unconstrained changes an immutable feature"].sum())
    switches = int(frame["unconstrained switches a category"].sum())
    text = summary.text
    assert f"12 test cases, {int(frame['distance, no constraints'].notna().sum())} with" in text
    assert f"in {hits} of them ({hits / 12:.0%} of all cases)" in text
    assert f"{switches} of the 12 unconstrained counterfactuals switch at least one category" in text
    assert "one standard deviation of Age (years), which is 7.25" in text and "11 years" not in text
    for row in frame.loc[frame["unconstrained changes an immutable feature"], "row"]:
        assert str(row) in text
    assert ("does not show" in text) == (hits < 12)
    if summary.frame is not None and len(summary.frame):
        assert int(summary.frame["cases"].sum()) >= hits


# ------------------------------------------- units, wording, default row, robustness groups (tester t1)


def _integer_features(bundle) -> np.ndarray:  # type: ignore[no-untyped-def]
    """Numeric features whose every training value is a whole number (counts, years, months)."""
    X = bundle.X_train
    return np.asarray(~bundle.categorical & np.all(np.round(X) == X, axis=0))


@pytest.mark.parametrize("model", ["linear", "mlp", "boosting"])
def test_integer_features_get_whole_values_and_no_change_is_below_its_unit(model: str) -> None:
    from explainers.sandbox import data, models
    from explainers.sandbox.demos.counterfactual import space_for, target_for

    bundle, fitted = data.load("credit"), models.get("credit", model)
    whole = _integer_features(bundle)
    assert bundle.feature_names.index("number_of_existing_credits_at_this_bank") in np.flatnonzero(whole)
    assert whole[bundle.feature_names.index("age_in_years")]
    unit = np.array([f.step for f in bundle.info.features])
    free = np.zeros(len(whole), bool)
    checked = 0
    for index in (30, 0, 5, 12, 44, 71):
        x = np.asarray(bundle.X_test[index], dtype=float)
        predicted = int(fitted.predict_label(x[None])[0])
        target = target_for(fitted, 1 - predicted)
        found = [*cf.genetic(x, target, space_for(bundle, free), seed=index, generations=15)]
        if fitted.differentiable:
            found += [cf.wachter(x, target, space_for(bundle, free)), *cf.diverse(x, target, space_for(bundle, free))]
            found.append(cf.wachter(x, target, space_for(bundle, bundle.immutable)))
        for c in found:
            assert c.found
            assert int(fitted.predict_label(c.x[None])[0]) == 1 - predicted, "the flip must survive rounding"
            np.testing.assert_array_equal(c.x[whole], np.round(c.x[whole]))
            change = np.abs(c.x - x)[~bundle.categorical]
            assert np.all((change == 0) | (change >= unit[~bundle.categorical] - 1e-9))
            checked += 1
    assert checked >= 6


def test_when_rounding_undoes_the_flip_the_search_goes_on_in_whole_units() -> None:
    # The model says yes only for feature 0 in (0.25, 0.75), a window with no whole number in it, or for
    # feature 1 of 2 or more: the fractional answer rounds to a miss, so the whole-unit answer is feature 1.
    def margin(X: np.ndarray) -> np.ndarray:
        return np.maximum(1.0 - 4.0 * np.abs(X[:, 0] - 0.5), X[:, 1] - 1.5) - 1e-3

    def grad(X: np.ndarray) -> np.ndarray:
        first = 1.0 - 4.0 * np.abs(X[:, 0] - 0.5) >= X[:, 1] - 1.5
        g = np.zeros_like(X)
        g[:, 0] = np.where(first, -4.0 * np.sign(X[:, 0] - 0.5), 0.0)
        g[:, 1] = np.where(first, 0.0, 1.0)
        return g

    space = cf.Space(np.ones(2), np.array([0.0, 0.0]), np.array([3.0, 3.0]), np.zeros(2), np.zeros(2, bool), np.ones(2))
    continuous = cf.Space(space.scale, space.lower, space.upper, space.categories, space.locked, np.zeros(2))
    x = np.zeros(2)
    target = cf.Target(margin, grad)
    assert 0.2 < cf.wachter(x, target, continuous).x[0] < 0.8, "the fractional answer uses feature 0"
    for c in [cf.wachter(x, target, space), *cf.genetic(x, target, space, seed=3)]:
        assert c.found and margin(c.x[None])[0] > 0
        assert c.x[0] == np.round(c.x[0]) and c.x[1] == 2.0


def test_the_claim_text_never_shows_two_equal_distances_as_different() -> None:
    from explainers.sandbox.demos.counterfactual import compare_distances

    assert compare_distances(0.0369, 0.03) == "distance 0.037 instead of 0.03 (+23%)"
    assert compare_distances(0.03005, 0.03) == "about the same distance (0.0301)"
    assert compare_distances(1.0, 0.09) == "distance 1 instead of 0.09 (+1011%)"
    from explainers.sandbox.base import DemoRequest, get_demo

    demo = get_demo("counterfactual-wachter")
    for model, index in (("mlp", 30), ("mlp", 5), ("linear", 30), ("linear", 2)):
        text = demo.run(DemoRequest("credit", model, index=index)).blocks[1].text
        for a, b in re.findall(r"distance ([\d.]+) instead of ([\d.]+)", text):
            assert a != b, text


def test_only_a_change_of_a_whole_unit_of_an_immutable_feature_is_called_impossible() -> None:
    from explainers.sandbox import data, models
    from explainers.sandbox.demos.counterfactual import _infeasibility_block, real_changes

    bundle, fitted = data.load("credit"), models.get("credit", "mlp")
    age, credits = (
        bundle.feature_names.index("age_in_years"),
        bundle.feature_names.index("number_of_existing_credits_at_this_bank"),
    )
    x = np.asarray(bundle.X_test[30], dtype=float)
    locked = cf.Counterfactual(x + np.eye(len(x))[credits], 0.5, 1.7, True)
    for years, impossible in ((0.2061, False), (1.0, True)):
        moved = x + years * np.eye(len(x))[age] + np.eye(len(x))[credits]
        assert bool(real_changes(bundle, x, moved)[age]) == impossible
        free = cf.Counterfactual(moved, 0.5, 1.0, True)
        text = _infeasibility_block(bundle, fitted, x, free, locked, bundle.immutable, False).text
        assert ("cannot make" in text) == impossible, text


def test_the_wachter_demo_at_the_reported_row_proposes_whole_credits_and_years() -> None:
    from explainers.sandbox.base import DemoRequest, get_demo

    result = get_demo("counterfactual-wachter").run(DemoRequest("credit", "mlp", index=30))
    whole = {"Existing credits at this bank", "Dependants", "Age (years)", "Duration (months)"}
    for block in result.blocks:
        assert not re.search(r"(Existing credits|Dependants|Age \(years\)): \d+ → \d+\.\d", block.text), block.text
        if block.frame is None:
            continue
        for _, row in block.frame[block.frame["feature"].isin(whole)].iterrows():
            for column in block.frame.columns[1:-2]:
                assert row[column] == "–" or re.fullmatch(r"\d+", row[column]), (row["feature"], row[column])


@pytest.mark.parametrize("dataset,unfavourable", [("credit", "bad"), ("breast-cancer", "malignant")])
def test_counterfactual_demos_start_at_the_first_row_with_the_unfavourable_outcome(
    dataset: str, unfavourable: str
) -> None:
    from explainers.sandbox import data, models
    from explainers.sandbox.base import DemoRequest, get_demo

    bundle = data.load(dataset)
    for key in ("counterfactual-wachter", "counterfactual-diverse", "counterfactual-certifai"):
        demo = get_demo(key)
        assert demo.default_index is not None
        model = demo.models[0]
        labels = models.get(dataset, model).predict_label(bundle.X_test)
        index = demo.default_index(dataset, model)
        assert bundle.info.class_names[labels[index]] == unfavourable
        assert all(bundle.info.class_names[k] != unfavourable for k in labels[:index])
        text = demo.run(DemoRequest(dataset, model, index=index)).blocks[0].text
        assert "not recourse" not in text or dataset == "breast-cancer"
    # A row the user picks with the favourable outcome says which way the counterfactual goes.
    good = int(np.flatnonzero(models.get("credit", "linear").predict_label(data.load("credit").X_test) == 0)[0])
    text = get_demo("counterfactual-wachter").run(DemoRequest("credit", "linear", index=good)).blocks[0].text
    assert "this is not recourse" in text and "'bad'" in text


def test_robustness_chart_shows_case_counts_and_leaves_out_groups_too_small_to_compare(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from explainers.sandbox.base import DemoRequest, get_demo
    from explainers.sandbox.demos import counterfactual as demo_module
    from themes.charts import chart_for_block

    monkeypatch.setattr(demo_module, "ROBUSTNESS_CASES", 30)
    task = next(t for t in get_demo("counterfactual-certifai").heavy if t.name == "robustness")
    request = DemoRequest("credit", "linear", options={"population": "50", "generations": "5"})
    blocks = task.run(request, lambda p, m: None)
    every = blocks[-1].frame
    assert every is not None and len(every) == 30
    sizes = every.dropna(subset=["distance"]).groupby(["predicted", "group"]).size()
    counts: dict[tuple[str, str], int] = {
        (str(p), str(g)): int(n)
        for p, g, n in zip(
            sizes.index.get_level_values(0), sizes.index.get_level_values(1), sizes.to_numpy(), strict=True
        )
    }
    least = demo_module.MIN_GROUP
    small = {cell: n for cell, n in counts.items() if n < least}
    big = {cell for cell, n in counts.items() if n >= least}
    assert small, "30 cases of German Credit have groups of fewer than 5 (e.g. male divorced/separated)"
    summary = blocks[0]
    assert summary.frame is not None and summary.chart is None
    flagged = {
        (str(p), str(g)): str(f)
        for p, g, f in zip(
            summary.frame["predicted"], summary.frame["group"], summary.frame["in the chart"], strict=True
        )
    }
    assert flagged == {cell: "yes" if n >= least else "no: under 5 cases" for cell, n in counts.items()}
    assert f"fewer than {least} cases" in summary.text
    for (predicted, group), n in small.items():
        assert f"{predicted} · n={n} · {group}" in summary.text
    charts = [b for b in blocks[1:-1] if b.chart is not None and b.frame is not None]
    assert {str(b.frame["predicted"].iloc[0]) for b in charts if b.frame is not None} == {p for p, _ in big}
    drawn = {
        (str(p), str(g))
        for b in charts
        if b.frame is not None
        for p, g in zip(b.frame["predicted"], b.frame["group"], strict=True)
    }
    assert drawn == big
    for b in charts:
        assert b.frame is not None and b.frame["predicted"].nunique() == 1
        for p, g, bar in zip(b.frame["predicted"], b.frame["group"], b.frame["bar"], strict=True):
            assert bar == f"n={counts[(str(p), str(g))]} · {g}"
        shown = {v for record in chart_for_block(b, "c").spec["data"]["values"] for v in record.values()}
        assert set(b.frame["bar"]) <= shown
