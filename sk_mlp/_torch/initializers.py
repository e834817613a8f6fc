"""Registry of weight initialisers, keyed by their public names.

Every initialiser takes ``(weight, generator, nonlinearity)`` and fills the
weight matrix in place; biases are always set to zero by the caller.
"""

import numpy as np
import torch
from torch import nn


def _xavier_uniform(weight, generator, nonlinearity):
    nn.init.xavier_uniform_(weight, generator=generator)


def _xavier_normal(weight, generator, nonlinearity):
    nn.init.xavier_normal_(weight, generator=generator)


def _kaiming_uniform(weight, generator, nonlinearity):
    nn.init.kaiming_uniform_(weight, nonlinearity=nonlinearity, generator=generator)


def _kaiming_normal(weight, generator, nonlinearity):
    nn.init.kaiming_normal_(weight, nonlinearity=nonlinearity, generator=generator)


def _normal(weight, generator, nonlinearity):
    # The textbook's naive scheme: N(0, 0.01^2) whatever the layer size.
    nn.init.normal_(weight, mean=0.0, std=0.01, generator=generator)


def _zeros(weight, generator, nonlinearity):
    nn.init.zeros_(weight)


def _sklearn(weight, generator, nonlinearity):
    raise RuntimeError("init='sklearn' is applied by sklearn_glorot, weights and biases")


INITIALIZERS = {
    "sklearn": _sklearn,
    "xavier_uniform": _xavier_uniform,
    "xavier_normal": _xavier_normal,
    "kaiming_uniform": _kaiming_uniform,
    "kaiming_normal": _kaiming_normal,
    "normal": _normal,
}

# The perceptron also accepts all-zero weights (its classic start).
PERCEPTRON_INITIALIZERS = {"zeros": _zeros,
                           **{k: v for k, v in INITIALIZERS.items() if k != "sklearn"}}


def fill_weights(linears, fill, nonlinearity, generator):
    """Fill the weights of ``linears`` with ``fill``; zero their biases.

    Values are drawn on the CPU from ``generator`` and copied, so a seed gives
    the same initial weights on every device. A stack of matrices (an
    ensemble's output layers) is filled matrix by matrix, each with its own
    fan-in and fan-out.
    """
    with torch.no_grad():
        for layer in linears:
            weight = torch.empty(layer.weight.shape, dtype=layer.weight.dtype)
            for matrix in weight.view(-1, *weight.shape[-2:]):
                fill(matrix, generator, nonlinearity)
            layer.weight.copy_(weight)
            layer.bias.zero_()


def sklearn_glorot(linears, rng, activation):
    """scikit-learn's initial network: for each layer in turn, weights then
    biases uniform in +-sqrt(f / (fan_in + fan_out)) (f = 2 for the logistic
    activation, 6 otherwise), drawn from the NumPy ``RandomState`` ``rng`` in
    scikit-learn's order and shapes, so that the same ``random_state`` gives
    the same starting weights as ``sklearn.neural_network``. An ensemble's
    output layers are drawn in turn, member by member."""
    factor = 2.0 if activation in ("logistic", "sigmoid") else 6.0
    with torch.no_grad():
        for layer in linears:
            fan_out, fan_in = layer.weight.shape[-2:]
            bound = np.sqrt(factor / (fan_in + fan_out))
            for weight, bias in zip(layer.weight.view(-1, fan_out, fan_in),
                                    layer.bias.view(-1, fan_out)):
                coef = rng.uniform(-bound, bound, (fan_in, fan_out))
                intercept = rng.uniform(-bound, bound, fan_out)
                weight.copy_(torch.from_numpy(np.ascontiguousarray(coef.T)))
                bias.copy_(torch.from_numpy(intercept))
