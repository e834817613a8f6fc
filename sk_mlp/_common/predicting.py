"""Prediction in bounded chunks, shared by every estimator: rows are converted
and sent to the device a chunk at a time, so memory stays bounded for any
number of rows, and non-finite outputs raise instead of reaching the user."""

import numpy as np
import scipy.sparse as sp
import torch

from .._torch.data import DENSE_CHUNK_VALUES
from .fitting import PREDICT_CHUNK, check_finite_outputs


def chunk_rows(X, device):
    """Rows per chunk for a full pass over ``X`` on ``device``: bounded, and for
    sparse input such that a densified chunk holds at most about 4M values."""
    rows = PREDICT_CHUNK[torch.device(device).type]
    if sp.issparse(X):
        rows = min(rows, max(1, DENSE_CHUNK_VALUES // max(X.shape[1], 1)))
    return rows


def predict_in_chunks(module, X, device, as_tensor, transform=None):
    """Outputs of the eval-mode ``module`` on ``X`` as a float64 NumPy array.

    ``as_tensor`` turns a dense NumPy chunk into the network's input tensor
    (its dtype, its device, its range checks); ``transform`` (a function of
    the output tensor, such as the output activation) is applied per chunk.
    The module is called directly on the chunks: no per-call dataset or
    iterator set-up and no mode switch, so concurrent calls from several
    threads are safe. A module left in training mode by an interrupted fit
    is put in eval mode.
    """
    if module.training:
        module.eval()
    chunk = chunk_rows(X, device)
    out = None
    with torch.inference_mode():
        for start in range(0, X.shape[0], chunk):
            rows = X[start : start + chunk]
            outputs = module(as_tensor(rows.toarray() if sp.issparse(rows) else rows))
            if transform is not None:
                outputs = transform(outputs)
            if out is None:
                out = np.empty((X.shape[0], outputs.shape[1]), dtype=np.float64)
            out[start : start + len(outputs)] = outputs.double().cpu().numpy()
    return check_finite_outputs(out)
