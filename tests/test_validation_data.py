"""Early stopping on validation rows the user chooses: ``X_val``/``y_val``
(scikit-learn's HistGradientBoosting validation tests, rewritten for the
MLPs), ``validation_split='last'`` for rows in time order and ``'group'``
for rows in groups, through a ``Pipeline`` and a search by metadata
routing, and the two cases a user hits: a table with a time trend and one
with groups."""

import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from sklearn import config_context
from sklearn.base import clone
from sklearn.datasets import make_classification, make_regression
from sklearn.metrics import mean_squared_error
from sklearn.model_selection import GridSearchCV, GroupKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

import sk_mlp
from sk_mlp import MLPClassifier, MLPRegressor
from sk_mlp._common.fitting import make_generators, validation_split

SMALL = dict(hidden_layer_sizes=(16,), max_iter=30, random_state=0, device="cpu")


def _quiet(call, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return call(*args, **kwargs)


def _data(Estimator, n=300, random_state=0):
    if Estimator is MLPClassifier:
        return make_classification(n_samples=n, n_features=6, random_state=random_state)
    X, y = make_regression(n_samples=n, n_features=6, noise=5.0,
                           random_state=random_state)
    return X, y


def _drawn_split(est, X, y, weights=None, groups=None):
    """The rows a fit of ``est`` on ``(X, y)`` holds out (its seed as fit
    draws it)."""
    seed = make_generators(est.random_state, ["cpu", "cpu", "cpu"])[-1]
    probe = _quiet(clone(est).set_params(max_iter=1).fit, X, y,
                   **({} if groups is None else {"groups": groups}))
    return probe._split_rows(y, weights, seed, groups)


# ------------------------------------- scikit-learn's tests, for the MLPs
@pytest.mark.parametrize("Estimator", [MLPClassifier, MLPRegressor])
@pytest.mark.parametrize("weighted", [False, True])
def test_X_val_in_fit(Estimator, weighted):
    """Passing X_val, y_val to fit is the same as holding out the same rows
    with validation_fraction (scikit-learn's test_X_val_in_fit)."""
    rng = np.random.RandomState(42)
    X, y = _data(Estimator)
    sample_weight = np.abs(rng.normal(size=len(y))) if weighted else None
    m1 = Estimator(early_stopping=True, validation_fraction=0.5, **SMALL)
    _quiet(m1.fit, X, y, sample_weight)
    train, valid = _drawn_split(m1, X, y, None if sample_weight is None else
                                m1._sample_weights(y, sample_weight))
    m2 = Estimator(early_stopping=True, **SMALL)
    _quiet(m2.fit, X[train], y[train],
           sample_weight=None if sample_weight is None else sample_weight[train],
           X_val=X[valid], y_val=y[valid],
           sample_weight_val=None if sample_weight is None else sample_weight[valid])
    assert m2.n_iter_ == m1.n_iter_
    assert m2.settings_.n_samples == m1.settings_.n_samples
    assert_allclose(m2.predict(X), m1.predict(X), rtol=1e-5, atol=1e-5)
    # every row of X trained: an epoch went over all of them
    assert m2.t_ == m2.n_iter_ * len(train)


def test_X_val_raises_missing_y_val():
    X, y = make_classification(n_samples=20, random_state=0)
    with pytest.raises(ValueError, match="X_val is provided, but y_val was not provided"):
        MLPClassifier(**SMALL).fit(X[:10], y[:10], X_val=X[10:])
    with pytest.raises(ValueError, match="y_val is provided, but X_val was not provided"):
        MLPClassifier(**SMALL).fit(X[:10], y[:10], y_val=y[10:])


def test_X_val_raises_with_early_stopping_false():
    X, y = make_regression(n_samples=20, random_state=0)
    with pytest.raises(ValueError, match="X_val and y_val are passed to fit while at "
                                         "the same time"):
        MLPRegressor(early_stopping=False, **SMALL).fit(X[:10], y[:10], X_val=X[10:],
                                                        y_val=y[10:])


# --------------------------------------------------------- X_val, y_val
def test_X_val_turns_auto_early_stopping_on_even_on_a_small_table():
    """'auto' stops early from 200 rows, and on any table given X_val."""
    X, y = make_classification(n_samples=150, random_state=0)
    without = _quiet(MLPClassifier(**SMALL).fit, X[:100], y[:100])
    given = _quiet(MLPClassifier(**SMALL).fit, X[:100], y[:100], X_val=X[100:],
                   y_val=y[100:])
    assert not without.settings_.early_stopping and "valid_loss" not in without.history_[-1]
    assert given.settings_.early_stopping and given.settings_.validation_given
    assert "valid_loss" in given.history_[-1]
    # the loss recorded is the loss on X_val (the restored best epoch's)
    best = min(row["valid_loss"] for row in given.history_)
    proba = np.clip(given.predict_proba(X[100:]), 1e-12, 1)
    log_loss = -np.mean(np.log(proba[np.arange(50), y[100:]]))
    assert log_loss == pytest.approx(best, rel=1e-4)


@pytest.mark.parametrize("bad, message", [
    (dict(X_val=np.ones((5, 3))), "X has 3 features, but MLPClassifier is expecting 6"),
    (dict(X_val=np.full((5, 6), np.nan)), "Input X contains NaN"),
    (dict(y_val=np.array([0, 1, 2, 0, 1])), r"y_val holds classes \[2\] that y does not"),
    (dict(y_val=np.zeros((5, 2))), "y_val has shape"),
    (dict(sample_weight_val=np.zeros(5)), "Every row of X_val has sample_weight_val 0"),
    (dict(sample_weight_val=-np.ones(5)), "sample_weight_val: Negative values"),
    (dict(sample_weight_val=np.ones(4)), "sample_weight_val: sample_weight.shape == "),
    (dict(y_val=np.zeros(4)), "inconsistent numbers of samples"),
])
def test_bad_validation_data_gets_a_clear_error(bad, message):
    X, y = make_classification(n_samples=100, n_features=6, random_state=0)
    kwargs = dict(X_val=X[:5], y_val=y[:5])
    kwargs.update(bad)
    clf = MLPClassifier(**SMALL)
    with pytest.raises(ValueError, match=message):
        clf.fit(X, y, **kwargs)
    assert not hasattr(clf, "net_")  # nothing half-fitted is left


def test_X_val_is_refused_where_nothing_validates():
    X, y = make_regression(n_samples=60, n_features=4, random_state=0)
    with pytest.raises(ValueError, match="solver='lbfgs' never validates"):
        MLPRegressor(solver="lbfgs", **SMALL).fit(X, y, X_val=X, y_val=y)
    with pytest.raises(ValueError, match="Pass one or the other"):
        MLPRegressor(validation_split="group", **SMALL).fit(
            X, y, X_val=X, y_val=y, groups=np.arange(60) % 4)
    with pytest.raises(TypeError, match="X_val"):  # partial_fit never validates
        MLPRegressor(**SMALL).partial_fit(X, y, X_val=X, y_val=y)


def test_X_val_dataframe_names_are_checked():
    X, y = make_classification(n_samples=120, n_features=4, random_state=0)
    frame = pd.DataFrame(X, columns=list("abcd"))
    clf = _quiet(MLPClassifier(**SMALL).fit, frame[:100], y[:100], X_val=frame[100:],
                 y_val=y[100:])
    assert list(clf.feature_names_in_) == list("abcd")
    with pytest.raises(ValueError, match="feature names"):
        MLPClassifier(**SMALL).fit(frame[:100], y[:100],
                                   X_val=frame[100:].rename(columns={"a": "z"}),
                                   y_val=y[100:])


@pytest.mark.parametrize("sparse_train, sparse_val", [(True, False), (False, True)])
def test_X_val_in_another_format_than_X(sparse_train, sparse_val):
    X, y = make_regression(n_samples=200, n_features=5, random_state=0)
    dense = _quiet(MLPRegressor(**SMALL).fit, X[:150], y[:150], X_val=X[150:],
                   y_val=y[150:])
    mixed = _quiet(MLPRegressor(**SMALL).fit,
                   sp.csr_matrix(X[:150]) if sparse_train else X[:150], y[:150],
                   X_val=sp.csr_matrix(X[150:]) if sparse_val else X[150:], y_val=y[150:])
    assert mixed.n_iter_ == dense.n_iter_
    assert_allclose(mixed.predict(X), dense.predict(X), rtol=1e-4, atol=1e-4)


def test_X_val_with_class_weight_warm_start_and_round_trips(tmp_path):
    """X_val meets class weights, a warm start, partial_fit, pickle and
    sk_mlp's file: the settings record that fit was given them."""
    X, y = make_classification(n_samples=400, n_features=6, weights=[0.8, 0.2],
                               random_state=0)
    clf = MLPClassifier(class_weight="balanced", warm_start=True, **SMALL)
    _quiet(clf.fit, X[:300], y[:300], X_val=X[300:], y_val=y[300:])
    first = clf.n_iter_
    _quiet(clf.fit, X[:300], y[:300], X_val=X[300:], y_val=y[300:])  # warm start
    assert len(clf.history_) == first + clf.n_iter_
    assert clf.settings_.validation_given and clf.settings_.n_samples == 400
    _quiet(clf.partial_fit, X[:50], y[:50])  # one epoch, no validation
    assert "valid_loss" not in clf.history_[-1]
    sk_mlp.save(clf, tmp_path / "m.skmlp")
    for loaded in (pickle.loads(pickle.dumps(clf)), sk_mlp.load(tmp_path / "m.skmlp")):
        assert loaded.settings_ == clf.settings_
        assert loaded.validation_split == "random"
        assert_array_equal(loaded.predict(X), clf.predict(X))


# ------------------------------------------------------ validation_split
@pytest.mark.parametrize("Estimator", [MLPClassifier, MLPRegressor])
def test_last_holds_out_the_last_rows(Estimator):
    """validation_split='last' equals passing the last rows as X_val."""
    X, y = _data(Estimator, n=400)
    last = _quiet(Estimator(validation_split="last", validation_fraction=0.2,
                            early_stopping=True, **SMALL).fit, X, y)
    given = _quiet(Estimator(early_stopping=True, **SMALL).fit, X[:320], y[:320],
                   X_val=X[320:], y_val=y[320:])
    assert last.n_iter_ == given.n_iter_
    assert_allclose(last.predict(X), given.predict(X), rtol=1e-5, atol=1e-5)
    assert not last.settings_.validation_given


def test_group_holds_out_whole_groups():
    X, y = make_regression(n_samples=400, n_features=5, random_state=0)
    groups = np.repeat(np.arange(40), 10)
    reg = MLPRegressor(validation_split="group", validation_fraction=0.2,
                       early_stopping=True, **SMALL)
    train, valid = _drawn_split(reg, X, y, groups=groups)
    assert not set(groups[train]) & set(groups[valid])
    assert len(set(groups[valid])) == 8  # a fifth of the 40 groups
    _quiet(reg.fit, X, y, groups=groups)
    given = _quiet(MLPRegressor(early_stopping=True, **SMALL).fit, X[train], y[train],
                   X_val=X[valid], y_val=y[valid])
    assert reg.n_iter_ == given.n_iter_
    assert_allclose(reg.predict(X), given.predict(X), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("how", ["random", "last", "group"])
def test_a_split_never_leaves_a_side_without_weight(how):
    rows = np.arange(20)
    groups = rows // 2
    weights = np.ones(20)
    weights[-4:] = 0.0  # the last two groups, and the last rows
    if how == "last":
        with pytest.raises(ValueError, match="validation split has sample_weight 0"):
            validation_split(rows, 0.2, 0, weights=weights, how=how, groups=groups)
    train, valid = validation_split(rows, 0.5, 0, weights=weights, how=how,
                                    groups=groups)
    assert len(train) + len(valid) == 20 and not set(train) & set(valid)


def test_groups_errors_say_what_to_do():
    X, y = make_regression(n_samples=60, n_features=4, random_state=0)
    with pytest.raises(ValueError, match="set validation_split='group'"):
        MLPRegressor(**SMALL).fit(X, y, groups=np.arange(60) % 3)
    with pytest.raises(ValueError, match=r"pass them to fit\s+as fit\(X, y, groups"):
        MLPRegressor(validation_split="group", **SMALL).fit(X, y)
    with pytest.raises(ValueError, match="one label per row of X"):
        MLPRegressor(validation_split="group", **SMALL).fit(X, y, groups=np.arange(10))
    with pytest.raises(ValueError, match="groups contains NaN"):
        MLPRegressor(validation_split="group", **SMALL).fit(
            X, y, groups=np.where(np.arange(60) < 5, np.nan, 1.0))
    with pytest.raises(ValueError, match="needs at least 2 groups"):
        MLPRegressor(validation_split="group", early_stopping=True, **SMALL).fit(
            X, y, groups=np.zeros(60))
    # without a split the groups are not needed, and partial_fit never splits
    _quiet(MLPRegressor(validation_split="group", early_stopping=False, **SMALL).fit, X, y)
    _quiet(MLPRegressor(validation_split="group", **SMALL).partial_fit, X, y)


def test_validation_split_is_checked_like_every_parameter():
    X, y = make_regression(n_samples=30, n_features=3, random_state=0)
    with pytest.raises(ValueError, match="'validation_split' parameter"):
        MLPRegressor(validation_split=0.1).fit(X, y)


# ------------------------------------------------- pipelines and searches
def test_a_pipeline_transforms_X_val_and_routes_it():
    """scikit-learn's way: Pipeline(transform_input=["X_val"]) with the
    step's fit request; the same as scaling X_val by hand."""
    X, y = make_classification(n_samples=300, n_features=6, random_state=0)
    X = X * 50 + 7  # far from unit scale, so an untransformed X_val would show
    X_val, y_val = X[:60], y[:60]
    with config_context(enable_metadata_routing=True):
        pipe = Pipeline(
            [("scale", StandardScaler()),
             ("mlp", MLPClassifier(**SMALL).set_fit_request(X_val=True, y_val=True))],
            transform_input=["X_val"])
        _quiet(pipe.fit, X[60:], y[60:], X_val=X_val, y_val=y_val)
    scaler = StandardScaler().fit(X[60:])
    by_hand = _quiet(MLPClassifier(**SMALL).fit, scaler.transform(X[60:]), y[60:],
                     X_val=scaler.transform(X_val), y_val=y_val)
    mlp = pipe.named_steps["mlp"]
    assert mlp.settings_.validation_given
    assert mlp.n_iter_ == by_hand.n_iter_
    assert_allclose(pipe.predict_proba(X), by_hand.predict_proba(scaler.transform(X)),
                    rtol=1e-5, atol=1e-6)


def test_groups_reach_the_network_and_the_splitter_of_a_search():
    X, y = make_classification(n_samples=240, n_features=5, random_state=0)
    groups = np.repeat(np.arange(24), 10)
    with config_context(enable_metadata_routing=True):
        search = GridSearchCV(
            MLPClassifier(validation_split="group", early_stopping=True,
                          **SMALL).set_fit_request(groups=True),
            {"weight_decay": [1e-3, 1e-2]}, cv=GroupKFold(3))
        _quiet(search.fit, X, y, groups=groups)
    assert search.best_estimator_.settings_.early_stopping
    # a network told not to take them cannot split by them, and says so
    with config_context(enable_metadata_routing=True):
        search = GridSearchCV(
            MLPClassifier(validation_split="group", **SMALL).set_fit_request(groups=False),
            {"weight_decay": [1e-3]}, cv=GroupKFold(3), error_score="raise")
        with pytest.raises(ValueError, match="pass them to fit"):
            _quiet(search.fit, X, y, groups=groups)


# ------------------------------------------------ the cases users hit
def _trend_table(seed, n=3000, n_future=1000, phi=0.99):
    """Rows in time order: a time column t (say, days), a linear trend in
    t, slowly wandering noise (an AR(1) process) and a non-linear f(x)."""
    rng = np.random.default_rng(seed)
    total = n + n_future
    t = np.arange(total) / n
    X = rng.normal(size=(total, 4))
    wander = np.zeros(total)
    wander[0] = rng.normal()
    for i in range(1, total):
        wander[i] = phi * wander[i - 1] + np.sqrt(1 - phi**2) * rng.normal()
    y = (X[:, 0] + np.sin(2 * X[:, 1]) + 0.5 * X[:, 2] * X[:, 3] + 2 * t + 0.5 * wander
         + rng.normal(scale=0.2, size=total))
    X = np.column_stack([X, t])
    return X[:n], y[:n], X[n:], y[n:]


def test_on_a_time_trend_the_last_rows_choose_a_better_epoch_for_the_future():
    """A random split validates on rows between training rows (the model
    peeks at the future) and keeps training while the trend's extrapolation
    gets worse; the last rows choose the epoch that predicts later rows.
    Seed 0 (the first); over seeds 0-5 the last rows did better on 4 of 6,
    future RMSE 1.07 against 1.35 on average (benchmarks/bench_validation.py,
    the user guide's "Which rows validate")."""
    X, y, X_future, y_future = _trend_table(0)
    rmse = {}
    for how in ("random", "last"):
        reg = _quiet(MLPRegressor(validation_split=how, random_state=0, device="cpu").fit,
                     X, y)
        rmse[how] = mean_squared_error(y_future, reg.predict(X_future)) ** 0.5
    assert rmse["last"] < 0.9 * rmse["random"], rmse


def _group_table(seed, n_groups=150, per_group=20):
    """Rows of shops: each shop's own columns (size, ...) and its own offset
    the columns do not explain; the test rows are new shops."""
    rng = np.random.default_rng(seed)
    shop_columns = rng.normal(size=(2 * n_groups, 3))
    shop_offset = rng.normal(size=2 * n_groups)
    shop = np.repeat(np.arange(2 * n_groups), per_group)
    X = rng.normal(size=(len(shop), 4))
    y = (X[:, 0] + np.sin(2 * X[:, 1]) + 0.5 * X[:, 2] * X[:, 3]
         + 0.5 * shop_columns[shop, 0] + shop_offset[shop]
         + rng.normal(scale=0.3, size=len(shop)))
    X = np.column_stack([X, shop_columns[shop]])
    seen = shop < n_groups
    return X[seen], y[seen], shop[seen], X[~seen], y[~seen]


def test_with_groups_a_group_split_predicts_new_groups_better():
    """A random split validates on shops the network trains on, so learning
    each shop's offset by heart looks like progress; holding out whole shops
    stops before it. (6 of 6 seeds better: benchmarks/bench_validation.py,
    the user guide's "Which rows validate".)"""
    X, y, shop, X_new, y_new = _group_table(0)
    random = _quiet(MLPRegressor(random_state=0, device="cpu").fit, X, y)
    grouped = _quiet(MLPRegressor(validation_split="group", random_state=0,
                                  device="cpu").fit, X, y, groups=shop)
    rmse_random = mean_squared_error(y_new, random.predict(X_new)) ** 0.5
    rmse_grouped = mean_squared_error(y_new, grouped.predict(X_new)) ** 0.5
    assert rmse_grouped < 0.95 * rmse_random, (rmse_grouped, rmse_random)
    assert grouped.n_iter_ < random.n_iter_
