"""Looking inside a network: activation curves and per-layer gradient norms.

A layer above the estimators (no estimator imports it), for the chapter's
numerical-stability lessons: vanishing and exploding gradients show up as
per-layer gradient norms that shrink or grow geometrically with depth.
"""

import numpy as np
import torch

from ._torch.activations import ACTIVATIONS
# computed beside the MLP's fit path, whose first step (the initial weights
# and encoded targets) it reuses; documented and imported from here
from .neural_network._inspect import gradient_norms

__all__ = ["activation_values", "gradient_norms"]


def activation_values(name, x):
    """Values and derivatives of a hidden-layer activation.

    Parameters
    ----------
    name : str
        An ``activation`` option of the MLPs: ``relu``, ``tanh``,
        ``sigmoid`` (``logistic``), ``identity``, ``leaky_relu``, ``elu``,
        ``gelu``, ``silu``.
    x : array-like
        Points to evaluate at.

    Returns
    -------
    values, derivatives : ndarray, ndarray
        Same shape as ``x``; derivatives by automatic differentiation.

    Examples
    --------
    >>> from sk_mlp.diagnostics import activation_values
    >>> values, slopes = activation_values("sigmoid", [0.0, 10.0])
    >>> values.round(4).tolist(), slopes.round(4).tolist()
    ([0.5, 1.0], [0.25, 0.0])
    """
    if name not in ACTIVATIONS:
        raise ValueError(f"activation={name!r} is not one of {sorted(ACTIVATIONS)}.")
    points = torch.tensor(np.asarray(x, dtype=np.float64), requires_grad=True)
    values = ACTIVATIONS[name]()(points)
    (slopes,) = torch.autograd.grad(values.sum(), points)
    return values.detach().numpy(), slopes.numpy()
