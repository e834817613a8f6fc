"""MLPRegressor: identity output, squared error on standardised targets."""

import numpy as np
from sklearn.base import RegressorMixin

from ._base import BaseMLP
from ._data import to_tensor
from ._docs import MLP_ATTRIBUTES, MLP_PARAMETERS


class MLPRegressor(RegressorMixin, BaseMLP):
    __doc__ = f"""Multilayer perceptron regressor on PyTorch, trained through skorch.

    Targets are standardised internally (zero mean, unit variance per output),
    so raw-scale targets such as prices in dollars train as well as scaled
    ones; predictions come back on the original scale.

    Parameters
    ----------
{MLP_PARAMETERS}
    Attributes
    ----------
{MLP_ATTRIBUTES}
    See Also
    --------
    MLPClassifier : The same network for classification.
    sklearn.neural_network.MLPRegressor : scikit-learn's CPU implementation.

    Notes
    -----
    ``loss_`` and ``loss_curve_`` are mean squared errors of the
    standardised targets, so they are comparable across data sets.

    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> from sk_mlp import MLPRegressor
    >>> X, y = load_diabetes(return_X_y=True)
    >>> reg = MLPRegressor(hidden_layer_sizes=(32,), learning_rate_init=0.01,
    ...                    max_iter=200, device="cpu", random_state=0).fit(X, y)
    >>> reg.score(X, y) > 0.5
    True
    """

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        solver="adam",
        learning_rate_init=0.001,
        batch_size="auto",
        max_iter=200,
        tol=1e-4,
        n_iter_no_change=10,
        shuffle=True,
        momentum=0.9,
        nesterovs_momentum=True,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        weight_decay=0.0,
        dropout=0.0,
        init="xavier_uniform",
        device="auto",
        random_state=None,
        warm_start=False,
        verbose=0,
    ):
        super().__init__(
            hidden_layer_sizes=hidden_layer_sizes,
            activation=activation,
            solver=solver,
            learning_rate_init=learning_rate_init,
            batch_size=batch_size,
            max_iter=max_iter,
            tol=tol,
            n_iter_no_change=n_iter_no_change,
            shuffle=shuffle,
            momentum=momentum,
            nesterovs_momentum=nesterovs_momentum,
            beta_1=beta_1,
            beta_2=beta_2,
            epsilon=epsilon,
            weight_decay=weight_decay,
            dropout=dropout,
            init=init,
            device=device,
            random_state=random_state,
            warm_start=warm_start,
            verbose=verbose,
        )

    _y_numeric = True

    def _encode_targets(self, y, reset):
        y2d = y.reshape(len(y), -1).astype(np.float64)
        if reset:
            self._y_1d = y.ndim == 1
            self._y_mean = y2d.mean(axis=0)
            scale = y2d.std(axis=0)
            self._y_scale = np.where(scale > 0, scale, 1.0)
        elif y2d.shape[1] != len(self._y_mean):
            raise ValueError(
                f"y has {y2d.shape[1]} outputs but the model was fitted with "
                f"{len(self._y_mean)}; refit with warm_start=False."
            )
        return (y2d - self._y_mean) / self._y_scale, y2d.shape[1]

    def _output_activation(self):
        return "identity"

    def _target_tensor(self, y, device):
        return to_tensor(y, device)

    def predict(self, X):
        """Predict targets on their original scale.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
        """
        y = self._forward(X) * self._y_scale + self._y_mean
        return y.ravel() if self._y_1d else y
