"""Per-column input statistics for ``input_scaling`` (see ``InputScaling``).

Weighted so that an integer sample weight k counts a row k times exactly
(the quantiles are inverted-CDF ones), and computed in float64 on blocks of
columns, so sparse input is densified a bounded block at a time.
"""

import numpy as np
import scipy.sparse as sp

from .data import DENSE_CHUNK_VALUES
from .safe_math import weighted_mean_and_std

# robust scaling: the interquartile range of a normal distribution is this
# many standard deviations, so robust and standard scaling agree on normal data
_NORMAL_IQR = 1.3489795003921634
# largest factor a column is scaled by: far inside float32's range
_LARGEST_SCALE = 1e30


def _weighted_quartiles(block, weights):
    """Per column, the inverted-CDF quartiles (25 %, 50 %, 75 %): the smallest
    value whose cumulative weight reaches that share of the total."""
    order = np.argsort(block, axis=0, kind="stable")
    values = np.take_along_axis(block, order, axis=0)
    cumulative = np.cumsum(weights[order], axis=0)
    quartiles = np.empty((3, block.shape[1]))
    for j in range(block.shape[1]):
        index = np.searchsorted(cumulative[:, j], np.array([0.25, 0.5, 0.75])
                                * cumulative[-1, j], side="left")
        quartiles[:, j] = values[np.minimum(index, len(values) - 1), j]
    return quartiles


def _column_blocks(X):
    step = max(1, DENSE_CHUNK_VALUES // max(X.shape[0], 1))
    for start in range(0, X.shape[1], step):
        block = X[:, start:start + step]
        yield start, np.asarray(block.toarray() if sp.issparse(block) else block,
                                dtype=np.float64)


def input_statistics(X, sample_weight, method):
    """``(shift, scale)`` per column, so that ``(x - shift) * scale`` is the
    scaled input.

    ``'standard'``: the weighted mean and 1 / standard deviation.
    ``'robust'``: the weighted median and 1 / (interquartile range / 1.349),
    or 1 / standard deviation where the quartiles coincide (a column that is
    mostly one value). Columns holding only 0 and 1 (indicators, one-hot
    codes) are left as they are; constant columns are only shifted.
    """
    weights = np.ones(X.shape[0]) if sample_weight is None \
        else np.asarray(sample_weight, dtype=np.float64)
    keep = weights > 0
    if not keep.all():
        X, weights = X[np.flatnonzero(keep)], weights[keep]
    shift, scale = np.zeros(X.shape[1]), np.ones(X.shape[1])
    for start, block in _column_blocks(X):
        columns = slice(start, start + block.shape[1])
        mean, spread = weighted_mean_and_std(block, weights)
        if method == "robust":
            low, mean, high = _weighted_quartiles(block, weights)
            spread = np.where(high > low, (high - low) / _NORMAL_IQR, spread)
        with np.errstate(divide="ignore", over="ignore"):
            inverse = 1.0 / spread
        indicator = np.all((block == 0) | (block == 1), axis=0)
        shift[columns] = np.where(indicator, 0.0, mean)
        # a spread too small for a float32 network to scale by is left alone
        usable = (spread > 0) & np.isfinite(inverse) & (inverse < _LARGEST_SCALE)
        scale[columns] = np.where(indicator | ~usable, 1.0, inverse)
    return shift, scale
