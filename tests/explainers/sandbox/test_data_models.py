"""Sandbox datasets, trained models (disk cache, gradients) and request resolution."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest

from explainers.sandbox import common, data, models
from explainers.sandbox.base import DemoRequest


def test_datasets_have_readable_categories_and_valid_codes() -> None:
    for slug in data.DATASET_SLUGS:
        b = data.load(slug)
        assert b.X_train.shape[1] == len(b.feature_names) == b.X_test.shape[1]
        for j, f in enumerate(b.info.features):
            if f.kind == "categorical":
                codes = np.concatenate([b.X_train[:, j], b.X_test[:, j]])
                assert set(np.unique(codes)) <= set(range(len(f.categories)))
    credit = data.load("credit")
    assert len(credit.X_train) + len(credit.X_test) == 1000
    assert credit.info.class_names[credit.info.target_class] == "bad"
    immutable = {f.name for f in credit.info.features if f.immutable}
    assert immutable == {"age_in_years", "personal_status_and_sex", "foreign_worker"}
    shown = credit.display(credit.X_test[0])
    assert shown["housing"] in {"rent", "own", "for free"}
    assert data.load("digits").info.image_shape == (8, 8)
    # Groups for exact Shapley partition the features into at most 12 players.
    for slug in ("credit", "breast-cancer", "digits"):
        info = data.DATASETS[slug]
        members = [n for _, names in info.groups for n in names]
        assert sorted(members) == sorted(info.feature_names) and len(info.groups) <= 12


def test_parse_clips_and_ignores_bad_edits_with_notes() -> None:
    b = data.load("credit")
    base = b.X_test[0]
    x, notes = b.parse(
        {
            "age_in_years": "200",
            "purpose": "EDUCATION",
            "credit_amount": "lots",
            "housing": "castle",
            "nonexistent": "1",
            "duration_in_month": "nan",
            "telephone": "",
        },
        base,
    )
    age = b.feature_names.index("age_in_years")
    assert x[age] == b.feature("age_in_years").maximum
    assert b.display(x)["purpose"] == "education"
    for name in ("credit_amount", "housing", "duration_in_month", "telephone"):
        j = b.feature_names.index(name)
        assert x[j] == base[j]
    assert len(notes) == 5
    assert any("outside the range" in n for n in notes)
    assert any("castle" in n for n in notes)
    assert any("nonexistent" in n for n in notes)
    assert np.array_equal(b.X_test[0], base)  # the bundle is not edited in place


@pytest.mark.parametrize(
    ("dataset", "model"), [("credit", "mlp"), ("credit", "linear"), ("digits", "linear"), ("diabetes", "mlp")]
)
def test_numpy_forward_and_gradients_match(dataset: str, model: str) -> None:
    fitted = models.get(dataset, model)
    b = fitted.bundle
    X = b.X_test[:25]
    if fitted.is_classifier:
        assert np.allclose(fitted.predict_proba(X), fitted.estimator.predict_proba(X), atol=1e-10)
    else:
        assert np.allclose(fitted.predict(X), fitted.estimator.predict(X), atol=1e-8)
    target = 3 if dataset == "digits" else None
    grad = fitted.gradient(X[:3], target)
    lgrad = fitted.logit_gradient(X[:3], target)
    fd = np.zeros_like(grad)
    fdl = np.zeros_like(grad)
    for j in np.flatnonzero(~b.categorical):
        e = np.zeros(X.shape[1])
        e[j] = 1e-5 * b.scale[j]
        fd[:, j] = (fitted.predict_value(X[:3] + e, target) - fitted.predict_value(X[:3] - e, target)) / (2 * e[j])
        fdl[:, j] = (fitted.logit(X[:3] + e, target) - fitted.logit(X[:3] - e, target)) / (2 * e[j])
    assert np.allclose(grad, fd, rtol=1e-5, atol=1e-7 * np.abs(fd).max())
    assert np.allclose(lgrad, fdl, rtol=1e-5, atol=1e-7 * np.abs(fdl).max())
    assert np.all(grad[:, b.categorical] == 0)


def test_boosting_is_not_differentiable() -> None:
    fitted = models.get("credit", "boosting")
    assert not fitted.differentiable
    with pytest.raises(ValueError, match="not differentiable"):
        fitted.gradient(fitted.bundle.X_test[:1])


@pytest.fixture
def fresh_cache(settings, tmp_path: Path):  # type: ignore[no-untyped-def]
    settings.THEMATICA_SANDBOX_DIR = tmp_path
    models.clear_memory()
    yield tmp_path
    models.clear_memory()


def test_cache_trains_once_then_loads_and_retrains_on_new_fingerprint(fresh_cache: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    before = len(models.TRAINED)
    first = models.get("diabetes", "linear")
    assert len(models.TRAINED) == before + 1
    files = list((fresh_cache / "models").glob("diabetes-linear-*.joblib"))
    assert [f.name for f in files] == [f"diabetes-linear-{first.fingerprint}.joblib"]

    models.clear_memory()

    def no_training(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("the second get() must load from disk")

    with monkeypatch.context() as m:
        m.setattr(models, "_train", no_training)
        second = models.get("diabetes", "linear")
    assert second.fingerprint == first.fingerprint
    assert np.array_equal(second.predict(second.bundle.X_test), first.predict(first.bundle.X_test))

    models.clear_memory()
    monkeypatch.setattr(models, "MODEL_CODE_VERSION", models.MODEL_CODE_VERSION + 1000)
    third = models.get("diabetes", "linear")
    assert third.fingerprint != first.fingerprint
    assert len(models.TRAINED) == before + 2
    assert len(list((fresh_cache / "models").glob("diabetes-linear-*.joblib"))) == 2


def test_parallel_first_use_trains_once(fresh_cache: Path) -> None:
    before = len(models.TRAINED)
    results: list[models.Fitted] = []
    threads = [threading.Thread(target=lambda: results.append(models.get("diabetes", "boosting"))) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 3
    assert len(models.TRAINED) == before + 1


def test_resolve_and_instances() -> None:
    r = common.resolve(DemoRequest("credit", "linear", index=10_000, overrides={"age_in_years": "-5"}))
    assert r.index == data.load("credit").test_rows - 1
    assert any("no test row" in n for n in r.notes) and any("outside the range" in n for n in r.notes)
    assert r.instance["age_in_years"] == data.load("credit").feature("age_in_years").minimum
    assert r.prediction.target == "bad" and 0 <= r.value <= 1
    assert r.prediction.scores["bad"] == pytest.approx(r.value)

    digits = common.resolve(DemoRequest("digits", "mlp", index=0))
    assert digits.target == int(np.argmax(digits.fitted.predict_proba(digits.x[None, :])[0]))

    rows = common.instances("credit", "boosting", predicted="bad", feature="age_in_years", lo=20, hi=30, limit=7)
    assert 0 < len(rows) <= 7
    assert set(rows["predicted"]) == {"bad"}
    assert rows["age_in_years"].between(20, 30).all()
    assert len(common.instances("diabetes", "linear", limit=5)) == 5
