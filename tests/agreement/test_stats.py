"""Each coefficient against its reference implementation and against published worked examples."""

from __future__ import annotations

import warnings

import krippendorff
import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.inter_rater import aggregate_raters
from statsmodels.stats.inter_rater import fleiss_kappa as sm_fleiss_kappa

from agreement import stats

SEEDS = [0, 1, 2, 3, 4, 5, 6, 7]

# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", the reliability data of
# section C: 4 observers, 12 units, values 1-5, missing values; nominal alpha = 0.743.
KRIPPENDORFF_2011 = np.array(
    [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, np.nan, np.nan, np.nan],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, np.nan, 3],
        [np.nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, np.nan],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, np.nan],
    ]
).T

# Fleiss (1971), 30 patients each diagnosed by 6 psychiatrists into 5 categories (the ratings as
# given by R's irr::diagnoses); Fleiss' kappa = 0.430 (0.4302445 in irr::kappam.fleiss).
FLEISS_1971 = np.array(
    [
        [4, 4, 4, 4, 4, 4], [2, 2, 2, 5, 5, 5], [2, 3, 3, 3, 3, 5], [5, 5, 5, 5, 5, 5], [2, 2, 2, 4, 4, 4],
        [1, 1, 3, 3, 3, 3], [3, 3, 3, 3, 5, 5], [1, 1, 3, 3, 3, 4], [1, 1, 4, 4, 4, 4], [5, 5, 5, 5, 5, 5],
        [1, 4, 4, 4, 4, 4], [1, 2, 4, 4, 4, 4], [2, 2, 2, 3, 3, 3], [1, 4, 4, 4, 4, 4], [2, 2, 4, 4, 4, 5],
        [3, 3, 3, 3, 3, 5], [1, 1, 1, 4, 5, 5], [1, 1, 1, 1, 1, 2], [2, 2, 4, 4, 4, 4], [1, 3, 3, 5, 5, 5],
        [5, 5, 5, 5, 5, 5], [2, 4, 4, 4, 4, 4], [2, 2, 4, 5, 5, 5], [1, 1, 4, 4, 4, 4], [1, 4, 4, 4, 4, 5],
        [2, 2, 2, 2, 2, 4], [1, 1, 1, 1, 5, 5], [2, 2, 4, 4, 4, 4], [1, 3, 3, 3, 3, 3], [5, 5, 5, 5, 5, 5],
    ],
    dtype=float,
)  # fmt: skip


def _cohen_example() -> np.ndarray:
    """Cohen's κ's textbook 2×2 example (50 grant proposals, two readers: 20 yes/yes, 5 yes/no,
    10 no/yes, 15 no/no): p_o = 0.70, p_e = 0.50, κ = 0.40."""
    rows = [(1, 1)] * 20 + [(1, 0)] * 5 + [(0, 1)] * 10 + [(0, 0)] * 15
    return np.array(rows, dtype=float)


def _random(seed: int, units: int, coders: int, categories: int, missing: float = 0.0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, categories, units)
    data = np.where(rng.random((units, coders)) < 0.6, truth[:, None], rng.integers(0, categories, (units, coders)))
    data = data.astype(float)
    data[rng.random(data.shape) < missing] = np.nan
    return data


def _kripp(data: np.ndarray) -> float:
    return float(krippendorff.alpha(reliability_data=data.T, level_of_measurement="nominal"))


def _fleiss_table(data: np.ndarray) -> np.ndarray:
    counts, _ = aggregate_raters(data.astype(int))
    return counts


# --- published examples ------------------------------------------------------------------------


def test_krippendorff_2011_example_with_missing_values() -> None:
    t = stats.table(KRIPPENDORFF_2011)
    alpha = stats.krippendorff_alpha(t)
    assert alpha is not None
    assert round(alpha, 3) == 0.743
    assert alpha == pytest.approx(_kripp(KRIPPENDORFF_2011), abs=1e-12)


def test_fleiss_1971_example() -> None:
    kappa = stats.fleiss_kappa(stats.table(FLEISS_1971))
    assert kappa == pytest.approx(0.4302445, abs=1e-7)
    assert kappa == pytest.approx(sm_fleiss_kappa(_fleiss_table(FLEISS_1971)), abs=1e-12)


def test_cohen_textbook_example() -> None:
    data = _cohen_example()
    result = stats.agreement(data)
    assert result.percent == pytest.approx(0.70)
    assert result.cohen_kappa == pytest.approx(0.40)
    assert result.bp_kappa == pytest.approx(0.40)  # two categories: 2 · 0.70 − 1
    assert result.fleiss_kappa is None  # two coders: Cohen's column, not Fleiss'


def _same(a: stats.Agreement, b: stats.Agreement) -> None:
    for field in ("coders", "units", "percent", "cohen_kappa", "fleiss_kappa", "bp_kappa", "krippendorff_alpha"):
        x, y = getattr(a, field), getattr(b, field)
        assert (x is None) == (y is None), field
        assert x is None or x == pytest.approx(y, abs=1e-12), field


# --- random data against the references ---------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
def test_cohen_matches_sklearn(seed: int) -> None:
    data = _random(seed, units=200 + seed * 37, coders=2, categories=2 + seed % 4)
    expected = cohen_kappa_score(data[:, 0], data[:, 1])
    assert stats.cohen_kappa(stats.table(data)) == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("seed", SEEDS)
def test_weights_count_as_repeated_units(seed: int) -> None:
    """The pattern-count form (what the unit constructions pass) gives the figures of the
    expanded matrix, for every coefficient, against the references on the expanded data."""
    rng = np.random.default_rng(seed)
    coders = 2 + seed % 3
    patterns = rng.integers(0, 2**coders, 2**coders)
    weights = rng.integers(1, 50, len(patterns))
    compact = ((patterns[:, None] >> np.arange(coders)) & 1).astype(float)
    expanded = np.repeat(compact, weights, axis=0)
    weighted = stats.presence_agreement(patterns, weights, coders)
    _same(weighted, stats.agreement(expanded, categories=2))
    alpha = weighted.krippendorff_alpha
    assert alpha == pytest.approx(_kripp(expanded), abs=1e-12)
    if coders == 2:
        assert weighted.cohen_kappa == pytest.approx(cohen_kappa_score(expanded[:, 0], expanded[:, 1]), abs=1e-12)
        assert weighted.cohen_kappa == pytest.approx(
            cohen_kappa_score(compact[:, 0], compact[:, 1], sample_weight=weights), abs=1e-12
        )
    else:
        assert weighted.fleiss_kappa == pytest.approx(sm_fleiss_kappa(_fleiss_table(expanded)), abs=1e-12)
    randolph = sm_fleiss_kappa(_fleiss_table(expanded), method="randolph")
    assert weighted.bp_kappa == pytest.approx(randolph, abs=1e-12)


@pytest.mark.parametrize("seed", SEEDS)
def test_fleiss_and_brennan_prediger_match_statsmodels(seed: int) -> None:
    categories = 2 + seed % 5
    data = _random(seed, units=150, coders=3 + seed % 4, categories=categories)
    counts = _fleiss_table(data)
    t = stats.table(data)
    assert stats.fleiss_kappa(t) == pytest.approx(sm_fleiss_kappa(counts), abs=1e-12)
    # Randolph's free-marginal κ takes q from the table's columns: the categories seen.
    assert stats.brennan_prediger_kappa(t) == pytest.approx(sm_fleiss_kappa(counts, method="randolph"), abs=1e-12)


@pytest.mark.parametrize("seed", SEEDS)
def test_krippendorff_matches_the_package_with_missing_values(seed: int) -> None:
    data = _random(seed, units=120, coders=2 + seed % 5, categories=2 + seed % 6, missing=0.25)
    assert stats.krippendorff_alpha(stats.table(data)) == pytest.approx(_kripp(data), abs=1e-12)


def test_percent_agreement_is_the_share_of_agreeing_pairs() -> None:
    # Unit 1: 3 coders agree (6 of 6 ordered pairs); unit 2: 2 agree, 1 differs (2 of 6); unit 3: one
    # value only (no pair); unit 4: two values that differ (0 of 2).
    data = np.array([[1, 1, 1], [1, 1, 2], [1, np.nan, np.nan], [1, 2, np.nan]])
    assert stats.percent_agreement(stats.table(data)) == pytest.approx(8 / 14)


# --- edge cases: not defined is None, never 0 or a crash ----------------------------------------


def test_a_code_one_coder_never_used() -> None:
    """κ is 0 here, not undefined: coder A varies, so the expected agreement is below 1 (as
    scikit-learn computes). Among the units someone coded, A is all "coded" and B all "not":
    expected agreement 0, κ 0 again. Only both coders constant in the same category is 0/0."""
    data = np.array([[1, 0], [0, 0], [1, 0], [0, 0]], dtype=float)
    result = stats.agreement(data, categories=2)
    assert result.percent == pytest.approx(0.5)
    assert result.bp_kappa == pytest.approx(0.0)
    assert result.cohen_kappa == pytest.approx(cohen_kappa_score(data[:, 0], data[:, 1])) == 0.0
    coded = stats.agreement(data[data.any(axis=1)], categories=2)
    assert (coded.percent, coded.cohen_kappa, coded.bp_kappa) == (0.0, 0.0, -1.0)
    assert coded.krippendorff_alpha == pytest.approx(_kripp(data[data.any(axis=1)]), abs=1e-12)
    both_everywhere = stats.agreement(np.ones((3, 2)), categories=2)
    assert both_everywhere.percent == 1.0
    assert both_everywhere.cohen_kappa is None
    assert both_everywhere.krippendorff_alpha is None


def test_a_code_nobody_used() -> None:
    data = np.zeros((10, 3))
    result = stats.agreement(data, categories=2)
    assert result.percent == 1.0
    assert result.fleiss_kappa is None
    assert result.krippendorff_alpha is None
    assert result.bp_kappa == 1.0
    two = stats.agreement(np.zeros((10, 2)), categories=2)
    assert two.cohen_kappa is None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert np.isnan(cohen_kappa_score(np.zeros(10), np.zeros(10)))


def test_a_single_unit() -> None:
    agree = stats.agreement([[1, 1]], categories=2)
    assert (agree.percent, agree.cohen_kappa, agree.krippendorff_alpha) == (1.0, None, None)
    disagree = stats.agreement([[1, 0, 0]], categories=2)
    assert disagree.percent == pytest.approx(2 / 6)
    assert disagree.fleiss_kappa is not None  # p_e = 5/9 < 1
    assert disagree.fleiss_kappa == pytest.approx(sm_fleiss_kappa(np.array([[2, 1]])), abs=1e-12)
    assert disagree.krippendorff_alpha == pytest.approx(_kripp(np.array([[1.0, 0.0, 0.0]])), abs=1e-12)


def test_all_agree_and_all_disagree() -> None:
    agree = np.array([[1, 1], [0, 0], [1, 1], [0, 0]], dtype=float)
    result = stats.agreement(agree, categories=2)
    assert (result.percent, result.cohen_kappa, result.bp_kappa, result.krippendorff_alpha) == (1.0, 1.0, 1.0, 1.0)
    disagree = np.array([[1, 0], [0, 1], [1, 0], [0, 1]], dtype=float)
    result = stats.agreement(disagree, categories=2)
    assert result.percent == 0.0
    assert result.cohen_kappa == pytest.approx(cohen_kappa_score(disagree[:, 0], disagree[:, 1]))
    assert result.cohen_kappa == pytest.approx(-1.0)
    assert result.bp_kappa == pytest.approx(-1.0)
    assert result.krippendorff_alpha == pytest.approx(_kripp(disagree), abs=1e-12)


def test_no_units_at_all() -> None:
    result = stats.agreement(np.zeros((0, 2)), categories=2)
    assert result == stats.Agreement(2, 0.0, None, None, None, None, None)


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError):
        stats.agreement([1, 2, 3])
    with pytest.raises(ValueError):
        stats.agreement([[1, 2]], weights=[-1])
    with pytest.raises(ValueError):
        stats.agreement([[1, 2], [3, 3]], categories=2)
    with pytest.raises(ValueError):
        stats.cohen_kappa(stats.table([[1, 1, 1]]))
