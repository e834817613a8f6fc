"""Behaviour of MLPClassifier and MLPRegressor that users rely on."""

import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import clone
from sklearn.datasets import load_iris, make_classification, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils._param_validation import InvalidParameterError

from sk_mlp import MLPClassifier, MLPRegressor
from sk_mlp._torch.module import InvertedDropout, mask_levels, mask_source

ESTIMATORS = [MLPClassifier, MLPRegressor]


def _data(Est, n=120, d=4, seed=0):
    if Est is MLPClassifier:
        return make_classification(n_samples=n, n_features=d, n_informative=3,
                                   n_redundant=0, n_classes=3, random_state=seed)
    return make_regression(n_samples=n, n_features=d, noise=1.0, random_state=seed)


def _reference_forward(est, X, activation):
    """NumPy forward pass from the fitted coefs_/intercepts_."""
    fns = {
        "relu": lambda z: np.maximum(z, 0),
        "tanh": np.tanh,
        "sigmoid": lambda z: 1 / (1 + np.exp(-z)),
        "logistic": lambda z: 1 / (1 + np.exp(-z)),
        "identity": lambda z: z,
    }
    a = np.asarray(X, dtype=np.float64)
    for W, b in zip(est.coefs_[:-1], est.intercepts_[:-1]):
        a = fns[activation](a @ W + b)
    z = a @ est.coefs_[-1] + est.intercepts_[-1]
    z = z - z.max(axis=1, keepdims=True)
    return np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)


# ----------------------------------------------------------------- parameters
@pytest.mark.parametrize("Est", ESTIMATORS)
@pytest.mark.parametrize(
    "params",
    [
        {"activation": "softplus"},
        {"solver": "newton"},
        {"init": "orthogonal"},
        {"dropout": 1.0},
        {"weight_decay": -1.0},
        {"learning_rate_init": 0.0},
        {"batch_size": 0},
    ],
)
def test_invalid_parameters_raise_clear_errors(Est, params, device):
    X, y = _data(Est)
    with pytest.raises(InvalidParameterError, match=list(params)[0]):
        Est(device=device, **params).fit(X, y)


@pytest.mark.parametrize(
    "params, message",
    [
        ({"hidden_layer_sizes": (8, 0)}, "positive integers"),
        ({"hidden_layer_sizes": (8, 4), "dropout": (0.1,)}, "one rate per hidden layer"),
        ({"hidden_layer_sizes": (8,), "dropout": (1.5,)}, r"\[0, 1\)"),
        ({"device": "tpu"}, "not understood"),
    ],
)
def test_inconsistent_parameters_raise_value_error(params, message, device):
    params.setdefault("device", device)
    X, y = _data(MLPClassifier)
    with pytest.raises(ValueError, match=message):
        MLPClassifier(**params).fit(X, y)


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the no-GPU message")
def test_cuda_without_gpu_says_so():
    X, y = _data(MLPClassifier)
    with pytest.raises(ValueError, match="no CUDA GPU"):
        MLPClassifier(device="cuda").fit(X, y)


def test_device_auto_uses_cpu_without_gpu(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    X, y = _data(MLPClassifier)
    clf = MLPClassifier(hidden_layer_sizes=(4,), max_iter=2).fit(X, y)
    assert str(clf.net_.device) == "cpu"
    assert clf.net_.module_.linears[0].weight.device.type == "cpu"


def test_estimator_runs_on_requested_device(device):
    X, y = _data(MLPClassifier)
    clf = MLPClassifier(hidden_layer_sizes=(4,), max_iter=2, device=device).fit(X, y)
    assert clf.net_.module_.linears[0].weight.device.type == torch.device(device).type


# ------------------------------------------------------------ architecture
@pytest.mark.parametrize("hidden", [(), (7,), (7, 5)])
def test_shapes_and_parameter_count(hidden, device):
    X, y = _data(MLPClassifier, d=4)
    clf = MLPClassifier(hidden_layer_sizes=hidden, max_iter=3, ensemble_size=1,
                        device=device).fit(X, y)
    sizes = [4, *hidden, 3]
    assert clf.n_layers_ == len(hidden) + 2
    assert [W.shape for W in clf.coefs_] == list(zip(sizes[:-1], sizes[1:]))
    assert [b.shape for b in clf.intercepts_] == [(s,) for s in sizes[1:]]
    assert clf.n_params_ == sum((a + 1) * b for a, b in zip(sizes[:-1], sizes[1:]))


def test_parameter_count_formula_one_hidden_layer(device):
    d, h, k = 6, 11, 4
    X, y = make_classification(n_samples=80, n_features=d, n_informative=4,
                               n_classes=k, random_state=0)
    clf = MLPClassifier(hidden_layer_sizes=(h,), max_iter=1, ensemble_size=1,
                        device=device).fit(X, y)
    assert clf.n_params_ == (d + 1) * h + (h + 1) * k


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", "logistic", "identity"])
def test_activation_defines_the_forward_function(activation, device):
    X, y = _data(MLPClassifier)
    clf = MLPClassifier(hidden_layer_sizes=(9, 6), activation=activation, max_iter=5, ensemble_size=1,
                        random_state=0, device=device).fit(X, y)
    np.testing.assert_allclose(clf.predict_proba(X), _reference_forward(clf, X, activation),
                               atol=1e-5)


def test_different_activations_give_different_models(device):
    X, y = _data(MLPClassifier)
    probas = [
        MLPClassifier((8,), activation=a, max_iter=5, random_state=0, device=device)
        .fit(X, y).predict_proba(X)
        for a in ["relu", "tanh", "sigmoid"]
    ]
    assert not np.allclose(probas[0], probas[1])
    assert not np.allclose(probas[1], probas[2])


def test_output_activations():
    X, y = _data(MLPClassifier)
    assert MLPClassifier(max_iter=1, device="cpu").fit(X, y).out_activation_ == "softmax"
    assert MLPClassifier(max_iter=1, device="cpu").fit(X, y % 2).out_activation_ == "logistic"
    Xr, yr = _data(MLPRegressor)
    assert MLPRegressor(max_iter=1, device="cpu").fit(Xr, yr).out_activation_ == "identity"


# ----------------------------------------------------------------- init
@pytest.mark.parametrize(
    "init, expected_var",
    [
        ("normal", lambda fi, fo: 1e-4),
        ("xavier_uniform", lambda fi, fo: 2 / (fi + fo)),
        ("xavier_normal", lambda fi, fo: 2 / (fi + fo)),
        ("kaiming_uniform", lambda fi, fo: 2 / fi),
        ("kaiming_normal", lambda fi, fo: 2 / fi),
    ],
)
def test_init_gives_the_expected_weight_variance(init, expected_var, device):
    # the network's own first layer: no input scaling folded into coefs_[0]
    rng = np.random.RandomState(0)
    X, y = rng.randn(50, 200), rng.randint(0, 2, 50)
    clf = MLPClassifier(hidden_layer_sizes=(300,), init=init, activation="relu",
                        learning_rate_init=1e-12, max_iter=1, random_state=0,
                        input_scaling=None, device=device).fit(X, y)
    W = clf.coefs_[0]
    assert W.var() == pytest.approx(expected_var(200, 300), rel=0.05)
    assert abs(W.mean()) < 0.05 * W.std()
    np.testing.assert_allclose(clf.intercepts_[0], 0, atol=1e-9)


def test_kaiming_gain_follows_activation(device):
    rng = np.random.RandomState(0)
    X, y = rng.randn(50, 200), rng.randint(0, 2, 50)
    clf = MLPClassifier(hidden_layer_sizes=(300,), init="kaiming_normal", activation="tanh",
                        learning_rate_init=1e-12, max_iter=1, random_state=0,
                        input_scaling=None, device=device).fit(X, y)
    assert clf.coefs_[0].var() == pytest.approx((5 / 3) ** 2 / 200, rel=0.05)


# --------------------------------------------------------------- weight decay
def test_huge_weight_decay_shrinks_weights_but_not_class_prior_biases(device):
    rng = np.random.RandomState(0)
    X = rng.randn(600, 5)
    y = rng.choice(3, size=600, p=[0.6, 0.3, 0.1])
    priors = np.bincount(y) / len(y)
    # every one of the 100 epochs, so the decay has run its course (not
    # stopped early on a plateau of the validation loss)
    clf = MLPClassifier((16,), weight_decay=100.0, learning_rate_init=0.01, max_iter=100, ensemble_size=1,
                        early_stopping=False, n_iter_no_change=np.inf,
                        random_state=0, device=device).fit(X, y)
    assert clf.n_iter_ == 100
    assert max(np.abs(W).max() for W in clf.coefs_) < 1e-2
    np.testing.assert_allclose(clf.predict_proba(X[:20]), np.tile(priors, (20, 1)), atol=0.02)
    # the output biases, not the weights, carry the priors
    b = clf.intercepts_[-1]
    np.testing.assert_allclose(np.exp(b) / np.exp(b).sum(), priors, atol=0.02)


@pytest.mark.parametrize("solver", ["adam", "adamw", "sgd"])
def test_weight_decay_reaches_weights_only(solver, device):
    X, y = _data(MLPClassifier)
    clf = MLPClassifier((5,), solver=solver, weight_decay=0.3, alpha=0.0, max_iter=1, ensemble_size=1,
                        device=device).fit(X, y)
    optimizer = clf.net_.optimizer_
    expected_cls = {"adam": torch.optim.Adam, "adamw": torch.optim.AdamW,
                    "sgd": torch.optim.SGD}[solver]
    assert type(optimizer) is expected_cls
    names = dict((id(p), n) for n, p in clf.net_.module_.named_parameters())
    for group in optimizer.param_groups:
        for p in group["params"]:
            expected = 0.0 if names[id(p)].endswith("bias") else 0.3
            assert group["weight_decay"] == expected


@pytest.mark.parametrize("solver", ["adam", "adamw", "sgd"])
def test_no_weight_decay_means_none_at_all(solver, device):
    X, y = _data(MLPClassifier)
    clf = MLPClassifier((5,), solver=solver, alpha=0.0, weight_decay=0.0, max_iter=1,
                        device=device).fit(X, y)
    assert all(g["weight_decay"] == 0.0 for g in clf.net_.optimizer_.param_groups)


@pytest.mark.parametrize("solver", ["adam", "sgd"])
def test_alpha_reaches_weights_only_as_a_decay_per_batch(solver, device):
    X, y = _data(MLPClassifier)
    clf = MLPClassifier((5,), solver=solver, weight_decay=0.3, alpha=2.0, batch_size=len(X), ensemble_size=1,
                        max_iter=1, device=device).fit(X, y)
    names = dict((id(p), n) for n, p in clf.net_.module_.named_parameters())
    for group in clf.net_.optimizer_.param_groups:
        for p in group["params"]:
            expected = 0.0 if names[id(p)].endswith("bias") else 0.3 + 2.0 / len(X)
            assert group["weight_decay"] == pytest.approx(expected)


def test_weight_decay_reduces_weight_norm(device):
    X, y = _data(MLPClassifier, n=200)
    norms = [
        sum((W ** 2).sum() for W in MLPClassifier((16,), weight_decay=wd, max_iter=60,
                                                  learning_rate_init=0.01, random_state=0,
                                                  device=device).fit(X, y).coefs_)
        for wd in [0.0, 0.1]
    ]
    assert norms[1] < 0.5 * norms[0]


# ------------------------------------------------------------------- dropout
@pytest.mark.parametrize("p", [0.5, 0.25, 0.1, 0.3, 0.01])
@pytest.mark.parametrize("source", ["torch", "sfc64"])
def test_inverted_dropout_scales_in_training_and_is_identity_in_eval(p, source):
    # byte levels (0.5, 0.25, 0.1, 0.3) and 15-bit levels (0.01), from torch's
    # own generator (GPU path) and from the CPU's SFC64 words: a biased level
    # (torch's int64 words never set their top bit) would show in the rate
    layer = InvertedDropout(p)
    generator = torch.Generator().manual_seed(0)
    layer.generator = generator if source == "torch" else mask_source(generator)
    x = torch.ones(400_000)
    out = layer.train()(x)
    bits, threshold = mask_levels(p)
    keep = threshold / 2**bits
    assert torch.unique(out).tolist() == [0.0, pytest.approx(1 / keep)]
    assert (out == 0).float().mean().item() == pytest.approx(1 - keep, abs=0.003)
    assert out.mean().item() == pytest.approx(1.0, abs=0.005)
    assert torch.equal(layer.eval()(x), x)


@pytest.mark.parametrize("p", [0.001, 0.01, 0.05, 0.0999, 0.1, 0.2, 0.3, 0.5, 0.9, 0.99])
def test_dropout_rate_realised_within_two_percent(p):
    bits, threshold = mask_levels(p)
    realised = 1 - threshold / 2**bits
    assert abs(realised - p) <= 0.02 * p
    # the usual rates take bytes (the fast path), small ones 15 bits
    assert (bits == 8) == (p >= 0.05)


def test_dropout_below_half_a_level_keeps_every_unit():
    layer = InvertedDropout(1e-6).train()
    layer.generator = torch.Generator().manual_seed(0)
    x = torch.randn(1000)
    assert torch.equal(layer(x), x)


def test_dropout_changes_training_but_not_prediction(device):
    X, y = _data(MLPClassifier)
    plain = MLPClassifier((32,), dropout=0.0, max_iter=20, random_state=0,
                          device=device).fit(X, y)
    dropped = MLPClassifier((32,), dropout=0.5, max_iter=20, random_state=0,
                            device=device).fit(X, y)
    assert not np.allclose(plain.coefs_[0], dropped.coefs_[0])
    np.testing.assert_array_equal(dropped.predict_proba(X), dropped.predict_proba(X))
    assert len(dropped.net_.module_.dropouts) == 1
    assert len(plain.net_.module_.dropouts) == 0


def test_dropout_per_layer(device):
    X, y = _data(MLPClassifier)
    clf = MLPClassifier((8, 8, 8), dropout=(0.1, 0.0, 0.3), max_iter=2,
                        device=device).fit(X, y)
    assert [d.p for d in clf.net_.module_.dropouts] == [0.1, 0.3]


# -------------------------------------------------------------- classifier
def test_multiclass_probabilities(device):
    X, y = load_iris(return_X_y=True)
    clf = MLPClassifier((16,), learning_rate_init=0.01, max_iter=300, random_state=0,
                        device=device).fit(X, y)
    proba = clf.predict_proba(X)
    assert proba.shape == (150, 3) and proba.dtype == np.float64
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-6)
    np.testing.assert_allclose(clf.predict_log_proba(X), np.log(proba))
    np.testing.assert_array_equal(clf.predict(X), clf.classes_[proba.argmax(axis=1)])
    # it learns iris: in the median over seeds (a single seed can land in the
    # tail where 'adaptive' cuts the rate on the noisy one-batch loss: 2 of
    # 40 seeds end below 0.95, 1 of 40 with the masks of 0.1)
    scores = [clf.score(X, y)] + [
        MLPClassifier((16,), learning_rate_init=0.01, max_iter=300, random_state=seed,
                      device=device).fit(X, y).score(X, y) for seed in (1, 2)]
    assert np.median(scores) > 0.95


@pytest.mark.parametrize(
    "labels", [np.array(["cat", "dog"]), np.array([False, True]), np.array([-3, 7])]
)
def test_binary_any_label_type(labels, device):
    X, y01 = make_classification(n_samples=150, n_features=5, random_state=0)
    y = labels[y01]
    clf = MLPClassifier((16,), learning_rate_init=0.01, max_iter=100, random_state=0, ensemble_size=1,
                        device=device).fit(X, y)
    assert clf.n_outputs_ == 1 and clf.coefs_[-1].shape == (16, 1)
    np.testing.assert_array_equal(clf.classes_, labels)
    pred = clf.predict(X)
    assert pred.dtype == y.dtype and set(pred) <= set(labels)
    assert clf.predict_proba(X).shape == (150, 2)
    assert clf.score(X, y) > 0.85


def test_string_multiclass_labels(device):
    X, y = load_iris(return_X_y=True)
    names = np.array(["setosa", "versicolor", "virginica"])[y]
    clf = MLPClassifier((16,), learning_rate_init=0.01, max_iter=200, random_state=0,
                        device=device).fit(X, names)
    assert clf.predict(X[:1])[0] == "setosa"
    assert list(clf.classes_) == ["setosa", "versicolor", "virginica"]


def test_multilabel(device):
    rng = np.random.RandomState(0)
    X = rng.randn(300, 6)
    Y = np.column_stack([X[:, 0] > 0, X[:, 1] + X[:, 2] > 0, X[:, 3] < 0.5]).astype(int)
    clf = MLPClassifier((32,), learning_rate_init=0.01, max_iter=200, random_state=0,
                        device=device).fit(X, Y)
    assert clf.out_activation_ == "logistic"
    pred = clf.predict(X)
    assert pred.shape == Y.shape and set(np.unique(pred)) <= {0, 1}
    proba = clf.predict_proba(X)
    assert proba.shape == Y.shape and ((proba >= 0) & (proba <= 1)).all()
    assert (pred == Y).mean() > 0.9


def test_one_class_is_learned_as_scikit_learn_does(device):
    # scikit-learn's MLPClassifier fits a single class (and predicts it)
    X = np.random.RandomState(0).randn(10, 3)
    clf = MLPClassifier(max_iter=5, device=device).fit(X, np.ones(10))
    np.testing.assert_array_equal(clf.predict(X), np.ones(10))
    assert clf.classes_.tolist() == [1.0]


def test_continuous_target_rejected_by_classifier(device):
    X, y = _data(MLPRegressor)
    with pytest.raises(ValueError, match="Unknown label type"):
        MLPClassifier(device=device).fit(X, y)


def test_xor_is_learned_by_one_hidden_layer(device):
    X = np.array([[-1, -1], [-1, 1], [1, -1], [1, 1]], dtype=float)
    y = np.array([0, 1, 1, 0])
    clf = MLPClassifier((8,), activation="tanh", learning_rate_init=0.05, max_iter=500,
                        tol=0.0, random_state=0, device=device).fit(X, y)
    np.testing.assert_array_equal(clf.predict(X), y)


# --------------------------------------------------------------- regressor
def test_regressor_raw_scale_targets_train_like_scaled_ones(device):
    X, y = make_regression(n_samples=300, n_features=8, noise=5.0, random_state=0)
    X = X / X.std(axis=0)
    # tol=0 and n_iter_no_change=inf: both run all 200 epochs (tol, as in
    # scikit-learn, applies to the loss on the targets' own scale, so with the
    # default tol dollar targets train for longer than unit-variance ones)
    kwargs = dict(hidden_layer_sizes=(32,), learning_rate_init=0.01, max_iter=200,
                  tol=0.0, n_iter_no_change=np.inf, standardize_target=True,
                  random_state=0, device=device)
    scaled = MLPRegressor(**kwargs).fit(X, y / y.std())
    dollars = MLPRegressor(**kwargs).fit(X, 180_000 + 80_000 * y / y.std())
    assert dollars.score(X, 180_000 + 80_000 * y / y.std()) > 0.95
    assert dollars.score(X, 180_000 + 80_000 * y / y.std()) == pytest.approx(
        scaled.score(X, y / y.std()), abs=1e-3)
    pred = dollars.predict(X)
    assert pred.dtype == np.float64 and pred.shape == (300,)
    target = 180_000 + 80_000 * y / y.std()
    assert abs(pred.mean() - target.mean()) < 0.02 * target.std()


def test_regressor_multi_output(device):
    X, Y = make_regression(n_samples=200, n_features=5, n_targets=3, noise=1.0,
                           random_state=0)
    reg = MLPRegressor(hidden_layer_sizes=(32,), learning_rate_init=0.01, max_iter=200, random_state=0,
                       device=device).fit(X, Y)
    assert reg.n_outputs_ == 3 and reg.predict(X).shape == (200, 3)
    assert reg.score(X, Y) > 0.9


def test_regressor_no_hidden_layer_is_linear_regression(device):
    from sklearn.linear_model import LinearRegression

    X, y = make_regression(n_samples=200, n_features=3, noise=0.5, random_state=0)
    reg = MLPRegressor(hidden_layer_sizes=(), learning_rate_init=0.01, max_iter=300, ensemble_size=1,
                       alpha=0.0, weight_decay=0.0, early_stopping=False,
                       n_iter_no_change=np.inf, standardize_target=True,
                       random_state=0, device=device).fit(X, y)
    lin = LinearRegression().fit(X, y)
    np.testing.assert_allclose(reg.predict(X), lin.predict(X), rtol=1e-3, atol=0.05)


# ------------------------------------------------------------------ inputs
@pytest.mark.parametrize("Est", ESTIMATORS)
@pytest.mark.parametrize("kind", ["list", "float64", "float32", "int64", "pandas"])
def test_input_types(Est, kind, device):
    X, y = _data(Est)
    X = np.round(X * 10)
    converted = {
        "list": X.tolist(),
        "float64": X,
        "float32": X.astype(np.float32),
        "int64": X.astype(np.int64),
        "pandas": pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])]),
    }[kind]
    est = Est(hidden_layer_sizes=(8,), max_iter=5, random_state=0, device=device)
    est.fit(converted, y)
    ref = Est(hidden_layer_sizes=(8,), max_iter=5, random_state=0, device=device).fit(X, y)
    np.testing.assert_allclose(est.predict(converted), ref.predict(X), rtol=1e-5)
    assert est.n_features_in_ == X.shape[1]
    if kind == "pandas":
        assert list(est.feature_names_in_) == list(converted.columns)
    else:
        assert not hasattr(est, "feature_names_in_")


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_wrong_number_of_features_at_predict(Est, device):
    X, y = _data(Est)
    est = Est(hidden_layer_sizes=(4,), max_iter=2, device=device).fit(X, y)
    with pytest.raises(ValueError, match="features"):
        est.predict(X[:, :2])


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_nan_input_rejected(Est, device):
    X, y = _data(Est)
    X[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        Est(device=device).fit(X, y)


# ------------------------------------------------------- reproducibility
@pytest.mark.parametrize("Est", ESTIMATORS)
def test_same_random_state_same_model(Est, device):
    X, y = _data(Est)
    kw = dict(hidden_layer_sizes=(16,), dropout=0.2, max_iter=10, device=device)
    a = Est(random_state=3, **kw).fit(X, y)
    b = Est(random_state=3, **kw).fit(X, y)
    c = Est(random_state=4, **kw).fit(X, y)
    for Wa, Wb in zip(a.coefs_, b.coefs_):
        np.testing.assert_array_equal(Wa, Wb)
    np.testing.assert_array_equal(a.predict(X), b.predict(X))
    assert not np.array_equal(a.coefs_[0], c.coefs_[0])


def test_global_rngs_untouched(device):
    X, y = _data(MLPClassifier)
    torch_state = torch.get_rng_state()
    np_state = np.random.get_state()[1].copy()
    MLPClassifier((8,), dropout=0.3, max_iter=3, random_state=0, device=device).fit(X, y)
    assert torch.equal(torch.get_rng_state(), torch_state)
    np.testing.assert_array_equal(np.random.get_state()[1], np_state)


# ------------------------------------------------------ training semantics
def test_convergence_warning_when_max_iter_reached(device):
    X, y = _data(MLPClassifier)
    with pytest.warns(ConvergenceWarning, match="Maximum iterations"):
        MLPClassifier((8,), max_iter=3, device=device).fit(X, y)


def test_no_warning_when_converged(device):
    X, y = _data(MLPClassifier)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        clf = MLPClassifier((8,), max_iter=500, tol=10.0, n_iter_no_change=2,
                            learning_rate="constant", device=device).fit(X, y)
    # scikit-learn's rule: stop once more than n_iter_no_change epochs in a
    # row fail to improve on the best loss by tol (epoch 1 sets the best).
    assert clf.n_iter_ == 4


def test_fitted_bookkeeping(device):
    X, y = _data(MLPClassifier, n=90)
    clf = MLPClassifier((8,), max_iter=7, batch_size=32, device=device).fit(X, y)
    assert clf.n_iter_ == 7 and len(clf.loss_curve_) == 7
    assert clf.t_ == 7 * 90
    assert clf.loss_ == clf.loss_curve_[-1]
    assert clf.best_loss_ == min(clf.loss_curve_)
    assert clf.net_.history[-1, "train_batch_count"] == 3


def test_warm_start_continues_training(device):
    X, y = _data(MLPClassifier)
    clf = MLPClassifier((16,), max_iter=5, warm_start=True, random_state=0, device=device)
    clf.fit(X, y)
    first = clf.coefs_[0].copy()
    clf.fit(X, y)
    # as in scikit-learn: n_iter_ counts this call's epochs; t_ and
    # loss_curve_ run on over the warm start
    assert clf.n_iter_ == 5 and clf.t_ == 10 * len(X)
    assert len(clf.loss_curve_) == 10 and clf.loss_curve_[5] < clf.loss_curve_[0]
    assert not np.array_equal(first, clf.coefs_[0])
    with pytest.raises(ValueError, match=r"warm_start can only be used where `y` has the "
                                         r"same classes"):
        clf.fit(X, np.where(y == 0, 5, y))


def test_cold_start_refits_from_scratch(device):
    X, y = _data(MLPClassifier)
    clf = MLPClassifier((16,), max_iter=5, random_state=0, device=device).fit(X, y)
    clf.fit(X, y)
    assert clf.n_iter_ == 5


def test_verbose_shows_one_progress_bar_and_quiet_prints_nothing(capsys, recwarn, device):
    X, y = _data(MLPClassifier)
    MLPClassifier((4,), max_iter=3, device=device).fit(X, y)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""
    MLPClassifier((4,), max_iter=3, verbose=1, early_stopping=True,
                  device=device).fit(X, y)
    err = capsys.readouterr().err
    final = err.replace("\r", "\n").strip().splitlines()[-1]
    assert "3/3" in final and "train_loss=" in final and "valid_score=" in final
    # a single bar for the whole fit: one bar drawn from 0/3 (how often tqdm
    # redraws it on the way depends on the machine's speed; its mininterval)
    assert err.count(" 0/3 [") == 1


@pytest.mark.parametrize("solver", ["adam", "adamw", "sgd"])
def test_every_solver_learns(solver, device):
    X, y = load_iris(return_X_y=True)
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    clf = MLPClassifier((16,), solver=solver, learning_rate_init=0.05, max_iter=200,
                        random_state=0, device=device).fit(X, y)
    assert clf.score(X, y) > 0.9


def test_sgd_momentum_reaches_optimizer(device):
    X, y = _data(MLPClassifier)
    clf = MLPClassifier((4,), solver="sgd", momentum=0.5, nesterovs_momentum=False,
                        max_iter=1, device=device).fit(X, y)
    group = clf.net_.optimizer_.param_groups[0]
    assert group["momentum"] == 0.5 and group["nesterov"] is False


# ------------------------------------------------------------ persistence
@pytest.mark.parametrize("Est", ESTIMATORS)
def test_pickle_and_clone(Est, device):
    X, y = _data(Est)
    est = Est(hidden_layer_sizes=(8,), dropout=0.1, max_iter=5, random_state=0,
              device=device).fit(X, y)
    restored = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(restored.predict(X), est.predict(X))
    fresh = clone(est)
    assert not hasattr(fresh, "net_")
    assert fresh.get_params() == est.get_params()


def test_nothing_fitted_before_fit():
    clf = MLPClassifier()
    for name in ["coefs_", "intercepts_", "n_params_", "loss_curve_", "classes_", "net_"]:
        assert not hasattr(clf, name)


def test_label_smoothing_softens_the_targets_of_the_loss(device):
    import torch

    from sk_mlp._torch.losses import BinaryCrossEntropy, CrossEntropy

    logits = torch.tensor([[2.0, -1.0, 0.5]])
    target = torch.tensor([0])
    smoothed = CrossEntropy(0.3)(logits, target)
    log_p = torch.log_softmax(logits, dim=1)[0]
    by_hand = -(0.8 * log_p[0] + 0.1 * log_p[1] + 0.1 * log_p[2])
    assert torch.allclose(smoothed, by_hand)
    binary = BinaryCrossEntropy(0.2)(torch.tensor([[3.0]]), torch.tensor([[1.0]]))
    p = torch.sigmoid(torch.tensor(3.0))
    assert torch.allclose(binary, -(0.9 * torch.log(p) + 0.1 * torch.log(1 - p)))
    # on a separable problem the plain loss goes to 0; the smoothed one cannot,
    # and the probabilities stay away from 0 and 1
    X, y = load_iris(return_X_y=True)
    fits = {e: MLPClassifier((16,), label_smoothing=e, learning_rate_init=0.01,
                             max_iter=300, device=device, random_state=0).fit(X, y == 0)
            for e in (0.0, 0.2)}
    assert fits[0.2].loss_ > 0.2 > fits[0.0].loss_
    confidence = {e: fit.predict_proba(X).max(axis=1).mean() for e, fit in fits.items()}
    assert confidence[0.2] < 0.95 < confidence[0.0]
    # still the right labels (setosa is separable; one border row of 150 may
    # fall on the softened side)
    assert (fits[0.2].predict(X) == (y == 0)).mean() >= 0.99
