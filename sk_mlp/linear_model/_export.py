"""The fitted perceptron as data: ``export_network`` (the documented
``FittedNetwork``) and the plain-data record ``save`` writes and ``load``
rebuilds from."""

import numpy as np
from sklearn.utils.validation import check_is_fitted

from .._common.network import FittedNetwork, module_arrays
from .._common.state import import_common_state
from .._torch.device import resolve_device
from .._torch.module import load_state_dict_checked
from ._trainers import TRAINERS


class PerceptronExportMixin:
    """``export_network`` and the saved state of ``Perceptron``."""

    def export_network(self):
        """The fitted units as NumPy arrays and plain values.

        Returns
        -------
        network : FittedNetwork
            One linear layer (``coef_.T``, ``intercept_``); its output
            activation is ``'identity'`` for the step rule (the decision
            function) and ``'logistic'`` for ``activation='sigmoid'``, whose
            one-vs-rest probabilities ``predict_proba`` normalises to sum to 1
            for more than two classes.

        Examples
        --------
        >>> import numpy as np
        >>> from sk_mlp import Perceptron
        >>> X, y = np.array([[2.0, 1.0], [-1.0, -2.0]]), np.array([1, 0])
        >>> net = Perceptron(device="cpu").fit(X, y).export_network()
        >>> net.layer_sizes, net.output_activation, net.target_type
        ([2, 1], 'identity', 'binary')
        """
        check_is_fitted(self)
        return FittedNetwork(
            hidden_activation="identity",
            output_activation="logistic" if TRAINERS[self.activation].has_proba
            else "identity",
            target_type="binary" if len(self.classes_) == 2 else "multiclass",
            classes=np.asarray(self.classes_), state=self._export_state(),
            **module_arrays(self.net_.module_))

    _RECORDED = ("n_iter_", "n_updates_", "converged_", "t_", "radius_", "margin_",
                 "mistake_bound_")

    def _export_state(self):
        """Fitted state as plain data, for :func:`sk_mlp.save`."""
        return {
            "classes_": self.classes_,
            "n_features_in_": self.n_features_in_,
            "feature_names_in_": getattr(self, "feature_names_in_", None),
            "n_outputs": self.net_.module_.linears[0].out_features,
            "history": [{k: v for k, v in row.items() if k != "batches"}
                        for row in self.net_.history],
            **{name: getattr(self, name) for name in self._RECORDED},
        }

    @staticmethod
    def _declared_layer_sizes(state):
        """Widths of the input and output layers recorded in ``state``
        (checked by :func:`sk_mlp.load` before any network is built)."""
        return [state["n_features_in_"], state["n_outputs"]]

    def _import_state(self, state, tensors):
        """Rebuild the fitted estimator from :meth:`_export_state` data."""
        self.classes_ = np.asarray(state["classes_"])
        history = import_common_state(self, state)
        n_outputs = int(state["n_outputs"])
        if n_outputs != (1 if len(self.classes_) == 2 else len(self.classes_)):
            raise ValueError("its number of outputs does not match its classes")
        for name in self._RECORDED:
            setattr(self, name, state[name])
        self.net_ = TRAINERS[self.activation].new_net(
            self, 200, self.n_features_in_, n_outputs, resolve_device(self.device))
        load_state_dict_checked(self.net_.module_, tensors)
        self.net_.history = history
