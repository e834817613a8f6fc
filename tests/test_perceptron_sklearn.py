"""The Perceptron as a drop-in for scikit-learn's: its parameters with its
meaning (penalties, tol, early stopping, n_jobs), sparse input, partial_fit."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import load_iris, make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import Perceptron as SkPerceptron
from sklearn.model_selection import GridSearchCV

from sk_mlp import Perceptron


def _iris():
    X, y = load_iris(return_X_y=True)
    order = np.random.RandomState(12).permutation(len(y))
    return X[order], y[order]


def _binary_noisy(n=400, seed=0):
    X, y = make_classification(n_samples=n, n_features=8, n_informative=4, flip_y=0.1,
                               random_state=seed)
    return X, y


def _quiet_fit(est, X, y, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return est.fit(X, y, **kwargs)


PENALTIES = [("l2", 0.15), ("l1", 0.15), ("elasticnet", 0.15), ("elasticnet", 0.6)]


@pytest.mark.parametrize("data", [_iris, _binary_noisy])
@pytest.mark.parametrize("alpha", [1e-4, 1e-2])
@pytest.mark.parametrize("penalty,l1_ratio", PENALTIES)
def test_penalties_give_scikit_learns_weights(penalty, l1_ratio, alpha, data):
    X, y = data()
    kwargs = dict(penalty=penalty, alpha=alpha, l1_ratio=l1_ratio, shuffle=False,
                  tol=None, max_iter=30)
    ours = _quiet_fit(Perceptron(device="cpu", **kwargs), X, y)
    theirs = _quiet_fit(SkPerceptron(**kwargs), X, y)
    np.testing.assert_allclose(ours.coef_, theirs.coef_, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(ours.intercept_, theirs.intercept_, rtol=1e-8, atol=1e-10)
    np.testing.assert_array_equal(ours.predict(X), theirs.predict(X))


@pytest.mark.parametrize("penalty", ["l1", "elasticnet"])
def test_an_l1_penalty_drives_weights_to_exact_zeros(penalty):
    # (how the L2 part moves the last weights of the rule on noisy data is
    # not monotone in alpha, in scikit-learn as here: the comparison with
    # scikit-learn's weights above is the test of it)
    X, y = _binary_noisy()
    kwargs = dict(penalty=penalty, l1_ratio=0.9, max_iter=20, device="cpu")
    weak = _quiet_fit(Perceptron(alpha=1e-5, **kwargs), X, y).coef_
    strong = _quiet_fit(Perceptron(alpha=0.05, **kwargs), X, y).coef_
    assert (weak == 0).sum() == 0 and (strong == 0).sum() >= 2
    assert np.abs(strong).sum() < np.abs(weak).sum()


@pytest.mark.parametrize("penalty", [None, "l2"])
def test_tol_stops_where_scikit_learn_stops(penalty):
    # the mean objective of an epoch, watched for n_iter_no_change epochs
    X, y = _iris()
    kwargs = dict(penalty=penalty, tol=1e-3, shuffle=False, n_iter_no_change=3)
    ours = Perceptron(device="cpu", **kwargs).fit(X, y)
    theirs = SkPerceptron(**kwargs).fit(X, y)
    assert ours.n_iter_ == theirs.n_iter_ < 1000
    assert ours.converged_
    np.testing.assert_allclose(ours.coef_, theirs.coef_, rtol=1e-8)


def test_tol_none_is_the_plain_rule_and_tol_a_number_stops_on_the_loss():
    X, y = _binary_noisy()
    with pytest.warns(ConvergenceWarning, match="not converged"):
        plain = Perceptron(max_iter=50, tol=None, shuffle=False, device="cpu").fit(X, y)
    assert plain.n_iter_ == 50 and not plain.converged_
    stopped = Perceptron(max_iter=50, tol=1e-3, device="cpu").fit(X, y)
    assert stopped.n_iter_ < 50 and stopped.converged_
    losses = [row["train_loss"] for row in stopped.net_.history]
    assert len(losses) == stopped.n_iter_ and all(v >= 0 for v in losses)


def test_early_stopping_holds_out_a_stratified_validation_split():
    X, y = make_classification(n_samples=300, n_classes=3, n_informative=4,
                               weights=[0.7, 0.2, 0.1], flip_y=0.1, random_state=0)
    clf = Perceptron(early_stopping=True, validation_fraction=0.2, tol=1e-3,
                     random_state=0, device="cpu")
    train, valid = clf._validation_split(y, None, 0)
    assert len(valid) == 60 and not np.intersect1d(train, valid).size
    for c in range(3):  # every class in the proportion it has in y
        assert abs(np.mean(y[valid] == c) - np.mean(y == c)) <= 1 / 60 + 1e-12
    clf.fit(X, y)
    scores = [row["valid_score"] for row in clf.net_.history]
    assert clf.n_iter_ < 1000 and len(scores) == clf.n_iter_
    assert all(0 <= s <= 1 for s in scores)
    with pytest.raises(ValueError, match="early_stopping should be False"):
        clf.partial_fit(X, y, classes=[0, 1, 2])


def test_early_stopping_refuses_a_split_it_cannot_stratify():
    X, y = make_classification(n_samples=20, random_state=0)
    with pytest.raises(ValueError, match="validation_fraction"):
        Perceptron(early_stopping=True, validation_fraction=0.01, device="cpu").fit(X, y)


@pytest.mark.parametrize("penalty", [None, "l2"])
@pytest.mark.parametrize("shuffle", [False, True])
def test_sparse_input_gives_the_dense_model(penalty, shuffle):
    X, y = _iris()
    X[X < 1.5] = 0.0  # a real share of zeros
    kwargs = dict(penalty=penalty, shuffle=shuffle, random_state=3, max_iter=40,
                  device="cpu")
    dense = _quiet_fit(Perceptron(**kwargs), X, y)
    for container in (sp.csr_matrix, sp.csr_array, sp.csc_matrix):
        sparse = _quiet_fit(Perceptron(**kwargs), container(X), y)
        np.testing.assert_allclose(sparse.coef_, dense.coef_, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(sparse.intercept_, dense.intercept_, rtol=1e-10)
        assert sparse.n_iter_ == dense.n_iter_ and sparse.n_updates_ == dense.n_updates_
        np.testing.assert_allclose(sparse.decision_function(container(X)),
                                   dense.decision_function(X), rtol=1e-10, atol=1e-10)
        np.testing.assert_array_equal(sparse.predict(container(X)), dense.predict(X))


def test_sparse_l1_penalty_touches_only_the_rows_features_as_in_scikit_learn():
    X, y = _iris()
    X[X < 1.5] = 0.0
    kwargs = dict(penalty="l1", alpha=1e-2, shuffle=False, tol=None, max_iter=20)
    ours = _quiet_fit(Perceptron(device="cpu", **kwargs), sp.csr_matrix(X), y)
    theirs = _quiet_fit(SkPerceptron(**kwargs), sp.csr_matrix(X), y)
    # scikit-learn also damps sparse bias updates by 0.01; compare weights'
    # support, where the L1 clip acts, and accuracy
    np.testing.assert_array_equal(ours.coef_ == 0, theirs.coef_ == 0)


def test_sparse_fit_and_predict_never_densify():
    # 40,000 x 100,000: a dense copy would need 32 GB
    rng = np.random.RandomState(0)
    n, d = 40_000, 100_000
    nnz = 200_000
    X = sp.csr_matrix((rng.randn(nnz), (rng.randint(n, size=nnz), rng.randint(d, size=nnz))),
                      shape=(n, d))
    w = rng.randn(d)
    y = (X @ w > 0).astype(int)
    clf = _quiet_fit(Perceptron(max_iter=3, device="cpu"), X, y)
    assert clf.predict(X[:1000]).shape == (1000,)
    clf.partial_fit(X[:5000], y[:5000])
    assert np.isfinite(clf.decision_function(X)).all()


def test_partial_fit_runs_one_epoch_and_continues():
    X, y = _iris()
    # the samples in order, no tol: three epochs of the rule either way
    by_parts = Perceptron(shuffle=False, tol=None, device="cpu")
    for _ in range(3):
        by_parts.partial_fit(X, y, classes=np.unique(y))
    assert by_parts.n_iter_ == 1
    whole = _quiet_fit(Perceptron(shuffle=False, tol=None, max_iter=3, device="cpu"), X, y)
    np.testing.assert_array_equal(by_parts.coef_, whole.coef_)
    with pytest.raises(ValueError, match="classes must be passed"):
        Perceptron().partial_fit(X, y)
    with pytest.raises(ValueError, match="differs from the classes"):
        by_parts.partial_fit(X, y, classes=[0, 1])


def test_n_jobs_runs_the_one_vs_rest_problems_in_parallel_with_the_same_result():
    X, y = make_classification(n_samples=600, n_classes=4, n_informative=6,
                               random_state=0)
    one = _quiet_fit(Perceptron(max_iter=30, device="cpu"), X, y)
    two = _quiet_fit(Perceptron(max_iter=30, n_jobs=2, device="cpu"), X, y)
    np.testing.assert_array_equal(one.coef_, two.coef_)
    assert one.n_iter_ == two.n_iter_ and one.n_updates_ == two.n_updates_


def test_sample_weight_scales_updates_and_zero_removes_rows():
    X, y = _iris()
    weights = np.where(np.arange(len(y)) % 3 == 0, 0.0, 1.0)
    weighted = _quiet_fit(Perceptron(max_iter=20, device="cpu"), X, y,
                          sample_weight=weights)
    removed = _quiet_fit(Perceptron(max_iter=20, device="cpu"), X[weights > 0],
                         y[weights > 0])
    np.testing.assert_array_equal(weighted.coef_, removed.coef_)
    doubled = _quiet_fit(Perceptron(max_iter=20, device="cpu"), X, y,
                         sample_weight=np.full(len(y), 2.0))
    np.testing.assert_allclose(doubled.coef_, 2 * _quiet_fit(
        Perceptron(max_iter=20, device="cpu"), X, y).coef_)


def test_sigmoid_sample_weights_equal_repeated_rows_in_float32():
    # one full batch (120 rows, and 120 repeated rows): the weighted and the
    # repeated gradients are the same up to float32 rounding
    X, y = _binary_noisy(120)
    weights = np.tile([0, 1, 2], 40)
    repeated = np.repeat(np.arange(len(y)), weights)
    kwargs = dict(activation="sigmoid", eta0=0.05, max_iter=30, device="cpu")
    weighted = _quiet_fit(Perceptron(**kwargs), X, y, sample_weight=weights)
    copies = _quiet_fit(Perceptron(**kwargs), X[repeated], y[repeated])
    np.testing.assert_allclose(weighted.decision_function(X), copies.decision_function(X),
                               rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("penalty", ["l2", "l1"])
def test_sigmoid_penalties_shrink_the_weights(penalty):
    X, y = _binary_noisy()
    kwargs = dict(activation="sigmoid", eta0=0.1, max_iter=30, device="cpu",
                  random_state=0)
    free = _quiet_fit(Perceptron(**kwargs), X, y).coef_
    held = _quiet_fit(Perceptron(penalty=penalty, alpha=0.5, **kwargs), X, y).coef_
    assert np.abs(held).sum() < 0.7 * np.abs(free).sum()
    if penalty == "l1":
        assert (held == 0).any()


def test_grid_search_over_scikit_learn_parameters():
    X, y = _binary_noisy(200)
    search = GridSearchCV(
        Perceptron(tol=1e-3, device="cpu"),
        {"penalty": [None, "l2", "elasticnet"], "alpha": [1e-4, 1e-2]}, cv=3,
    ).fit(X, y)
    # every candidate fits and scores (a failed fit would score NaN)
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    assert search.best_score_ > 0.6


@pytest.mark.parametrize("seed", range(6))
def test_l1_blocks_follow_the_sample_by_sample_reference(seed):
    from sk_mlp.linear_model._mistake_driven import Penalty, _epoch_l1_blocks, _epoch_per_sample

    rng = np.random.RandomState(seed)
    n, d = rng.randint(50, 2000), rng.randint(1, 25)
    X = rng.randn(n, d)
    X[rng.rand(n, d) < 0.2] = 0.0
    y = np.where(X @ rng.randn(d) + 0.3 * rng.randn(n) > 0, 1.0, -1.0)
    penalty = Penalty.from_params(["l1", "elasticnet"][seed % 2],
                                  [1e-4, 1e-2, 0.1][seed % 3], 0.5, 1.0)
    order = rng.permutation(n) if seed >= 3 else None
    runs = []
    for epoch in (_epoch_per_sample, _epoch_l1_blocks):
        w, b, state = np.zeros(d), np.zeros(1), {"u": 0.0, "q": np.zeros(d)}
        results = [epoch(X, y, w, b, 1.0, 0.0, True, order, None, penalty, state, True)
                   for _ in range(4)]
        runs.append((results, w, b, state))
    (ref, w1, b1, s1), (got, w2, b2, s2) = runs
    assert [r.updates for r in ref] == [r.updates for r in got]
    np.testing.assert_allclose([r.objective for r in got], [r.objective for r in ref],
                               rtol=1e-9)
    np.testing.assert_allclose(w2, w1, rtol=1e-9, atol=1e-12)
    np.testing.assert_array_equal(b2, b1)
    np.testing.assert_allclose(s2["q"], s1["q"], rtol=1e-9, atol=1e-12)
    assert s2["u"] == pytest.approx(s1["u"], rel=1e-12)
