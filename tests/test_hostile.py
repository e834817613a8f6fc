"""Hostile and careless input, concurrency, scale and failed fits.

Property tests (hypothesis): every public call either succeeds with finite
output or raises ValueError / TypeError / NotFittedError with a message; never
a torch RuntimeError, never NaN or inf in predictions, scores or fitted
diagnostics. Each generated case runs fit / partial_fit / predict /
predict_proba / decision_function / score (and save + load for the hostile
cases). How many cases, and whether they are derandomized, is set by the
hypothesis profile (see conftest.py): CI replays a fixed set; the explore
profile searches 20x wider. Every case that ever failed is pinned below with
``@example``.
"""

import math
import threading
import warnings

import numpy as np
import pandas as pd
import scipy.sparse as sp
import pytest
import torch
from hypothesis import example, given
from hypothesis import strategies as st
from sklearn.datasets import load_iris
from sklearn.exceptions import NotFittedError

import sk_mlp._common.fitting
import sk_mlp.neural_network._base
from sk_mlp import MLPClassifier, MLPRegressor, Perceptron, load, save
from sk_mlp._torch.training import TrainingNet

ALLOWED = (ValueError, TypeError, NotFittedError)

_F32 = np.finfo(np.float32)
_F64 = np.finfo(np.float64)
# Magnitudes where arithmetic breaks first: subnormals, the smallest normals,
# the float32 limits (the networks compute in float32), the square root of
# float64's maximum (where squares overflow) and float64's maximum itself.
EXTREMES = sorted({
    5e-324, float(_F64.smallest_normal), 1e-200, 1e-100,
    float(_F32.smallest_subnormal), float(_F32.smallest_normal),
    float(_F32.max), float(np.nextafter(np.float64(_F32.max), np.inf)), 1e38, 1e39,
    1e100, math.sqrt(float(_F64.max)), 1e200, 1e300, float(_F64.max),
})
extreme_floats = st.sampled_from(EXTREMES + [-v for v in EXTREMES])
# Any float64 at all, the extremes above, and ordinary values (so that many
# cases get far enough to fit and predict).
any_floats = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True, width=64),
    extreme_floats,
    st.floats(-10, 10),
)

CASES = [
    "clean", "nan", "inf", "empty", "one_sample", "one_class", "one_feature", "3d",
    "object_strings", "mixed_pandas", "n_features_mismatch", "y_length_mismatch",
    "weight_wrong_length", "weight_negative", "unseen_labels", "huge_1e30",
    "huge_1e300", "constant_columns", "duplicated_columns", "sparse_csr",
]

MAKERS = {
    "classifier": lambda d: MLPClassifier((4,), max_iter=3, device=d, random_state=0),
    "regressor": lambda d: MLPRegressor(hidden_layer_sizes=(4,), max_iter=3, device=d, random_state=0),
    "perceptron": lambda d: Perceptron(max_iter=3, device=d),
    "perceptron-sigmoid": lambda d: Perceptron(activation="sigmoid", max_iter=3, device=d),
    # float64 networks accept values beyond float32's range: another path
    "classifier-float64": lambda d: MLPClassifier((4,), max_iter=3, dtype="float64",
                                                  device=d, random_state=0),
    "regressor-float64": lambda d: MLPRegressor(hidden_layer_sizes=(4,), max_iter=3, dtype="float64",
                                                device=d, random_state=0),
}


def _is_regressor(kind):
    return kind.startswith("regressor")


def _call(fn):
    """Run ``fn``: return its result, or None if it raised an allowed error."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = fn()
    except ALLOWED as exc:
        assert len(str(exc)) > 15, f"unhelpful message: {exc!r}"
        return None
    if isinstance(out, np.ndarray) and out.dtype.kind == "f":
        assert np.isfinite(out).all(), "non-finite output"
    if isinstance(out, float):
        assert np.isfinite(out)
    return out


def _make_case(case, kind, n, d, seed):
    rng = np.random.RandomState(seed)
    X = rng.randn(n, d)
    classifier = not _is_regressor(kind)
    y = rng.randint(0, 3, n) if classifier else rng.randn(n) * 100
    if classifier and n >= 2:
        y[:2] = [0, 1]  # at least two classes
    X_pred, weight, pf_y = X.copy(), None, None
    if case == "nan":
        X[rng.randint(n), rng.randint(d)] = np.nan
    elif case == "inf":
        X_pred[rng.randint(n), rng.randint(d)] = -np.inf
    elif case == "empty":
        X, y = X[:0], y[:0]
    elif case == "one_sample":
        X, y = X[:1], y[:1]
    elif case == "one_class":
        y = np.zeros_like(y)
    elif case == "one_feature":
        X, X_pred = X[:, :1], X_pred[:, :1]
    elif case == "3d":
        X = X[:, :, None]
    elif case == "object_strings":
        X = X.astype(object)
        X[0, 0] = "forty-two"
    elif case == "mixed_pandas":
        X = pd.DataFrame({"a": X[:, 0], "b": ["x"] * n})
        X_pred = X
    elif case == "n_features_mismatch":
        X_pred = rng.randn(n, d + 1)
    elif case == "y_length_mismatch":
        y = y[:-1]
    elif case == "weight_wrong_length":
        weight = np.ones(n + 2)
    elif case == "weight_negative":
        weight = -np.ones(n)
    elif case == "unseen_labels":
        pf_y = y + 10 if classifier else y
    elif case == "huge_1e30":
        X[0, 0] = 1e30
    elif case == "huge_1e300":
        X_pred[0, 0] = 1e300
    elif case == "constant_columns":
        X[:, 0] = 3.0
    elif case == "duplicated_columns":
        X = pd.DataFrame(X, columns=["c"] * d)
        X_pred = X
    elif case == "sparse_csr":
        X[np.abs(X) < 0.5] = 0.0
        X = X_pred = sp.csr_matrix(X)
    return X, y, X_pred, weight, pf_y


def _exercise(kind, case, n, d, seed, tmp_path, device):
    X, y, X_pred, weight, pf_y = _make_case(case, kind, n, d, seed)
    est = MAKERS[kind](device)
    if weight is not None and not kind.startswith("perceptron"):
        _call(lambda: est.fit(X, y, sample_weight=weight))
    else:
        _call(lambda: est.fit(X, y))
    if hasattr(est, "partial_fit"):
        kwargs = ({"classes": np.unique(y)}
                  if kind.startswith(("classifier", "perceptron")) and len(y) else {})
        _call(lambda: est.partial_fit(X, y if pf_y is None else pf_y, **kwargs))
    for method in ("predict", "predict_proba", "decision_function"):
        if hasattr(est, method):
            _call(lambda: getattr(est, method)(X_pred))
    _call(lambda: est.score(X_pred, y))
    path = tmp_path / f"{kind}-{case}.skmlp"
    if _call(lambda: save(est, path)) is None and path.exists():
        restored = _call(lambda: load(path))
        if restored is not None and hasattr(est, "net_"):
            for method in ("predict", "decision_function"):
                if hasattr(est, method):
                    a = _call(lambda: getattr(est, method)(X_pred))
                    b = _call(lambda: getattr(restored, method)(X_pred))
                    if a is not None:
                        np.testing.assert_array_equal(a, b)


@given(kind=st.sampled_from(sorted(MAKERS)), case=st.sampled_from(CASES),
       n=st.integers(1, 25), d=st.integers(1, 4), seed=st.integers(0, 2**16))
def test_every_call_succeeds_finitely_or_raises_a_clear_error(kind, case, n, d, seed,
                                                              tmp_path, device):
    _exercise(kind, case, n, d, seed, tmp_path, device)


def _check_fitted_diagnostics(est):
    """Fitted attributes and diagnostics are finite (a bound may be inf)."""
    if not hasattr(est, "net_"):
        return
    if isinstance(est, Perceptron):
        assert np.isfinite(est.coef_).all() and np.isfinite(est.intercept_).all()
        for name in ("radius_", "margin_"):
            value = getattr(est, name)
            assert value is None or math.isfinite(value), (name, value)
        bound = est.mistake_bound_
        assert bound is None or (bound >= 0 and not math.isnan(bound)), bound
        if bound is not None and math.isfinite(bound):
            assert est.n_updates_ <= bound
        return
    for array in est.coefs_ + est.intercepts_:
        assert np.isfinite(array).all()
    diverged = any(row.get("diverged") for row in est.history_)
    if not diverged:  # a diverged epoch's loss is recorded as it was
        # (a regressor reports the loss on y's scale: inf where that is
        # beyond float64, as for targets near its maximum; never NaN)
        assert not any(math.isnan(v) for v in est.loss_curve_), est.loss_curve_
    assert est.n_params_ > 0 and est.n_iter_ >= 1


def _exercise_values(est, X, y, sample_weight=None):
    fitted = _call(lambda: est.fit(X, y, sample_weight=sample_weight)
                   if sample_weight is not None else est.fit(X, y))
    if fitted is not None:
        _check_fitted_diagnostics(est)
    for method in ("predict", "predict_proba", "decision_function"):
        if hasattr(est, method):
            _call(lambda: getattr(est, method)(X))
    _call(lambda: est.score(X, y))


@given(kind=st.sampled_from(sorted(MAKERS)),
       data=st.lists(any_floats, min_size=1, max_size=24),
       d=st.integers(1, 3))
@example(kind="perceptron", data=[1.71965585e-207, -1.0], d=1)  # issue 9: margin underflow
# R^2 of predictions ~1e154 against y = [0, 1] overflowed to -inf
@example(kind="regressor-float64", data=[0.0, 0.0, 0.0, 0.0, 1.2078455999838181e+154, 0.0],
         d=3)
def test_arbitrary_float_values(kind, data, d, device):
    """Any float64 values (NaN, inf, subnormals, the float32 and float64
    limits) as features."""
    values = np.array(data)
    n = max(1, len(values) // d)
    X = np.resize(values, (n, d))
    y = np.arange(n, dtype=float) if _is_regressor(kind) else np.arange(n) % 2
    _exercise_values(MAKERS[kind](device), X, y)


@given(targets=st.lists(any_floats, min_size=1, max_size=24),
       dtype=st.sampled_from(["float32", "float64"]))
# issue 9: (y - mean)**2 overflowed, so predictions came back as -inf
@example(targets=[0.0, 1.8961503816218355e+154], dtype="float32")
# targets varying by 2e-159 round to one float32 value; R^2 was -inf
@example(targets=[0.0, 2.1634371239810749e-159], dtype="float32")
def test_arbitrary_regression_targets(targets, dtype, device):
    """Any float64 targets: the internal standardisation, the predictions
    on the user's scale and R^2 stay finite or the call raises."""
    y = np.array(targets)
    X = np.linspace(-1, 1, 2 * len(y)).reshape(len(y), 2)
    reg = MLPRegressor(hidden_layer_sizes=(4,), max_iter=3, dtype=dtype, device=device, random_state=0)
    _exercise_values(reg, X, y)


@given(kind=st.sampled_from(["classifier", "regressor"]),
       weights=st.lists(any_floats, min_size=1, max_size=24))
def test_arbitrary_sample_weights(kind, weights, device):
    """Any float64 sample weights: the weighted loss and target moments
    stay finite or the call raises."""
    weights = np.array(weights)
    n = len(weights)
    X = np.linspace(-1, 1, 2 * n).reshape(n, 2)
    y = np.arange(n) % 2 if kind == "classifier" else np.arange(n, dtype=float)
    _exercise_values(MAKERS[kind](device), X, y, sample_weight=weights)


@given(kind=st.sampled_from(["classifier", "regressor", "regressor-float64"]),
       data=st.lists(any_floats, min_size=1, max_size=24),
       weights=st.none() | st.lists(any_floats, min_size=1, max_size=8))
def test_arbitrary_validation_data(kind, data, weights, device):
    """Any float64 values in ``X_val`` and any validation weights: the
    validation loss, the epoch it keeps and the predictions stay finite, or
    the call raises a clear error."""
    values = np.array(data)
    n_val = max(1, len(values) // 2)
    X_val = np.resize(values, (n_val, 2))
    X = np.linspace(-1, 1, 40).reshape(20, 2)
    regressor = _is_regressor(kind)
    y = np.arange(20, dtype=float) if regressor else np.arange(20) % 2
    y_val = np.arange(n_val, dtype=float) if regressor else np.arange(n_val) % 2
    weight_val = None if weights is None else np.resize(np.array(weights), n_val)
    est = MAKERS[kind](device)
    fitted = _call(lambda: est.fit(X, y, X_val=X_val, y_val=y_val,
                                   sample_weight_val=weight_val))
    if fitted is not None:
        _check_fitted_diagnostics(est)
        assert est.settings_.early_stopping and est.settings_.validation_given
        _call(lambda: est.predict(X))


@given(n=st.integers(1, 60), fraction=st.floats(0.01, 0.99),
       how=st.sampled_from(["random", "last", "group"]), n_groups=st.integers(1, 12),
       seed=st.integers(0, 2**16))
def test_a_validation_split_is_a_partition_or_a_clear_error(n, fraction, how, n_groups,
                                                           seed):
    """Every split early stopping draws: two disjoint parts covering the
    rows, at least 2 validation rows and 1 training row; the last rows for
    'last'; no group on both sides for 'group'; else a ValueError that says
    what to change."""
    rows = np.arange(n)
    groups = rows % n_groups
    try:
        train, valid = sk_mlp._common.fitting.validation_split(
            rows, fraction, seed, how=how, groups=groups)
    except ValueError as exc:
        assert len(str(exc)) > 15, exc
        return
    assert len(valid) >= 2 and len(train) >= 1
    np.testing.assert_array_equal(np.sort(np.concatenate([train, valid])), rows)
    if how == "last":
        assert train.max() < valid.min()
    if how == "group":
        assert not set(groups[train]) & set(groups[valid])


# ---------------------------------------------------------- concurrency
@pytest.mark.parametrize("kind", ["classifier", "perceptron"])
def test_eight_threads_predict_exactly_like_one(kind, device):
    X, y = load_iris(return_X_y=True)
    X = np.tile(X, (20, 1))
    est = MAKERS[kind](device)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(X, np.tile(y, 20))
    methods = ["predict"] + (["predict_proba"] if hasattr(est, "predict_proba") else [])
    expected = {m: getattr(est, m)(X) for m in methods}
    results, errors = [], []
    barrier = threading.Barrier(8)

    def worker():
        try:
            barrier.wait()
            for _ in range(5):
                results.append({m: getattr(est, m)(X) for m in methods})
        except Exception as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(results) == 40
    for result in results:
        for m in methods:
            np.testing.assert_array_equal(result[m], expected[m])


# ---------------------------------------------------------------- scale
def test_two_million_rows_predict_in_bounded_chunks(monkeypatch, device):
    rng = np.random.RandomState(0)
    X = rng.randn(2000, 4).astype(np.float32)
    clf = MLPClassifier((16,), max_iter=2, device=device).fit(X, rng.randint(0, 3, 2000))
    big = np.tile(X, (1000, 1))  # 2,000,000 rows
    rows_per_conversion = []
    original = sk_mlp.neural_network._base.to_tensor

    def recording(array, *args, **kwargs):
        rows_per_conversion.append(len(array))
        return original(array, *args, **kwargs)

    monkeypatch.setattr(sk_mlp.neural_network._base, "to_tensor", recording)
    proba = clf.predict_proba(big)
    assert proba.shape == (2_000_000, 3) and np.isfinite(proba).all()
    assert max(rows_per_conversion) <= max(sk_mlp._common.fitting.PREDICT_CHUNK.values())
    np.testing.assert_array_equal(proba[:2000], clf.predict_proba(X))
    np.testing.assert_array_equal(proba[-2000:], proba[:2000])


# ------------------------------------------------------------ failed fits
def _state(est, X):
    return [W.copy() for W in est.coefs_], est.n_iter_, est.predict_proba(X)


def _assert_same_state(a, b):
    for Wa, Wb in zip(a[0], b[0]):
        np.testing.assert_array_equal(Wa, Wb)
    assert a[1] == b[1]
    np.testing.assert_array_equal(a[2], b[2])


def test_failed_warm_start_with_bad_input_keeps_the_model(device):
    X, y = load_iris(return_X_y=True)
    clf = MLPClassifier((8,), max_iter=3, warm_start=True, device=device).fit(X, y)
    before = _state(clf, X)
    bad = X.copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError):
        clf.fit(bad, y)
    with pytest.raises(ValueError):
        clf.fit(X, np.where(y == 0, 9, y))  # unseen label
    _assert_same_state(before, _state(clf, X))


@pytest.mark.parametrize("warm_start", [True, False])
def test_failure_in_the_middle_of_training_rolls_back(monkeypatch, warm_start, device):
    X, y = load_iris(return_X_y=True)
    clf = MLPClassifier((8,), batch_size=50, max_iter=3, warm_start=warm_start,
                        device=device).fit(X, y)
    before = _state(clf, X)
    calls = {"n": 0}
    original = TrainingNet.train_step

    def failing(self, batch, **kwargs):
        calls["n"] += 1
        if calls["n"] == 5:
            raise RuntimeError("CUDA out of memory (simulated)")
        return original(self, batch, **kwargs)

    monkeypatch.setattr(TrainingNet, "train_step", failing)
    with pytest.raises(RuntimeError, match="simulated"):
        clf.fit(X, y)
    _assert_same_state(before, _state(clf, X))
    assert len(clf.net_.history) == before[1]
    monkeypatch.setattr(TrainingNet, "train_step", original)
    clf.fit(X, y)  # and it trains on afterwards
    assert clf.n_iter_ == 3 and len(clf.loss_curve_) == (6 if warm_start else 3)


def test_failed_first_fit_leaves_the_estimator_unfitted(device):
    clf = MLPClassifier((8,), early_stopping=True, validation_fraction=0.01, device=device)
    X, y = load_iris(return_X_y=True)
    with pytest.raises(ValueError):
        clf.fit(X[:20], np.arange(20) % 4)  # too small a validation split to stratify
    assert not hasattr(clf, "classes_") and not hasattr(clf, "net_")
    with pytest.raises(NotFittedError):
        clf.predict(X)


def test_perceptron_failed_warm_fit_keeps_the_model(device):
    X, y = load_iris(return_X_y=True)
    clf = Perceptron(max_iter=3, warm_start=True, device=device)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf.fit(X, y)
    coef = clf.coef_.copy()
    with pytest.raises(ValueError):
        clf.fit(X, np.where(y == 0, 7, y))
    np.testing.assert_array_equal(clf.coef_, coef)
    assert torch.isfinite(clf.net_.module_.linears[0].weight).all()


# ------------------------------------------------- extreme but valid values
def test_perceptron_converged_on_a_subnormal_margin_reports_an_infinite_bound():
    # issue 9: the margin 1.7e-207 squared underflows to 0; the fit converged
    # and must report its diagnostics instead of raising ZeroDivisionError
    clf = Perceptron(max_iter=3, device="cpu").fit([[1.71965585e-207], [-1.0]], [-1, 1])
    assert clf.converged_ and clf.n_updates_ == 2
    assert clf.radius_ == 1.0
    assert clf.margin_ == pytest.approx(1.71965585e-207, rel=1e-12)
    assert clf.mistake_bound_ == math.inf
    np.testing.assert_array_equal(clf.predict([[1.71965585e-207], [-1.0]]), [-1, 1])


@pytest.mark.parametrize("scale", [1e-150, 1e-100, 1.0, 1e50, 3e99])
def test_perceptron_diagnostics_scale_with_the_inputs(scale):
    # The same separable problem at any scale where the rule's own products
    # w.x stay representable (|x| down to about 1e-150; below, they underflow
    # and the float64 rule cannot converge) and up to the 1e100 the
    # perceptron accepts: the same updates; radius and margin scale with it.
    X = np.array([[2.0, 1.0], [1.0, 3.0], [-1.0, -2.0], [-2.0, -1.0]])
    y = [1, 1, 0, 0]
    ref = Perceptron(fit_intercept=False, shuffle=False, tol=None,
                     device="cpu").fit(X, y)
    clf = Perceptron(fit_intercept=False, shuffle=False, tol=None,
                     device="cpu").fit(X * scale, y)
    assert clf.n_updates_ == ref.n_updates_
    assert clf.radius_ == pytest.approx(ref.radius_ * scale, rel=1e-12)
    assert clf.margin_ == pytest.approx(ref.margin_ * scale, rel=1e-12)
    # (R^2 + 1) / margin^2 is not scale-free because of the +1; compare R/margin
    assert clf.radius_ / clf.margin_ == pytest.approx(ref.radius_ / ref.margin_, rel=1e-12)
    assert clf.n_updates_ <= clf.mistake_bound_


@pytest.mark.parametrize("factor", [1e-300, 1e300, float(np.finfo(np.float64).max) / 4])
@pytest.mark.parametrize("kind", ["classifier", "regressor"])
def test_only_relative_sample_weights_matter(kind, factor, device):
    # (without alpha: scikit-learn's penalty is relative to the total weight,
    # so with alpha > 0 absolute weights matter, there as here)
    X, y = load_iris(return_X_y=True)
    y = y.astype(float) if kind == "regressor" else y
    weights = np.linspace(0.5, 2.0, len(y))
    make = MAKERS[kind]
    ref = make(device).set_params(alpha=0.0).fit(X, y, sample_weight=weights)
    est = make(device).set_params(alpha=0.0).fit(X, y, sample_weight=weights * factor)
    np.testing.assert_allclose(est.predict(X), ref.predict(X), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("scale", [1e-300, 1e150, 1e300])
def test_regressor_on_targets_near_the_float64_limits(scale, device):
    X, y = load_iris(return_X_y=True)
    target = X[:, 0] - X[:, 0].mean()
    # n_iter_no_change=inf: tol applies on y's scale, so both must run all epochs
    kwargs = dict(hidden_layer_sizes=(8,), max_iter=20, n_iter_no_change=np.inf,
                  standardize_target=True, device=device, random_state=0)
    ref = MLPRegressor(**kwargs).fit(X, target)
    est = MLPRegressor(**kwargs).fit(X, target * scale)
    np.testing.assert_allclose(est.predict(X), ref.predict(X) * scale, rtol=1e-4)
    assert est.score(X, target * scale) == pytest.approx(ref.score(X, target), abs=1e-6)
