"""Demos: counterfactual explanations (Wachter optimisation with the "infeasible without constraints"
claim, diverse counterfactuals, and CERTIFAI's genetic search with its robustness score).

The user's locks (`DemoRequest.locked`) are honoured by every method: a locked feature keeps the case's
own value. Heavy tasks do not read the user's locks (their cached results are shared by everyone with
the same options), and lock the features the dataset documents as immutable instead.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from .. import common, data, models
from ..base import Block, ChartSpec, Demo, DemoRequest, DemoResult, HeavyTask, Option, register
from ..methods import counterfactual as cf

Array = np.ndarray
DATASETS = ("credit", "breast-cancer")


# ------------------------------------------------------------------------------------------- helpers


def space_for(bundle: data.Bundle, locked: Array) -> cf.Space:
    categories = np.array([len(f.categories) if f.kind == "categorical" else 0 for f in bundle.info.features])
    step = np.array([0.0 if f.kind == "categorical" else f.step for f in bundle.info.features])
    return cf.Space(bundle.scale.copy(), bundle.lower.copy(), bundle.upper.copy(), categories, locked, step)


def target_for(fitted: models.Fitted, desired: int) -> cf.Target:
    """The margin towards `desired`: its log-odds (binary models), positive once the model says it."""
    grad = (lambda X: fitted.logit_gradient(X, desired)) if fitted.differentiable else None
    return cf.Target(lambda X: np.asarray(fitted.logit(X, desired)), grad)


def user_locks(bundle: data.Bundle, request: DemoRequest) -> tuple[Array, list[str]]:
    names = bundle.feature_names
    notes = [f"There is no feature {n!r} to lock." for n in request.locked if n not in names]
    return np.array([n in request.locked for n in names], dtype=bool), notes


# The outcome the counterfactual demos overturn by default: the unfavourable one. For credit that is
# recourse (what would get the loan). For breast cancer no one can act on a tumour's measurements, so it
# is a contrastive explanation: "why malignant rather than benign?", the question asked of a positive
# finding, and the direction in which a near miss matters most.
UNFAVOURABLE = {"credit": "bad", "breast-cancer": "malignant"}


def default_index(dataset: str, model: str) -> int:
    """The first test row the model gives the unfavourable outcome: the row to show when the user has not
    picked one (row 0 of credit is predicted 'good', whose counterfactual is how to become 'bad')."""
    bundle, fitted = data.load(dataset), models.get(dataset, model)
    names = bundle.info.class_names
    wanted = UNFAVOURABLE.get(dataset)
    if wanted not in names:
        return 0
    hits = np.flatnonzero(fitted.predict_label(bundle.X_test) == names.index(wanted))
    return int(hits[0]) if hits.size else 0


def _direction(bundle: data.Bundle, names: tuple[str, ...], predicted: int, desired: int) -> str:
    """Which way this counterfactual goes, and what it is good for."""
    unfavourable = UNFAVOURABLE.get(bundle.info.slug)
    if bundle.info.slug == "breast-cancer":
        return (
            f" It answers 'why {names[predicted]} rather than {names[desired]}?': a contrastive explanation of the "
            "model, not recourse (no one can change a tumour's measurements)."
        )
    if unfavourable is not None and names[predicted] != unfavourable:
        return (
            f" This case already gets the favourable answer ({names[predicted]!r}), so this is not recourse: it is "
            f"what would make the model say {unfavourable!r}. Pick a row predicted {unfavourable!r} for recourse."
        )
    return ""


def _number(value: float) -> str:
    """A feature value as the data records it: whole numbers without a decimal point, no exponent."""
    v = float(value)
    if v == round(v) and abs(v) < 1e15:
        return str(round(v))
    return f"{v:.6g}" if 1e-4 <= abs(v) < 1e6 else f"{v:.6f}".rstrip("0")


def _shown(bundle: data.Bundle, j: int, value: float) -> str:
    shown = bundle.display_value(j, value)
    return _number(shown) if isinstance(shown, float) else str(shown)


def _describe(bundle: data.Bundle, j: int, before: float, after: float) -> str:
    label = bundle.label(bundle.feature_names[j])
    return f"{label}: {_shown(bundle, j, before)} → {_shown(bundle, j, after)}"


def real_changes(bundle: data.Bundle, x: Array, c: Array) -> Array:
    """The features c changes by at least their recording unit (any change of category): a smaller
    numeric change (0.2 of a year of age) is an artefact of optimising in fractions, not a change."""
    step = np.array([0.0 if f.kind == "categorical" else f.step for f in bundle.info.features])
    moved = ~np.isclose(c, x, rtol=0, atol=1e-9)
    return np.asarray(moved & (bundle.categorical | (np.abs(c - x) >= step * (1 - 1e-9))))


def compare_distances(constrained: float, free: float) -> str:
    """'distance A instead of B (+x%)' with enough digits that A and B differ on the page, or 'about the
    same distance' when they differ by under 1%."""
    if free > 0 and abs(constrained / free - 1) < 0.01:
        return f"about the same distance ({constrained:.3g})"
    a, b = "", ""
    for digits in range(2, 7):
        a, b = f"{constrained:.{digits}g}", f"{free:.{digits}g}"
        if a != b:
            break
    extra = f" ({constrained / free - 1:+.0%})" if free > 0 else ""
    return f"distance {a} instead of {b}{extra}"


def sentence(bundle: data.Bundle, x: Array, c: Array) -> str:
    changed = np.flatnonzero(~np.isclose(c, x, rtol=0, atol=1e-9))
    return "; ".join(_describe(bundle, int(j), x[j], c[j]) for j in changed) or "nothing"


def changes_frame(bundle: data.Bundle, x: Array, columns: dict[str, Array], locked: Array) -> pd.DataFrame:
    """One row per feature any of the counterfactuals changes: its value now and in each one."""
    moved = np.zeros(len(x), dtype=bool)
    for c in columns.values():
        moved |= ~np.isclose(c, x, rtol=0, atol=1e-9)
    rows = []
    immutable = bundle.immutable
    for j in np.flatnonzero(moved):
        row: dict[str, object] = {
            "feature": bundle.label(bundle.feature_names[j]),
            "now": _shown(bundle, int(j), x[j]),
        }
        for name, c in columns.items():
            row[name] = _shown(bundle, int(j), c[j]) if not np.isclose(c[j], x[j], rtol=0, atol=1e-9) else "–"
        row["cannot change in life"] = "yes" if immutable[j] else ""
        row["locked"] = "yes" if locked[j] else ""
        rows.append(row)
    cols = ["feature", "now", *columns, "cannot change in life", "locked"]
    return pd.DataFrame(rows, columns=cols).astype(str)


def closer(free: cf.Counterfactual, constrained: cf.Counterfactual) -> cf.Counterfactual:
    """The better unconstrained answer: a constrained counterfactual is also a valid unconstrained one,
    and the optimisation is approximate, so when the locked search happened to land closer, use it."""
    if constrained.found and (not free.found or constrained.distance < free.distance - 1e-9):
        return constrained
    return free


def _prob(fitted: models.Fitted, c: Array, k: int) -> float:
    return float(fitted.predict_proba(c[None, :])[0, k])


def _setup(request: DemoRequest) -> tuple[common.Resolved, int, int, list[str]]:
    res = common.resolve(request)
    predicted = int(res.fitted.predict_label(res.x[None, :])[0])
    return res, predicted, 1 - predicted, list(res.notes)


def _classifier_only(res: common.Resolved) -> DemoResult | None:
    if res.fitted.is_classifier and res.fitted.n_classes == 2:
        return None
    return DemoResult(
        res.prediction,
        [Block("Not for this dataset", "Counterfactuals here flip a yes/no decision; pick a two-class dataset.")],
        res.instance,
        res.notes,
    )


def _gradient_only(res: common.Resolved, notes: list[str]) -> DemoResult | None:
    if res.fitted.differentiable:
        return None
    text = (
        f"{res.fitted.label} is made of decision trees, which have no gradient to follow. Wachter's optimisation "
        "needs one: pick logistic regression or the neural network, or use the genetic (CERTIFAI) search, which "
        "only needs predictions."
    )
    return DemoResult(res.prediction, [Block("No gradient", text)], res.instance, notes)


# ------------------------------------------------------------------------------------ Wachter + claim


def run_wachter(request: DemoRequest) -> DemoResult:
    res, predicted, desired, notes = _setup(request)
    stop = _classifier_only(res) or _gradient_only(res, notes)
    if stop:
        return stop
    bundle, fitted = res.bundle, res.fitted
    names = fitted.info.class_names
    locks, lock_notes = user_locks(bundle, request)
    notes += lock_notes
    target = target_for(fitted, desired)
    mine = cf.wachter(res.x, target, space_for(bundle, locks))
    free = mine if not locks.any() else cf.wachter(res.x, target, space_for(bundle, np.zeros_like(locks)))
    compare_locks = locks if locks.any() else bundle.immutable
    constrained = mine if locks.any() else cf.wachter(res.x, target, space_for(bundle, compare_locks))
    free = closer(free, constrained)
    if not locks.any():
        mine = free
    blocks: list[Block] = []
    if mine.found:
        text = (
            f"The model says {names[predicted]!r} (probability {_prob(fitted, res.x, predicted):.2f}). The smallest "
            f"change it found that makes it say {names[desired]!r} (probability {_prob(fitted, mine.x, desired):.2f}): "
            f"{sentence(bundle, res.x, mine.x)}. "
            "This is Wachter et al.'s counterfactual: the closest case, in standard deviations of each feature "
            "(a change of category counts as one), that the model treats differently. It is a statement about the "
            "model, not advice: nothing guarantees the change is possible, or that it would change the outcome in "
            f"the world. Distance {mine.distance:.3g}." + _direction(bundle, names, predicted, desired)
        )
        if locks.any():
            text += f" Locked by you: {', '.join(bundle.label(n) for n in np.array(bundle.feature_names)[locks])}."
    else:
        text = (
            f"No counterfactual found: within the data's range and with these locks, nothing makes the model say "
            f"{names[desired]!r}."
        )
    blocks.append(
        Block(
            "The nearest counterfactual",
            text,
            changes_frame(bundle, res.x, {"counterfactual": mine.x}, locks) if mine.found else None,
        )
    )
    blocks.append(_infeasibility_block(bundle, fitted, res.x, free, constrained, compare_locks, bool(locks.any())))
    return DemoResult(res.prediction, blocks, res.instance, notes)


def _infeasibility_block(
    bundle: data.Bundle,
    fitted: models.Fitted,
    x: Array,
    free: cf.Counterfactual,
    constrained: cf.Counterfactual,
    locks: Array,
    user_locked: bool,
) -> Block:
    immutable = bundle.immutable
    touched = np.flatnonzero(real_changes(bundle, x, free.x) & immutable) if free.found else np.array([], dtype=int)
    lock_words = ", ".join(bundle.label(n) for n in np.array(bundle.feature_names)[locks]) or "nothing"
    which = "the features you locked" if user_locked else "the features the data documents as immutable"
    if not immutable.any():
        found = (
            "This dataset marks no feature as immutable, so an unconstrained counterfactual cannot ask for an "
            "impossible change here; lock features yourself to see what the constraint costs."
        )
    elif not free.found:
        found = "Even without constraints no counterfactual was found for this case."
    elif touched.size:
        moves = "; ".join(_describe(bundle, int(j), x[j], free.x[j]) for j in touched)
        found = (
            f"Without constraints, the counterfactual asks for {moves}: a change the person cannot make, so as "
            "advice it is infeasible. "
        )
    else:
        found = (
            "Here the unconstrained counterfactual happens to leave the immutable features alone, so for this case "
            "the claim does not show; other cases (or the heavy task over many cases) show how often it does. "
        )
    if free.found and constrained.found and immutable.any():
        if np.allclose(constrained.x, free.x):
            found += f"Locking {which} ({lock_words}) changes nothing for this case."
        else:
            found += (
                f"With {which} locked ({lock_words}) it needs "
                f"{compare_distances(constrained.distance, free.distance)}: {sentence(bundle, x, constrained.x)}."
            )
    elif free.found and not constrained.found and immutable.any():
        found += f"With {which} locked ({lock_words}), no counterfactual exists within the data's range."
    columns = {}
    if free.found:
        columns["no constraints"] = free.x
    if constrained.found:
        columns["with locks"] = constrained.x
    return Block(
        "Claim under test: counterfactuals are infeasible without constraints",
        found,
        changes_frame(bundle, x, columns, locks) if columns else None,
        claim="Counterfactual explanations that may change anything can ask for the impossible (be younger, change "
        "sex or nationality); recourse needs constraints on what may change (Bhatt et al. 2020 on counterfactuals "
        "that 'can be tailored to allow only certain relevant features to be changed'; Ustun et al. 2019).",
    )


# Test cases the infeasibility count runs over.
INFEASIBILITY_CASES = 100


def _distance_unit(bundle: data.Bundle) -> str:
    """What one unit of distance is in the data's own terms: one standard deviation of a numeric feature
    (an immutable one if there is one, as that is what a counterfactual trades against a category)."""
    numeric = [j for j in range(len(bundle.feature_names)) if not bundle.categorical[j]]
    if not numeric:
        return "a change of category counts 1"
    j = next((j for j in numeric if bundle.immutable[j]), numeric[0])
    label = bundle.label(bundle.feature_names[j])
    return (
        f"a change of category counts 1, as much as one standard deviation of {label}, which is {bundle.scale[j]:.3g}"
    )


def infeasibility_task(request: DemoRequest, progress: Callable[[int, str], None]) -> list[Block]:
    """Over many cases: how often an unconstrained counterfactual changes an immutable feature, and what
    locking them costs. Every figure in the text is computed from the cases run."""
    bundle = data.load(request.dataset)
    fitted = models.get(request.dataset, request.model)
    immutable = bundle.immutable
    if not immutable.any():
        return [
            Block(
                "No immutable features in this dataset",
                f"{bundle.info.name} marks no feature as one a person cannot change, so an unconstrained "
                "counterfactual cannot ask for an impossible change here and there is nothing to count. Pick a "
                "dataset with immutable features (German Credit: age, personal status and sex, foreign worker), or "
                "lock features yourself in the live demo.",
            )
        ]
    if not fitted.differentiable:
        return [Block("No gradient", "Wachter's optimisation needs a differentiable model.")]
    n = min(INFEASIBILITY_CASES, bundle.test_rows)
    rows = []
    names = np.array(bundle.feature_names)
    for i in range(n):
        x = np.asarray(bundle.X_test[i], dtype=float)
        predicted = int(fitted.predict_label(x[None, :])[0])
        target = target_for(fitted, 1 - predicted)
        locked = cf.wachter(x, target, space_for(bundle, immutable))
        free = closer(cf.wachter(x, target, space_for(bundle, np.zeros_like(immutable))), locked)
        moved = real_changes(bundle, x, free.x) if free.found else np.zeros_like(immutable)
        touched = moved & immutable
        rows.append(
            {
                "row": i,
                "predicted": fitted.info.class_names[predicted],
                "unconstrained changes an immutable feature": bool(touched.any()),
                "which": ", ".join(bundle.label(name) for name in names[touched]),
                "unconstrained switches a category": bool((moved & bundle.categorical).any()),
                "distance, no constraints": free.distance if free.found else np.nan,
                "distance, immutable locked": locked.distance if locked.found else np.nan,
            }
        )
        if i % 5 == 0 or i == n - 1:
            progress(int(100 * (i + 1) / n), f"{i + 1} of {n} test cases")
    frame = pd.DataFrame(rows)
    flagged = frame["unconstrained changes an immutable feature"]
    found = int(frame["distance, no constraints"].notna().sum())
    hits = int(flagged.sum())
    touched_rows = frame[flagged]
    both = touched_rows.dropna(subset=["distance, no constraints", "distance, immutable locked"])
    ratio = both["distance, immutable locked"] / both["distance, no constraints"]
    lost = int(touched_rows["distance, immutable locked"].isna().sum())
    named = [name for which in frame["which"] for name in str(which).split(", ") if name]
    by_feature = pd.Series(named, dtype=str).value_counts().rename_axis("feature").reset_index(name="cases")
    switches = int(frame["unconstrained switches a category"].sum())
    immutable_words = ", ".join(bundle.label(name) for name in names[immutable])
    text = (
        f"{fitted.label}, {n} test cases, {found} with an unconstrained counterfactual: in {hits} of them "
        f"({hits / n:.0%} of all cases) it changes a feature the person cannot change ({immutable_words}). "
    )
    if hits:
        text += (
            f"For those {hits} the claim holds (without constraints the explanation asks for the impossible); for "
            f"the other {n - hits} it does not show. "
            + (
                f"Locking the immutable features makes the nearest counterfactual a median "
                f"{float(ratio.median()) - 1:+.0%} further away over the {len(ratio)} that still have one"
                if len(ratio)
                else "Locking the immutable features leaves none of them with a counterfactual"
            )
            + (f"; {lost} have no counterfactual left. " if lost and len(ratio) else ". ")
        )
    else:
        text += "On this model and data the claim does not show: no unconstrained counterfactual needed one. "
    text += (
        f"How often it happens depends on the model and on how distance is counted: here {_distance_unit(bundle)}; "
        f"{switches} of the {n} unconstrained counterfactuals switch at least one category."
    )
    if hits:
        listed = ", ".join(str(r) for r in touched_rows["row"].head(10))
        text += f" Test rows to open in the live demo to see one: {listed}" + (
            f" and {hits - 10} more (marked in the last table)." if hits > 10 else "."
        )
    return [
        Block(
            "How often unconstrained counterfactuals are infeasible",
            text,
            by_feature,
            ChartSpec(
                "bars",
                x="feature",
                y="cases",
                x_title="Immutable feature",
                y_title="Cases asking to change it",
                description="How often each immutable feature is changed by an unconstrained counterfactual",
            ),
            claim="Counterfactuals are infeasible without constraints.",
        ),
        Block(
            "Every case",
            "One row per test case.",
            frame,
            formats={"distance, no constraints": ".2f", "distance, immutable locked": ".2f"},
        ),
    ]


WACHTER_DEMO = register(
    Demo(
        key="counterfactual-wachter",
        title="Counterfactual explanation (Wachter et al.), with and without locks",
        slugs=("counterfactual-explanations", "algorithmic-recourse", "contrastive-explanations", "what-if-tool"),
        datasets=DATASETS,
        models=("linear", "mlp"),
        run=run_wachter,
        lockable=True,
        default_index=default_index,
        heavy=(
            HeavyTask(
                "infeasibility",
                f"How often are unconstrained counterfactuals infeasible? ({INFEASIBILITY_CASES} test cases)",
                infeasibility_task,
                "Counts the cases whose unconstrained counterfactual changes an immutable feature.",
                # Only where some feature cannot change in real life (breast-cancer has none).
                datasets=tuple(slug for slug in DATASETS if any(f.immutable for f in data.DATASETS[slug].features)),
            ),
        ),
        summary="The smallest change that flips the decision; lock features such as age to keep it feasible.",
    )
)


# ----------------------------------------------------------------------------------- diverse options

DIVERSE_OPTIONS = (Option("k", "Number of counterfactuals", "int", 3, minimum=2, maximum=5),)


def run_diverse(request: DemoRequest) -> DemoResult:
    res, predicted, desired, notes = _setup(request)
    stop = _classifier_only(res) or _gradient_only(res, notes)
    if stop:
        return stop
    bundle, fitted = res.bundle, res.fitted
    names = fitted.info.class_names
    locks, lock_notes = user_locks(bundle, request)
    notes += lock_notes
    k = DIVERSE_DEMO.option(request, "k")
    found = cf.diverse(res.x, target_for(fitted, desired), space_for(bundle, locks), k=k)
    if not found:
        block = Block(
            "No counterfactual found", f"Nothing within the data's range makes the model say {names[desired]!r}."
        )
        return DemoResult(res.prediction, [block], res.instance, notes)
    summary = pd.DataFrame(
        [
            {
                "option": f"Option {i + 1}",
                "changes": sentence(bundle, res.x, c.x),
                "features changed": int(c.changed(res.x).sum()),
                "distance": c.distance,
                f"probability of {names[desired]!r}": _prob(fitted, c.x, desired),
            }
            for i, c in enumerate(found)
        ]
    )
    sets = [set(np.flatnonzero(c.changed(res.x)).tolist()) for c in found]
    overlaps = [len(a & b) / len(a | b) for i, a in enumerate(sets) for b in sets[i + 1 :] if a | b]
    used = set().union(*sets)
    immutable_used = [bundle.label(bundle.feature_names[j]) for j in sorted(used) if bundle.immutable[j]]
    text = (
        f"{len(found)} different ways to make the model say {names[desired]!r} instead of {names[predicted]!r}. Each "
        "new option is made to pay more for features the earlier ones used, so it looks for another route (in the "
        "spirit of DiCE, Mothilal et al. 2020). Together they use "
        f"{len(used)} features; two options share on average {np.mean(overlaps) if overlaps else 0:.0%} of their "
        "changed features (0% = completely different routes). A person may be able to act on one route and not "
        "another, which a single counterfactual hides." + _direction(bundle, names, predicted, desired)
    )
    if len(found) < k:
        text += f" Only {len(found)} distinct routes were found."
    if immutable_used and not locks.any():
        text += f" Some options change features that cannot change in life ({', '.join(immutable_used)}): lock them."
    blocks = [
        Block(
            "Diverse counterfactuals",
            text,
            summary,
            formats={"distance": ".2f", f"probability of {names[desired]!r}": ".2f"},
        ),
        Block(
            "Feature by feature",
            "Each column is one option; '–' means the option leaves the feature as it is.",
            changes_frame(bundle, res.x, {f"option {i + 1}": c.x for i, c in enumerate(found)}, locks),
        ),
    ]
    return DemoResult(res.prediction, blocks, res.instance, notes)


DIVERSE_DEMO = register(
    Demo(
        key="counterfactual-diverse",
        title="Diverse counterfactuals: several routes to another decision",
        slugs=("counterfactual-explanations", "algorithmic-recourse"),
        datasets=DATASETS,
        models=("linear", "mlp"),
        run=run_diverse,
        options=DIVERSE_OPTIONS,
        lockable=True,
        default_index=default_index,
        summary="Several counterfactuals that change different features.",
    )
)


# ------------------------------------------------------------------------------------ CERTIFAI search

GENETIC_OPTIONS = (
    # Maxima keep the slowest combination (boosting on breast cancer) near half a second.
    Option("population", "Population", "int", 200, minimum=50, maximum=300),
    Option("generations", "Generations", "int", 30, minimum=5, maximum=60),
)


def run_genetic(request: DemoRequest) -> DemoResult:
    res, predicted, desired, notes = _setup(request)
    stop = _classifier_only(res)
    if stop:
        return stop
    bundle, fitted = res.bundle, res.fitted
    names = fitted.info.class_names
    locks, lock_notes = user_locks(bundle, request)
    notes += lock_notes
    found = cf.genetic(
        res.x,
        target_for(fitted, desired),
        space_for(bundle, locks),
        population=GENETIC_DEMO.option(request, "population"),
        generations=GENETIC_DEMO.option(request, "generations"),
        seed=request.seed,
    )
    if not found or not found[0].found:
        block = Block("No counterfactual found", f"The search found no case the model calls {names[desired]!r}.")
        return DemoResult(res.prediction, [block], res.instance, notes)
    best = found[0]
    text = (
        "CERTIFAI (Sharma et al. 2020, used by Organization C in Bhatt et al.) breeds candidate cases: it starts "
        "from random ones, keeps those the model puts in the other class, and recombines and mutates the closest "
        "until they come near this case. It only needs the model's answers, so it works on decision trees too. "
        f"Nearest found: {sentence(bundle, res.x, best.x)} (probability of {names[desired]!r} "
        f"{_prob(fitted, best.x, desired):.2f}). Its distance, {best.distance:.2f} (Euclidean, in standard "
        "deviations; a changed category counts 1), is this case's robustness: how far it sits from the model's "
        "boundary. The search is random: another seed can find another counterfactual at another distance."
        + _direction(bundle, names, predicted, desired)
    )
    frame = changes_frame(bundle, res.x, {f"counterfactual {i + 1}": c.x for i, c in enumerate(found)}, locks)
    dist = pd.DataFrame(
        [
            {
                "counterfactual": f"counterfactual {i + 1}",
                "distance": c.distance,
                "features changed": int(c.changed(res.x).sum()),
            }
            for i, c in enumerate(found)
        ]
    )
    blocks = [
        Block("Counterfactuals from the genetic search", text, frame),
        Block("How far each one is", "Smaller is closer to this case.", dist, formats={"distance": ".2f"}),
    ]
    return DemoResult(res.prediction, blocks, res.instance, notes)


def _group_feature(bundle: data.Bundle) -> int | None:
    """An immutable categorical feature to compare robustness across (CERTIFAI's fairness reading)."""
    for j, f in enumerate(bundle.info.features):
        if f.immutable and f.kind == "categorical" and len(f.categories) > 1:
            return j
    return None


# Test cases the robustness score runs over, and the fewest cases a (class, group) cell needs before its
# mean is drawn beside the others: the mean of one or two distances says nothing about a group.
ROBUSTNESS_CASES = 100
MIN_GROUP = 5


def robustness_task(request: DemoRequest, progress: Callable[[int, str], None]) -> list[Block]:
    bundle = data.load(request.dataset)
    fitted = models.get(request.dataset, request.model)
    population = GENETIC_DEMO.option(request, "population")
    generations = GENETIC_DEMO.option(request, "generations")
    space = space_for(bundle, bundle.immutable)
    n = min(ROBUSTNESS_CASES, bundle.test_rows)
    group_j = _group_feature(bundle)
    rows = []
    for i in range(n):
        x = np.asarray(bundle.X_test[i], dtype=float)
        predicted = int(fitted.predict_label(x[None, :])[0])
        found = cf.genetic(
            x, target_for(fitted, 1 - predicted), space, population=population, generations=generations, seed=i, keep=1
        )
        row = {
            "row": i,
            "predicted": fitted.info.class_names[predicted],
            "distance": found[0].distance if found and found[0].found else np.nan,
        }
        if group_j is not None:
            row["group"] = str(bundle.display_value(group_j, x[group_j]))
        rows.append(row)
        if i % 5 == 0 or i == n - 1:
            progress(int(100 * (i + 1) / n), f"{i + 1} of {n} test cases")
    frame = pd.DataFrame(rows)
    score = cf.robustness_score(frame["distance"].dropna().to_numpy())
    by = ["predicted"] + (["group"] if group_j is not None else [])
    table = (
        frame.dropna(subset=["distance"])
        .groupby(by)["distance"]
        .agg(["mean", "count"])
        .reset_index()
        .rename(columns={"mean": "robustness (mean distance)", "count": "cases"})
    )
    # One bar per group, its case count first in its label (a long group name cut short on the axis still
    # shows it); cells under MIN_GROUP cases are listed in the table, not drawn. Groups are compared within
    # one predicted class, one chart each: the distance to 'good' and to 'bad' are different questions.
    table["bar"] = [
        f"n={int(r['cases'])} · {r['group'] if group_j is not None else r['predicted']}" for _, r in table.iterrows()
    ]
    enough = table["cases"] >= MIN_GROUP
    table["in the chart"] = np.where(enough, "yes", f"no: under {MIN_GROUP} cases")
    small = table[~enough]
    group_label = bundle.label(bundle.feature_names[group_j]) if group_j is not None else ""
    group_words = group_label[:1].lower() + group_label[1:]
    text = (
        f"CERTIFAI robustness score of {fitted.label} on {n} test cases: {score:.2f}, the average distance from a "
        "case to the nearest case the model decides differently (Euclidean, standard deviations; immutable features "
        "held fixed). Larger means the model's decisions are harder to overturn; compare models by running this for "
        "each. "
        + (
            f"The charts break it down by {group_words}, one chart per predicted class: if one group's decisions flip "
            "with much smaller changes than another's with the same prediction, the model treats them less stably, "
            "which is how Sharma et al. read the same score as a fairness measure. Each bar says how many cases it "
            "averages (n). "
            if group_j is not None
            else "Each bar says how many cases it averages (n). "
        )
    )
    if len(small):
        listed = "; ".join(f"{r['predicted']} · {r['bar']}" for _, r in small.iterrows())
        text += (
            f"{len(small)} {'group has' if len(small) == 1 else 'groups have'} fewer than {MIN_GROUP} cases and "
            f"{'is' if len(small) == 1 else 'are'} left out of the charts, as a mean of so few distances cannot be "
            f"compared with the others ({listed}); the table lists them."
        )
    chart_columns = [
        "bar",
        "predicted",
        *(["group"] if group_j is not None else []),
        "cases",
        "robustness (mean distance)",
    ]
    summary_chart = None
    if group_j is None and enough.any():
        summary_chart = ChartSpec(
            "bars",
            x="bar",
            y="robustness (mean distance)",
            x_title="Number of cases · predicted class",
            y_title="Mean distance to a counterfactual",
            description=f"CERTIFAI robustness by predicted class, classes of {MIN_GROUP} or more cases",
        )
    blocks = [
        Block(
            "Robustness score (CERTIFAI)",
            text,
            table[enough][chart_columns].reset_index(drop=True) if summary_chart else table.drop(columns=["bar"]),
            summary_chart,
            hidden_columns=("bar",) if summary_chart else (),
            formats={"robustness (mean distance)": ".2f"},
        ),
    ]
    if group_j is not None:
        for name in fitted.info.class_names:
            drawn = table[enough & (table["predicted"] == name)]
            if drawn.empty:
                continue
            blocks.append(
                Block(
                    f"Cases predicted {name!r}: robustness by {group_words}",
                    f"The mean distance from a case predicted {name!r} to its nearest counterfactual, by "
                    f"{group_words}; groups of fewer than {MIN_GROUP} such cases are left out.",
                    drawn[chart_columns].reset_index(drop=True),
                    ChartSpec(
                        "bars",
                        x="bar",
                        y="robustness (mean distance)",
                        x_title=f"Number of cases · {group_label}",
                        y_title="Mean distance to a counterfactual",
                        description=f"CERTIFAI robustness of cases predicted {name} by {group_words}",
                    ),
                    hidden_columns=("bar",),
                    formats={"robustness (mean distance)": ".2f"},
                )
            )
    blocks.append(
        Block(
            "Every case",
            "Distance to the nearest counterfactual per test case.",
            frame,
            formats={"distance": ".2f"},
        )
    )
    return blocks


GENETIC_DEMO = register(
    Demo(
        key="counterfactual-certifai",
        title="Genetic counterfactual search and robustness score (CERTIFAI)",
        slugs=("counterfactual-explanations", "algorithmic-recourse"),
        datasets=DATASETS,
        models=("boosting", "mlp", "linear"),
        run=run_genetic,
        options=GENETIC_OPTIONS,
        lockable=True,
        default_index=default_index,
        heavy=(
            HeavyTask(
                "robustness",
                f"Robustness score over {ROBUSTNESS_CASES} test cases",
                robustness_task,
                "The mean distance to the nearest counterfactual, by predicted class and group (Organization C).",
            ),
        ),
        summary="A model-agnostic counterfactual search whose distances give a robustness score.",
    )
)
