"""MLPRegressor: identity output, squared error on standardised targets."""

from numbers import Real

import numpy as np
from sklearn.base import RegressorMixin, _fit_context
from sklearn.metrics import r2_score
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import _check_sample_weight, _num_samples, check_array

from .._common.fitting import check_finite_outputs
from ._base import BaseMLP, _stochastic_solver
from ._docs import MLP_ATTRIBUTES, mlp_parameters
from .._torch.safe_math import weighted_mean_and_std


class MLPRegressor(RegressorMixin, BaseMLP):
    __doc__ = f"""Multilayer perceptron regressor on PyTorch, trained through skorch.

    The output is the identity (``loss='squared_error'``) or the exponential
    of the last layer (``loss='poisson'``, a log link for counts and rates).
    With ``standardize_target=True`` the network fits standardised targets
    (zero mean, unit variance per output), so raw-scale targets such as prices
    in dollars train as well as scaled ones; predictions come back on the
    original scale either way.

    Parameters
    ----------
    loss : {{'squared_error', 'poisson'}}, default='squared_error'
        Half the mean squared error with an identity output, or the half
        Poisson deviance with an exponential output (targets must be >= 0).

{mlp_parameters('regressor')}
    standardize_target : bool, default=True
        Fit the network to standardised targets (squared error only), and
        map its outputs back. The default differs from scikit-learn, which
        fits raw targets: measured on the regression tables of
        ``benchmarks/bench_quality.py`` (5-fold RMSE) it is what keeps a
        default network from losing to a linear model wherever y is far from
        unit scale (diabetes 109 -> 55, Auto 5.5 -> 2.7), since otherwise the
        output layer has to grow to y's scale one small step at a time.
        ``tol``, ``loss_`` and ``loss_curve_`` refer to the loss on the
        targets' own scale either way (the network's loss times the mean
        squared target scale); ``alpha``'s penalty is weighed against the
        loss of the standardised targets, so its strength does not depend on
        y's units. ``standardize_target=False`` gives scikit-learn's model.

    Attributes
    ----------
{MLP_ATTRIBUTES}
    See Also
    --------
    MLPClassifier : The same network for classification.
    sklearn.neural_network.MLPRegressor : scikit-learn's CPU implementation.

    Notes
    -----
    ``loss_`` and ``loss_curve_`` are scikit-learn's: half the mean squared
    error on the targets' own scale plus ``alpha``'s penalty (the half
    Poisson deviance for ``loss='poisson'``).

    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> from sklearn.model_selection import cross_val_score
    >>> from sk_mlp import MLPRegressor
    >>> X, y = load_diabetes(return_X_y=True)
    >>> reg = MLPRegressor(device="cpu", random_state=0)
    >>> bool(cross_val_score(reg, X, y, cv=5).mean() > 0.4)  # R^2; a linear model: 0.48
    True
    """

    def __init__(
        self,
        loss="squared_error",
        hidden_layer_sizes=(256, 256),
        activation="relu",
        *,
        solver="adam",
        alpha=0.0001,
        learning_rate_init="auto",
        batch_size="auto",
        max_iter=200,
        tol="auto",
        learning_rate="constant",
        power_t=0.5,
        early_stopping="auto",
        early_stopping_metric="auto",
        validation_fraction=0.1,
        validation_split="random",
        max_grad_norm=None,
        n_iter_no_change="auto",
        max_fun=15000,
        shuffle=True,
        momentum=0.9,
        nesterovs_momentum=True,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        weight_decay="auto",
        dropout="auto",
        init="sklearn",
        dtype="auto",
        device="auto",
        random_state=None,
        warm_start=False,
        verbose=0,
        standardize_target=True,
        input_scaling="standard",
        ema_momentum=0.99,
        numerical_embedding="auto",
        ensemble_size="auto",
        autocast="auto",
    ):
        self.loss = loss
        self.standardize_target = standardize_target
        super().__init__(
            hidden_layer_sizes=hidden_layer_sizes,
            activation=activation,
            solver=solver,
            alpha=alpha,
            learning_rate_init=learning_rate_init,
            batch_size=batch_size,
            max_iter=max_iter,
            tol=tol,
            learning_rate=learning_rate,
            power_t=power_t,
            early_stopping=early_stopping,
            early_stopping_metric=early_stopping_metric,
            validation_fraction=validation_fraction,
            validation_split=validation_split,
            max_grad_norm=max_grad_norm,
            n_iter_no_change=n_iter_no_change,
            max_fun=max_fun,
            shuffle=shuffle,
            momentum=momentum,
            nesterovs_momentum=nesterovs_momentum,
            beta_1=beta_1,
            beta_2=beta_2,
            epsilon=epsilon,
            weight_decay=weight_decay,
            dropout=dropout,
            init=init,
            dtype=dtype,
            device=device,
            random_state=random_state,
            warm_start=warm_start,
            verbose=verbose,
            input_scaling=input_scaling,
            ema_momentum=ema_momentum,
            numerical_embedding=numerical_embedding,
            ensemble_size=ensemble_size,
            autocast=autocast,
        )

    _parameter_constraints = {
        **BaseMLP._parameter_constraints,
        "loss": [StrOptions({"squared_error", "poisson"})],
        "standardize_target": ["boolean"],
    }

    _y_numeric = True

    @available_if(_stochastic_solver)
    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, sample_weight=None):
        """Train for one epoch on ``(X, y)``, continuing the current network.

        The target scaling is fixed by the first call.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self : object
        """
        return self._fit(X, y, sample_weight, incremental=True)

    def _encode_targets(self, y, reset, classes=None, sample_weight=None,
                        incremental=False):
        y2d = y.reshape(len(y), -1).astype(np.float64)
        if self.loss == "poisson" and (y2d < 0).any():
            raise ValueError("MLPRegressor with loss='poisson' needs y >= 0 (counts or "
                             "rates); some targets are negative.")
        if reset and (self.loss == "poisson" or not self.standardize_target):
            # the targets as they are (the log link needs the counts themselves)
            self._y_1d = y.ndim == 1
            self._y_mean, self._y_scale = np.zeros(y2d.shape[1]), np.ones(y2d.shape[1])
        elif reset:
            # weighted moments, so that weights and repeated rows agree;
            # computed on rescaled values, so targets near float64's limits
            # or subnormal ones give finite moments
            self._y_1d = y.ndim == 1
            self._y_mean, scale = weighted_mean_and_std(y2d, sample_weight)
            self._y_scale = np.where(scale > 0, scale, 1.0)
        elif y2d.shape[1] != len(self._y_mean):
            raise ValueError(
                f"y has {y2d.shape[1]} outputs but the model was fitted with "
                f"{len(self._y_mean)}; refit with warm_start=False."
            )
        # y / scale - mean / scale rather than (y - mean) / scale: the
        # difference of two values near float64's maximum can overflow
        with np.errstate(over="ignore"):
            targets = y2d / self._y_scale - self._y_mean / self._y_scale
        if not np.isfinite(targets).all():
            raise ValueError(
                "y spans a range too wide for float64 once standardised with the "
                "targets of the first fit; refit with warm_start=False or rescale y."
            )
        return targets, y2d.shape[1]

    def _check_targets(self, y, settings):
        """Refuse targets whose spread a float32 network cannot represent
        (they would all round to the same value, and nothing be learned)."""
        if (settings.dtype != "float32" or self.loss == "poisson"
                or self.standardize_target):  # standardised targets spread by 1
            return
        _, spread = weighted_mean_and_std(y.reshape(len(y), -1).astype(np.float64))
        tiny = float(np.finfo(np.float32).tiny)
        if np.any((spread > 0) & (spread < tiny)):
            raise ValueError(
                f"y varies by about {spread.max():.3g}, below the float32 range "
                f"(smallest normal {tiny:.3g}) the network computes in: every target "
                "would round to the same value. Set standardize_target=True, use "
                "dtype='float64', or rescale y."
            )

    def _export_targets(self):
        return {"y_mean": self._y_mean, "y_scale": self._y_scale, "y_1d": self._y_1d}

    def _import_targets(self, targets):
        self._y_mean = np.asarray(targets["y_mean"], dtype=np.float64)
        self._y_scale = np.asarray(targets["y_scale"], dtype=np.float64)
        self._y_1d = bool(targets["y_1d"])

    def _output_activation(self):
        return "exp" if self.loss == "poisson" else "identity"

    def _loss_scale(self):
        # the network fits standardised targets; its loss times the mean
        # squared scale is scikit-learn's half squared error on y's own scale,
        # so tol, loss_ and loss_curve_ mean what they mean there
        if self.loss == "poisson":
            return 1.0
        with np.errstate(over="ignore", under="ignore"):
            return float(np.mean(self._y_scale**2))

    def _criterion_params(self, settings):
        if self.loss == "poisson" or len(self._y_scale) == 1:
            return {}
        # each output's share of the loss on the user's scale
        relative = self._y_scale / self._y_scale.max()  # no overflow in the squares
        squares = relative**2
        return {"output_weights": (squares / squares.mean()).tolist()}

    def _target_tensor(self, y):
        return self._as_tensor(y)

    def score(self, X, y, sample_weight=None):
        """Coefficient of determination R^2 of the predictions.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        score : float

        Raises
        ------
        ValueError
            With fewer than two samples, where R^2 is undefined (scikit-learn
            would return NaN).
        """
        if _num_samples(X) < 2:
            raise ValueError(
                "R^2 is undefined for fewer than two samples; score on at least two."
            )
        y_pred = self.predict(X)
        y = check_array(y, ensure_2d=False, dtype=np.float64)
        # R^2 does not change when y, the predictions and the weights are
        # divided by constants; dividing by their largest magnitudes keeps
        # the sums of squares finite for targets near float64's limits.
        scale = max(np.max(np.abs(y), initial=0.0), np.max(np.abs(y_pred), initial=0.0))
        scale = scale if scale > 0 else 1.0
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, y_pred)
            largest = np.max(np.abs(sample_weight), initial=0.0)
            sample_weight = sample_weight / largest if largest > 0 else sample_weight
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            r2 = float(r2_score(y / scale, y_pred / scale, sample_weight=sample_weight))
        if not np.isfinite(r2):
            raise ValueError(
                "R^2 = 1 - SS_res / SS_tot is beyond float64's range here: the "
                "predictions miss y by more than 1e150 times y's own spread (y is "
                "nearly constant on this scale, or X lies far outside the training "
                "data). Check the inputs' scale, or score with a metric that does "
                "not divide by y's spread (e.g. mean_squared_error)."
            )
        return r2

    def predict_mc(self, X, n_samples=30):
        """Monte-Carlo dropout: predictions with dropout left on.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        n_samples : int, default=30
            Number of stochastic forward passes.

        Returns
        -------
        mean : ndarray of shape (n,) or (n, n_outputs)
            Mean prediction over the passes, on the original scale.
        std : ndarray of shape (n,) or (n, n_outputs)
            Standard deviation over the passes (0 everywhere when
            ``dropout=0``). The masks are drawn from ``random_state``.
        """
        mean, std = self._forward_mc(X, n_samples)
        with np.errstate(over="ignore"):
            mean, std = mean * self._y_scale + self._y_mean, std * self._y_scale
        check_finite_outputs(mean), check_finite_outputs(std)
        return (mean.ravel(), std.ravel()) if self._y_1d else (mean, std)

    def predict(self, X):
        """Predict targets on their original scale.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
        """
        with np.errstate(over="ignore"):
            y = self._forward(X) * self._y_scale + self._y_mean
        check_finite_outputs(y)
        y = y.astype(self._output_dtype, copy=False)
        return y.ravel() if self._y_1d else y
