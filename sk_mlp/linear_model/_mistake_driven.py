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
for the many small steps early epochs take; on a GPU it runs in torch;
sparse (CSR) data run in NumPy/SciPy on row slices, so memory stays that of
the sparse matrix.

scikit-learn's penalties follow its SGD exactly: before every sample (not
only mistakes) an L2 part shrinks ``w`` by ``shrink = 1 - (1 - l1_ratio) *
eta * alpha``, which the block search folds into the margins as powers of
``shrink``; an L1 part (truncated gradient with a cumulative penalty,
Tsuruoka et al. 2009) clips every weight towards 0 after every sample, which
has no block form and runs one sample at a time. Each epoch also returns the
sum over samples of the perceptron loss ``max(0, -y (w . x + b))`` plus the
penalty, the objective scikit-learn's ``tol`` watches.
"""

from typing import NamedTuple

import numpy as np
import scipy.sparse as sp
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


class Penalty(NamedTuple):
    """scikit-learn's penalty of one perceptron problem, per sample."""

    shrink: float = 1.0  # w *= shrink before every sample (the L2 part)
    l1_step: float = 0.0  # cumulative L1 penalty added per sample
    alpha: float = 0.0
    l1_ratio: float = 0.0

    @classmethod
    def from_params(cls, penalty, alpha, l1_ratio, eta):
        """The penalty of ``Perceptron(penalty=..., alpha=..., l1_ratio=...)``
        with step size ``eta``; 'l2' means l1_ratio 0 and 'l1' means 1."""
        if penalty is None or alpha == 0:
            return cls()
        ratio = {"l2": 0.0, "l1": 1.0}.get(penalty, l1_ratio)
        return cls(max(0.0, 1.0 - (1.0 - ratio) * eta * alpha), ratio * eta * alpha,
                   alpha, ratio)

    @property
    def active(self):
        return self.alpha > 0

    def term(self, w):
        """The penalty's value at weights ``w`` (NumPy)."""
        return self.alpha * ((1.0 - self.l1_ratio) * 0.5 * float(w @ w)
                             + self.l1_ratio * float(np.abs(w).sum()))


class EpochResult(NamedTuple):
    updates: int  # mistake-driven updates made
    objective: float  # summed perceptron loss (+ penalty) over the samples


def make_screen(X):
    """Float32 copy of ``X`` and its row norms, or None if float32 overflows.

    ``X`` is a float64 NumPy array.
    """
    if max(X.max(initial=0.0), -X.min(initial=0.0)) > 1e30:
        return None  # (also every value float32 cannot hold)
    X32 = X.astype(np.float32)
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
    # (the bound, in float32 like the margins, is rounded up by its factor 2)
    np.multiply(norms[rows], k * float(np.sqrt(w @ w)), out=bound, casting="same_kind")
    bound += np.float32(k * abs(float(b[0])) + 1e-30)
    np.less_equal(m, bound, out=flags)
    j = int(flags.argmax())
    return j if flags[j] else -1


class _Shrink:
    """Powers of the per-sample L2 shrink factor, for the block epochs on
    NumPy arrays and on torch tensors alike (``powers`` is None without
    penalty)."""

    def __init__(self, penalty, cap, arange=np.arange):
        self.powers = None if penalty.shrink == 1.0 else penalty.shrink ** arange(cap + 1)
        self.half_l2 = penalty.alpha * (1.0 - penalty.l1_ratio) * 0.5

    def margins(self, m):
        """Scale the block's ``w . x`` (in place) by the shrink applied
        before each row."""
        m *= self.powers[: len(m)]

    def advance(self, w, n_rows):
        """Apply the shrink of ``n_rows`` samples to ``w`` in place; return the
        penalty those samples add to the objective (their weights' L2 term;
        a tensor for torch, so a GPU is not synchronised)."""
        p = self.powers[:n_rows]
        penalty = self.half_l2 * (w @ w) * (p @ p)
        w *= self.powers[n_rows]
        return penalty


def _epoch_numpy(X, y, w, b, eta, decay, fit_intercept, order, mask, screen, penalty):
    n = len(X)
    cap = min(n, _CPU_BLOCK_CAP)
    margins, bad = np.empty(cap), np.empty(cap, dtype=bool)
    shrink = _Shrink(penalty, cap)
    shrinking = shrink.powers is not None
    if screen is not None and mask is None and not shrinking:
        X32, norms = screen
        margins32, bounds = np.empty(cap, np.float32), np.empty(cap, np.float32)
        y32 = y.astype(np.float32)
    else:
        screen = None
    per_sample_eta = isinstance(eta, np.ndarray)
    start, size, updates, objective = 0, _FIRST_BLOCK, 0, 0.0
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
            exact = y[i] * (np.dot(w, X[i]) + b[0])
            if exact > 0:  # a false alarm: no mistake
                start = start + j + 1
                continue
            Xb, yb, rows = X[i : i + 1], y[i : i + 1], slice(i, i + 1)
            found_at, j, margin = j, 0, exact
        else:
            Xb, yb = X[rows], y[rows]
            if mask is not None:
                Xb = Xb * mask[rows]
            m, flags = margins[: len(yb)], bad[: len(yb)]
            np.matmul(Xb, w, out=m)
            if shrinking:
                shrink.margins(m)
            m += b[0]
            m *= yb
            np.less_equal(m, 0.0, out=flags)
            j = int(flags.argmax())
            if not flags[j]:
                if shrinking:
                    objective += shrink.advance(w, len(yb))
                start, size = stop, _next_size(size, -1, _CPU_BLOCK_CAP)
                continue
            found_at, margin = j, m[j]
        if shrinking:
            objective += shrink.advance(w, found_at + 1)
        objective -= margin
        _update(w, b, Xb[j], (eta[rows][j] if per_sample_eta else eta) * yb[j], decay,
                fit_intercept)
        updates += 1
        start, size = start + found_at + 1, _next_size(size, found_at, _CPU_BLOCK_CAP)
    return EpochResult(updates, float(objective))


def _epoch_torch(X, y, w, b, eta, decay, fit_intercept, order, mask, penalty):
    n = len(X)
    per_sample_eta = isinstance(eta, torch.Tensor)
    shrink = _Shrink(penalty, min(n, _GPU_BLOCK_CAP),
                     lambda k: torch.arange(k, dtype=X.dtype, device=X.device))
    shrinking = shrink.powers is not None
    start, size, updates = 0, _FIRST_BLOCK, 0
    objective = torch.zeros((), dtype=X.dtype, device=X.device)
    while start < n:
        stop = min(start + size, n)
        rows = slice(start, stop) if order is None else order[start:stop]
        Xb, yb = X[rows], y[rows]
        if mask is not None:
            Xb = Xb * mask[rows]
        m = Xb @ w
        if shrinking:
            shrink.margins(m)
        m = (m + b) * yb
        flags = m <= 0
        j = int(torch.argmax(flags.to(torch.uint8)))  # one sync per block
        if not bool(flags[j]):
            if shrinking:
                objective += shrink.advance(w, len(yb))
            start, size = stop, _next_size(size, -1, _GPU_BLOCK_CAP)
            continue
        if shrinking:
            objective += shrink.advance(w, j + 1)
        objective -= m[j]
        _update(w, b, Xb[j], (eta[rows][j] if per_sample_eta else eta) * yb[j], decay,
                fit_intercept)
        updates += 1
        start, size = start + j + 1, _next_size(size, j, _GPU_BLOCK_CAP)
    return EpochResult(updates, float(objective))


def _epoch_sparse(X, y, w, b, eta, decay, fit_intercept, order, penalty):
    """The blocked epoch on a CSR matrix: margins of a block from one sparse
    mat-vec, updates touch only the row's non-zero features."""
    if order is not None:  # one permuted copy per epoch, then contiguous blocks
        X, y = X[order], y[order]
        eta = eta[order] if isinstance(eta, np.ndarray) else eta
    n = X.shape[0]
    indptr, indices, data = X.indptr, X.indices, X.data
    row_of = np.repeat(np.arange(n), np.diff(indptr))  # the row of each stored value
    shrink = _Shrink(penalty, min(n, _CPU_BLOCK_CAP))
    shrinking = shrink.powers is not None
    per_sample_eta = isinstance(eta, np.ndarray)
    start, size, updates, objective = 0, _FIRST_BLOCK, 0, 0.0
    while start < n:
        stop = min(start + size, n)
        lo, hi = indptr[start], indptr[stop]
        # the block's w . x straight from the CSR arrays (no matrix objects)
        m = np.bincount(row_of[lo:hi] - start, weights=data[lo:hi] * w[indices[lo:hi]],
                        minlength=stop - start).astype(np.float64, copy=False)  # (int if empty)
        if shrinking:
            shrink.margins(m)
        m += b[0]
        m *= y[start:stop]
        j = int(np.argmax(m <= 0.0))
        if not m[j] <= 0.0:
            if shrinking:
                objective += shrink.advance(w, stop - start)
            start, size = stop, _next_size(size, -1, _CPU_BLOCK_CAP)
            continue
        if shrinking:
            objective += shrink.advance(w, j + 1)
        objective -= m[j]
        i = start + j
        step = (eta[i] if per_sample_eta else eta) * y[i]
        if decay:
            w *= 1.0 - decay
        lo, hi = indptr[i], indptr[i + 1]
        w[indices[lo:hi]] += step * data[lo:hi]  # canonical CSR: unique indices
        if fit_intercept:
            b += step
        updates += 1
        start, size = i + 1, _next_size(size, j, _CPU_BLOCK_CAP)
    return EpochResult(updates, float(objective))


def _row(X, i):
    """Row ``i`` as (feature indices or None for all, values)."""
    if sp.issparse(X):
        lo, hi = X.indptr[i], X.indptr[i + 1]
        return X.indices[lo:hi], X.data[lo:hi]
    return None, X[i]


class _L1Sample:
    """scikit-learn's SGD step for one sample with an L1 part: margin, L2
    shrink, update on a mistake, then the cumulative L1 clip (truncated
    gradient): each weight moves towards 0 by what it still owes of the
    cumulative penalty ``u``, without crossing 0; ``q`` records what each
    weight has paid (signed)."""

    def __init__(self, penalty, state, decay, fit_intercept, track_objective):
        self.penalty = penalty
        self.state = state
        self.decay = decay
        self.fit_intercept = fit_intercept
        self.track = track_objective

    def __call__(self, w, b, cols, x, y, eta):
        """Process one sample in place; return (mistake, objective term)."""
        penalty, q = self.penalty, self.state["q"]
        margin = y * ((x @ w if cols is None else x @ w[cols]) + b[0])
        objective = max(0.0, -margin) + penalty.term(w) if self.track else 0.0
        if penalty.shrink != 1.0:
            w *= penalty.shrink
        mistake = margin <= 0.0
        if mistake:
            if self.decay:
                w *= 1.0 - self.decay
            if cols is None:
                w += (eta * y) * x
            else:
                w[cols] += (eta * y) * x  # canonical CSR: unique indices
            if self.fit_intercept:
                b += eta * y
        self.state["u"] += penalty.l1_step
        idx = slice(None) if cols is None else cols
        z = w[idx]
        sign = np.sign(z)
        clipped = sign * np.maximum(0.0, np.abs(z) - (self.state["u"] + sign * q[idx]))
        q[idx] += clipped - z
        w[idx] = clipped
        return mistake, objective


def _epoch_per_sample(X, y, w, b, eta, decay, fit_intercept, order, mask, penalty,
                      l1_state, track_objective):
    """One epoch with an L1 part, sample by sample (the reference, and the
    path for sparse input, where the clip touches a row's non-zero features
    only, as in scikit-learn)."""
    step = _L1Sample(penalty, l1_state, decay, fit_intercept, track_objective)
    per_sample_eta = isinstance(eta, np.ndarray)
    updates, objective = 0, 0.0
    for k in range(X.shape[0]):
        i = k if order is None else order[k]
        cols, x = _row(X, i)
        if mask is not None:
            x = x * mask[i]
        mistake, term = step(w, b, cols, x, y[i], eta[i] if per_sample_eta else eta)
        updates += mistake
        objective += term
    return EpochResult(int(updates), float(objective))


def _epoch_l1_blocks(X, y, w, b, eta, decay, fit_intercept, order, mask, penalty,
                     l1_state, track_objective):
    """The L1 epoch on dense data, a block of samples at a time.

    After one sample's clip every non-zero weight has paid its debt, so
    until the next mistake each weight follows |w| <- max(0, r |w| - c): in
    closed form |w_j(m)| = max(0, r^m a_j - c S_m), S_m = 1 + r + ... +
    r^(m-1). The margins of a block are then two mat-vecs (``r^m X.(s a)``
    and ``c S_m X.s``) plus a correction for the weights that reach 0 inside
    it; the state (w, u, q) jumps to the first mistake, which is processed
    by the per-sample step.
    """
    step = _L1Sample(penalty, l1_state, decay, fit_intercept, track_objective)
    q = l1_state["q"]
    r, c = penalty.shrink, penalty.l1_step
    n = len(X)
    cap = min(n, _CPU_BLOCK_CAP)
    powers = r ** np.arange(cap + 1)
    sums = np.concatenate([[0.0], np.cumsum(powers[:-1])])  # S_m
    per_sample_eta = isinstance(eta, np.ndarray)
    start, size, updates, objective = 0, _FIRST_BLOCK, 0, 0.0
    while start < n:
        i = start if order is None else order[start]
        x = X[i] if mask is None else X[i] * mask[i]
        mistake, term = step(w, b, None, x, y[i], eta[i] if per_sample_eta else eta)
        updates += mistake
        objective += term
        start += 1
        if mistake or start >= n:
            size = _MIN_BLOCK
            continue
        stop = min(start + size, n)
        rows = slice(start, stop) if order is None else order[start:stop]
        Xb, yb = X[rows], y[rows]
        if mask is not None:
            Xb = Xb * mask[rows]
        k = len(yb)
        a, sign = np.abs(w), np.sign(w)
        R, S = powers[:k], sums[:k]
        # weights alive through the whole block follow the closed form; those
        # reaching 0 inside it are evaluated explicitly, so a weight that is
        # exactly 0 contributes exactly 0 (a margin of exactly b is a mistake)
        lasting = (powers[k - 1] * a - c * sums[k - 1]) > 0
        m = R * (Xb @ np.where(lasting, sign * a, 0.0)) - (c * S) * (
            Xb @ np.where(lasting, sign, 0.0))
        dying = np.flatnonzero((a > 0) & ~lasting)
        if len(dying):
            V = np.maximum(0.0, np.outer(R, a[dying]) - np.outer(c * S, np.ones(len(dying))))
            m += (V * sign[dying] * Xb[:, dying]).sum(axis=1)
        m += b[0]
        m *= yb
        bad = m <= 0.0
        j = int(bad.argmax())
        end = j if bad[j] else k  # samples of the block processed without update
        if track_objective:
            alive = np.flatnonzero(a > 0)
            W = np.maximum(0.0, np.outer(R[:end], a[alive])
                           - np.outer(c * S[:end], np.ones(len(alive))))
            objective += penalty.alpha * float(
                (1.0 - penalty.l1_ratio) * 0.5 * (W * W).sum()
                + penalty.l1_ratio * W.sum())
        # jump the state to just before sample start + end
        A_end = powers[end] * a - c * sums[end]
        died = (a > 0) & (A_end <= 0)
        if died.any():
            cols = np.flatnonzero(died)
            steps = (np.outer(powers[: end + 1], a[cols])
                     - np.outer(c * sums[: end + 1], np.ones(len(cols))) > 0).sum(axis=0)
            last = steps - 1  # the last sample index (in the block) still non-zero
            A_last = powers[last] * a[cols] - c * sums[last]
            q[cols] = -sign[cols] * (l1_state["u"] + c * last) - r * sign[cols] * A_last
        living = A_end > 0
        l1_state["u"] += c * end
        q[living] = -sign[living] * l1_state["u"]
        w[:] = np.where(living, sign * A_end, 0.0)
        start += end
        size = _next_size(size, j if end < k else -1, _CPU_BLOCK_CAP)
    return EpochResult(int(updates), float(objective))


def mistake_driven_epoch(X, y, w, b, *, eta, decay=0.0, fit_intercept=True,
                         order=None, mask=None, screen=None, penalty=Penalty(),
                         l1_state=None, track_objective=True):
    """Run one perceptron epoch in place.

    Parameters
    ----------
    X : torch.Tensor of shape (n_samples, n_features), float64, or a SciPy
        CSR matrix (then ``y``, ``w``, ``b``, ``eta`` and ``order`` are NumPy)
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
        Input dropout: sample ``i`` is seen as ``X[i] * mask[i]`` (dense only).
    screen : tuple or None
        :func:`make_screen` of ``X`` (CPU only) to screen large blocks in
        float32.
    penalty : Penalty
        scikit-learn's per-sample penalty.
    l1_state : dict or None
        ``{"u": float, "q": ndarray}``, needed when ``penalty.l1_step > 0``.
    track_objective : bool
        Whether the per-sample loop computes the objective (it costs a norm
        per sample); the block epochs always do.

    Returns
    -------
    EpochResult
        Number of updates and the epoch's summed objective.
    """
    as_numpy = lambda t: t.numpy() if isinstance(t, torch.Tensor) else t  # noqa: E731
    if penalty.l1_step > 0:
        epoch = _epoch_per_sample if sp.issparse(X) else _epoch_l1_blocks
        return epoch(X if sp.issparse(X) else as_numpy(X), *map(as_numpy, (y, w, b, eta)),
                     decay, fit_intercept, as_numpy(order), as_numpy(mask), penalty,
                     l1_state, track_objective)
    if sp.issparse(X):
        return _epoch_sparse(X, *map(as_numpy, (y, w, b, eta)), decay, fit_intercept,
                             as_numpy(order), penalty)
    if X.device.type != "cpu":
        return _epoch_torch(X, y, w, b, eta, decay, fit_intercept, order, mask, penalty)
    return _epoch_numpy(*map(as_numpy, (X, y, w, b, eta)), decay, fit_intercept,
                        as_numpy(order), as_numpy(mask), screen, penalty)
