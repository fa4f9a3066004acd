"""Integrated gradients, saliency statistics and PGD against small numpy models whose gradients are exact.

The models are built here (a softmax regression and one-hidden-layer networks, tanh and ReLU) so the
numeric properties are checked independently of the sandbox's trained models; the sandbox models get
the same checks through the demos in `test_sandbox_models_*`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pytest
from scipy.stats import spearmanr

from explainers.sandbox.methods import adversarial as adv
from explainers.sandbox.methods import gradients as gr

if TYPE_CHECKING:
    from explainers.sandbox.demos.gradients import AdversarialMaps


class Net:
    """Softmax classifier: linear (hidden=0) or one hidden layer (tanh or ReLU), analytic gradients."""

    def __init__(self, d: int, k: int, hidden: int = 0, seed: int = 0, relu: bool = False) -> None:
        r = np.random.default_rng(seed)
        self.hidden, self.relu = hidden, relu
        if hidden:
            self.W1 = r.normal(0, 1 / np.sqrt(d), (d, hidden))
            self.b1 = r.normal(0, 0.1, hidden)
            self.W2 = r.normal(0, 1, (hidden, k))
        else:
            self.W2 = r.normal(0, 1, (d, k))
        self.b2 = r.normal(0, 0.1, k)
        self.k = k

    def _h(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if not self.hidden:
            return X, np.ones_like(X)
        A = X @ self.W1 + self.b1
        if self.relu:
            return np.maximum(A, 0), (A > 0).astype(float)
        return np.tanh(A), 1 - np.tanh(A) ** 2

    def logits(self, X: np.ndarray) -> np.ndarray:
        return self._h(X)[0] @ self.W2 + self.b2

    def logit_grad(self, X: np.ndarray, c: int) -> np.ndarray:
        if not self.hidden:
            return np.tile(self.W2[:, c], (len(X), 1))
        _, dh = self._h(X)
        return (dh * self.W2[:, c]) @ self.W1.T

    def log_proba(self, X: np.ndarray) -> np.ndarray:
        z = self.logits(X)
        z = z - z.max(axis=1, keepdims=True)
        return z - np.log(np.exp(z).sum(axis=1, keepdims=True))

    def proba(self, X: np.ndarray) -> np.ndarray:
        return np.exp(self.log_proba(X))

    def proba_grad(self, X: np.ndarray, c: int) -> np.ndarray:
        P = self.proba(X)
        dz = np.stack([self.logit_grad(X, j) for j in range(self.k)], axis=1)
        return P[:, c, None] * (dz[:, c, :] - (P[:, :, None] * dz).sum(axis=1))


@pytest.mark.parametrize("hidden,relu", [(0, False), (12, False), (12, True)])
@pytest.mark.parametrize("score", ["proba", "logit"])
def test_integrated_gradients_completeness_within_one_percent(hidden: int, relu: bool, score: str) -> None:
    net = Net(10, 3, hidden=hidden, seed=1, relu=relu)
    rng = np.random.default_rng(2)
    for _ in range(5):
        x, baseline = rng.normal(size=10) * 1.5, rng.normal(size=10) * 0.2
        c = int(rng.integers(3))
        if score == "proba":
            f, g = (lambda X, c=c: net.proba(X)[:, c]), (lambda X, c=c: net.proba_grad(X, c))
        else:
            f, g = (lambda X, c=c: net.logits(X)[:, c]), (lambda X, c=c: net.logit_grad(X, c))
        r = gr.integrated_gradients(f, g, x, baseline)
        delta = float(f(x[None])[0] - f(baseline[None])[0])
        assert r.f_x - r.f_baseline == pytest.approx(delta)
        assert abs(r.attributions.sum() - delta) <= 0.01 * abs(delta)
        assert r.relative_gap == pytest.approx(abs(r.attributions.sum() - delta) / abs(delta))


def test_integrated_gradients_of_a_linear_score_is_weight_times_difference() -> None:
    net = Net(6, 2, seed=3)
    x, b = np.arange(6.0), np.ones(6)
    r = gr.integrated_gradients(lambda X: net.logits(X)[:, 1], lambda X: net.logit_grad(X, 1), x, b, steps=2)
    np.testing.assert_allclose(r.attributions, net.W2[:, 1] * (x - b), atol=1e-12)
    assert r.steps == 2


def test_too_few_steps_are_doubled_until_the_gap_closes() -> None:
    net = Net(8, 2, hidden=16, seed=4, relu=True)
    x, b = np.full(8, 3.0), np.zeros(8)
    f, g = (lambda X: net.proba(X)[:, 0]), (lambda X: net.proba_grad(X, 0))
    coarse = gr.integrated_gradients(f, g, x, b, steps=2, max_steps=2)
    fine = gr.integrated_gradients(f, g, x, b, steps=2, max_steps=1024, tolerance=0.001)
    assert fine.steps > 2
    assert fine.relative_gap <= 0.001 < coarse.relative_gap


def test_rank_correlations_match_scipy_pair_by_pair_with_ties_and_nan_for_a_constant_map() -> None:
    rng = np.random.default_rng(0)
    reference = rng.integers(0, 5, 40).astype(float)
    maps = np.vstack([reference + rng.normal(size=40), rng.integers(0, 3, 40), np.zeros(40)])
    rho = gr.rank_correlations(maps, reference)
    for row, value in zip(maps[:2], rho[:2], strict=True):
        assert value == pytest.approx(spearmanr(row, reference).statistic)
    assert np.isnan(rho[2])
    assert gr.spearman(maps[0], reference) == pytest.approx(rho[0])


def test_aggregate_of_identical_maps_keeps_everything_and_of_opposite_maps_nothing() -> None:
    m = np.random.default_rng(0).normal(size=64)
    same = gr.aggregate(np.vstack([m, m, m]))
    assert same.retained == pytest.approx(1.0)
    assert same.sign_agreement == pytest.approx(1.0)
    assert np.allclose(same.similarity, 1.0) and np.allclose(same.top_overlap, 1.0)
    opposite = gr.aggregate(np.vstack([m, -m]))
    assert opposite.retained == pytest.approx(0.0)
    assert opposite.sign_agreement == pytest.approx(0.5)


# ------------------------------------------------------------------------------------------------- PGD


def _box(d: int, lo: float = -3.0, hi: float = 3.0) -> adv.Box:
    return adv.Box(np.ones(d), np.full(d, lo), np.full(d, hi), np.ones(d, bool))


def _exact_linf_epsilon(w: np.ndarray, m0: float, x: np.ndarray, box: adv.Box) -> float:
    """For a margin linear in x, the exact smallest L∞ epsilon (bounds included), by bisection: at each
    epsilon every feature moves to the end of its allowed interval that lowers the margin."""
    lo_z, hi_z = box.around(x)

    def best(eps: float) -> float:
        z = np.where(w > 0, np.maximum(-eps, lo_z), np.minimum(eps, hi_z))
        return m0 + float(w @ z)

    lo, hi = 0.0, 10.0
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (lo, mid) if best(mid) < 0 else (mid, hi)
    return hi


@pytest.mark.parametrize("seed", range(6))
def test_pgd_on_a_linear_model_finds_the_exact_smallest_linf_epsilon(seed: int) -> None:
    net = Net(8, 2, seed=seed)
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, 8)
    y = int(net.logits(x[None]).argmax())
    margin = adv.class_margin(net.log_proba, net.logit_grad, y)
    box = _box(8, -1.5, 1.5)
    found = adv.smallest_epsilon(x, margin, box, norm="linf", eps_max=8.0)
    assert found.epsilon is not None and found.result is not None
    assert found.result.flipped and int(net.logits(found.result.x_adv[None]).argmax()) != y
    assert np.all(found.result.x_adv >= -1.5 - 1e-12) and np.all(found.result.x_adv <= 1.5 + 1e-12)
    assert np.abs(found.result.x_adv - x).max() == pytest.approx(found.epsilon)
    w = net.W2[:, y] - net.W2[:, 1 - y]
    exact = _exact_linf_epsilon(w, float(margin.value(x[None])[0]), x, box)
    assert exact - 1e-9 <= found.epsilon <= exact * 1.002
    line = adv.line_epsilon(x, margin, box, adv.gradient_direction(x, margin, box), norm="linf", eps_max=8.0)
    assert line is not None and found.epsilon <= line * 1.002


@pytest.mark.parametrize("norm", ["linf", "l2"])
@pytest.mark.parametrize("seed", range(4))
def test_pgd_on_a_network_needs_no_more_than_a_line_search(norm: str, seed: int) -> None:
    net = Net(12, 4, hidden=20, seed=seed)
    rng = np.random.default_rng(10 + seed)
    x = rng.uniform(-1, 1, 12)
    y = int(net.logits(x[None]).argmax())
    margin = adv.class_margin(net.log_proba, net.logit_grad, y)
    box = _box(12)
    found = adv.smallest_epsilon(x, margin, box, norm=norm, eps_max=8.0)
    assert found.result is not None and found.epsilon is not None
    assert int(net.logits(found.result.x_adv[None]).argmax()) != y
    size = np.abs(found.result.x_adv - x).max() if norm == "linf" else np.linalg.norm(found.result.x_adv - x)
    assert size == pytest.approx(found.epsilon)
    checks = [adv.gradient_direction(x, margin, box, norm), rng.normal(size=12), np.sign(rng.normal(size=12))]
    for direction in checks:
        line = adv.line_epsilon(x, margin, box, direction, norm=norm, eps_max=8.0)
        if line is not None:
            assert found.epsilon <= line * 1.002


def test_pgd_leaves_masked_features_alone_and_reports_no_flip_beyond_eps_max() -> None:
    net = Net(6, 2, seed=7)
    x = np.zeros(6)
    y = int(net.logits(x[None]).argmax())
    margin = adv.class_margin(net.log_proba, net.logit_grad, y)
    box = adv.Box(np.ones(6), np.full(6, -5.0), np.full(6, 5.0), np.array([1, 1, 0, 0, 0, 0], bool))
    found = adv.smallest_epsilon(x, margin, box, eps_max=8.0)
    if found.result is not None:
        np.testing.assert_array_equal(found.result.x_adv[2:], x[2:])
    tiny = adv.smallest_epsilon(x, margin, box, eps_max=1e-6, eps_start=1e-6)
    assert tiny.epsilon is None and tiny.result is None


# ------------------------------------------------------------------------------ the sandbox's models


@pytest.mark.parametrize(
    "dataset,model,score",
    [
        ("credit", "mlp", "probability"),
        ("breast-cancer", "mlp", "logit"),
        ("digits", "mlp", "probability"),
        ("diabetes", "linear", "probability"),
        ("digits", "linear", "logit"),
    ],
)
def test_integrated_gradients_demo_reports_completeness_within_one_percent(
    dataset: str, model: str, score: str
) -> None:
    from explainers.sandbox import data, models
    from explainers.sandbox.base import DemoRequest, get_demo

    demo = get_demo("integrated-gradients")
    fitted = models.get(dataset, model)
    for index in (0, 11, 42):
        result = demo.run(DemoRequest(dataset, model, index=index, options={"score": score}))
        check = result.blocks[-1].frame
        assert check is not None
        values = dict(zip(check["quantity"], check["value"], strict=True))
        delta = values["Difference to explain, f(x) − f(baseline)"]
        total = values["Sum of the attributions"]
        assert abs(total - delta) <= 0.01 * abs(delta)
        # The reported f(x) is the model's own score for the row.
        x = data.load(dataset).X_test[index][None, :]
        target = int(fitted.predict_label(x)[0]) if dataset == "digits" else fitted.info.target_class
        own = fitted.logit(x, target) if score == "logit" and fitted.is_classifier else fitted.predict_value(x, target)
        assert values["Score of this case, f(x)"] == pytest.approx(float(own[0]))


@pytest.mark.parametrize(
    "dataset,model,norm",
    [
        ("digits", "mlp", "linf"),
        ("digits", "linear", "l2"),
        ("credit", "mlp", "linf"),
        ("breast-cancer", "linear", "linf"),
    ],
)
def test_pgd_on_sandbox_models_flips_with_no_larger_epsilon_than_a_line_search(
    dataset: str, model: str, norm: str
) -> None:
    from explainers.sandbox import data, models
    from explainers.sandbox.demos.gradients import eps_limit, perturbation_box

    bundle, fitted = data.load(dataset), models.get(dataset, model)
    box = perturbation_box(bundle)
    rng = np.random.default_rng(0)
    for index in (0, 5, 17):
        x = np.asarray(bundle.X_test[index], dtype=float)
        y = int(fitted.predict_label(x[None])[0])
        margin = adv.fitted_margin(fitted, y)
        limit = eps_limit(bundle, norm)
        found = adv.smallest_epsilon(x, margin, box, norm=norm, eps_max=limit)
        line = adv.line_epsilon(x, margin, box, adv.gradient_direction(x, margin, box, norm), norm=norm, eps_max=limit)
        rand = adv.line_epsilon(x, margin, box, np.asarray(rng.normal(size=x.shape)), norm=norm, eps_max=limit)
        if found.result is None:
            assert line is None and rand is None
            continue
        assert int(fitted.predict_label(found.result.x_adv[None])[0]) != y
        assert np.all(found.result.x_adv[bundle.categorical] == x[bundle.categorical])
        assert np.all(found.result.x_adv >= np.minimum(box.lower, x) - 1e-9)
        assert np.all(found.result.x_adv <= np.maximum(box.upper, x) + 1e-9)
        for check in (line, rand):
            if check is not None:
                assert found.epsilon is not None and found.epsilon <= check * 1.001


@pytest.mark.parametrize(
    "key,dataset,model",
    [
        ("saliency-digits", "digits", "mlp"),
        ("heatmap-average", "digits", "linear"),
        ("saliency-adversarial", "digits", "mlp"),
        ("pgd-smallest-epsilon", "digits", "linear"),
        ("pgd-smallest-epsilon", "credit", "mlp"),
        ("integrated-gradients", "credit", "boosting"),
    ],
)
def test_gradient_demos_answer_with_blocks_and_json(key: str, dataset: str, model: str) -> None:
    import json

    from explainers.sandbox.base import DemoRequest, get_demo
    from explainers.tasks import plain_json
    from explainers.techniques import by_slug

    demo = get_demo(key)
    for slug in demo.slugs:
        by_slug(slug)
    result = demo.run(DemoRequest(dataset, model, index=3))
    assert result.blocks and all(b.title and b.text for b in result.blocks)
    json.dumps(plain_json([b.to_json() for b in result.blocks]), allow_nan=False)  # as the job layer stores them
    if model == "boosting":
        assert result.blocks[0].title == "No gradient"


def test_averaged_heatmap_keeps_little_of_mixed_digits_maps() -> None:
    from explainers.sandbox.base import DemoRequest, get_demo

    result = get_demo("heatmap-average").run(DemoRequest("digits", "mlp"))
    claim = next(b for b in result.blocks if b.claim)
    assert claim.frame is not None
    retained = float(claim.frame["value"].iloc[1])
    assert 0.0 <= retained < 0.6


# ------------------------------------------------------------------------- verdicts follow the numbers


def _maps_with(rho_adv: float, rho_random: list[float]) -> AdversarialMaps:
    from explainers.sandbox.demos.gradients import AdversarialMaps

    z = np.zeros(4)
    return AdversarialMaps(0.1, z, 0, 1, z, z, rho_adv, np.array(rho_random), 0.5, 0.5, 0.1, 0.9)


def test_adversarial_saliency_verdict_needs_the_stated_gap_and_to_beat_every_random_change() -> None:
    from explainers.sandbox.demos.gradients import CLAIM_GAP

    randoms = [0.9, 0.85, 0.8, 0.95, 0.7]
    assert _maps_with(0.6, randoms).verdict == "holds"  # gap 0.25, below all
    assert _maps_with(0.74, randoms).verdict == "partly"  # gap 0.11, but one random change went lower
    assert (
        _maps_with(0.85 - CLAIM_GAP + 0.02, randoms).verdict == "no"
    )  # 0.08 < the gap: a difference of 0.02 is no claim
    assert _maps_with(float("nan"), randoms).verdict == "no"


@pytest.mark.parametrize("model,method", [("mlp", "gradient-input"), ("mlp", "gradient"), ("linear", "gradient")])
def test_adversarial_saliency_text_states_the_computed_verdict_and_measured_size(model: str, method: str) -> None:
    from explainers.sandbox import data, models
    from explainers.sandbox.base import DemoRequest, get_demo
    from explainers.sandbox.demos.gradients import adversarial_maps

    bundle, fitted = data.load("digits"), models.get("digits", model)
    demo = get_demo("saliency-adversarial")
    verdicts = set()
    for index in (0, 1, 2, 5):
        result = demo.run(DemoRequest("digits", model, index=index, options={"method": method, "norm": "l2"}))
        images, claim = result.blocks
        x = np.asarray(bundle.X_test[index], dtype=float)
        am = adversarial_maps(fitted, bundle, x, "l2", method, 0)
        assert am is not None
        verdicts.add(am.verdict)
        phrase = {"holds": "the claim holds for this image", "partly": "holds only partly", "no": "does not hold"}
        assert phrase[am.verdict] in claim.text
        assert sum(p in claim.text for p in phrase.values()) == 1
        assert "much more" not in claim.text and "look like" not in images.text
        assert f"largest pixel change is {np.abs(am.x_adv - x).max():.2f} of 16 grey levels" in images.text
        if model == "linear" and method == "gradient":
            assert am.verdict == "no"  # the map of a linear score cannot move
    assert verdicts


def test_adversarial_saliency_over_many_images_counts_each_verdict(monkeypatch: pytest.MonkeyPatch) -> None:
    from explainers.sandbox.base import DemoRequest, get_demo
    from explainers.sandbox.demos import gradients as demo_module

    monkeypatch.setattr(demo_module, "CLAIM_IMAGES", 6)
    task = get_demo("saliency-adversarial").heavy[0]
    blocks = task.run(DemoRequest("digits", "mlp", options={"method": "gradient-input"}), lambda p, m: None)
    every = blocks[1].frame
    assert every is not None and len(every) == 6
    tested = every[every["claim"] != "no flip found"]
    holds = int((tested["claim"] == "holds").sum())
    assert f"in {holds} of {len(tested)}" in blocks[0].text
    assert ("It holds in most images" in blocks[0].text) == (holds > len(tested) / 2)
    assert (tested.loc[tested["claim"] == "holds", "gap"] >= demo_module.CLAIM_GAP).all()


@pytest.mark.parametrize("group,model", [("all", "mlp"), ("1", "mlp"), ("0", "linear")])
def test_averaged_heatmap_verdict_follows_the_stated_thresholds(group: str, model: str) -> None:
    from explainers.sandbox.base import DemoRequest, get_demo
    from explainers.sandbox.demos.gradients import AVERAGE_KEEPS, TOP_SHARED

    result = get_demo("heatmap-average").run(
        DemoRequest("digits", model, options={"group": group, "method": "gradient-input"})
    )
    claim = next(b for b in result.blocks if b.claim)
    assert claim.frame is not None
    values = dict(zip(claim.frame["measure"], claim.frame["value"], strict=True))
    retained = values["Attribution that survives averaging (1 = maps agree, 0 = they cancel)"]
    top = values["Median share of a map's top-10 pixels that are also the average's"]
    holds = retained < AVERAGE_KEEPS or top < TOP_SHARED
    assert ("The claim holds here" in claim.text) == holds
    assert ("The claim does not hold here" in claim.text) == (not holds)
    assert f"{retained:.0%} of the attribution survives" in claim.text


def test_pgd_text_says_whether_pgd_was_beaten_by_a_simpler_search() -> None:
    from explainers.sandbox.demos.gradients import _pgd_versus

    assert _pgd_versus(0.2, 0.3, [0.5, 0.4]) == "PGD's ε is no larger than theirs."
    assert _pgd_versus(0.2, None, []) == "PGD's ε is no larger than theirs."
    beaten = _pgd_versus(0.3, 0.25, [0.5])
    assert "straight line along the gradient found a smaller ε (0.250)" in beaten and "random" not in beaten
