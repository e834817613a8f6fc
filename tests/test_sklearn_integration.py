"""sk_mlp estimators inside scikit-learn's tooling: pipelines, searches,
cross-validation, and scripts written for sklearn.neural_network."""

import numpy as np
import pytest
import sklearn.neural_network
from sklearn.datasets import load_iris, make_regression
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import sk_mlp


def test_pipeline(device):
    X, y = load_iris(return_X_y=True)
    # it learns iris, in the median over seeds (see test_multiclass_probabilities)
    scores = [make_pipeline(StandardScaler(), sk_mlp.MLPClassifier(
        (16,), learning_rate_init=0.01, max_iter=100, random_state=seed, device=device))
        .fit(X, y).score(X, y) for seed in (0, 1, 2)]
    assert np.median(scores) > 0.95


def test_cross_val_score(device):
    X, y = load_iris(return_X_y=True)
    scores = cross_val_score(
        make_pipeline(StandardScaler(), sk_mlp.MLPClassifier(
            # a 16-unit net: without the default dropout, meant for wide ones
            (16,), learning_rate_init=0.01, max_iter=100, dropout=0.0, random_state=0,
            device=device)),
        X, y, cv=3)
    assert scores.shape == (3,) and scores.min() > 0.8


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_grid_search_over_the_package_parameters(n_jobs, device):
    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    grid = {
        "weight_decay": [0.0, 1e-3],
        "dropout": [0.0, 0.2],
        "init": ["xavier_uniform", "kaiming_normal"],
        "activation": ["relu", "tanh"],
    }
    search = GridSearchCV(
        sk_mlp.MLPClassifier((8,), learning_rate_init=0.02, max_iter=40, random_state=0,
                             device=device),
        grid, cv=2, n_jobs=n_jobs).fit(X, y)
    assert len(search.cv_results_["params"]) == 16
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    assert search.best_score_ > 0.85
    assert search.best_estimator_.get_params()["init"] in grid["init"]


def test_grid_search_results_do_not_depend_on_n_jobs(device):
    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    scores = []
    for n_jobs in (1, 2):
        search = GridSearchCV(
            sk_mlp.MLPClassifier((8,), max_iter=20, random_state=0, device=device),
            {"dropout": [0.0, 0.3]}, cv=2, n_jobs=n_jobs).fit(X, y)
        scores.append(search.cv_results_["mean_test_score"])
    np.testing.assert_array_equal(scores[0], scores[1])


def _sklearn_style_script(module, classifier_extra=None, regressor_extra=None):
    """A script written for sklearn.neural_network using only shared names
    (``classifier_extra``, ``regressor_extra``: more settings of each model;
    the script's own settings win)."""
    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    clf = module.MLPClassifier(**{**(classifier_extra or {}), **dict(
        hidden_layer_sizes=(20,), activation="tanh", solver="adam",
        learning_rate_init=0.01, batch_size=32, max_iter=200, tol=1e-4, shuffle=True,
        random_state=0, warm_start=False, verbose=False)})
    clf.fit(X, y)
    acc = clf.score(X, y)
    proba = clf.predict_proba(X)
    Xr, yr = make_regression(n_samples=200, n_features=5, noise=1.0, random_state=0)
    reg = module.MLPRegressor(**{**(regressor_extra or {}), **dict(
        hidden_layer_sizes=(20, 10), activation="relu", solver="sgd", momentum=0.9,
        learning_rate_init=0.01, max_iter=200, random_state=0)})
    reg.fit(Xr, yr)
    return acc, proba.shape, [W.shape for W in clf.coefs_], reg.score(Xr, yr), reg.n_layers_


def test_sklearn_script_runs_unchanged_after_swapping_the_import():
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours = _sklearn_style_script(sk_mlp)
        theirs = _sklearn_style_script(sklearn.neural_network)
        # the README's recipe for scikit-learn's model: its defaults set back
        same = _sklearn_style_script(
            sk_mlp, classifier_extra=sk_mlp.sklearn_defaults(sk_mlp.MLPClassifier),
            regressor_extra=sk_mlp.sklearn_defaults(sk_mlp.MLPRegressor))
    assert same[1:3] == theirs[1:3] and ours[1] == theirs[1]
    assert ours[4] == theirs[4] == same[4]
    # sk_mlp's default is an ensemble of 3: one output layer per member
    assert ours[2] == [theirs[2][0], (3, *theirs[2][1])]
    # sk_mlp's defaults (dropout, weight decay, early stopping on the
    # regressor's 200 rows, standardised targets) fit these problems at
    # least as well as scikit-learn's
    assert ours[0] > 0.95 and ours[0] >= theirs[0] - 0.02
    assert ours[3] >= theirs[3] - 1e-3
    # with scikit-learn's settings, the same initial network (init='sklearn')
    # and loss: the same models, to float32 precision
    assert same[0] == pytest.approx(theirs[0], abs=0.02)
    assert same[3] == pytest.approx(theirs[3], abs=1e-3)


def test_every_public_name_is_documented():
    # help() and the API docs show the docstring: a statement placed before
    # it (as an import once was in onnx_inputs) silently leaves __doc__ None
    undocumented = [name for name in sk_mlp.__all__
                    if not (getattr(getattr(sk_mlp, name), "__doc__", None) or "").strip()]
    assert undocumented == []
