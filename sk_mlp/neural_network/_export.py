"""The fitted MLP as data: ``export_network`` (the documented
``FittedNetwork`` that ONNX export, ``save`` and the diagnostics read) and
the plain-data record ``save`` writes and ``load`` rebuilds from."""

import dataclasses

import numpy as np
import torch
from sklearn.utils.validation import check_is_fitted

from .._common.network import FittedNetwork, module_arrays
from .._common.state import import_common_state
from .._torch.activations import ACTIVATIONS
from .._torch.device import resolve_device
from .._torch.embeddings import EMBEDDINGS, embedded_width
from .._torch.module import INPUT_SCALINGS, load_state_dict_checked
from ._settings import RULES, DataFacts, FitSettings, plain_params, resolve

# Public ``dtype`` -> torch dtype of the network and its data.
DTYPES = {"float32": torch.float32, "float64": torch.float64}


class NetworkExportMixin:
    """``export_network`` and the saved state of ``BaseMLP``."""

    def export_network(self):
        """The fitted network as NumPy arrays and plain values.

        Returns
        -------
        network : FittedNetwork
            Weights, input and target scaling, activations, classes and the
            record :func:`sk_mlp.save` writes; its docstring states how they
            compute ``predict``.

        Examples
        --------
        >>> from sklearn.datasets import load_iris
        >>> from sk_mlp import MLPClassifier
        >>> X, y = load_iris(return_X_y=True)
        >>> net = MLPClassifier((8,), max_iter=5, device="cpu").fit(X, y).export_network()
        >>> net.layer_sizes, net.output_activation, net.classes.tolist()
        ([4, 8, 3], 'softmax', [0, 1, 2])
        """
        check_is_fitted(self)
        targets = self._export_targets()
        if "classes_" in targets:
            kind = dict(classes=np.asarray(self.classes_), target_type=targets["y_type"])
        else:
            kind = dict(target_type="continuous",
                        target_shift=np.asarray(self._y_mean, dtype=np.float64).copy(),
                        target_scale=np.asarray(self._y_scale, dtype=np.float64).copy())
        return FittedNetwork(
            hidden_activation=self.net_.get_params_for("module")["activation"],
            output_activation=self._output_activation(), state=self._export_state(),
            **module_arrays(self.net_.module_), **kind)

    def _export_state(self):
        """Fitted state as plain data, for :func:`sk_mlp.save`."""
        weight = self.net_.module_.linears[0].weight
        return {
            # optional (files written before settings_ existed hold none),
            # so first: the entries every file has close the record
            "settings": self.settings_.as_dict(),
            "settings_params": getattr(self, "_settings_params", None),
            "n_features_in_": self.n_features_in_,
            "feature_names_in_": getattr(self, "feature_names_in_", None),
            "t_": self.t_,
            "module": self.net_.get_params_for("module"),
            "dtype": "float64" if weight.dtype == torch.float64 else "float32",
            "n_iter": self.n_iter_,
            "output_dtype": self._output_dtype.name,
            "history": self.history_,
            "targets": self._export_targets(),
        }

    @staticmethod
    def _declared_layer_sizes(state):
        """Widths of every layer, input to output, as recorded in ``state``
        (checked by :func:`sk_mlp.load` before any network is built)."""
        module = state["module"]
        n_embedded = len(module.get("embedded_columns") or ())
        first = embedded_width(module["n_inputs"], n_embedded)
        return [first, *module["hidden_layer_sizes"], module["n_outputs"]]

    @staticmethod
    def _declared_buffers(state):
        """``(values, tensors)`` the recorded architecture holds besides one
        weight and bias per layer: the input scaling's shift and scale, the
        numerical embedding's maps, biases and frequencies or bin edges, and an
        ensemble's input scales and its other members' output layers."""
        module = state["module"]
        values = tensors = 0
        members = module.get("ensemble_size", 1)
        if not isinstance(members, int) or isinstance(members, bool) or members < 1:
            raise ValueError(f"its ensemble size {members!r} is not a positive integer")
        if members > 1:
            sizes = NetworkExportMixin._declared_layer_sizes(state)
            # the input scales, the other members' output layers and the
            # temperature of their mean
            values, tensors = members * sizes[0] + (members - 1) * (
                sizes[-2] + 1) * sizes[-1] + 1, 2
        if module.get("input_scaling") is not None:
            values, tensors = values + 2 * module["n_inputs"], tensors + 2
        n_embedded = len(module.get("embedded_columns") or ())
        kind = module.get("numerical_embedding")
        if kind is not None:
            values = values + n_embedded * EMBEDDINGS[kind].values_per_column()
            tensors += 3
        return values, tensors

    @staticmethod
    def _optional_tensors(state):
        """Tensors of the recorded architecture a file may lack: an
        ensemble's temperature, added after ensembles (filled with 1)."""
        return 1 if state["module"].get("ensemble_size", 1) > 1 else 0

    def _import_state(self, state, tensors):
        """Rebuild the fitted estimator from :meth:`_export_state` data."""
        self._import_targets(state["targets"])
        module = {k: state["module"][k] for k in
                  ("n_inputs", "hidden_layer_sizes", "n_outputs", "activation", "dropout")}
        # files written before input_scaling (numerical_embedding) existed
        # have none
        module["input_scaling"] = state["module"].get("input_scaling")
        module["numerical_embedding"] = state["module"].get("numerical_embedding")
        # files written before ensemble_size existed hold single networks
        module["ensemble_size"] = state["module"].get("ensemble_size", 1)
        module["output_activation"] = self._output_activation()
        if (module["activation"] not in ACTIVATIONS or state["dtype"] not in DTYPES
                or module["input_scaling"] not in (None, *INPUT_SCALINGS)
                or module["numerical_embedding"] not in (None, *EMBEDDINGS)):
            raise ValueError("its architecture names an unknown activation, input "
                             "scaling, numerical embedding or dtype")
        columns = state["module"].get("embedded_columns") or ()
        if (module["numerical_embedding"] is None and columns) or not all(
                isinstance(j, int) and not isinstance(j, bool) for j in columns) or list(
                columns) != sorted(set(columns)) or not all(
                0 <= j < module["n_inputs"] for j in columns):
            raise ValueError("its embedded columns are not distinct, increasing "
                             "indices of its inputs")
        module["embedded_columns"] = tuple(columns)
        history = import_common_state(self, state)
        if module["n_inputs"] != self.n_features_in_:
            raise ValueError("its architecture does not match n_features_in_")
        self.t_ = int(state["t_"])
        self.n_iter_ = int(state.get("n_iter", len(state["history"])))
        settings = self._imported_settings(state, module)
        if (settings.hidden_layer_sizes != tuple(module["hidden_layer_sizes"])
                or module["ensemble_size"] != settings.ensemble_size
                or self.ensemble_size not in ("auto", module["ensemble_size"])
                or module["numerical_embedding"] != settings.numerical_embedding
                or settings.dropout != tuple(module["dropout"])
                or settings.dtype != state["dtype"]):
            raise ValueError("its settings do not match its architecture")
        # a later partial_fit goes on at the rate the last epoch used
        last_lr = history[-1].get("lr") if len(history) else None
        self.net_ = self._build_net(settings, module, resolve_device(self.device),
                                    None if last_lr is None else float(last_lr))
        heads = self.net_.module_.linears[-1]
        if module["ensemble_size"] > 1:
            # files before calibration existed hold no temperature: 1
            key = next(name for name, buffer in self.net_.module_.named_buffers()
                       if buffer is heads.temperature)
            tensors = {key: torch.ones((), dtype=heads.temperature.dtype), **tensors}
        load_state_dict_checked(self.net_.module_, tensors)
        if module["ensemble_size"] > 1 and not bool(heads.temperature > 0):
            raise ValueError("its ensemble's temperature is not positive")
        self.net_.history = history
        self.settings_ = settings
        recorded = state.get("settings_params")
        self._settings_params = {**plain_params(self.get_params(deep=False)),
                                 **(recorded or {})}
        if state.get("output_dtype", "float64") not in ("float32", "float64"):
            raise ValueError("its output dtype is not float32 or float64")
        self._output_dtype = np.dtype(state.get("output_dtype", "float64"))

    def _imported_settings(self, state, module):
        """The saved settings; for files written before they were saved, the
        rules applied to the saved parameters, with the row count estimated
        from ``t_`` (rows per epoch) and the saved architecture and dtype.
        A setting added since a file was written (``n_iter_no_change``, 0.3)
        comes from its rule, the saved parameters and the saved row count."""
        if state.get("settings") is not None:
            # a fact added since the file was written reads the value its
            # settings were resolved with (DataFacts.ADDED)
            values = {**DataFacts.added_defaults(), **state["settings"]}
            for name in set(RULES) - set(values):
                values[name] = RULES[name].fn(self.get_params(deep=False),
                                              DataFacts.from_values(values), values)
            return FitSettings.from_dict(values)
        rows = self.t_ // max(self.n_iter_, 1) if self.n_iter_ else 0
        settings = resolve(self.get_params(deep=False), DataFacts(max(rows, 1)))
        return dataclasses.replace(
            settings, hidden_layer_sizes=tuple(module["hidden_layer_sizes"]),
            dropout=tuple(float(r) for r in module["dropout"]), dtype=state["dtype"])
