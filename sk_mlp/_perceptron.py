"""Perceptron: Rosenblatt's mistake-driven classifier (or one logistic unit)."""

import warnings
from numbers import Integral, Real

import numpy as np
import torch
from scipy.special import expit
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from ._base import (
    _FLOAT32_MAX,
    check_finite_outputs,
    fit_or_roll_back,
    log_of_proba,
    make_generators,
)
from ._data import TensorData, to_tensor
from ._device import resolve_device
from ._init import PERCEPTRON_INITIALIZERS, fill_weights
from ._mistake_driven import make_screen
from ._module import MLPModule, load_state_dict_checked
from ._net import MistakeDrivenNet, Monitor, ProgressBar, TrainingNet
from ._safe_math import max_row_norm, norm, squared_ratio


# Largest input magnitude the perceptron accepts (squares and sums of products
# of such values stay far inside float64's range).
_MAX_ABS_INPUT = 1e100


def _sigmoid_net(est, n_features, n_outputs, batch_size, device):
    """A skorch net training one logistic unit per output by SGD."""
    return TrainingNet(
        module=MLPModule,
        module__n_inputs=n_features,
        module__hidden_layer_sizes=(),
        module__n_outputs=n_outputs,
        module__activation="identity",
        module__dropout=(),
        module__input_dropout=est.dropout,
        criterion=torch.nn.BCEWithLogitsLoss,
        criterion__reduction="none",
        optimizer=torch.optim.SGD,
        lr=est.eta0,
        optimizer__weight_decay=est.weight_decay,
        optimizer__param_groups=[("*bias", {"weight_decay": 0.0})],
        max_epochs=est.max_iter,
        batch_size=batch_size,
        train_split=None,
        callbacks=[("monitor", Monitor(est.tol, 10))] + _progress(est),
        verbose=0,
        device=device,
    )


def _step_net(est, n_features, n_outputs, device):
    """A skorch net applying the mistake-driven rule, one unit per output."""
    return MistakeDrivenNet(
        module=MLPModule,
        module__n_inputs=n_features,
        module__hidden_layer_sizes=(),
        module__n_outputs=n_outputs,
        module__activation="identity",
        module__dropout=(),
        criterion=torch.nn.BCEWithLogitsLoss,  # unused by the rule
        max_epochs=est.max_iter,
        batch_size=1,
        train_split=None,
        callbacks=_progress(est),
        verbose=0,
        device=device,
    )


def _progress(est):
    return [("progress", ProgressBar(est.max_iter))] if est.verbose else []


# activation -> function building the net that trains it
TRAINERS = {"step": _step_net, "sigmoid": _sigmoid_net}


class Perceptron(ClassifierMixin, BaseEstimator):
    """Rosenblatt's perceptron on PyTorch, trained through skorch.

    With the defaults this is the textbook algorithm exactly: weights and
    bias start at zero, samples are visited in order, and every mistake
    ``y_i (w . x_i + b) <= 0`` (labels in {-1, +1}) triggers
    ``w += eta0 * y_i * x_i`` and ``b += eta0 * y_i``. Training stops at the
    first epoch without a mistake, or after ``max_iter`` epochs with a
    ``ConvergenceWarning``. Multiclass problems train one perceptron per class
    (one-vs-rest). The epoch runs at array speed: margins of a block of
    upcoming samples are computed at once and the loop jumps to the next
    mistake, with the same result as the per-sample loop.

    Parameters
    ----------
    max_iter : int, default=1000
        Maximum number of epochs.

    eta0 : float, default=1.0
        Step size of each update (of each gradient step for ``'sigmoid'``).

    fit_intercept : bool, default=True
        Learn the bias ``b``; when False it stays 0.

    shuffle : bool, default=False
        Visit the samples in a new random order each epoch.

    random_state : int, RandomState instance or None, default=None
        Seeds shuffling, dropout masks and a random ``init``.

    warm_start : bool, default=False
        Start the next ``fit`` from the current weights.

    verbose : int, default=0
        Print one line per epoch when positive.

    device : str, default='auto'
        ``'auto'`` (CUDA when available, else CPU), ``'cpu'``, ``'cuda'`` or
        ``'cuda:N'``.

    class_weight : dict, 'balanced' or None, default=None
        Scales each sample's update by the weight of its class;
        ``'balanced'`` uses ``n_samples / (n_classes * class_count)``.

    init : {'zeros', 'xavier_uniform', 'xavier_normal', 'kaiming_uniform', \
'kaiming_normal', 'normal'}, default='zeros'
        Initial weights; the bias always starts at zero.

    weight_decay : float, default=0.0
        Each update first shrinks ``w`` by ``1 - eta0 * weight_decay``; the
        bias is never shrunk. With ``'sigmoid'``, the L2 strength of SGD on
        the weights. ``eta0 * weight_decay`` must be below 1.

    dropout : float, default=0.0
        Rate at which input features are dropped (inverted dropout) during
        training; prediction uses all features.

    activation : {'step', 'sigmoid'}, default='step'
        ``'step'`` is the classic mistake-driven rule. ``'sigmoid'`` trains a
        logistic unit per class by minibatch gradient descent on the log-loss
        (the smooth replacement of the step) and provides ``predict_proba``.

    tol : float, default=1e-4
        With ``'sigmoid'``: stop once the log-loss has not improved by
        ``tol`` for more than 10 epochs. Unused by ``'step'``, which stops at
        the first epoch without a mistake.

    Attributes
    ----------
    coef_ : ndarray of shape (1, n_features) or (n_classes, n_features)
        Weights (one row for a binary problem).

    intercept_ : ndarray of shape (1,) or (n_classes,)
        Biases.

    classes_ : ndarray of shape (n_classes,)
        Class labels.

    n_features_in_ : int
        Number of features seen during ``fit``.

    feature_names_in_ : ndarray of shape (n_features_in_,)
        Column names, when ``X`` was a pandas DataFrame with string columns.

    n_iter_ : int
        Epochs run (the most of any one-vs-rest problem).

    n_updates_ : int
        Mistake-driven updates made, over all epochs and classes (``'step'``);
        None for ``'sigmoid'``.

    converged_ : bool
        Whether training stopped before ``max_iter`` (a mistake-free epoch
        for every class with ``'step'``).

    t_ : int
        ``n_iter_ * n_samples + 1``, as in scikit-learn's Perceptron.

    radius_ : float or None
        max_i ||x_i|| over the training data.

    margin_ : float or None
        Geometric margin of the separator found,
        min_i y_i (w . x_i + b) / ||(w, b)||.

    mistake_bound_ : float or None
        Novikoff's bound (radius_^2 + 1) / margin_^2 on the number of
        updates, which ``n_updates_`` never exceeds. These three are set for a
        converged binary problem trained by the plain rule (``'step'``, zero
        init, no weight decay, dropout or class weights, cold start) and are
        None otherwise. They are computed on rescaled vectors, so subnormal
        or huge inputs give accurate values; where the bound exceeds
        float64's range (a margin of about 1e-154 or less relative to the
        radius) or the margin is 0, ``mistake_bound_`` is ``inf``: true, but
        no longer informative.

    net_ : skorch.NeuralNet
        The fitted skorch net; ``net_.module_`` holds the weights.

    See Also
    --------
    MLPClassifier : Adds hidden layers, which solve problems such as XOR.
    sklearn.linear_model.Perceptron : scikit-learn's CPU implementation.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_mlp import Perceptron
    >>> X = np.array([[2.0, 1.0], [1.0, 3.0], [-1.0, -2.0], [-2.0, -1.0]])
    >>> y = np.array([1, 1, 0, 0])
    >>> clf = Perceptron(device="cpu").fit(X, y)
    >>> clf.predict(X)
    array([1, 1, 0, 0])
    >>> clf.coef_, clf.intercept_, clf.n_updates_
    (array([[2., 1.]]), array([1.]), 1)
    >>> bool(clf.n_updates_ <= clf.mistake_bound_)
    True
    """

    _parameter_constraints = {
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "eta0": [Interval(Real, 0, None, closed="neither")],
        "fit_intercept": ["boolean"],
        "shuffle": ["boolean"],
        "random_state": ["random_state"],
        "warm_start": ["boolean"],
        "verbose": ["verbose"],
        "device": [str],
        "class_weight": [StrOptions({"balanced"}), dict, None],
        "init": [StrOptions(set(PERCEPTRON_INITIALIZERS))],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "activation": [StrOptions(set(TRAINERS))],
        "tol": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(
        self,
        *,
        max_iter=1000,
        eta0=1.0,
        fit_intercept=True,
        shuffle=False,
        random_state=None,
        warm_start=False,
        verbose=0,
        device="auto",
        class_weight=None,
        init="zeros",
        weight_decay=0.0,
        dropout=0.0,
        activation="step",
        tol=1e-4,
    ):
        self.max_iter = max_iter
        self.eta0 = eta0
        self.fit_intercept = fit_intercept
        self.shuffle = shuffle
        self.random_state = random_state
        self.warm_start = warm_start
        self.verbose = verbose
        self.device = device
        self.class_weight = class_weight
        self.init = init
        self.weight_decay = weight_decay
        self.dropout = dropout
        self.activation = activation
        self.tol = tol

    # ------------------------------------------------------------------- fit
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Fit the perceptron.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,)
            Class labels of any type.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        return fit_or_roll_back(self, lambda: self._fit_unguarded(X, y))

    def _fit_unguarded(self, X, y):
        warm = self.warm_start and hasattr(self, "net_")
        X, y = validate_data(self, X, y, reset=not warm, dtype=[np.float64, np.float32])
        check_classification_targets(y)
        limit = _MAX_ABS_INPUT if self.activation == "step" else _FLOAT32_MAX
        largest = np.abs(X).max(initial=0.0)
        if largest > limit:
            raise ValueError(
                f"X holds values up to {largest:.3g}; beyond {limit:.3g} the "
                "perceptron's arithmetic overflows. Scale the inputs."
            )
        if self.activation == "step" and self.eta0 * largest > _MAX_ABS_INPUT:
            raise ValueError(
                f"eta0 * max|X| = {self.eta0 * largest:.3g} exceeds {_MAX_ABS_INPUT:.3g}: "
                "the weights would overflow float64. Lower eta0 or scale the inputs."
            )
        if self.activation == "step" and self.eta0 * self.weight_decay >= 1:
            raise ValueError(
                f"eta0 * weight_decay = {self.eta0 * self.weight_decay:g} must be "
                "below 1: each update shrinks w by (1 - eta0 * weight_decay)."
            )
        device = resolve_device(self.device)
        if warm:
            self._check_same_task(y)
        else:
            self._set_classes(y)
        signs = self._signs(y)
        sample_scale = self._sample_update_scale(y)
        init_gen, shuffle_gen, dropout_gen, _ = make_generators(
            self.random_state, ["cpu", device, device]
        )
        if not warm:
            self.net_ = self._new_net(X.shape, signs.shape[1], device)
            fill_weights(self.net_.module_.linears, PERCEPTRON_INITIALIZERS[self.init],
                         "linear", init_gen)
        if self.activation == "step":
            data = TensorData(
                to_tensor(X, device, np.float64),
                to_tensor(signs, device, np.float64),
                to_tensor(self.eta0 * sample_scale, device, np.float64),
            )
            self.net_.configure_rule(
                eta=self.eta0, decay=self.eta0 * self.weight_decay,
                fit_intercept=self.fit_intercept, shuffle=self.shuffle,
                dropout=self.dropout, weighted=self.class_weight is not None,
                generator=shuffle_gen, dropout_generator=dropout_gen,
                screen=make_screen(np.asarray(X, dtype=np.float64))
                if device == "cpu" and self.dropout == 0 else None,
            )
        else:
            data = TensorData(to_tensor(X, device), to_tensor((signs + 1) / 2, device),
                              to_tensor(sample_scale / sample_scale.mean(), device)
                              if self.class_weight
                              is not None else None)
            self.net_.shuffle, self.net_.generator = self.shuffle, shuffle_gen
            for layer in self.net_.module_.dropouts:
                layer.generator = dropout_gen
        epochs_before = len(self.net_.history)
        try:
            self.net_.partial_fit(data, None, epochs=self.max_iter)
        finally:
            self.net_.generator = None
            for layer in self.net_.module_.dropouts:
                layer.generator = None
        self._record_fit(X, signs, len(self.net_.history) - epochs_before, warm)
        return self

    def _new_net(self, shape, n_outputs, device):
        n_samples, n_features = shape
        if self.activation == "step":
            net = _step_net(self, n_features, n_outputs, device)
        else:
            net = _sigmoid_net(self, n_features, n_outputs, min(200, n_samples), device)
        net.initialize()
        if self.activation == "step":
            net.module_.double()  # exact float64 arithmetic, like the textbook loop
        return net

    def _set_classes(self, y):
        self.classes_ = np.unique(y)
        if len(self.classes_) < 2:
            raise ValueError(
                "Perceptron needs samples of at least 2 classes in the data, but "
                f"the data contain only one class: {self.classes_[0]!r}."
            )

    def _check_same_task(self, y):
        unseen = np.setdiff1d(np.unique(y), self.classes_)
        if len(unseen):
            raise ValueError(
                f"warm_start=True but y contains labels {unseen.tolist()} not seen "
                f"in the first fit (classes_={self.classes_.tolist()}). Refit with "
                "warm_start=False to learn new classes."
            )

    def _signs(self, y):
        """+1/-1 targets, one column per one-vs-rest problem (one if binary)."""
        index = np.searchsorted(self.classes_, y)
        if len(self.classes_) == 2:
            return np.where(index == 1, 1.0, -1.0)[:, None]
        signs = np.full((len(y), len(self.classes_)), -1.0)
        signs[np.arange(len(y)), index] = 1.0
        return signs

    def _sample_update_scale(self, y):
        if self.class_weight is None:
            return np.ones(len(y))
        weights = compute_class_weight(self.class_weight, classes=self.classes_, y=y)
        return weights[np.searchsorted(self.classes_, y)]

    def _record_fit(self, X, signs, epochs_run, warm):
        history = self.net_.history
        self.n_iter_ = epochs_run
        self.t_ = epochs_run * X.shape[0] + 1
        if self.activation == "step":
            self.n_updates_ = int(sum(history[-epochs_run:, "train_updates"]))
            self.converged_ = bool(self.net_.all_converged())
        else:
            self.n_updates_ = None
            self.converged_ = bool(dict(self.net_.callbacks_)["monitor"].converged_)
        plain_rule = (
            self.activation == "step" and self.init == "zeros" and not warm
            and self.weight_decay == 0 and self.dropout == 0
            and self.class_weight is None
        )
        self.radius_ = self.margin_ = self.mistake_bound_ = None
        if plain_rule and self.converged_ and signs.shape[1] == 1:
            self._set_convergence_theorem_quantities(X, signs[:, 0])
        if not self.converged_:
            warnings.warn(
                f"Maximum number of epochs ({self.max_iter}) reached and the "
                "perceptron has not converged: the data may not be linearly "
                "separable. Increase max_iter, or use MLPClassifier for "
                "non-linear problems such as XOR.",
                ConvergenceWarning,
            )

    def _set_convergence_theorem_quantities(self, X, y):
        # Every quantity is computed on rescaled vectors (see _safe_math), so
        # subnormal, huge or badly scaled inputs give the representable
        # answer; a bound beyond float64's range is inf, never an error.
        X = np.asarray(X, dtype=np.float64)
        wb = np.append(self.coef_[0], self.intercept_[0])
        self.radius_ = max_row_norm(X)
        length = norm(wb)
        if length == 0.0:
            self.margin_, self.mistake_bound_ = 0.0, float("inf")
            return
        unit = wb / np.max(np.abs(wb))  # same direction, entries in [-1, 1]
        margins = y * (X @ unit[:-1] + unit[-1])
        self.margin_ = float(margins.min() / norm(unit))
        self.mistake_bound_ = squared_ratio(norm([self.radius_, 1.0]),
                                            max(self.margin_, 0.0))

    # ------------------------------------------------------------ persistence
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
        from skorch.history import History

        self.classes_ = np.asarray(state["classes_"])
        self.n_features_in_ = int(state["n_features_in_"])
        if state["feature_names_in_"] is not None:
            self.feature_names_in_ = np.asarray(state["feature_names_in_"], dtype=object)
        n_outputs = int(state["n_outputs"])
        if n_outputs != (1 if len(self.classes_) == 2 else len(self.classes_)):
            raise ValueError("its number of outputs does not match its classes")
        for name in self._RECORDED:
            setattr(self, name, state[name])
        self.net_ = self._new_net((200, self.n_features_in_), n_outputs,
                                  resolve_device(self.device))
        load_state_dict_checked(self.net_.module_, tensors)
        self.net_.history = History([dict(row) for row in state["history"]])

    # --------------------------------------------------------------- predict
    @property
    def coef_(self):
        """Weights, shape (1, n_features) or (n_classes, n_features)."""
        return self.net_.module_.linears[0].weight.detach().cpu().double().numpy().copy()

    @property
    def intercept_(self):
        """Biases, shape (1,) or (n_classes,)."""
        return self.net_.module_.linears[0].bias.detach().cpu().double().numpy().copy()

    def decision_function(self, X):
        """Signed distance-like scores ``X @ coef_.T + intercept_``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
            One column per class, or a single score (positive means
            ``classes_[1]``) for a binary problem.
        """
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=[np.float64, np.float32])
        exact = self.net_.module_.linears[0].weight.dtype == torch.float64
        data = TensorData(to_tensor(X, self.net_.device,
                                    np.float64 if exact else np.float32))
        with torch.inference_mode():
            scores = self.net_.forward(data, training=False).double().numpy()
        check_finite_outputs(scores)
        return scores[:, 0] if scores.shape[1] == 1 else scores

    def predict(self, X):
        """Predict class labels.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        y : ndarray of shape (n_samples,)
        """
        scores = self.decision_function(X)
        if scores.ndim == 1:
            return self.classes_[(scores > 0).astype(int)]
        return self.classes_[np.argmax(scores, axis=1)]

    def _has_proba(self):
        if self.activation != "sigmoid":
            raise AttributeError(
                "predict_proba needs activation='sigmoid'; the step rule gives "
                "labels and scores only."
            )
        return True

    @available_if(_has_proba)
    def predict_proba(self, X):
        """Class probabilities (``activation='sigmoid'`` only).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            For more than two classes the one-vs-rest probabilities are
            normalised to sum to 1.
        """
        scores = self.decision_function(X)
        if scores.ndim == 1:
            p = expit(scores)  # no overflow warning for large scores
            return np.column_stack([1.0 - p, p])
        # normalised in log space: every sigmoid of a row may underflow to 0
        log_p = -np.logaddexp(0.0, -scores)
        p = np.exp(log_p - log_p.max(axis=1, keepdims=True))
        return p / p.sum(axis=1, keepdims=True)

    @available_if(_has_proba)
    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba`.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
        """
        return log_of_proba(self.predict_proba(X))
