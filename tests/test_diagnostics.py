"""sk_mlp.diagnostics: activation curves and per-layer gradient norms."""

import numpy as np
import pytest
import torch
from scipy.special import erf

from sk_mlp import MLPClassifier, MLPRegressor
from sk_mlp.diagnostics import activation_values, gradient_norms

from .conftest import DEVICE

def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


# the textbook definitions
REFERENCE = {
    "relu": lambda x: np.maximum(x, 0),
    "tanh": np.tanh,
    "sigmoid": _sigmoid,
    "logistic": _sigmoid,
    "identity": lambda x: x,
    "leaky_relu": lambda x: np.where(x > 0, x, 0.01 * x),
    "elu": lambda x: np.where(x > 0, x, np.expm1(x)),
    "gelu": lambda x: 0.5 * x * (1 + erf(x / np.sqrt(2))),
    "silu": lambda x: x * _sigmoid(x),
}
NAMES = list(REFERENCE)


@pytest.mark.parametrize("name", NAMES)
def test_activation_derivatives_match_finite_differences(name):
    x = np.linspace(-3, 3, 61) + 0.013  # off the kinks at 0
    values, slopes = activation_values(name, x)
    step = 1e-6
    numeric = (activation_values(name, x + step)[0]
               - activation_values(name, x - step)[0]) / (2 * step)
    np.testing.assert_allclose(slopes, numeric, rtol=1e-5, atol=1e-8)
    np.testing.assert_allclose(values, REFERENCE[name](x), rtol=1e-12, atol=1e-15)


def test_activation_values_refuses_an_unknown_name():
    with pytest.raises(ValueError, match="'swish' is not one of"):
        activation_values("swish", [0.0])


def _data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 10))
    return X, (X[:, 0] * X[:, 1] > 0).astype(int)


def test_deep_sigmoid_net_with_small_normal_init_vanishes_and_kaiming_relu_does_not():
    X, y = _data()
    vanishing = gradient_norms(MLPClassifier((32,) * 20, activation="sigmoid",
                                             init="normal", device=DEVICE,
                                             random_state=0), X, y)
    healthy = gradient_norms(MLPClassifier((32,) * 20, activation="relu",
                                           init="kaiming_normal", device=DEVICE,
                                           random_state=0), X, y)
    assert len(vanishing) == len(healthy) == 21
    assert vanishing[0] < 1e-12 * vanishing[-1]
    assert healthy[0] > 0.05 * healthy[-1]


def test_unfitted_estimator_is_measured_at_fits_initialisation_and_left_alone():
    X, y = _data()
    est = MLPClassifier((16,), device=DEVICE, random_state=3)
    first = gradient_norms(est, X, y)
    assert not hasattr(est, "net_")
    np.testing.assert_array_equal(first, gradient_norms(est, X, y))


def test_fitted_regressor_is_measured_at_its_weights():
    X, _ = _data()
    y = X[:, 0]
    reg = MLPRegressor(hidden_layer_sizes=(8,), max_iter=3, device=DEVICE, ensemble_size=1,
                       dtype="float64", random_state=0).fit(X, y)
    before = [p.detach().clone() for p in reg.net_.module_.parameters()]
    norms = gradient_norms(reg, X, y)
    # by hand: half squared error averaged over rows, at the fitted weights
    module = reg.net_.module_
    scaling = module.scaling  # the default input_scaling='standard'
    inputs = (torch.as_tensor(X, device=before[0].device) - scaling.shift) * scaling.scale
    weights = [lin.weight.detach().clone().requires_grad_() for lin in module.linears]
    biases = [lin.bias.detach() for lin in module.linears]
    hidden = torch.relu(inputs @ weights[0].T + biases[0])
    out = (hidden @ weights[1].T + biases[1]).ravel()
    target = torch.as_tensor((y - reg._y_mean[0]) / reg._y_scale[0], device=out.device)
    (0.5 * ((out - target) ** 2).mean()).backward()
    np.testing.assert_allclose(norms, [float(w.grad.norm()) for w in weights], rtol=1e-10)
    for p, q in zip(before, reg.net_.module_.parameters()):
        assert torch.equal(p, q)


def test_gradient_norms_refuses_the_perceptron():
    from sk_mlp import Perceptron

    with pytest.raises(TypeError, match="MLPClassifier or MLPRegressor"):
        gradient_norms(Perceptron(), *_data())
