"""The MLPs' forward passes for prediction: validated input, outputs in
bounded chunks, and Monte Carlo dropout passes."""

from numbers import Integral

import numpy as np
import scipy.sparse as sp
import torch
from sklearn.utils.validation import check_is_fitted, validate_data

from .._common.fitting import make_generators
from .._common.predicting import predict_in_chunks
from .._torch.data import BatchIterator
from .._torch.losses import OUTPUTS

_FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


class ForwardMixin:
    """``_forward`` and ``_forward_mc`` of ``BaseMLP``, from which the public
    classes' ``predict``, ``predict_proba`` and ``predict_std`` are made."""

    def _validate_for_predict(self, X):
        """``validate_data(reset=False)``, with a fast path for the common case
        of a finite, non-empty, 2-D float NumPy array of the right width from a
        model fitted without feature names (single-row latency)."""
        if (type(X) is np.ndarray and X.ndim == 2 and X.dtype in _FLOAT_DTYPES
                and X.shape[0] > 0 and X.shape[1] == self.n_features_in_
                and not hasattr(self, "feature_names_in_") and np.isfinite(X).all()):
            return X
        X = validate_data(self, X, reset=False, dtype=[np.float64, np.float32],
                          accept_sparse=["csr", "csc"])
        return X.tocsr() if sp.issparse(X) else X

    def _forward(self, X, activate=True):
        """Network outputs as float64 NumPy: after the output activation, or
        the logits when ``activate`` is False.

        Computed in bounded chunks (``predict_in_chunks``); non-finite
        outputs raise ValueError.
        """
        check_is_fitted(self)
        X = self._validate_for_predict(X)
        transform = OUTPUTS[self._output_activation()][1] if activate else None
        return predict_in_chunks(self.net_.module_, X, self.net_.device, self._as_tensor,
                                 transform)

    def _forward_mc(self, X, n_samples):
        """Mean and standard deviation of the network outputs over
        ``n_samples`` passes with dropout on, each of shape (n, k).

        Dropout masks come from a generator seeded by ``random_state``, so the
        result is reproducible; the module's mode is not changed, so
        concurrent ordinary predictions are unaffected. Without dropout every
        pass is the same: the standard deviation is exactly 0.
        """
        check_is_fitted(self)
        if not (isinstance(n_samples, Integral) and n_samples >= 1):
            raise ValueError(f"n_samples must be a positive integer, got {n_samples!r}.")
        if not self.net_.module_.dropouts:
            outputs = self._forward(X)
            return outputs, np.zeros_like(outputs)
        X = self._validate_for_predict(X)
        device = self.net_.device
        generator = make_generators(self.random_state, [device])[0]
        data = self._tensor_data(X)
        transform = OUTPUTS[self._output_activation()][1]
        module = self.net_.module_
        draws = []
        with torch.inference_mode():
            for _ in range(n_samples):
                batches = [
                    transform(module(Xb, dropout_generator=generator))
                    for Xb, _ in BatchIterator(data, self.net_.predict_batch_size)
                ]
                draws.append(torch.cat(batches).cpu())
        draws = torch.stack(draws).numpy().astype(np.float64)
        return draws.mean(axis=0), draws.std(axis=0)
