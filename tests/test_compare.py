"""sk_mlp.compare, summarize, fit_best and the TabularPreprocessor behind them."""

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.compose import TransformedTargetRegressor
from sklearn.datasets import load_diabetes, load_iris, make_classification
from sklearn.linear_model import Ridge
from sklearn.metrics import root_mean_squared_error
from sklearn.model_selection import KFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from sk_mlp import compare, detect_task, fit_best, summarize
from sk_mlp.comparison import _compare
from sk_mlp.comparison import CompareError
from sk_mlp.preprocessing import TabularPreprocessor, column_kinds

from .conftest import DEVICE


def _mixed_table(n=120, seed=0):
    rng = np.random.default_rng(seed)
    table = pd.DataFrame({
        "Id": np.arange(1, n + 1),
        "area": rng.normal(70, 20, n),
        "rooms": rng.integers(1, 6, n).astype(float),
        "town": rng.choice(["north", "south", "east"], n),
        "garden": rng.choice([True, False], n),
        "unit": ["m2"] * n,
    })
    table.loc[rng.choice(n, 10, replace=False), "area"] = np.nan
    table.loc[rng.choice(n, 5, replace=False), "town"] = None
    y = 2 * table["area"].fillna(70) + 10 * (table["town"] == "north") + rng.normal(0, 5, n)
    return table, y


class _Spy(BaseEstimator):
    """Records what each fit and predict saw after the preprocessing."""

    log = []

    def fit(self, X, y):
        self.log.append(("fit", np.asarray(X).mean(axis=0), tuple(np.sort(y))))
        self.mean_ = float(np.mean(y))
        self.classes_ = np.unique(y)
        return self

    def predict(self, X):
        self.log.append(("predict", np.asarray(X).mean(axis=0), None))
        return np.full(len(X), self.classes_[0] if hasattr(self, "classes_")
                       and self._estimator_type == "classifier" else self.mean_)


class _SpyRegressor(RegressorMixin, _Spy):
    pass


class _SpyClassifier(ClassifierMixin, _Spy):
    pass


# ---------------------------------------------------------- preprocessing
def test_column_kinds_and_the_columns_dropped():
    table, _ = _mixed_table()
    kinds = column_kinds(table)
    assert kinds["numeric"] == ["area", "rooms"]
    assert kinds["categorical"] == ["town", "garden"]
    assert kinds["dropped"] == {"Id": "an identifier (unique per row)", "unit": "constant"}
    # distinct continuous numbers are a feature, not an identifier
    assert "area" not in column_kinds(table.dropna())["dropped"]


def test_preprocessor_imputes_scales_and_encodes_unseen_levels():
    table, _ = _mixed_table()
    prep = TabularPreprocessor().fit(table)
    Xt = prep.transform(table)
    assert np.isfinite(Xt).all()
    names = prep.get_feature_names_out().tolist()
    assert names[:2] == ["area", "rooms"]
    np.testing.assert_allclose(Xt[:, :2].mean(axis=0), 0, atol=1e-12)
    # a missing area becomes the median, then is scaled like any other
    area = table["area"]
    median = (area.median() - area.fillna(area.median()).mean()) / \
        area.fillna(area.median()).std(ddof=0)
    np.testing.assert_allclose(Xt[area.isna().to_numpy(), 0], median)
    # a level never seen in fit encodes without error, as no known level
    new = table.head(2).copy()
    new["town"] = "harbour"
    town = [i for i, n in enumerate(names) if n.startswith("town_")]
    assert prep.transform(new)[:, town].sum() == 0
    # rare levels are grouped: 3 rows of "west" among 120 with min_frequency=5
    rare = table.copy()
    rare.loc[:2, "town"] = "west"
    names = TabularPreprocessor().fit(rare).get_feature_names_out().tolist()
    assert "town_west" not in names and "town_infrequent_sklearn" in names


def test_preprocessor_robust_scaling_resists_an_outlier():
    X = np.r_[np.linspace(0, 1, 99), [1e6]].reshape(-1, 1)
    standard = TabularPreprocessor().fit_transform(X)
    robust = TabularPreprocessor(numeric_scaling="robust").fit_transform(X)
    assert np.ptp(robust[:99]) > 1 > np.ptp(standard[:99])


def test_preprocessor_refuses_sparse_input_with_advice():
    from scipy.sparse import csr_matrix

    with pytest.raises(TypeError, match="toarray"):
        TabularPreprocessor().fit(csr_matrix(np.eye(3)))


# --------------------------------------------------------------- compare
def test_task_detection():
    assert detect_task(["a", "b"])[0] == "classification"
    assert detect_task([0, 1, 2, 1])[0] == "classification"
    assert detect_task(np.arange(100) * 1000)[0] == "regression"
    assert detect_task([0.5, 1.5])[0] == "regression"


def test_every_model_sees_the_same_folds_and_preprocessing_fitted_per_fold():
    table, y = _mixed_table()
    _Spy.log = []
    results = compare(table, y, models={"a": _SpyRegressor(), "b": _SpyRegressor()},
                      cv=4, n_jobs=1)
    fits = [entry for entry in _Spy.log if entry[0] == "fit"]
    assert len(fits) == 8
    # each model trained on the same 4 training sets
    assert sorted(f[2] for f in fits[:4]) == sorted(f[2] for f in fits[4:])
    assert len({f[2] for f in fits}) == 4
    # scaler fitted on each training fold: those columns average exactly 0 there
    for _, means, _ in fits:
        np.testing.assert_allclose(means[:2], 0, atol=1e-12)
    # ...and not on the test rows, which were not part of the fit
    predicts = [entry for entry in _Spy.log if entry[0] == "predict"]
    assert all(np.abs(means[:2]).max() > 1e-3 for _, means, _ in predicts)
    assert list(results["model"]) == ["a"] * 4 + ["b"] * 4
    assert (results["n_train"] + results["n_test"] == len(y)).all()


def test_classification_folds_are_stratified_with_a_rare_class():
    X, y = make_classification(200, 5, weights=[0.9, 0.1], flip_y=0,
                               random_state=0)
    _Spy.log = []
    compare(X, y, models={"spy": _SpyClassifier()}, cv=5, n_jobs=1)
    minority = [sum(1 for label in f[2] if label == 1) for f in _Spy.log
                if f[0] == "fit"]
    assert max(minority) - min(minority) <= 1


def test_log_target_scores_the_rmse_of_log_y_like_a_hand_written_loop():
    table, y = _mixed_table()
    y = np.exp(y / 100)
    results = compare(table, y, models=["linear"], cv=3, log_target=True,
                      random_state=3)
    expected = []
    for train, test in KFold(3, shuffle=True, random_state=3).split(table):
        pipe = Pipeline([("p", TabularPreprocessor()), ("m", TransformedTargetRegressor(
            Ridge(), transformer=StandardScaler()))])
        pipe.fit(table.iloc[train], np.log(y[train]))
        expected.append(root_mean_squared_error(np.log(y[test]),
                                                pipe.predict(table.iloc[test])))
    np.testing.assert_allclose(results["score"], expected, rtol=1e-10)
    assert results.attrs["metric"] == "rmse" and not results.attrs["greater_is_better"]


def test_nested_search_reports_per_fold_choices_and_the_summary_ranks_models():
    X, y = load_iris(return_X_y=True)
    results = compare(X, y, models=["linear", "linear-svm"], cv=3, search="grid",
                      device=DEVICE)
    params = [json.loads(p) for p in results["best_params"]]
    assert all(set(p) == {"C"} for p in params)
    summary = summarize(results)
    assert list(summary.columns) == ["score_mean", "score_std", "fit_time",
                                     "predict_time", "folds", "best_params", "note"]
    assert summary["score_mean"].is_monotonic_decreasing
    assert (summary["folds"] == 3).all()


def test_random_search_samples_the_mlp_hyperparameters():
    searched = {"hidden_layer_sizes", "activation", "init", "weight_decay", "dropout",
                "learning_rate_init", "numerical_embedding", "ensemble_size"}
    X, y = load_iris(return_X_y=True)
    results = compare(X, y, models=["mlp"], cv=2, search="random", n_iter=2,
                      device=DEVICE)
    for params in map(json.loads, results["best_params"]):
        assert set(params) == searched | {"label_smoothing"}  # the classifier's too
    assert results["score"].between(0.5, 1).all()
    X, y = load_diabetes(return_X_y=True)
    results = compare(X[:200], y[:200], models=["mlp"], cv=2, search="random", n_iter=2,
                      device=DEVICE)
    for params in map(json.loads, results["best_params"]):
        assert set(params) == searched


def test_fit_best_refits_the_winner_on_all_rows():
    X, y = load_iris(return_X_y=True)
    results = compare(X, y, models={"worse": _SpyClassifier(), "linear": "linear"},
                      cv=3)
    name, pipeline = fit_best(results, X, y)
    assert name == "linear" == summarize(results).index[0]
    assert pipeline.score(X, y) > 0.9


def test_the_users_unseeded_estimators_are_seeded_so_a_comparison_repeats():
    from sk_mlp import MLPClassifier

    X, y = load_iris(return_X_y=True)
    mine = {"unseeded": MLPClassifier(hidden_layer_sizes=(8,), max_iter=20,
                                      device=DEVICE),
            "seeded": MLPClassifier(hidden_layer_sizes=(8,), max_iter=20,
                                    device=DEVICE, random_state=5)}

    def scores(random_state, cv=3):
        results = compare(X, y, models=mine, cv=cv, random_state=random_state)
        return results.set_index(["model", "fold"])["score"]

    first, again = scores(0), scores(0)
    pd.testing.assert_series_equal(first, again)
    # the comparison's seed reaches the unseeded network, not the seeded one
    # (the folds move with it too, so compare the networks on fixed splits)
    splits = list(KFold(3, shuffle=True, random_state=0).split(X, y))
    fixed = {seed: scores(seed, splits) for seed in (0, 1)}
    assert not fixed[0]["unseeded"].equals(fixed[1]["unseeded"])
    pd.testing.assert_series_equal(fixed[0]["seeded"], fixed[1]["seeded"])
    assert mine["unseeded"].random_state is None  # the user's object is untouched


def test_a_failing_model_is_reported_and_the_others_go_on():
    class Broken(ClassifierMixin, BaseEstimator):
        def fit(self, X, y):
            raise RuntimeError("out of cheese")

    X, y = load_iris(return_X_y=True)
    results = compare(X, y, models={"broken": Broken(), "linear": "linear"}, cv=3)
    broken = results[results["model"] == "broken"]
    assert broken["score"].isna().all()
    assert broken["note"].str.contains("RuntimeError: out of cheese").all()
    assert results.loc[results["model"] == "linear", "score"].notna().all()


def test_time_budget_subsamples_then_skips_the_kernel_svm(monkeypatch):
    X, y = make_classification(3000, 5, random_state=0)
    # a probe fit of 1000 rows "takes" 1 s; 5 folds of 2400 rows at n^2 cost
    # project 1 * 2.4^2 * 5 = 28.8 s
    monkeypatch.setattr(_compare, "_probe_seconds", lambda *args: 1.0)
    results = compare(X, y, models=["svm", "linear"], cv=5, time_budget=10)
    svm = results[results["model"] == "svm"]
    allowed = int(1000 * np.sqrt(10 / 5))
    assert (svm["n_train"] == allowed).all()
    assert svm["note"].str.contains("time budget").all()
    assert any("fitted on 1414 random rows" in m for m in results.attrs["messages"])
    assert (results.loc[results["model"] == "linear", "n_train"] == 2400).all()
    skipped = compare(X, y, models=["svm", "linear"], cv=5, time_budget=0.01)
    assert set(skipped["model"]) == {"linear"}
    assert any("svm: skipped" in m for m in skipped.attrs["messages"])
    unlimited = compare(X, y, models=["svm"], cv=5, time_budget=1000)
    assert (unlimited["n_train"] == 2400).all()


@pytest.mark.parametrize("kwargs, y, message", [
    ({}, ["a"] * 10, "one class only"),
    ({"cv": 5}, ["a"] * 8 + ["b"] * 3, r"cv=5 is larger than the smallest class \('b' has 3"),
    ({"task": "regression"}, ["a", "b"] * 5, "must be numeric; it holds 'a'"),
    ({"log_target": True}, np.linspace(-1, 1, 10), "positive target"),
    ({"models": ["perceptron"]}, np.linspace(0, 1, 10), "does not do regression"),
    ({"models": "mlp,forest"}, [0, 1] * 5, "Unknown model.*'forest'"),
    ({"metric": "rmse"}, [0, 1] * 5, "does not score classification"),
    ({"cv": 1}, [0, 1] * 5, "at least 2 folds"),
    ({"device": "tpu"}, [0, 1] * 5, "device='tpu' is not understood"),
])
def test_bad_input_gets_a_clear_error(kwargs, y, message):
    X = np.random.default_rng(0).normal(size=(len(y), 2))
    with pytest.raises(CompareError, match=message):
        compare(X, np.asarray(y), cv=kwargs.pop("cv", 2), **kwargs)


def test_an_empty_table_is_refused():
    with pytest.raises(CompareError, match="empty"):
        compare(np.empty((0, 2)), np.empty(0))


def test_cv_may_be_the_splits_themselves():
    X, y = load_iris(return_X_y=True)
    official = [(np.arange(0, 150, 2), np.arange(1, 150, 2))]
    results = compare(X, y, models=["linear"], cv=official)
    assert len(results) == 1
    assert results.loc[0, "n_train"] == results.loc[0, "n_test"] == 75
    with pytest.raises(CompareError, match="empty list of splits"):
        compare(X, y, cv=[])


# ------------------------------------------------------ compare's steps alone
def test_compare_steps_each_do_one_job():
    from sk_mlp.comparison._compare import _plan_fits, _plan_folds, _summarise, _validate

    X, y = load_iris(return_X_y=True, as_frame=True)
    X = X.assign(constant=1.0)
    problem = _validate(X, y, models="linear,svm", task="auto", metric=None, cv=3,
                        search="none", n_iter=10, log_target=False, time_budget=None,
                        device="cpu")
    # validate: the task detected, the metric chosen, the models resolved, and
    # what was noticed (the constant column) said
    assert problem.task == "classification" and problem.metric == "accuracy"
    assert list(problem.models) == ["linear", "svm"]
    assert any("constant" in m for m in problem.messages)
    # plan: stratified folds (each class in each test fold in proportion)
    folds = _plan_folds(problem, random_state=0)
    assert len(folds) == 3
    for _, test in folds:
        counts = np.bincount(y.iloc[test], minlength=3)
        assert counts.min() >= 16 and counts.max() <= 17  # 50 per class / 3 folds
    given = [(np.arange(100), np.arange(100, 150))]
    assert _plan_folds(problem._replace(splits=given), random_state=0) is given
    # one delayed fit per model and fold
    jobs = _plan_fits(problem, folds, search="none", n_iter=10, time_budget=None,
                      device="cpu", random_state=0)
    assert len(jobs) == 2 * 3
    # summarise: rows in the models' order, then by fold, whatever order the
    # fits finished in
    rows = [("svm", 1, 0.9, 0, 0, 100, 50, "{}", ""), ("linear", 2, 0.8, 0, 0, 100, 50,
                                                       "{}", ""),
            ("svm", 0, 0.7, 0, 0, 100, 50, "{}", ""), ("linear", 0, 0.6, 0, 0, 100, 50,
                                                       "{}", "")]
    results = _summarise(rows, problem, False, config={})
    assert results[["model", "fold"]].values.tolist() == [["linear", 0], ["linear", 2],
                                                        ["svm", 0], ["svm", 1]]
    assert results.attrs["task"] == "classification" and not results.attrs["interrupted"]


def test_compare_validation_step_refuses_bad_arguments():
    from sk_mlp.comparison._compare import _validate

    X, y = load_iris(return_X_y=True)
    common = dict(models=None, task="auto", metric=None, cv=3, search="none", n_iter=10,
                  log_target=False, time_budget=None, device="cpu")
    for change, message in [(dict(cv=1), "at least 2 folds"), (dict(search="all"), "search"),
                            (dict(n_iter=0), "positive integer"),
                            (dict(time_budget=-1), "positive number"),
                            (dict(metric="rmse"), "does not score classification")]:
        with pytest.raises(CompareError, match=message):
            _validate(X, y, **{**common, **change})


# ------------------------------------------------------ time and groups
def _dated_table(n=240, seed=0):
    """Rows of a table given out of time order, with a date and a shop."""
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(rng.normal(size=(n, 3)), columns=["a", "b", "c"])
    y = X.a + np.sin(X.b) + rng.normal(scale=0.3, size=n)
    day = rng.permutation(n)  # row i happened on day day[i]
    shop = rng.integers(0, 24, size=n)
    return X, y, day, shop


def test_time_orders_the_rows_and_tests_every_fold_on_later_rows():
    from sk_mlp.comparison._compare import _plan_folds, _validate

    X, y, day, _ = _dated_table()
    problem = _validate(X, y, models="mlp,linear", task="auto", metric=None, cv=4,
                        search="none", n_iter=10, log_target=False, time_budget=None,
                        device="cpu", time=day)
    assert problem.split_by == "time"
    # the rows are in time order: row k of the problem is day k
    order = np.argsort(day)
    np.testing.assert_array_equal(problem.X.a, X.a.to_numpy()[order])
    np.testing.assert_array_equal(problem.y, y.to_numpy()[order])
    folds = _plan_folds(problem, random_state=0)
    assert len(folds) == 4
    for train, test in folds:
        assert train.max() < test.min()  # tested on later rows only
    assert any("later than every row" in m for m in problem.messages)


def test_groups_keep_each_group_on_one_side_of_every_fold():
    from sk_mlp.comparison._compare import _plan_folds, _validate

    X, y, _, shop = _dated_table()
    labels = (y > np.median(y)).astype(int)
    for target in (y, labels):
        problem = _validate(X, target, models="linear", task="auto", metric=None, cv=3,
                            search="none", n_iter=10, log_target=False,
                            time_budget=None, device="cpu", groups=shop)
        for train, test in _plan_folds(problem, random_state=0):
            assert not set(shop[train]) & set(shop[test])


@pytest.mark.parametrize("split", ["time", "groups"])
def test_the_networks_validate_as_the_folds_split(split):
    """Each fold's network and the refit stop early on the last rows (time)
    or whole groups, searched or not; fit_best needs the same time or
    groups as the comparison."""
    X, y, day, shop = _dated_table()
    given = {"time": day} if split == "time" else {"groups": shop}
    results = compare(X, y, models="mlp", cv=3, search="random", n_iter=1,
                      device=DEVICE, **given)
    assert results.score.notna().all(), results.note.tolist()
    assert results.attrs["config"]["split_by"] == split
    _, pipeline = fit_best(results, X, y, **given)
    network = pipeline.named_steps["model"]
    expected = "last" if split == "time" else "group"
    assert network.validation_split == expected
    assert network.settings_.early_stopping and "valid_loss" in network.history_[-1]
    with pytest.raises(CompareError, match=f"pass the same {split}"):
        fit_best(results, X, y)
    plain = compare(X, y, models="linear", cv=3)
    with pytest.raises(CompareError, match="without time or groups"):
        fit_best(plain, X, y, **given)


@pytest.mark.parametrize("kwargs, message", [
    (dict(time=np.arange(240), groups=np.arange(240)), "Give time or groups, not both"),
    (dict(time=np.arange(10)), "time must hold one value per row"),
    (dict(time=np.r_[np.nan, np.arange(239.0)]), "time is missing for 1 rows"),
    (dict(groups=np.arange(10)), "groups must hold one label per row"),
    (dict(groups=np.zeros(240), cv=3), "cv=3 is more folds than the 1 groups"),
])
def test_bad_time_or_groups_get_a_clear_error(kwargs, message):
    X, y, _, _ = _dated_table()
    with pytest.raises(CompareError, match=message):
        compare(X, y, models="linear", **kwargs)
