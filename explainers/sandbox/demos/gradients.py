"""Demos: integrated gradients, gradient saliency on digits, averaged heatmaps (Organization B's point),
saliency before and after an adversarial perturbation, and PGD's smallest flipping perturbation.

Every demo runs the numpy methods of `methods.gradients` / `methods.adversarial` on the sandbox's
differentiable models (logistic regression and the small MLP), whose gradients are analytic.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .. import common, data, models
from ..base import Block, ChartSpec, Demo, DemoRequest, DemoResult, HeavyTask, Option, register
from ..methods import adversarial as adv
from ..methods import gradients as gr

Array = np.ndarray
DIFFERENTIABLE = ("mlp", "linear")


# ------------------------------------------------------------------------------------------- helpers


def image_frame(maps: dict[str, Array], shape: tuple[int, int] = (8, 8)) -> pd.DataFrame:
    """Long frame for the "image" chart: one row per pixel per panel (`series`)."""
    rows = []
    h, w = shape
    for name, values in maps.items():
        grid = np.asarray(values, dtype=float).reshape(h, w)
        for r in range(h):
            for c in range(w):
                rows.append({"panel": name, "column": c + 1, "row": r + 1, "value": float(grid[r, c])})
    return pd.DataFrame(rows, columns=["panel", "column", "row", "value"])


def unit(v: Array) -> Array:
    """Scale a map to [-1, 1] so panels share one colour scale and each shows its own pattern (the
    pattern, not the size, is what a heatmap is read for). The scale saturates at the 95th percentile of
    the non-zero magnitudes, so one extreme pixel (a nearly always blank pixel has a huge gradient) does
    not wash out the rest."""
    a = np.abs(np.asarray(v, dtype=float))
    nz = a[a > 0]
    if nz.size == 0:
        return np.zeros_like(a)
    m = float(np.percentile(nz, 95)) or float(nz.max())
    return np.asarray(np.clip(v / m, -1.0, 1.0))


def image_chart(description: str) -> ChartSpec:
    return ChartSpec(
        "image", x="column", y="row", value="value", series="panel", diverging=True, description=description
    )


def tabular_box(bundle: data.Bundle) -> adv.Box:
    """Perturb numeric features within their training range, in standard deviations; category codes have
    no gradient and stay as they are."""
    return adv.Box(bundle.scale.copy(), bundle.lower.copy(), bundle.upper.copy(), ~bundle.categorical)


def image_box(bundle: data.Bundle) -> adv.Box:
    """Perturb pixels within 0 (white) to 16 (black), in units of the full intensity range."""
    d = len(bundle.feature_names)
    return adv.Box(np.full(d, 16.0), np.zeros(d), np.full(d, 16.0), np.ones(d, bool))


def perturbation_box(bundle: data.Bundle) -> adv.Box:
    return image_box(bundle) if bundle.info.modality == "image" else tabular_box(bundle)


def epsilon_words(bundle: data.Bundle, norm: str) -> str:
    if bundle.info.modality == "image":
        unit_words = "of the full ink range (0.1 = 1.6 of the 16 grey levels)"
    else:
        unit_words = "standard deviations of the feature"
    if norm == "linf":
        return f"no feature moved by more than ε {unit_words}"
    return f"the overall size of the change, the square root of the summed squared changes, is ε {unit_words}"


def eps_limit(bundle: data.Bundle, norm: str) -> float:
    """How far the ε search goes: the whole ink range per pixel, or four standard deviations per feature;
    an L2 budget spreads over many features, so it may be larger."""
    base = 1.0 if bundle.info.modality == "image" else 4.0
    return base if norm == "linf" else 4.0 * base


def _require_differentiable(fitted: models.Fitted) -> str | None:
    if fitted.differentiable:
        return None
    return (
        f"{fitted.label} is made of decision trees: its output is a step function with no gradient, so "
        "gradient methods cannot run on it. Pick the logistic regression or the neural network."
    )


def _not_differentiable(res: common.Resolved) -> DemoResult:
    message = _require_differentiable(res.fitted) or ""
    return DemoResult(res.prediction, [Block("No gradient", message)], res.instance, res.notes)


def _score_fns(
    fitted: models.Fitted, target: int, score: str
) -> tuple[Callable[[Array], Array], Callable[[Array], Array]]:
    if score == "logit":
        return (lambda X: fitted.logit(X, target)), (lambda X: fitted.logit_gradient(X, target))
    return (lambda X: fitted.predict_value(X, target)), (lambda X: fitted.gradient(X, target))


def _score_words(fitted: models.Fitted, target: int, score: str) -> str:
    if not fitted.is_classifier:
        return fitted.value_name(target)
    if score == "logit":
        return f"log-odds score of {fitted.info.class_names[target]!r}"
    return fitted.value_name(target)


# ------------------------------------------------------------------------------ integrated gradients

IG_OPTIONS = (
    Option(
        "baseline",
        "Baseline",
        "choice",
        "auto",
        (
            ("auto", "Automatic (blank image for digits, training average for tables)"),
            ("mean", "Training average"),
            ("minimum", "Lowest value of every feature (blank image for digits)"),
        ),
        help="The reference input the attributions are measured from: 'what changed from this?'",
    ),
    Option(
        "score",
        "Explained score",
        "choice",
        "probability",
        (("probability", "Probability (or predicted value)"), ("logit", "Log-odds / raw score")),
    ),
    Option("steps", "Integration steps", "int", 16, minimum=2, maximum=256, help="Doubled until the check passes."),
)


def _baseline(bundle: data.Bundle, x: Array, choice: str) -> tuple[Array, str]:
    if choice == "auto":
        choice = "minimum" if bundle.info.modality == "image" else "mean"
    if choice == "minimum":
        base = np.array([f.minimum for f in bundle.info.features], dtype=float)
        words = "a blank image" if bundle.info.modality == "image" else "every feature at its lowest value"
    else:
        base = bundle.X_train.mean(axis=0)
        words = "the average training case"
    # Category codes have no in-between values to walk through: they stay at the instance's own
    # categories, so the attributions speak only about numeric features.
    base = np.where(bundle.categorical, x, base)
    if bundle.categorical.any():
        words += " (categories held at this case's own values)"
    return base, words


def run_integrated_gradients(request: DemoRequest) -> DemoResult:
    res = common.resolve(request)
    if not res.fitted.differentiable:
        return _not_differentiable(res)
    demo = IG_DEMO
    bundle, fitted = res.bundle, res.fitted
    score = demo.option(request, "score") if fitted.is_classifier else "probability"
    f, g = _score_fns(fitted, res.target, score)
    baseline, base_words = _baseline(bundle, res.x, demo.option(request, "baseline"))
    ig = gr.integrated_gradients(f, g, res.x, baseline, steps=demo.option(request, "steps"))
    what = _score_words(fitted, res.target, score)
    blocks: list[Block] = []
    if bundle.info.modality == "image":
        top = np.argsort(-np.abs(ig.attributions))[:5]
        frame = image_frame({"The digit": res.x / 16.0, "Integrated gradients": unit(ig.attributions)})
        blocks.append(
            Block(
                "Which pixels carried the answer",
                f"Each pixel's share of the change in the {what} from {base_words} ({ig.f_baseline:.3f}) to "
                f"this image ({ig.f_x:.3f}). Positive (warm) pixels pushed towards "
                f"{fitted.info.class_names[res.target]!r}, negative (cool) ones away from it; the map's colours "
                f"saturate at its strongest 5% of pixels. The five strongest pixels hold "
                f"{np.abs(ig.attributions[top]).sum() / max(np.abs(ig.attributions).sum(), 1e-12):.0%} of all "
                "attribution.",
                frame,
                image_chart("The input digit next to its integrated-gradients map"),
                hidden_columns=(),
                formats={"value": ".3f"},
            )
        )
    else:
        numeric = [j for j in range(len(res.x)) if not bundle.categorical[j]]
        frame = pd.DataFrame(
            {
                "feature": [bundle.label(bundle.feature_names[j]) for j in numeric],
                "value": [bundle.display_value(j, res.x[j]) for j in numeric],
                "baseline": [bundle.display_value(j, baseline[j]) for j in numeric],
                "attribution": ig.attributions[numeric],
            }
        )
        frame = frame.reindex(frame["attribution"].abs().sort_values(ascending=False).index).reset_index(drop=True)
        lead = frame.iloc[0]
        blocks.append(
            Block(
                "Attributions",
                f"Integrated gradients splits the difference between this case's {what} ({ig.f_x:.3f}) and that "
                f"of {base_words} ({ig.f_baseline:.3f}) among the features: each bar is the part of the "
                f"difference owed to that feature moving from the baseline to this case's value. Bars to the "
                f"right raise the {what}, bars to the left lower it. The largest here is "
                f"{lead['feature']} ({lead['attribution']:+.3f})."
                + (
                    f" The {int(bundle.categorical.sum())} categorical features are not shown: a category has no "
                    "in-between values to integrate over, so they stay at this case's own categories and get no "
                    "share (the Shapley and LIME demos cover them)."
                    if bundle.categorical.any()
                    else ""
                ),
                frame,
                ChartSpec(
                    "attribution",
                    x="attribution",
                    y="feature",
                    x_title=f"Contribution to the {what}",
                    description="Integrated-gradients attribution per feature",
                ),
                formats={"attribution": "+.4f"},
            )
        )
    check = pd.DataFrame(
        [
            ("Score of this case, f(x)", ig.f_x),
            ("Score of the baseline, f(baseline)", ig.f_baseline),
            ("Difference to explain, f(x) − f(baseline)", ig.delta),
            ("Sum of the attributions", float(ig.attributions.sum())),
            ("Gap (sum − difference)", ig.gap),
            ("Gap as a share of the difference", ig.relative_gap),
            ("Integration steps used", float(ig.steps)),
        ],
        columns=["quantity", "value"],
    )
    ok = ig.relative_gap <= 0.01
    blocks.append(
        Block(
            "Completeness check",
            "Integrated gradients promises completeness: the attributions add up exactly to the difference "
            "between the case and the baseline, so nothing is left unexplained and nothing is counted twice. "
            "The integral is computed numerically, so the sum misses by a small gap; here it is "
            f"{ig.relative_gap:.2%} of the difference after {ig.steps} steps "
            + (
                "(within the 1% this sandbox requires)."
                if ok
                else "(more than 1%, at the largest number of steps tried"
                + (
                    f"; the difference itself is only {abs(ig.delta):.2g}, so a small gap is a large share of it)."
                    if abs(ig.delta) < 0.01
                    else ")."
                )
            )
            + " A gap near zero says the numbers are computed correctly, not that they are the right explanation: "
            "another baseline gives other attributions, each complete.",
            check,
            formats={"value": ".4f"},
        )
    )
    return DemoResult(res.prediction, blocks, res.instance, res.notes)


IG_DEMO = register(
    Demo(
        key="integrated-gradients",
        title="Integrated gradients with its completeness check",
        slugs=("integrated-gradients", "gradient-attribution"),
        datasets=("credit", "breast-cancer", "diabetes", "digits"),
        models=DIFFERENTIABLE,
        run=run_integrated_gradients,
        options=IG_OPTIONS,
        summary="Attributions that add up to the change from a baseline (Sundararajan et al. 2017), with the gap shown.",
    )
)


# -------------------------------------------------------------------------------- saliency on digits

SALIENCY_METHODS = (
    ("gradient", "Gradient (saliency map)"),
    ("gradient-input", "Gradient × input"),
    ("integrated", "Integrated gradients from a blank image"),
)


def _maps(fitted: models.Fitted, X: Array, targets: Array, method: str, score: str = "logit") -> Array:
    """One map per row of X for the class in `targets`, computed class by class in batches."""
    X = np.atleast_2d(X)
    out = np.zeros_like(X, dtype=float)
    for t in np.unique(targets):
        rows = np.flatnonzero(targets == t)
        _, g = _score_fns(fitted, int(t), score)
        if method == "gradient":
            out[rows] = gr.saliency(g, X[rows])
        elif method == "gradient-input":
            out[rows] = gr.gradient_times_input(g, X[rows])
        else:
            # Batched integrated gradients from a blank image: 16 Gauss-Legendre points per image.
            alphas, weights = np.polynomial.legendre.leggauss(16)
            alphas, weights = (alphas + 1) / 2, weights / 2
            sub = X[rows]
            path = (alphas[None, :, None] * sub[:, None, :]).reshape(-1, X.shape[1])
            grads = g(path).reshape(len(rows), len(alphas), X.shape[1])
            out[rows] = sub * np.einsum("s,nsd->nd", weights, grads)
    return out


SALIENCY_OPTIONS = (
    Option("method", "Map", "choice", "gradient", SALIENCY_METHODS),
    Option(
        "versus",
        "Explain the class",
        "choice",
        "predicted",
        (("predicted", "The predicted digit"), *((str(d), f"Digit {d}") for d in range(10))),
        help="Pick another digit to ask 'what would make it look more like a 7?'",
    ),
)


def run_saliency(request: DemoRequest) -> DemoResult:
    res = common.resolve(request)
    if not res.fitted.differentiable:
        return _not_differentiable(res)
    demo = SALIENCY_DEMO
    fitted = res.fitted
    method = demo.option(request, "method")
    versus = demo.option(request, "versus")
    target = res.target if versus == "predicted" else int(versus)
    m = _maps(fitted, res.x[None, :], np.array([target]), method)[0]
    cls = fitted.info.class_names[target]
    method_words = dict(SALIENCY_METHODS)[method]
    panels = {"The digit": res.x / 16.0, method_words: unit(m)}
    if method == "gradient":
        panels["Gradient on the ink only"] = unit(m * (res.x > 0))
    top = np.argsort(-np.abs(m))[:5]
    where = ", ".join(f"row {i // 8 + 1} col {i % 8 + 1}" for i in top)
    # Measured rather than asserted: how many of the strongest pixels are (nearly) always blank in training.
    rarely_inked = int(((res.bundle.X_train[:, top] == 0).mean(axis=0) >= 0.9).sum())
    blocks = [
        Block(
            f"What the model looks at for {cls!r}",
            {
                "gradient": "The gradient says how fast the model's score for "
                f"{cls!r} would change if each pixel got darker: warm pixels would raise it, cool ones lower "
                "it. It can light up blank paper (pixels with no ink), because it describes what would change "
                "the answer, not what the image contains. Here "
                f"{rarely_inked} of the 5 strongest pixels are blank in at least 90% of the training images"
                + (
                    ": the model standardises each pixel by its spread in training, so a little ink where there is "
                    "almost never any counts for a lot."
                    if rarely_inked
                    else "."
                ),
                "gradient-input": "Gradient × input weights the gradient by the ink actually present, so "
                "blank pixels get nothing: it answers 'which of the strokes that are there push towards "
                f"{cls!r}'.",
                "integrated": "Integrated gradients accumulates the gradient while the image fades in from "
                f"blank paper: each pixel's share of the score for {cls!r}, adding up to the whole score.",
            }[method]
            + f" Strongest pixels: {where}. Each map is scaled on its own; colours saturate at its strongest 5% of pixels.",
            image_frame(panels),
            image_chart(f"The digit and its {method_words.lower()} map for class {cls}"),
            formats={"value": ".3f"},
        )
    ]
    if versus != "predicted" and target != res.target:
        blocks[0].text += (
            f" You asked about {cls!r}, not the predicted {fitted.info.class_names[res.target]!r}: the map "
            "shows which pixels would make the image more like that digit."
        )
    return DemoResult(res.prediction, blocks, res.instance, res.notes)


SALIENCY_DEMO = register(
    Demo(
        key="saliency-digits",
        title="Gradient saliency maps on handwritten digits",
        slugs=("saliency-maps", "heatmaps", "gradient-attribution"),
        datasets=("digits",),
        models=DIFFERENTIABLE,
        run=run_saliency,
        options=SALIENCY_OPTIONS,
        summary="Heatmaps of the pixels that drive a digit classifier (Simonyan et al. 2014).",
    )
)


# ------------------------------------------------------------------- averaging heatmaps (Organization B)

AVERAGE_OPTIONS = (
    Option(
        "group",
        "Images",
        "choice",
        "all",
        (
            ("all", "All test images, each explained for its own predicted digit"),
            *((str(d), f"Only images predicted as {d}") for d in range(10)),
        ),
    ),
    Option("method", "Map", "choice", "gradient-input", SALIENCY_METHODS),
    Option("images", "Number of images", "int", 200, minimum=10, maximum=450),
)


# Organization B's claim holds for a set of maps when less than AVERAGE_KEEPS of their attribution
# survives averaging, or when a typical map shares less than TOP_SHARED of its top-10 pixels with the average.
AVERAGE_KEEPS = 0.5
TOP_SHARED = 0.5


def run_average_heatmap(request: DemoRequest) -> DemoResult:
    bundle = data.load(request.dataset)
    fitted = models.get(request.dataset, request.model)
    if not fitted.differentiable:
        message = _require_differentiable(fitted) or ""
        return DemoResult(None, [Block("No gradient", message)])
    demo = AVERAGE_DEMO
    group = demo.option(request, "group")
    method = demo.option(request, "method")
    n = demo.option(request, "images")
    X = np.asarray(bundle.X_test, dtype=float)
    pred = fitted.predict_label(X).astype(int)
    if group != "all":
        X, pred = X[pred == int(group)], pred[pred == int(group)]
    X, pred = X[:n], pred[:n]
    if len(X) < 2:
        return DemoResult(None, [Block("Too few images", "Fewer than two test images are predicted as that digit.")])
    maps = _maps(fitted, X, pred, method)
    stats = gr.aggregate(maps, k=10)
    show = list(range(min(6, len(X))))
    panels = {f"Image {i + 1} (predicted {pred[i]})": unit(maps[i]) for i in show}
    panels[f"Average of {len(X)} maps"] = unit(stats.average)
    inputs = {f"Image {i + 1}": X[i] / 16.0 for i in show}
    who = (
        "test images of all digits, each explained for its own predicted digit"
        if group == "all"
        else f"test images predicted as {group}"
    )
    method_words = dict(SALIENCY_METHODS)[method].lower()
    median_sim = float(np.nanmedian(stats.similarity))
    median_top = float(np.median(stats.top_overlap))
    table = pd.DataFrame(
        [
            ("Images averaged", float(len(X))),
            ("Attribution that survives averaging (1 = maps agree, 0 = they cancel)", stats.retained),
            ("Pixels' sign agreement across maps (0.5 = coin toss, 1 = all agree)", stats.sign_agreement),
            ("Median rank correlation of a single map with the average", median_sim),
            ("Median share of a map's top-10 pixels that are also the average's", median_top),
            ("Lowest rank correlation of a single map with the average", float(np.nanmin(stats.similarity))),
        ],
        columns=["measure", "value"],
    )
    met = []
    if stats.retained < AVERAGE_KEEPS:
        met.append(f"less than {AVERAGE_KEEPS:.0%} of the attribution survives")
    if median_top < TOP_SHARED:
        met.append(f"a typical map shares less than {TOP_SHARED:.0%} of its top-10 pixels with the average")
    rule = (
        f"(the test: less than {AVERAGE_KEEPS:.0%} of the attribution survives averaging, or a typical map shares "
        f"less than {TOP_SHARED:.0%} of its ten strongest pixels with the average)"
    )
    found = (
        f"Over {len(X)} {who}, {stats.retained:.0%} of the attribution survives averaging; a typical single "
        f"map shares {median_top:.0%} of its ten strongest pixels with the average and correlates "
        f"{median_sim:.2f} with it. "
        + (
            f"The claim holds here {rule}: {' and '.join(met)}."
            if met
            else f"The claim does not hold here {rule}: at least half of the attribution survives and a typical map "
            "keeps at least half of its top-10 pixels in the average."
            + (" Compare with 'All test images', which mixes digits." if group != "all" else "")
        )
    )
    if fitted.model == "linear" and method == "gradient":
        found += (
            " Note: for logistic regression the gradient of a class score is that class's weight template, the "
            "same for every image of the class; only the mix of classes makes the maps differ."
        )
    blocks = [
        Block(
            "Single heatmaps next to their average",
            f"Six {method_words} maps, each for one image and the digit predicted for it, then the average of "
            f"all {len(X)}. Each panel is scaled on its own (colours saturate at its strongest 5% of pixels), so the "
            "panels do not show how much weaker the average is: the table says how much of the single maps it keeps.",
            image_frame(panels),
            image_chart("Six single heatmaps and the average heatmap"),
            formats={"value": ".3f"},
        ),
        Block(
            "The images behind the maps",
            "The first six images, in the same order.",
            image_frame(inputs),
            ChartSpec("image", x="column", y="row", value="value", series="panel", description="The six input digits"),
            formats={"value": ".2f"},
        ),
        Block(
            "Claim under test: aggregating heatmaps is meaningless",
            found,
            table,
            claim="Organization B (Bhatt et al. 2020): aggregating saliency maps across many inputs 'is moot and "
            "contains little information'; unlike Shapley values for tabular data, averaging pixel attributions "
            "is meaningless.",
            formats={"value": ".3f"},
        ),
    ]
    return DemoResult(None, blocks)


AVERAGE_DEMO = register(
    Demo(
        key="heatmap-average",
        title="Averaging heatmaps over many images (Organization B)",
        slugs=("heatmaps", "saliency-maps"),
        datasets=("digits",),
        models=DIFFERENTIABLE,
        run=run_average_heatmap,
        options=AVERAGE_OPTIONS,
        local=False,
        summary="Per-image saliency maps next to their average, and how much of them the average keeps.",
    )
)


# ------------------------------------------------------------ saliency before and after an adversarial


def _pgd_search(
    fitted: models.Fitted, bundle: data.Bundle, x: Array, norm: str, eps_max: float | None = None
) -> adv.EpsilonSearch:
    box = perturbation_box(bundle)
    original = int(fitted.predict_label(x[None, :])[0])
    margin = adv.fitted_margin(fitted, original)
    if eps_max is None:
        eps_max = eps_limit(bundle, norm)
    start = 0.02 if bundle.info.modality == "image" else 0.1
    return adv.smallest_epsilon(x, margin, box, norm=norm, eps_max=eps_max, eps_start=start)


ADV_SALIENCY_OPTIONS = (
    Option(
        "norm",
        "Perturbation size measured by",
        "choice",
        "l2",
        (("l2", "L2 (overall)"), ("linf", "L∞ (largest pixel change)")),
    ),
    Option("method", "Map", "choice", "gradient-input", SALIENCY_METHODS[:2]),
)


# The claim is read off the rank correlation between the original map and the map after a change: it
# holds for an image when the adversarial change lowers that correlation at least CLAIM_GAP more than
# the median of RANDOM_CONTROLS random changes of the same size, and more than every one of them.
RANDOM_CONTROLS = 20
CLAIM_GAP = 0.1
# Test images the background computation runs the per-image test on.
CLAIM_IMAGES = 100


@dataclass
class AdversarialMaps:
    """One image's maps before and after PGD's smallest flip, and the random controls."""

    epsilon: float
    x_adv: Array
    original: int
    new: int
    m0: Array
    m1: Array
    rho_adv: float
    rho_random: Array
    top_adv: float
    top_random: float
    p_adv: float
    p_random: float

    @property
    def gap(self) -> float:
        """How much further the adversarial change moves the map than a typical random one."""
        return float(np.nanmedian(self.rho_random) - self.rho_adv)

    @property
    def verdict(self) -> str:
        """ "holds", "partly" (beyond the gap, but some random change moved it as much) or "no"."""
        if not np.isfinite(self.rho_adv) or not np.isfinite(self.gap) or self.gap < CLAIM_GAP:
            return "no"
        return "holds" if self.rho_adv < float(np.nanmin(self.rho_random)) else "partly"


def adversarial_maps(
    fitted: models.Fitted, bundle: data.Bundle, x: Array, norm: str, method: str, seed: int
) -> AdversarialMaps | None:
    original = int(fitted.predict_label(x[None, :])[0])
    search = _pgd_search(fitted, bundle, x, norm)
    if search.result is None or search.epsilon is None:
        return None
    x_adv = search.result.x_adv
    # Controls: random directions scaled to the same ε (then clipped to the ink range, as PGD's is).
    rng = np.random.default_rng(seed)
    d = rng.normal(size=(RANDOM_CONTROLS, len(x)))
    size = np.abs(d).max(axis=1) if norm == "linf" else np.linalg.norm(d, axis=1)
    X_rand = np.clip(x + search.epsilon * 16.0 * d / size[:, None], 0.0, 16.0)
    t = np.full(RANDOM_CONTROLS + 2, original)
    maps = _maps(fitted, np.vstack([x, x_adv, X_rand]), t, method)
    m0, m1, mr = maps[0], maps[1], maps[2:]
    rho = gr.rank_correlations(maps[1:], m0)
    proba = fitted.predict_proba(np.vstack([x_adv, X_rand]))[:, original]
    return AdversarialMaps(
        epsilon=float(search.epsilon),
        x_adv=x_adv,
        original=original,
        new=int(fitted.predict_label(x_adv[None, :])[0]),
        m0=m0,
        m1=m1,
        rho_adv=float(rho[0]),
        rho_random=rho[1:],
        top_adv=gr.top_k_overlap(m0, m1, 10),
        top_random=float(np.median([gr.top_k_overlap(m0, m, 10) for m in mr])),
        p_adv=float(proba[0]),
        p_random=float(np.median(proba[1:])),
    )


def perturbation_words(x: Array, x_adv: Array) -> str:
    """The perturbation's size in the image's own grey levels (0-16): measured, not judged by eye."""
    change = np.abs(x_adv - x)
    return (
        f"the largest pixel change is {change.max():.2f} of 16 grey levels, the mean {change.mean():.2f}; "
        f"{int((change >= 1.0).sum())} of {len(x)} pixels change by a grey level or more, and the change's "
        f"overall size is {np.linalg.norm(x_adv - x) / max(float(np.linalg.norm(x)), 1e-12):.0%} of the image's"
    )


def run_adversarial_saliency(request: DemoRequest) -> DemoResult:
    res = common.resolve(request)
    if not res.fitted.differentiable:
        return _not_differentiable(res)
    demo = ADV_SALIENCY_DEMO
    norm = demo.option(request, "norm")
    method = demo.option(request, "method")
    fitted = res.fitted
    names = fitted.info.class_names
    am = adversarial_maps(fitted, res.bundle, res.x, norm, method, request.seed)
    if am is None:
        return DemoResult(
            res.prediction,
            [Block("No adversarial image found", "PGD did not flip this image within the search range.")],
            res.instance,
            res.notes,
        )
    original, new = am.original, am.new
    panels = {
        f"Original (model says {names[original]})": res.x / 16.0,
        f"Perturbed (model says {names[new]})": am.x_adv / 16.0,
        "Map of the original": unit(am.m0),
        "Map of the perturbed": unit(am.m1),
    }
    controls = f"random perturbations of the same size (median of {RANDOM_CONTROLS})"
    table = pd.DataFrame(
        [
            ("Perturbation size ε", am.epsilon, am.epsilon),
            ("Rank correlation with the original map (1 = same map)", am.rho_adv, float(np.nanmedian(am.rho_random))),
            ("Share of the original map's top-10 pixels still top-10", am.top_adv, am.top_random),
            (f"Probability of {names[original]!r}", am.p_adv, am.p_random),
        ],
        columns=["measure", "adversarial perturbation", controls],
    )
    lowest = float(np.nanmin(am.rho_random)) if np.isfinite(am.rho_random).any() else float("nan")
    rule = (
        f"(the test: the adversarial change lowers the correlation at least {CLAIM_GAP:.2f} more than the median "
        f"random change, and below every one of the {RANDOM_CONTROLS})"
    )
    verdict = {
        "holds": f"It lowers the correlation {am.gap:.2f} more than the median random change and more than any of "
        f"them: the claim holds for this image {rule}.",
        "partly": f"It lowers the correlation {am.gap:.2f} more than the median random change, but one random change "
        f"moved the map as much (lowest {lowest:.2f}): the claim holds only partly for this image {rule}.",
        "no": f"The difference from the median random change is {am.gap:+.2f}: the claim does not hold for this image "
        f"{rule}.",
    }[am.verdict]
    linear_note = ""
    if fitted.model == "linear" and method == "gradient":
        linear_note = (
            " For logistic regression the gradient of a class score is the same everywhere (its weights), so the map "
            "cannot change at all: the claim can only hold for non-linear models."
        )
    found = (
        f"The smallest perturbation PGD found (ε = {am.epsilon:.3f}, {epsilon_words(res.bundle, norm)}) turns "
        f"{names[original]!r} into {names[new]!r}. The map for {names[original]!r} correlates {am.rho_adv:.2f} with "
        f"the original map after the adversarial change and a median {float(np.nanmedian(am.rho_random)):.2f} after "
        f"{RANDOM_CONTROLS} random changes of the same size. {verdict} One image does not settle the claim: the "
        f"background computation runs the same test over {CLAIM_IMAGES} test images." + linear_note
    )
    blocks = [
        Block(
            "The image, its adversarial twin, and their maps",
            "Top: the test image and the smallest change PGD found that makes the model name another digit; "
            f"{perturbation_words(res.x, am.x_adv)}. Bottom: the {dict(SALIENCY_METHODS)[method].lower()} map "
            f"for {names[original]!r} on each (colours saturate at the strongest 5% of pixels).",
            image_frame(panels),
            image_chart("Original and adversarial digit with their saliency maps"),
            formats={"value": ".3f"},
        ),
        Block(
            "Claim under test: saliency differs between an input and its adversarial twin",
            found,
            table,
            claim=ADV_SALIENCY_CLAIM,
            formats={"adversarial perturbation": ".3f", controls: ".3f"},
        ),
    ]
    return DemoResult(res.prediction, blocks, res.instance, res.notes)


ADV_SALIENCY_CLAIM = (
    "Bhatt et al. 2020 (Organization D and the research it cites): explanations and adversarial robustness are "
    "linked; a model's gradient-based explanation changes when its input is adversarially perturbed, and more "
    "robust models have more convincing saliency maps."
)


def adversarial_saliency_task(request: DemoRequest, progress: Callable[[int, str], None]) -> list[Block]:
    """The per-image test of the live demo over many test images: in how many does the claim hold?"""
    bundle = data.load(request.dataset)
    fitted = models.get(request.dataset, request.model)
    if not fitted.differentiable:
        return [Block("No gradient", _require_differentiable(fitted) or "")]
    norm = ADV_SALIENCY_DEMO.option(request, "norm")
    method = ADV_SALIENCY_DEMO.option(request, "method")
    n = min(CLAIM_IMAGES, bundle.test_rows)
    rows = []
    for i in range(n):
        x = np.asarray(bundle.X_test[i], dtype=float)
        am = adversarial_maps(fitted, bundle, x, norm, method, request.seed + i)
        rows.append(
            {
                "row": i,
                "ε": am.epsilon if am else np.nan,
                "correlation, adversarial": am.rho_adv if am else np.nan,
                "correlation, random (median)": float(np.nanmedian(am.rho_random)) if am else np.nan,
                "gap": am.gap if am else np.nan,
                "claim": am.verdict if am else "no flip found",
            }
        )
        if i % 5 == 0 or i == n - 1:
            progress(int(100 * (i + 1) / n), f"{i + 1} of {n} test images")
    frame = pd.DataFrame(rows)
    tested = frame[frame["claim"] != "no flip found"]
    counts = frame["claim"].value_counts().reindex(["holds", "partly", "no", "no flip found"], fill_value=0)
    holds = int(counts["holds"])
    most = len(tested) > 0 and holds > len(tested) / 2
    text = (
        f"{fitted.label}, {dict(SALIENCY_METHODS)[method].lower()} maps, {n} test images; PGD flipped {len(tested)}. "
        f"The claim holds (the adversarial change lowers the map's rank correlation at least {CLAIM_GAP:.2f} more "
        f"than the median of {RANDOM_CONTROLS} random changes of the same size, and more than all of them) in "
        f"{holds} of {len(tested)}, partly in {int(counts['partly'])}, and not in {int(counts['no'])}. "
        f"Median gap {float(tested['gap'].median()) if len(tested) else float('nan'):+.2f}. "
        + (
            "It holds in most images, for this model and map."
            if most
            else "It does not hold in most images for this model and map (most = more than half)."
        )
    )
    summary = counts.rename_axis("result").reset_index(name="images")
    return [
        Block(
            "Claim under test over many images",
            text,
            summary,
            ChartSpec(
                "bars",
                x="result",
                y="images",
                x_title="Result",
                y_title="Images",
                description="In how many images the claim holds",
            ),
            claim=ADV_SALIENCY_CLAIM,
        ),
        Block(
            "Every image",
            "Rank correlation of the map with the original map after each change.",
            frame,
            formats={c: ".3f" for c in frame.columns if c not in ("row", "claim")},
        ),
    ]


ADV_SALIENCY_DEMO = register(
    Demo(
        key="saliency-adversarial",
        title="Saliency before and after an adversarial perturbation",
        slugs=("saliency-maps", "adversarial-examples", "adversarial-perturbations"),
        datasets=("digits",),
        models=DIFFERENTIABLE,
        run=run_adversarial_saliency,
        options=ADV_SALIENCY_OPTIONS,
        heavy=(
            HeavyTask(
                "claim-over-images",
                f"The claim over {CLAIM_IMAGES} test images",
                adversarial_saliency_task,
                "In how many test images the adversarial change moves the map more than random changes do.",
            ),
        ),
        summary="Does the heatmap change more under the smallest flipping change than under random ones of that size?",
    )
)


# ------------------------------------------------------------------------------ PGD, smallest epsilon

PGD_OPTIONS = (
    Option(
        "norm",
        "Perturbation size measured by",
        "choice",
        "linf",
        (("linf", "L∞ (largest single change)"), ("l2", "L2 (overall)")),
    ),
)


def run_pgd(request: DemoRequest) -> DemoResult:
    res = common.resolve(request)
    if not res.fitted.differentiable:
        return _not_differentiable(res)
    norm = PGD_DEMO.option(request, "norm")
    bundle, fitted = res.bundle, res.fitted
    names = fitted.info.class_names
    original = int(fitted.predict_label(res.x[None, :])[0])
    box = perturbation_box(bundle)
    margin = adv.fitted_margin(fitted, original)
    eps_max = eps_limit(bundle, norm)
    search = _pgd_search(fitted, bundle, res.x, norm, eps_max)
    line = adv.line_epsilon(
        res.x, margin, box, adv.gradient_direction(res.x, margin, box, norm), norm=norm, eps_max=eps_max
    )
    rng = np.random.default_rng(request.seed)
    randoms = [
        adv.line_epsilon(res.x, margin, box, rng.normal(size=res.x.shape), norm=norm, eps_max=eps_max) for _ in range(5)
    ]
    rand_found = [r for r in randoms if r is not None]

    def row(name: str, v: float | None) -> tuple[str, float, str]:
        if v is None:
            return name, float("nan"), f"no flip up to ε = {eps_max:g}"
        return name, float(v), "flipped"

    comparison = pd.DataFrame(
        [
            row("PGD (searched direction, ε bisected)", search.epsilon),
            row("Straight along the gradient (fast gradient sign), ε bisected", line),
            row(
                f"Random directions ({len(rand_found)} of 5 flipped; the smallest)",
                min(rand_found) if rand_found else None,
            ),
        ],
        columns=["search", "smallest flipping ε", "result"],
    )
    if search.result is None or search.epsilon is None:
        text = (
            f"No perturbation up to ε = {eps_max} ({epsilon_words(bundle, norm)}) changes the model's answer "
            f"{names[original]!r}: within the data's range this case is robust."
        )
        return DemoResult(
            res.prediction,
            [Block("No flip found", text, comparison, formats={"smallest flipping ε": ".3f"})],
            res.instance,
            res.notes,
        )
    x_adv = search.result.x_adv
    new = int(fitted.predict_label(x_adv[None, :])[0])
    p_before = float(fitted.predict_proba(res.x[None, :])[0, original])
    p_after = float(fitted.predict_proba(x_adv[None, :])[0, original])
    blocks = [
        Block(
            "Smallest perturbation that flips the answer",
            f"Projected gradient descent (Madry et al. 2018) looks for the change, within a budget ε, that most "
            f"lowers the model's preference for its answer; bisection over ε then finds the smallest budget that "
            f"works. Here ε = {search.epsilon:.3f} ({epsilon_words(bundle, norm)}) turns {names[original]!r} "
            f"(probability {p_before:.2f}) into {names[new]!r} (probability of {names[original]!r} now "
            f"{p_after:.2f}). The smaller ε, the smaller the change that overturns the answer. Organization D in "
            "Bhatt et al. averages this ε over test images as a robustness score. The table compares PGD with "
            f"simpler searches: {_pgd_versus(search.epsilon, line, rand_found)}",
            comparison,
            formats={"smallest flipping ε": ".3f"},
        )
    ]
    if bundle.info.modality == "image":
        blocks.append(
            Block(
                "The perturbation",
                "Left to right: the image, the change PGD made (warm = darker, cool = lighter), and the result.",
                image_frame({"Original": res.x / 16.0, "Change": unit(x_adv - res.x), "Perturbed": x_adv / 16.0}),
                image_chart("Original digit, the adversarial change, and the perturbed digit"),
                formats={"value": ".3f"},
            )
        )
    else:
        change = (x_adv - res.x) / bundle.scale
        nz = np.flatnonzero(np.abs(change) > 1e-6)
        moved = [int(j) for j in nz[np.argsort(-np.abs(change[nz]))]]
        frame = pd.DataFrame(
            {
                "feature": [bundle.label(bundle.feature_names[j]) for j in moved],
                "before": [bundle.display_value(j, res.x[j]) for j in moved],
                "after": [bundle.display_value(j, x_adv[j]) for j in moved],
                "change (standard deviations)": change[moved],
            }
        )
        blocks.append(
            Block(
                "What changed",
                f"{len(moved)} numeric features moved (categories cannot be nudged by a gradient and stay as they "
                "are); the change is in standard deviations of each feature. Unlike a counterfactual, nothing here "
                "asks whether the change is possible or sensible: it probes the model, not the person.",
                frame,
                ChartSpec(
                    "attribution",
                    x="change (standard deviations)",
                    y="feature",
                    x_title="Change in standard deviations",
                    description="How far PGD moved each feature",
                ),
                formats={"change (standard deviations)": "+.3f"},
            )
        )
    return DemoResult(res.prediction, blocks, res.instance, res.notes)


def _pgd_versus(pgd: float, line: float | None, randoms: list[float]) -> str:
    """Whether PGD's ε is the smallest of the searches in the table, as a sentence."""
    others = [("the straight line along the gradient", line), ("the best random direction", min(randoms, default=None))]
    smaller = [(name, v) for name, v in others if v is not None and v < pgd - 1e-9]
    if not smaller:
        return "PGD's ε is no larger than theirs."
    return "; ".join(f"{name} found a smaller ε ({v:.3f})" for name, v in smaller) + (
        f" than PGD ({pgd:.3f}): PGD's search is approximate and missed it here."
    )


def robustness_task(request: DemoRequest, progress: Callable[[int, str], None]) -> list[Block]:
    """Organization D's robustness score: the average smallest flipping ε over test instances."""
    bundle = data.load(request.dataset)
    fitted = models.get(request.dataset, request.model)
    if not fitted.differentiable:
        return [Block("No gradient", _require_differentiable(fitted) or "")]
    norm = PGD_DEMO.option(request, "norm")
    n = min(100, bundle.test_rows)
    eps_max = eps_limit(bundle, norm)
    rows = []
    for i in range(n):
        res = common.resolve(DemoRequest(request.dataset, request.model, index=i))
        s = _pgd_search(fitted, bundle, res.x, norm, eps_max)
        rows.append((i, fitted.info.class_names[int(fitted.predict_label(res.x[None, :])[0])], s.epsilon))
        if i % 5 == 0 or i == n - 1:
            progress(int(100 * (i + 1) / n), f"{i + 1} of {n} test cases")
    frame = pd.DataFrame(rows, columns=["row", "predicted", "epsilon"])
    found = frame.dropna(subset=["epsilon"])
    by_class = (
        found.groupby("predicted")["epsilon"]
        .agg(["mean", "median", "count"])
        .reset_index()
        .rename(columns={"mean": "mean ε", "median": "median ε", "count": "cases"})
    )
    score = float(found["epsilon"].mean()) if len(found) else float("nan")
    text = (
        f"Average smallest flipping ε over {len(found)} of {n} test cases: {score:.3f} "
        f"({epsilon_words(bundle, norm)}); {n - len(found)} could not be flipped within ε = {eps_max}. "
        "Larger is more robust. Compare models by running this for each; Organization D in Bhatt et al. uses "
        "exactly this average to choose between candidate models."
    )
    return [
        Block(
            "Robustness score (average smallest ε)",
            text,
            by_class,
            ChartSpec(
                "bars",
                x="predicted",
                y="mean ε",
                x_title="Predicted class",
                y_title="Mean smallest ε",
                description="Mean smallest flipping ε by predicted class",
            ),
            formats={"mean ε": ".3f", "median ε": ".3f"},
        ),
        Block(
            "Every case",
            "The smallest ε found for each test case (empty: no flip within the range).",
            frame,
            formats={"epsilon": ".3f"},
        ),
    ]


PGD_DEMO = register(
    Demo(
        key="pgd-smallest-epsilon",
        title="Adversarial perturbation: PGD with a search over ε",
        slugs=(
            "projected-gradient-descent",
            "adversarial-examples",
            "adversarial-perturbations",
            "perturbation-methods",
        ),
        datasets=("credit", "breast-cancer", "digits"),
        models=DIFFERENTIABLE,
        run=run_pgd,
        options=PGD_OPTIONS,
        heavy=(
            HeavyTask(
                "robustness",
                "Robustness score over 100 test cases",
                robustness_task,
                "The average smallest flipping ε over test cases, as Organization D scores its models.",
            ),
        ),
        summary="The smallest change that flips a prediction, found by projected gradient descent.",
    )
)
