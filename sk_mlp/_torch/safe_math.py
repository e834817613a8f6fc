"""Norms, moments and ratios that neither overflow nor underflow needlessly.

Inputs may hold anything finite: subnormals (about 5e-324), values near
float64's maximum (about 1.8e308), or both at once. The naive ``sqrt(x @ x)``
underflows to 0 for the first and overflows to inf for the second; these
helpers divide by the largest magnitude first (as LAPACK's ``dnrm2`` does),
so every result that is representable in float64 is returned, and one that
is not comes back as ``inf`` rather than as an exception or a NaN.
"""

import numpy as np
import scipy.sparse as sp


# magnitudes whose squares, summed over any realistic row, stay normal floats
_SAFE_LOW, _SAFE_HIGH = 1e-100, 1e100


def _largest(values):
    """Largest absolute value of ``values`` (0.0 for an empty array), by two
    reductions rather than a temporary ``|values|``."""
    values = np.asarray(values)
    return float(max(values.max(initial=0.0), -values.min(initial=0.0)))


def norm(values):
    """Euclidean norm of a 1-D array, safe for subnormal and huge entries."""
    values = np.asarray(values, dtype=np.float64)
    scale = _largest(values)
    if scale == 0.0:
        return 0.0
    unit = values / scale
    with np.errstate(over="ignore"):
        return float(scale * np.sqrt(unit @ unit))


def max_row_norm(X):
    """max_i ||X[i]|| of a 2-D array or sparse matrix, safe for subnormal and
    huge entries."""
    if sp.issparse(X):
        scale = _largest(X.data)
        if scale == 0.0:
            return 0.0
        unit = X.astype(np.float64) / scale
        squares = np.asarray(unit.multiply(unit).sum(axis=1)).ravel()
    else:
        X = np.asarray(X, dtype=np.float64)
        scale = _largest(X)
        if scale == 0.0:
            return 0.0
        if _SAFE_LOW < scale < _SAFE_HIGH:
            # squares of such values cannot overflow, and the largest row's
            # cannot underflow: no scaled copy of X is needed
            return float(np.sqrt(np.einsum("ij,ij->i", X, X).max()))
        unit = X / scale
        squares = np.einsum("ij,ij->i", unit, unit)
    with np.errstate(over="ignore"):
        return float(scale * np.sqrt(squares.max()))


def squared_ratio(numerator, denominator):
    """``(numerator / denominator) ** 2`` for non-negative floats; ``inf``
    when it is not representable or the denominator is 0."""
    if denominator <= 0.0:
        return float("inf")
    with np.errstate(over="ignore"):
        ratio = np.float64(numerator) / np.float64(denominator)
        return float(ratio * ratio)


def weighted_mean_and_std(values, weights=None):
    """Per-column weighted mean and standard deviation of a 2-D array.

    Computed on ``values`` divided by their largest magnitude, then scaled
    back, so columns near float64's limits or of subnormals give finite,
    accurate moments. A standard deviation that would exceed float64's range
    is returned as ``inf`` (the caller decides what to do).
    """
    values = np.asarray(values, dtype=np.float64)
    weights = (np.ones(values.shape[0]) if weights is None
               else np.asarray(weights, dtype=np.float64))
    weights = weights / (_largest(weights) or 1.0)
    total = weights.sum()
    scale = max(values.max(initial=0.0), -values.min(initial=0.0)) or 1.0
    # weighted column sums by einsum, on one scaled copy: a fraction of
    # np.average's time on a tall block (the input statistics of
    # input_scaling are computed at every fit), and no BLAS call, whose
    # idle threads would spin beside the training that follows (measured:
    # 15 % of the next epoch on 2 cores with OpenBLAS's gemv)
    unit = values / scale
    mean = np.einsum("i,ij->j", weights, unit) / total
    unit -= mean
    np.square(unit, out=unit)
    spread = np.sqrt(np.maximum(np.einsum("i,ij->j", weights, unit) / total, 0.0))
    with np.errstate(over="ignore"):
        return mean * scale, spread * scale
