"""``export_network``: the one documented export of a fitted network. Its
docstring (``FittedNetwork``) says how the arrays compute ``predict``; these
tests recompute every estimator's predictions from the export alone, in
NumPy, so ONNX export, ``save`` and the diagnostics can rely on it."""

import numpy as np
import pytest
from scipy.special import expit, softmax
from sklearn.datasets import load_iris, make_multilabel_classification, make_regression

from sk_mlp import MLPClassifier, MLPRegressor, Perceptron, load, save
from sk_mlp._common.network import FittedNetwork

X_IRIS, Y_IRIS = load_iris(return_X_y=True)
_NUMPY_ACTIVATIONS = {
    "identity": lambda z: z, "relu": lambda z: np.maximum(z, 0.0), "tanh": np.tanh,
    "logistic": expit, "sigmoid": expit,
}


def _logits(net, X):
    """Steps 1-2 of the FittedNetwork docstring, in float64."""
    z = np.asarray(X, dtype=np.float64)
    if net.input_shift is not None:
        z = (z - net.input_shift) * net.input_scale
        if net.input_clip is not None:
            z = z / np.sqrt(1.0 + (z / net.input_clip) ** 2)
    for index, (W, b) in enumerate(zip(net.coefs, net.intercepts)):
        z = z @ W + b
        if index < len(net.coefs) - 1:
            z = _NUMPY_ACTIVATIONS[net.hidden_activation](z)
    return z


def _rtol(net):
    return 1e-4 if net.dtype == "float32" else 1e-9


@pytest.mark.parametrize("kind", ["multiclass", "binary", "multilabel"])
@pytest.mark.parametrize("activation, input_scaling", [("relu", "robust"),
                                                       ("tanh", "standard"),
                                                       ("logistic", None)])
def test_a_classifier_predicts_what_its_export_computes(kind, activation, input_scaling):
    X, y = X_IRIS, Y_IRIS
    if kind == "binary":
        y = np.where(Y_IRIS == 2, "virginica", "other")
    elif kind == "multilabel":
        X, y = make_multilabel_classification(n_samples=120, n_features=6, random_state=0)
    clf = MLPClassifier((7, 5), activation=activation, input_scaling=input_scaling,
                        ensemble_size=1, max_iter=15, device="cpu", random_state=0).fit(X, y)
    net = clf.export_network()
    assert isinstance(net, FittedNetwork)
    assert net.layer_sizes == [X.shape[1], 7, 5, clf.n_outputs_]
    assert net.hidden_activation == activation and net.dtype == "float32"
    assert (net.input_shift is None) == (input_scaling is None)
    assert (net.input_clip is not None) == (input_scaling == "robust")
    logits = _logits(net, X)
    if kind == "multiclass":
        assert net.output_activation == "softmax" and net.target_type == "multiclass"
        proba = softmax(logits, axis=1)
        labels = net.classes[proba.argmax(axis=1)]
    elif kind == "binary":
        assert net.output_activation == "logistic" and net.target_type == "binary"
        p = expit(logits[:, 0])
        proba = np.column_stack([1 - p, p])
        labels = net.classes[(logits[:, 0] > 0).astype(int)]
    else:
        assert net.target_type == "multilabel-indicator"
        proba = expit(logits)
        labels = (logits > 0).astype(int)
    np.testing.assert_allclose(proba, clf.predict_proba(X), rtol=_rtol(net), atol=1e-6)
    agree = np.mean(np.all(np.atleast_2d(labels.T).T == np.atleast_2d(
        clf.predict(X).T).T, axis=1))
    assert agree > 0.99  # ties at rounding aside


@pytest.mark.parametrize("loss, dtype", [("squared_error", "float64"),
                                         ("squared_error", "float32"),
                                         ("poisson", "float64")])
def test_a_regressor_predicts_what_its_export_computes(loss, dtype):
    X, y = make_regression(n_samples=150, n_features=4, n_targets=2, noise=1.0,
                           random_state=0)
    if loss == "poisson":
        y = np.exp(y / np.abs(y).max())
    reg = MLPRegressor(hidden_layer_sizes=(6,), loss=loss, dtype=dtype, input_scaling="standard",
                       ensemble_size=1, max_iter=20, device="cpu", random_state=0).fit(X, y)
    net = reg.export_network()
    assert net.target_type == "continuous" and net.classes is None and net.dtype == dtype
    out = _logits(net, X)
    if net.output_activation == "exp":
        out = np.exp(out)
    else:
        assert net.output_activation == "identity"
    np.testing.assert_allclose(out * net.target_scale + net.target_shift, reg.predict(X),
                               rtol=_rtol(net) * 10, atol=1e-6 * np.abs(y).max())


@pytest.mark.parametrize("activation", ["step", "sigmoid"])
@pytest.mark.parametrize("n_classes", [2, 3])
def test_a_perceptron_predicts_what_its_export_computes(activation, n_classes):
    mask = Y_IRIS < n_classes
    X, y = X_IRIS[mask], Y_IRIS[mask]
    clf = Perceptron(activation=activation, max_iter=20, device="cpu").fit(X, y)
    net = clf.export_network()
    assert net.layer_sizes == [4, 1 if n_classes == 2 else 3]
    np.testing.assert_allclose(net.coefs[0].T, clf.coef_)
    np.testing.assert_allclose(net.intercepts[0], clf.intercept_)
    scores = _logits(net, X)
    np.testing.assert_allclose(scores.squeeze(), clf.decision_function(X),
                               rtol=1e-6, atol=1e-9)
    assert net.output_activation == ("logistic" if activation == "sigmoid" else "identity")


def test_the_export_is_what_save_writes_and_load_reads(tmp_path):
    clf = MLPClassifier((5,), max_iter=5, device="cpu", random_state=0).fit(X_IRIS, Y_IRIS)
    save(clf, tmp_path / "m.skmlp")
    again = load(tmp_path / "m.skmlp").export_network()
    before = clf.export_network()
    for a, b in zip(before.coefs + before.intercepts, again.coefs + again.intercepts):
        np.testing.assert_array_equal(a, b)
    assert again.state.keys() == before.state.keys()
    assert set(again.tensors) == set(before.tensors)


def test_export_needs_a_fitted_estimator():
    from sklearn.exceptions import NotFittedError

    for est in (MLPClassifier(), MLPRegressor(), Perceptron()):
        with pytest.raises(NotFittedError):
            est.export_network()

