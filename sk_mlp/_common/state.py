"""The estimators' pickled state as plain data: NumPy arrays and Python values.

``pickle``, ``joblib``, ``copy`` and ``skops.io`` all go through
``__getstate__`` / ``__setstate__``. A fitted estimator hands them its
constructor parameters and the same fitted state ``sk_mlp.save`` writes (plus
the optimizer's state and the random streams, so that a warm start or
``partial_fit`` after a round trip continues exactly); no torch or skorch
object is in it. On load the network is rebuilt from that data. skops can
therefore store an estimator, alone or inside a ``Pipeline``, with nothing
but the estimator's own class to trust, and a model fitted on a GPU loads on
a machine without one.
"""

import warnings

import numpy as np
import torch

from .._torch.device import resolve_device

_TENSOR = "__tensor__"
_ITEMS = "__items__"


def to_plain(value):
    """Tensors -> tagged NumPy arrays; dicts with non-string keys -> item lists."""
    if isinstance(value, torch.Tensor):
        return {_TENSOR: value.detach().cpu().numpy().copy()}
    if isinstance(value, dict):
        if all(isinstance(key, str) for key in value):
            return {key: to_plain(item) for key, item in value.items()}
        return {_ITEMS: [[to_plain(key), to_plain(item)] for key, item in value.items()]}
    if isinstance(value, (list, tuple)):
        return type(value)(to_plain(item) for item in value)
    return value


def from_plain(value):
    """Inverse of :func:`to_plain`."""
    if isinstance(value, dict):
        if set(value) == {_TENSOR}:
            return torch.from_numpy(np.array(value[_TENSOR]))
        if set(value) == {_ITEMS}:
            return {from_plain(key): from_plain(item) for key, item in value[_ITEMS]}
        return {key: from_plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(from_plain(item) for item in value)
    return value


class PlainStateMixin:
    """``__getstate__`` / ``__setstate__`` in plain data (see the module doc).

    The estimator provides ``_export_state()`` and ``_import_state(state,
    tensors)``, the pair ``sk_mlp.save`` and ``sk_mlp.load`` use.
    """

    def __getstate__(self):
        state = super().__getstate__()
        if "net_" not in state:
            return state
        net = state["net_"]
        kept = {name: state[name] for name in (*self.get_params(deep=False),
                                               "_sklearn_version") if name in state}
        fitted = {
            "export": to_plain(self._export_state()),
            "tensors": {name: tensor.detach().cpu().numpy().copy()
                        for name, tensor in net.module_.state_dict().items()},
        }
        optimizer = getattr(net, "optimizer_", None)
        if optimizer is not None:
            fitted["optimizer"] = to_plain(optimizer.state_dict())
        if "_stream_states" in state:
            fitted["streams"] = [to_plain(s) for s in state["_stream_states"]]
        kept["_fitted_state"] = fitted
        return kept

    # constructor parameters added since files were first written, at the
    # value that computes what those files' models computed
    _params_added = {}

    def __setstate__(self, state):
        state = dict(state)
        fitted = state.pop("_fitted_state", None)
        for name, value in self._params_added.items():
            state.setdefault(name, value)
        super().__setstate__(state)
        if fitted is None:
            return
        try:
            resolve_device(self.device)
        except ValueError:
            warnings.warn(
                f"This model was saved with device={self.device!r}, which is not "
                "available here; it is loaded on the CPU (device='cpu').",
                UserWarning, stacklevel=2)
            self.device = "cpu"
        tensors = {name: torch.from_numpy(np.array(array))
                   for name, array in fitted["tensors"].items()}
        self._import_state(from_plain(fitted["export"]), tensors)
        if "optimizer" in fitted and getattr(self.net_, "optimizer_", None) is not None:
            optimizer_state = from_plain(fitted["optimizer"])
            self.net_.optimizer_.load_state_dict(optimizer_state)
        if "streams" in fitted:
            self._stream_states = tuple(from_plain(s) for s in fitted["streams"])


def import_common_state(estimator, state):
    """Set what every estimator's saved state holds alike (``n_features_in_``,
    ``feature_names_in_``) and return its training ``History``."""
    from skorch.history import History

    estimator.n_features_in_ = int(state["n_features_in_"])
    if state["feature_names_in_"] is not None:
        estimator.feature_names_in_ = np.asarray(state["feature_names_in_"], dtype=object)
    return History([dict(row) for row in state["history"]])
