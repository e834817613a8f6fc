"""Registry of hidden-layer activation functions, keyed by their public names."""

from torch import nn

# Each value builds a fresh module; keys are exactly the ``activation`` options.
ACTIVATIONS = {
    "relu": nn.ReLU,
    "tanh": nn.Tanh,
    "sigmoid": nn.Sigmoid,
    "logistic": nn.Sigmoid,  # scikit-learn's name for the sigmoid
    "identity": nn.Identity,
    "leaky_relu": nn.LeakyReLU,
    "elu": nn.ELU,
    "gelu": nn.GELU,
    "silu": nn.SiLU,
}

# The nonlinearity name torch's Kaiming initialisers use to choose their gain.
KAIMING_NONLINEARITY = {
    "relu": "relu",
    "tanh": "tanh",
    "sigmoid": "sigmoid",
    "logistic": "sigmoid",
    "identity": "linear",
    "leaky_relu": "leaky_relu",
    "elu": "relu",
    "gelu": "relu",
    "silu": "relu",
}
