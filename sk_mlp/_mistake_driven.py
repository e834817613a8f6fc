"""Rosenblatt's mistake-driven update, one epoch at array speed.

The classic loop visits samples in order and, on a mistake
``y_i * (w . x_i + b) <= 0``, sets ``w += eta * y_i * x_i`` and
``b += eta * y_i``. Most samples are not mistakes, so instead of one Python
step per sample this module computes the margins of a block of upcoming
samples with one matrix-vector product, jumps to the first mistake, updates,
and continues right after it. The decisions, and therefore the weights, are
those of the per-sample loop.

Blocks grow while no mistake is found and shrink to about twice the last gap
between mistakes, capped so that re-reading a block after an update is served
from cache. On the CPU the block arithmetic runs on NumPy views of the torch
tensors (no copy), whose per-call overhead is a few times lower than torch's
for the many small steps early epochs take; on a GPU it runs in torch.
"""

import numpy as np
import torch

# Largest block (rows): about 1-4 MB of float64 for typical widths on the CPU.
_CPU_BLOCK_CAP = 4096
_GPU_BLOCK_CAP = 1 << 16
_FIRST_BLOCK = 256
_MIN_BLOCK = 32


def _first_mistake_numpy(margins):
    j = int(np.argmax(margins <= 0))
    return j if margins[j] <= 0 else -1


def _first_mistake_torch(margins):
    bad = margins <= 0
    j = int(torch.argmax(bad.to(torch.uint8)))
    return j if bool(bad[j]) else -1


def mistake_driven_epoch(X, y, w, b, *, eta, decay=0.0, fit_intercept=True,
                         order=None, mask=None):
    """Run one perceptron epoch in place; return the number of updates.

    Parameters
    ----------
    X : torch.Tensor of shape (n_samples, n_features), float64
    y : torch.Tensor of shape (n_samples,)
        Labels in {-1, +1}, float64.
    w : torch.Tensor of shape (n_features,)
        Weights, updated in place.
    b : torch.Tensor of shape (1,)
        Bias, updated in place (left alone when ``fit_intercept=False``).
    eta : float or torch.Tensor of shape (n_samples,)
        Step size of each sample's update (``eta0`` times its class weight).
    decay : float
        Each update first shrinks ``w`` (not ``b``) by ``1 - decay``.
    order : torch.Tensor of int or None
        Visiting order (a permutation) when shuffling; None = 0..n-1.
    mask : torch.Tensor of shape (n_samples, n_features) or None
        Input dropout: sample ``i`` is seen as ``X[i] * mask[i]``.
    """
    on_cpu = X.device.type == "cpu"
    if on_cpu:
        X, y, w, b = X.numpy(), y.numpy(), w.numpy(), b.numpy()
        eta = eta.numpy() if isinstance(eta, torch.Tensor) else eta
        order = None if order is None else order.numpy()
        mask = None if mask is None else mask.numpy()
        first_mistake, cap = _first_mistake_numpy, _CPU_BLOCK_CAP
    else:
        first_mistake, cap = _first_mistake_torch, _GPU_BLOCK_CAP
    per_sample_eta = not isinstance(eta, float)
    n = len(X)
    start, size, updates = 0, _FIRST_BLOCK, 0
    while start < n:
        stop = min(start + size, n)
        rows = slice(start, stop) if order is None else order[start:stop]
        Xb, yb = X[rows], y[rows]
        if mask is not None:
            Xb = Xb * mask[rows]
        margins = Xb @ w
        margins += b
        margins *= yb
        j = first_mistake(margins)
        if j < 0:
            start, size = stop, min(2 * size, cap)
            continue
        step = (eta[rows][j] if per_sample_eta else eta) * yb[j]
        if decay:
            w *= 1.0 - decay
        w += step * Xb[j]
        if fit_intercept:
            b += step
        updates += 1
        start, size = start + j + 1, min(cap, max(_MIN_BLOCK, 2 * (j + 1)))
    return updates
