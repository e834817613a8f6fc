"""The MLPs as drop-ins for scikit-learn's: alpha, L-BFGS, sparse input,
precision, tol on the targets' scale, and scikit-learn's own examples."""

import warnings

import numpy as np
import pytest
import sk_mlp.neural_network._base
import scipy.sparse as sp
from sklearn.datasets import load_digits, load_iris, make_classification, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.neural_network import MLPClassifier as SkMLPClassifier
from sklearn.neural_network import MLPRegressor as SkMLPRegressor
from sklearn.preprocessing import MinMaxScaler

import sk_mlp

# These tests hold sk_mlp to scikit-learn's model, so they build it the way
# the README tells a user to: with sk_mlp.sklearn_defaults set back
# (settings a test passes still win).
def _with_sklearn_defaults(cls):
    def build(*args, **kwargs):
        defaults = {k: v for k, v in sk_mlp.sklearn_defaults(cls).items()
                    if not (args and k == "hidden_layer_sizes")}
        return cls(*args, **{**defaults, **kwargs})

    build.__name__ = cls.__name__
    return build


MLPClassifier = _with_sklearn_defaults(sk_mlp.MLPClassifier)
MLPRegressor = _with_sklearn_defaults(sk_mlp.MLPRegressor)


def _quiet(est, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return est.fit(*args, **kwargs)


def _digits(n_class=3):
    X, y = load_digits(n_class=n_class, return_X_y=True)
    return MinMaxScaler().fit_transform(X[:200]), y[:200]


# ------------------------------------------------------------------- alpha
def test_alpha_is_a_weight_decay_of_alpha_over_the_batch_size_under_sgd(device):
    X, y = _digits()
    kwargs = dict(hidden_layer_sizes=(16,), solver="sgd", batch_size=50, shuffle=False,
                  momentum=0.0, max_iter=15, dtype="float64", random_state=0,
                  device=device)
    with_alpha = _quiet(MLPClassifier(alpha=0.5, **kwargs), X, y)
    with_decay = _quiet(MLPClassifier(alpha=0.0, weight_decay=0.5 / 50, **kwargs), X, y)
    # unit sample weights take the other path (the penalty in the loss)
    weighted = _quiet(MLPClassifier(alpha=0.5, **kwargs), X, y,
                      sample_weight=np.ones(len(y)))
    for a, b, c in zip(with_alpha.coefs_ + with_alpha.intercepts_,
                       with_decay.coefs_ + with_decay.intercepts_,
                       weighted.coefs_ + weighted.intercepts_):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(c, b, rtol=1e-9, atol=1e-12)


def test_alpha_shrinks_the_weights_and_is_searchable(device):
    X, y = _digits(3)
    grid = [1e-5, 1.0, 100.0]
    search = GridSearchCV(MLPClassifier(hidden_layer_sizes=(10,), max_iter=50,
                                        random_state=1, device=device),
                          {"alpha": grid}, cv=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.fit(X, y)
    # alpha changes what the search sees: a crushing penalty scores lowest
    scores = search.cv_results_["mean_test_score"]
    assert scores[2] < min(scores[0], scores[1]) - 0.1
    norms = [np.abs(_quiet(MLPClassifier(hidden_layer_sizes=(10,), alpha=a, max_iter=50,
                                         random_state=1, device=device),
                           X, y).coefs_[0]).sum()
             for a in grid]
    assert norms[0] > norms[1] > norms[2]


def test_alpha_reported_in_the_loss_as_scikit_learn_does(device):
    # same initial network (init='sklearn'), same loss: the first epoch's
    # full-batch loss is scikit-learn's to float32 precision
    X, y = _digits()
    kwargs = dict(hidden_layer_sizes=(8,), solver="sgd", batch_size=200, alpha=1.0,
                  learning_rate_init=1e-9, max_iter=1, random_state=0)
    ours = _quiet(MLPClassifier(device=device, **kwargs), X, y)
    theirs = _quiet(SkMLPClassifier(**kwargs), X, y)
    assert ours.loss_ == pytest.approx(theirs.loss_, rel=1e-5)


# ------------------------------------------------------------------- L-BFGS
@pytest.mark.parametrize("make", ["multiclass", "binary", "regression"])
def test_lbfgs_reaches_scikit_learns_loss(make, device):
    if make == "regression":
        X, y = make_regression(n_samples=200, n_features=10, noise=10.0, random_state=7)
        y = y / y.std()
        ours, theirs = MLPRegressor, SkMLPRegressor
    else:
        X, y = _digits(3 if make == "multiclass" else 2)
        ours, theirs = MLPClassifier, SkMLPClassifier
    kwargs = dict(solver="lbfgs", hidden_layer_sizes=(20,), max_iter=200, random_state=1)
    a = _quiet(ours(device=device, **kwargs), X, y)
    b = _quiet(theirs(**kwargs), X, y)
    assert a.loss_ <= b.loss_ * 1.5 + 1e-3
    assert a.score(X, y) >= b.score(X, y) - 0.02
    assert 1 <= a.n_iter_ <= 200 and len(a.loss_curve_) == a.n_iter_


def test_lbfgs_honours_max_fun_and_warns(device):
    X, y = _digits()
    clf = MLPClassifier(solver="lbfgs", max_fun=5, max_iter=200, random_state=1,
                        device=device)
    with pytest.warns(ConvergenceWarning, match="lbfgs failed to converge"):
        clf.fit(X, y)
    assert clf.n_iter_ <= 5


def test_lbfgs_sample_weights_equal_repeated_rows(device):
    X, y = _digits(2)
    weights = np.tile([0, 1, 2, 1], 50)
    rows = np.repeat(np.arange(len(y)), weights)
    kwargs = dict(solver="lbfgs", hidden_layer_sizes=(6,), max_iter=30, random_state=0,
                  device=device)
    weighted = _quiet(MLPClassifier(**kwargs), X, y, sample_weight=weights)
    repeated = _quiet(MLPClassifier(**kwargs), X[rows], y[rows])
    np.testing.assert_allclose(weighted.predict_proba(X), repeated.predict_proba(X),
                               rtol=1e-6, atol=1e-8)


def test_lbfgs_has_no_partial_fit_and_no_dropout():
    assert not hasattr(MLPClassifier(solver="lbfgs"), "partial_fit")
    assert not hasattr(MLPRegressor(solver="lbfgs"), "partial_fit")
    X, y = _digits(2)
    with pytest.raises(ValueError, match="dropout=0"):
        MLPClassifier(solver="lbfgs", dropout=0.2).fit(X, y)


# ------------------------------------------------------------------ sparse
@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
@pytest.mark.parametrize("Est", [MLPClassifier, MLPRegressor])
def test_sparse_input_gives_the_dense_model(Est, solver, device):
    X, y = _digits()
    y = y.astype(float) if Est is MLPRegressor else y
    kwargs = dict(hidden_layer_sizes=(12,), solver=solver, max_iter=20, random_state=0,
                  device=device)
    dense = _quiet(Est(**kwargs), X, y)
    for container in (sp.csr_matrix, sp.csc_matrix, sp.csr_array):
        sparse = _quiet(Est(**kwargs), container(X), y)
        for a, b in zip(sparse.coefs_, dense.coefs_):
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(sparse.predict(container(X)) if Est is MLPRegressor
                                   else sparse.predict_proba(container(X)),
                                   dense.predict(X) if Est is MLPRegressor
                                   else dense.predict_proba(X), rtol=1e-5, atol=1e-6)


def test_sparse_training_and_prediction_stay_bounded_in_memory(monkeypatch, device):
    # 10,000 x 60,000 (a dense float32 copy: 2.4 GB): every conversion to a
    # tensor holds one batch or one prediction chunk of at most ~4M values
    import sk_mlp._torch.data

    rng = np.random.RandomState(0)
    n, d, nnz = 10_000, 60_000, 100_000
    X = sp.csr_matrix((rng.rand(nnz), (rng.randint(n, size=nnz), rng.randint(d, size=nnz))),
                      shape=(n, d))
    y = rng.randint(0, 2, n)
    sizes = []
    original = sk_mlp._torch.data.to_tensor

    def recording(array, *args, **kwargs):
        sizes.append(np.asarray(array).size)
        return original(array, *args, **kwargs)

    monkeypatch.setattr(sk_mlp._torch.data, "to_tensor", recording)
    monkeypatch.setattr(sk_mlp.neural_network._base, "to_tensor", recording)
    clf = MLPClassifier(hidden_layer_sizes=(4,), max_iter=1, batch_size=64,
                        random_state=0, device=device)
    _quiet(clf, X, y)
    clf.partial_fit(X[:1000], y[:1000])
    proba = clf.predict_proba(X)
    assert proba.shape == (n, 2) and np.isfinite(proba).all()
    assert sizes and max(sizes) <= 2**22


# --------------------------------------------------------------- precision
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("Est", [MLPClassifier, MLPRegressor])
def test_outputs_and_weights_keep_the_input_precision(Est, dtype, device):
    X, y = _digits()
    est = _quiet(Est(hidden_layer_sizes=(5,), max_iter=5, random_state=0, device=device),
                 X.astype(dtype), y)
    assert all(c.dtype == dtype for c in est.coefs_ + est.intercepts_)
    out = est.predict(X.astype(dtype)) if Est is MLPRegressor else est.predict_proba(
        X.astype(dtype))
    assert out.dtype == dtype


# ------------------------------------------------- tol and the loss's scale
@pytest.mark.parametrize("standardize_target", [False, True])
def test_the_loss_and_tol_are_on_the_targets_scale(standardize_target, device):
    # full batch, a tiny step: the epoch's loss is that of the model at its
    # end, and must be scikit-learn's half squared error on y's own scale
    # (plus alpha's term), whatever the network fits inside
    X, y = make_regression(n_samples=200, n_features=5, random_state=1)
    y = 1000 + 50 * y
    reg = _quiet(MLPRegressor(hidden_layer_sizes=(8,), solver="sgd", batch_size=200,
                              learning_rate_init=1e-9, momentum=0.0, max_iter=2,
                              alpha=0.0, standardize_target=standardize_target,
                              dtype="float64", random_state=0, device=device), X, y)
    expected = 0.5 * np.mean((y - reg.predict(X)) ** 2)
    assert reg.loss_ == pytest.approx(expected, rel=1e-6)
    # so the same tol stops the same way: a loss of ~1e6 never improves by 1e7
    stopped = _quiet(MLPRegressor(hidden_layer_sizes=(8,), tol=1e7, max_iter=100,
                                  standardize_target=standardize_target, random_state=0,
                                  device=device), X, y)
    assert stopped.n_iter_ == 12  # n_iter_no_change=10: epochs 2..12 do not improve


# ----------------------------------------------------- scikit-learn's docs
def test_scikit_learns_classifier_example_reaches_its_score(device):
    X, y = make_classification(n_samples=100, random_state=1)
    X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=1)
    clf = MLPClassifier(random_state=1, max_iter=300, device=device).fit(X_train, y_train)
    assert clf.predict_proba(X_test[:1]).shape == (1, 2)
    assert clf.score(X_test, y_test) >= 0.8


def test_scikit_learns_regressor_example_reaches_its_score(device):
    X, y = make_regression(n_samples=200, n_features=20, random_state=1)
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=1)
    # scikit-learn's raw targets: standardised ones (the default) fit this
    # noiseless problem in 247 epochs to a training loss 10x lower, and
    # overfit its 150 rows (test R^2 0.955); slow raw-scale training is what
    # regularises scikit-learn's example
    regr = MLPRegressor(random_state=1, max_iter=2000, tol=0.1, device=device,
                        standardize_target=False)
    regr.fit(X_train, y_train)
    assert regr.predict(X_test[:2]).shape == (2,)
    assert regr.score(X_test, y_test) >= 0.98
    assert 1000 < regr.n_iter_ < 2000  # scikit-learn: 1574 epochs


# ------------------------------------------------------------ the rest
def test_verbose_prints_scikit_learns_iteration_lines(capsys, device):
    X, y = _digits(2)
    _quiet(MLPClassifier(hidden_layer_sizes=(4,), max_iter=3, verbose=True,
                         device=device), X, y)
    out = capsys.readouterr().out.splitlines()
    assert [line.split(",")[0] for line in out] == ["Iteration 1", "Iteration 2",
                                                    "Iteration 3"]
    assert all("loss = " in line for line in out)


@pytest.mark.parametrize("dropout", [0.0, 0.2])
def test_partial_fit_k_times_is_fit_with_max_iter_k(dropout, device):
    # with dropout, each epoch's masks come from the dropout stream as they
    # would in one fit (a mask source drawn per call once broke this)
    X, y = _digits()
    kwargs = dict(hidden_layer_sizes=(8,), batch_size=32, random_state=0, device=device,
                  dropout=dropout)
    whole = _quiet(MLPClassifier(max_iter=4, n_iter_no_change=np.inf, **kwargs), X, y)
    parts = MLPClassifier(**kwargs)
    for _ in range(4):
        parts.partial_fit(X, y, classes=np.unique(y))
    for a, b in zip(whole.coefs_, parts.coefs_):
        np.testing.assert_array_equal(a, b)


def test_n_iter_no_change_inf_runs_every_epoch(device):
    X, y = _digits(2)
    clf = _quiet(MLPClassifier(hidden_layer_sizes=(4,), tol=1e9, n_iter_no_change=np.inf,
                               max_iter=30, device=device), X, y)
    assert clf.n_iter_ == 30


def test_poisson_loss_needs_non_negative_targets(device):
    X, y = make_regression(n_samples=50, n_features=3, random_state=0)
    with pytest.raises(ValueError, match="y >= 0"):
        MLPRegressor(loss="poisson", device=device).fit(X, y)
    reg = _quiet(MLPRegressor(loss="poisson", hidden_layer_sizes=(4,), max_iter=50,
                              device=device), X, np.abs(y).round())
    assert (reg.predict(X) > 0).all() and reg.out_activation_ == "exp"


def test_init_sklearn_starts_from_scikit_learns_network():
    X, y = load_iris(return_X_y=True)
    kwargs = dict(hidden_layer_sizes=(5, 3), learning_rate_init=1e-12, max_iter=1,
                  random_state=3)
    ours = _quiet(MLPClassifier(dtype="float64", **kwargs), X, y)
    theirs = _quiet(SkMLPClassifier(**kwargs), X, y)
    for a, b in zip(ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_):
        np.testing.assert_allclose(a, b, atol=1e-9)
