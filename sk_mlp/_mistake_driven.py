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

# Largest block (rows). On the CPU 16k rows of 50 float64 features (6.5 MB)
# are large enough for BLAS to use every core and small enough that a
# re-read after a mistake comes from cache.
_CPU_BLOCK_CAP = 1 << 14
_GPU_BLOCK_CAP = 1 << 16
_FIRST_BLOCK = 256
_MIN_BLOCK = 32
# Blocks at least this long are screened in float32 (when a screen is given).
_SCREEN_MIN_BLOCK = 2048
_U32 = float(np.finfo(np.float32).eps) / 2  # unit round-off of float32


def make_screen(X):
    """Float32 copy of ``X`` and its row norms, or None if float32 overflows.

    ``X`` is a float64 NumPy array.
    """
    with np.errstate(over="ignore"):
        X32 = X.astype(np.float32)
    if not np.isfinite(X32).all() or np.abs(X).max(initial=0.0) > 1e30:
        return None
    return X32, np.sqrt(np.einsum("ij,ij->i", X, X))


def _next_size(size, found_at, cap):
    """Block size after a block: grow if clean, else ~twice the last gap."""
    if found_at < 0:
        return min(2 * size, cap)
    return min(cap, max(_MIN_BLOCK, 2 * (found_at + 1)))


def _update(w, b, x, step, decay, fit_intercept):
    """The perceptron update in place (NumPy or torch): shrink ``w`` by
    ``1 - decay``, then ``w += step * x`` and ``b += step``; ``step`` is
    ``eta * y`` of the misclassified sample."""
    if decay:
        w *= 1.0 - decay
    w += step * x
    if fit_intercept:
        b += step


def _screened_candidate(X32, norms, y32, rows, w, b, margins, bounds, flags):
    """First row of ``rows`` whose float32 margin does not prove it correct."""
    n_rows = len(flags)
    m, bound = margins[:n_rows], bounds[:n_rows]
    np.matmul(X32[rows], w.astype(np.float32), out=m)
    m += np.float32(b[0])
    m *= y32[rows]
    # |float32 margin - exact margin| <= (2d + 8) u (||x|| ||w|| + |b|): the
    # dot-product bound gamma_d |x|.|w| <= gamma_d ||x|| ||w||, plus the
    # conversions of x, w, b and the bias addition, with a factor 2 to spare.
    k = (2 * X32.shape[1] + 8) * _U32
    np.multiply(norms[rows], k * float(np.sqrt(w @ w)), out=bound)
    bound += k * abs(float(b[0])) + 1e-30
    np.less_equal(m, bound.astype(np.float32, copy=False), out=flags)
    j = int(flags.argmax())
    return j if flags[j] else -1


def _epoch_numpy(X, y, w, b, eta, decay, fit_intercept, order, mask, screen):
    n = len(X)
    cap = min(n, _CPU_BLOCK_CAP)
    margins, bad = np.empty(cap), np.empty(cap, dtype=bool)
    if screen is not None and mask is None:
        X32, norms = screen
        margins32, bounds, y32 = np.empty(cap, np.float32), np.empty(cap), y.astype(np.float32)
    else:
        screen = None
    per_sample_eta = isinstance(eta, np.ndarray)
    start, size, updates = 0, _FIRST_BLOCK, 0
    while start < n:
        stop = min(start + size, n)
        rows = slice(start, stop) if order is None else order[start:stop]
        if screen is not None and stop - start >= _SCREEN_MIN_BLOCK:
            j = _screened_candidate(X32, norms, y32, rows, w, b, margins32, bounds,
                                    bad[: stop - start])
            if j < 0:
                start, size = stop, _next_size(size, -1, _CPU_BLOCK_CAP)
                continue
            i = start + j if order is None else order[start + j]
            if y[i] * (np.dot(w, X[i]) + b[0]) > 0:  # a false alarm: no mistake
                start = start + j + 1
                continue
            Xb, yb, rows = X[i : i + 1], y[i : i + 1], slice(i, i + 1)
            found_at, j = j, 0
        else:
            Xb, yb = X[rows], y[rows]
            if mask is not None:
                Xb = Xb * mask[rows]
            m, flags = margins[: len(yb)], bad[: len(yb)]
            np.matmul(Xb, w, out=m)
            m += b[0]
            m *= yb
            np.less_equal(m, 0.0, out=flags)
            j = int(flags.argmax())
            if not flags[j]:
                start, size = stop, _next_size(size, -1, _CPU_BLOCK_CAP)
                continue
            found_at = j
        _update(w, b, Xb[j], (eta[rows][j] if per_sample_eta else eta) * yb[j], decay,
                fit_intercept)
        updates += 1
        start, size = start + found_at + 1, _next_size(size, found_at, _CPU_BLOCK_CAP)
    return updates


def _epoch_torch(X, y, w, b, eta, decay, fit_intercept, order, mask):
    n = len(X)
    per_sample_eta = isinstance(eta, torch.Tensor)
    start, size, updates = 0, _FIRST_BLOCK, 0
    while start < n:
        stop = min(start + size, n)
        rows = slice(start, stop) if order is None else order[start:stop]
        Xb, yb = X[rows], y[rows]
        if mask is not None:
            Xb = Xb * mask[rows]
        flags = (Xb @ w + b) * yb <= 0
        j = int(torch.argmax(flags.to(torch.uint8)))  # one sync per block
        if not bool(flags[j]):
            start, size = stop, _next_size(size, -1, _GPU_BLOCK_CAP)
            continue
        _update(w, b, Xb[j], (eta[rows][j] if per_sample_eta else eta) * yb[j], decay,
                fit_intercept)
        updates += 1
        start, size = start + j + 1, _next_size(size, j, _GPU_BLOCK_CAP)
    return updates


def mistake_driven_epoch(X, y, w, b, *, eta, decay=0.0, fit_intercept=True,
                         order=None, mask=None, screen=None):
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
    screen : tuple or None
        :func:`make_screen` of ``X`` (CPU only) to screen large blocks in
        float32.
    """
    if X.device.type != "cpu":
        return _epoch_torch(X, y, w, b, eta, decay, fit_intercept, order, mask)
    as_numpy = lambda t: t.numpy() if isinstance(t, torch.Tensor) else t  # noqa: E731
    return _epoch_numpy(*map(as_numpy, (X, y, w, b, eta)), decay, fit_intercept,
                        as_numpy(order), as_numpy(mask), screen)
