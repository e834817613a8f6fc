"""Per-layer gradient norms of an MLP's loss at its initial or fitted
weights (public as ``sk_mlp.diagnostics.gradient_norms``): it runs the first
step of the fit path, so it lives beside it."""

import copy
import warnings

import numpy as np
import torch
from sklearn.base import clone

from .._torch.losses import CrossEntropy


def gradient_norms(estimator, X, y):
    """L2 norm of the training loss's gradient for each layer's weights.

    The loss is the estimator's data loss (no penalty) averaged over
    ``(X, y)``, with dropout off. An unfitted estimator is initialised as
    ``fit`` would initialise it (same ``init``, ``activation`` and
    ``random_state``) and not trained, which shows what training starts
    from; a fitted one is measured at its current weights. The estimator
    itself is left unchanged.

    Parameters
    ----------
    estimator : MLPClassifier or MLPRegressor
    X : array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,) or (n_samples, n_outputs)

    Returns
    -------
    norms : ndarray of shape (n_hidden_layers + 1,)
        From the first layer (input side) to the output layer. Norms that
        fall by orders of magnitude towards the input are vanishing
        gradients; norms that grow are exploding ones.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_mlp import MLPClassifier
    >>> from sk_mlp.diagnostics import gradient_norms
    >>> X = np.random.default_rng(0).normal(size=(200, 10))
    >>> y = (X[:, 0] > 0).astype(int)
    >>> deep = MLPClassifier((32,) * 10, activation="sigmoid", init="normal",
    ...                      device="cpu", random_state=0)
    >>> norms = gradient_norms(deep, X, y)
    >>> len(norms), bool(norms[0] < 1e-6 * norms[-1])
    (11, True)
    """
    if not hasattr(estimator, "hidden_layer_sizes"):
        raise TypeError("gradient_norms takes an MLPClassifier or MLPRegressor, not "
                        f"{type(estimator).__name__}.")
    fitted = hasattr(estimator, "net_")
    probe = copy.deepcopy(estimator) if fitted else clone(estimator)
    if fitted:
        probe.set_params(warm_start=True)  # measure the fitted weights
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        X_valid, _, targets, _, _ = probe._prepare_fit(X, y, None, False, None)
    net = probe.net_
    module = net.module_
    module.eval()
    module.zero_grad()
    parameter = next(module.parameters())
    X_dense = X_valid.toarray() if hasattr(X_valid, "toarray") else X_valid
    inputs = torch.as_tensor(np.asarray(X_dense), dtype=parameter.dtype,
                             device=parameter.device)
    targets = torch.as_tensor(np.asarray(targets), device=parameter.device)
    if isinstance(net.criterion_, CrossEntropy):
        targets = targets.long()  # class indices
    else:
        targets = targets.to(parameter.dtype)  # label indicators or values
    loss = net.criterion_(module(inputs), targets)
    loss.mean().backward()
    return np.array([float(layer.weight.grad.norm()) for layer in module.linears])
