"""Perceptron: Rosenblatt's mistake-driven classifier (or one logistic unit)."""

import warnings
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
import torch
from scipy.special import expit
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets
from sklearn.model_selection import train_test_split
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

from .._common.fitting import (
    FLOAT32_MAX,
    PREDICT_CHUNK,
    check_finite_outputs,
    fit_or_roll_back,
    log_of_proba,
    make_generators,
)
from .._torch.data import TensorData, to_tensor
from .._torch.device import resolve_device
from .._common.state import PlainStateMixin
from .._torch.initializers import PERCEPTRON_INITIALIZERS, fill_weights
from ._mistake_driven import Penalty, make_screen
from .._torch.module import MLPModule, load_state_dict_checked
from .._torch.callbacks import L1Shrink, Monitor, ProgressBar
from .._torch.training import TrainingNet
from ._net import MistakeDrivenNet
from .._torch.safe_math import max_row_norm, norm, squared_ratio


# Largest input magnitude the perceptron accepts (squares and sums of products
# of such values stay far inside float64's range).
_MAX_ABS_INPUT = 1e100


def _ovr_accuracy(logits, y, weight=None):
    """Accuracy of one-vs-rest logistic units: the sign of a single unit, or
    the largest of several, against 0/1 targets (the validation split is
    unweighted: ``weight`` is None)."""
    if logits.shape[1] == 1:
        return ((logits[:, 0] > 0) == (y[:, 0] > 0.5)).float().mean()
    return (logits.argmax(dim=1) == y.argmax(dim=1)).float().mean()


def _sigmoid_net(est, n_features, n_outputs, batch_size, device):
    """A skorch net training one logistic unit per output by SGD.

    scikit-learn's penalty becomes its gradient-descent form: the L2 part is
    weight decay ``alpha * (1 - l1_ratio)`` on the weights, the L1 part a
    soft-threshold of the weights by ``lr * alpha * l1_ratio`` after every
    step (the proximal step of the L1 norm).
    """
    penalty = Penalty.from_params(est.penalty, est.alpha, est.l1_ratio, 1.0)
    net = TrainingNet(
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
        optimizer__weight_decay=est.weight_decay + penalty.alpha * (1 - penalty.l1_ratio),
        optimizer__param_groups=[("*bias", {"weight_decay": 0.0})],
        max_epochs=est.max_iter,
        batch_size=batch_size,
        train_split=None,
        callbacks=[("monitor", Monitor(-np.inf, est.n_iter_no_change)),
                   ("l1", L1Shrink(penalty.alpha * penalty.l1_ratio))] + _progress(est),
        verbose=0,
        device=device,
    )
    net.valid_scorer = _ovr_accuracy
    return net


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


class Perceptron(PlainStateMixin, ClassifierMixin, BaseEstimator):
    """Rosenblatt's perceptron on PyTorch, trained through skorch.

    Weights and bias start at zero, and every mistake ``y_i (w . x_i + b)
    <= 0`` (labels in {-1, +1}) triggers ``w += eta0 * y_i * x_i`` and
    ``b += eta0 * y_i``. Multiclass problems train one perceptron per class
    (one-vs-rest). The epoch runs at array speed: margins of a block of
    upcoming samples are computed at once and the loop jumps to the next
    mistake, with the same result as the per-sample loop.

    Every parameter of scikit-learn's ``Perceptron`` exists with its meaning
    and its default (``penalty``, ``alpha``, ``l1_ratio``, ``tol=1e-3``,
    ``shuffle=True``, ``random_state=0``, ``n_iter_no_change``,
    ``early_stopping``, ``validation_fraction``, ``n_jobs``, ...), so a
    script written for scikit-learn's class does as well with this one
    (iris behind a ``StandardScaler``: training accuracy 0.953 against
    scikit-learn's 0.920). Sparse (CSR) input is accepted.

    **The textbook rule** visits the samples in order and stops at the
    first epoch without a mistake, or after ``max_iter`` epochs with a
    ``ConvergenceWarning``: ``Perceptron(shuffle=False, tol=None)``. That is
    the algorithm of the convergence theorem (``mistake_bound_``), but on
    data that are not linearly separable the last weights of the plain rule
    land anywhere on the final epoch's path, which is why the defaults
    shuffle and stop on ``tol`` (scikit-learn's way; with that order iris
    reaches 0.673 instead of 0.953).

    Parameters
    ----------
    penalty : {'l2', 'l1', 'elasticnet'} or None, default=None
        scikit-learn's regularisation, applied as its SGD does: before
        every sample (mistake or not) the weights shrink by
        ``1 - (1 - l1_ratio) * eta0 * alpha`` (the L2 part), and after
        every sample the L1 part clips each weight towards 0 (truncated
        gradient with a cumulative penalty). ``'l2'`` means ``l1_ratio=0``,
        ``'l1'`` means ``l1_ratio=1``. The bias is never penalised. With an
        L1 part the epoch runs one sample at a time (slower than the block
        search) and on the CPU.

    alpha : float, default=0.0001
        Strength of ``penalty``.

    l1_ratio : float, default=0.15
        Mix of L1 in the ``'elasticnet'`` penalty, in [0, 1].

    fit_intercept : bool, default=True
        Learn the bias ``b``; when False it stays 0.

    max_iter : int, default=1000
        Maximum number of epochs.

    tol : float or None, default=1e-3
        scikit-learn's stopping rule: stop a problem once its epoch
        objective (mean perceptron loss ``max(0, -y (w . x + b))``, plus the
        penalty) has not improved by ``tol`` for ``n_iter_no_change``
        epochs (with ``early_stopping``: once the validation accuracy has
        not improved by ``tol``). None (the textbook rule) disables it. Independently of ``tol``, the plain rule (no
        ``penalty``) stops a problem at its first epoch without a mistake,
        as nothing can change its weights afterwards.

    shuffle : bool, default=True
        Visit the samples in a new random order each epoch (False: in the
        order given, the textbook rule).

    verbose : int, default=0
        Show a progress bar (epochs, updates, loss) when positive.

    eta0 : float, default=1.0
        Step size of each update (of each gradient step for ``'sigmoid'``).

    n_jobs : int or None, default=None
        Threads running the one-vs-rest problems of a multiclass fit in
        parallel (None or 1: one after the other; -1: all cores).

    random_state : int, RandomState instance or None, default=0
        scikit-learn's default, so a fit is reproducible. Seeds shuffling, the validation split, dropout masks and a random
        ``init``.

    early_stopping : bool, default=False
        Hold out a stratified ``validation_fraction`` of the data and stop
        each problem once its validation accuracy has not improved by
        ``tol`` for ``n_iter_no_change`` epochs; the last weights are kept
        (as in scikit-learn). Not available in ``partial_fit``.

    validation_fraction : float, default=0.1
        Share of the data held out with ``early_stopping``.

    n_iter_no_change : int, default=5
        Epochs without improvement before ``tol`` stops a problem.

    class_weight : dict, 'balanced' or None, default=None
        Scales each sample's update by the weight of its class;
        ``'balanced'`` uses ``n_samples / (n_classes * class_count)``.

    warm_start : bool, default=False
        Start the next ``fit`` from the current weights.

    device : str, default='auto'
        ``'auto'`` (CUDA when available, else CPU), ``'cpu'``, ``'cuda'`` or
        ``'cuda:N'``. Sparse input and L1 penalties train on the CPU.

    init : {'zeros', 'xavier_uniform', 'xavier_normal', 'kaiming_uniform', \
'kaiming_normal', 'normal'}, default='zeros'
        Initial weights; the bias always starts at zero.

    weight_decay : float, default=0.0
        Each update (mistakes only) first shrinks ``w`` by
        ``1 - eta0 * weight_decay``; the bias is never shrunk. With
        ``'sigmoid'``, the L2 strength of SGD on the weights.
        ``eta0 * weight_decay`` must be below 1.

    dropout : float, default=0.0
        Rate at which input features are dropped (inverted dropout) during
        training; prediction uses all features. Dense input only.

    activation : {'step', 'sigmoid'}, default='step'
        ``'step'`` is the classic mistake-driven rule. ``'sigmoid'`` trains a
        logistic unit per class by minibatch gradient descent on the log-loss
        (the smooth replacement of the step) and provides ``predict_proba``;
        ``tol`` then watches the log-loss (or the validation accuracy), and
        with ``early_stopping`` the best epoch's weights are restored.

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
        Whether training stopped before ``max_iter``: every problem had a
        mistake-free epoch (``'step'`` without penalty) or was stopped by
        ``tol``.

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
        separated binary problem trained by the plain rule (``'step'``, zero
        init, no penalty, weight decay, dropout, class or sample weights,
        validation split, cold start) and are None otherwise. They are
        computed on rescaled vectors, so subnormal or huge inputs give
        accurate values; where the bound exceeds float64's range (a margin of
        about 1e-154 or less relative to the radius) or the margin is 0,
        ``mistake_bound_`` is ``inf``: true, but no longer informative.

    net_ : skorch.NeuralNet
        The fitted skorch net; ``net_.module_`` holds the weights.

    See Also
    --------
    MLPClassifier : Adds hidden layers, which solve problems such as XOR.
    sklearn.linear_model.Perceptron : scikit-learn's CPU implementation.

    Notes
    -----
    Other differences from scikit-learn's ``Perceptron``: on sparse input
    scikit-learn damps the bias updates by 0.01, here sparse and dense input
    give the same model (except for the L1 part of a penalty, which, as in
    scikit-learn, touches only a sparse row's non-zero features); ``tol``
    watches the exact penalty where scikit-learn's running norms are
    approximate, so with a penalty ``n_iter_`` can differ; without a penalty
    a problem stops at its first mistake-free epoch, where scikit-learn runs
    ``n_iter_no_change`` more epochs that change nothing.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_mlp import Perceptron
    >>> X = np.array([[2.0, 1.0], [1.0, 3.0], [-1.0, -2.0], [-2.0, -1.0]])
    >>> y = np.array([1, 1, 0, 0])
    >>> clf = Perceptron(shuffle=False, tol=None, device="cpu").fit(X, y)  # textbook
    >>> clf.predict(X)
    array([1, 1, 0, 0])
    >>> clf.coef_, clf.intercept_, clf.n_updates_
    (array([[2., 1.]]), array([1.]), 1)
    >>> bool(clf.n_updates_ <= clf.mistake_bound_)
    True
    """

    _parameter_constraints = {
        "penalty": [StrOptions({"l2", "l1", "elasticnet"}), None],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "l1_ratio": [Interval(Real, 0, 1, closed="both")],
        "fit_intercept": ["boolean"],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, None, None, closed="neither"), None],
        "shuffle": ["boolean"],
        "verbose": ["verbose"],
        "eta0": [Interval(Real, 0, None, closed="neither")],
        "n_jobs": [Integral, None],
        "random_state": ["random_state"],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "class_weight": [StrOptions({"balanced"}), dict, None],
        "warm_start": ["boolean"],
        "device": [str],
        "init": [StrOptions(set(PERCEPTRON_INITIALIZERS))],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "activation": [StrOptions(set(TRAINERS))],
    }

    def __init__(
        self,
        *,
        penalty=None,
        alpha=0.0001,
        l1_ratio=0.15,
        fit_intercept=True,
        max_iter=1000,
        tol=1e-3,
        shuffle=True,
        verbose=0,
        eta0=1.0,
        n_jobs=None,
        random_state=0,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=5,
        class_weight=None,
        warm_start=False,
        device="auto",
        init="zeros",
        weight_decay=0.0,
        dropout=0.0,
        activation="step",
    ):
        self.penalty = penalty
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.fit_intercept = fit_intercept
        self.max_iter = max_iter
        self.tol = tol
        self.shuffle = shuffle
        self.verbose = verbose
        self.eta0 = eta0
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.class_weight = class_weight
        self.warm_start = warm_start
        self.device = device
        self.init = init
        self.weight_decay = weight_decay
        self.dropout = dropout
        self.activation = activation

    # ------------------------------------------------------------------- fit
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the perceptron.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,)
            Class labels of any type.
        sample_weight : array-like of shape (n_samples,), default=None
            Scales each sample's update (multiplying ``class_weight``).

        Returns
        -------
        self : object
            The fitted estimator.
        """
        return fit_or_roll_back(self, lambda: self._fit_unguarded(X, y, sample_weight))

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """Run one epoch on ``(X, y)``, continuing from the current weights.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        classes : array-like of shape (n_classes,), default=None
            Every class that can ever appear; required on the first call.
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self : object
        """
        if self.early_stopping:
            raise ValueError("early_stopping should be False with partial_fit")
        first = not hasattr(self, "net_")
        if first and classes is None:
            raise ValueError(
                "classes must be passed on the first call to partial_fit: the "
                "perceptron needs one unit per class it will ever see."
            )
        if not first and classes is not None and not np.array_equal(
                np.unique(classes), self.classes_):
            raise ValueError(
                f"classes={np.unique(classes).tolist()} differs from the classes of "
                f"the first partial_fit call, {self.classes_.tolist()}."
            )
        return fit_or_roll_back(
            self, lambda: self._fit_unguarded(X, y, sample_weight, classes, epochs=1))

    def _check_inputs(self, X):
        values = X.data if sp.issparse(X) else X
        limit = _MAX_ABS_INPUT if self.activation == "step" else FLOAT32_MAX
        # two reductions, no |X| temporary (a copy of X)
        largest = max(values.max(initial=0.0), -values.min(initial=0.0))
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
        if sp.issparse(X) and self.dropout > 0:
            raise ValueError(
                "dropout on sparse input is not supported (its masks would be "
                "dense); use dropout=0 or convert X with .toarray()."
            )

    def _fit_unguarded(self, X, y, sample_weight=None, classes=None, epochs=None):
        incremental = epochs is not None
        warm = (self.warm_start or incremental) and hasattr(self, "net_")
        X, y = validate_data(self, X, y, reset=not warm, dtype=[np.float64, np.float32],
                             accept_sparse="csr")
        check_classification_targets(y)
        if sp.issparse(X) and not X.has_canonical_format:
            X = X.copy()
            X.sum_duplicates()  # the updates index each row's features once
        self._check_inputs(X)
        sample_weight = (None if sample_weight is None else
                         _check_sample_weight(sample_weight, X, ensure_non_negative=True))
        if warm:
            self._check_same_task(y)
        else:
            self._set_classes(y if classes is None else np.unique(classes))
            if classes is not None:
                self._check_same_task(y)
        signs = self._signs(y)
        step_scale = self._sample_update_scale(y, sample_weight)
        penalty = Penalty.from_params(self.penalty, self.alpha, self.l1_ratio, self.eta0)
        device = resolve_device(self.device)
        if self.activation == "step" and (sp.issparse(X) or penalty.l1_step > 0):
            device = "cpu"  # these epochs run in NumPy / SciPy
        init_gen, shuffle_gen, dropout_gen, split_seed = make_generators(
            self.random_state, ["cpu", device, device]
        )
        if not warm:
            self.net_ = self._new_net(X.shape, signs.shape[1], device)
            fill_weights(self.net_.module_.linears, PERCEPTRON_INITIALIZERS[self.init],
                         "linear", init_gen)
        elif torch.device(self.net_.device) != torch.device(device):
            self.net_.module_.to(device)
            self.net_.device = device
        train, valid = self._validation_split(y, sample_weight, split_seed)
        if self.activation == "step":
            data, valid = self._configure_step(X, signs, step_scale, penalty, train, valid,
                                               device, shuffle_gen, dropout_gen)
        else:
            data, valid = self._configure_sigmoid(X, signs, step_scale, train, valid,
                                                  device, shuffle_gen, dropout_gen)
        epochs_before = len(self.net_.history)
        try:
            self.net_.partial_fit(data, None, epochs=epochs or self.max_iter, valid=valid)
        finally:
            self.net_.generator = None
            for layer in self.net_.module_.dropouts:
                layer.generator = None
        plain = sample_weight is None and not self.early_stopping and not penalty.active
        self._record_fit(X, signs, len(self.net_.history) - epochs_before,
                         warm or not plain, incremental)
        return self

    def _validation_split(self, y, sample_weight, seed):
        """Indices of the training rows and of the validation rows (None)."""
        if sample_weight is None and not self.early_stopping:
            return slice(None), None  # every row: X[train] is a view, not a copy
        # rows of weight 0 take no part in training (as if removed)
        everything = (np.arange(len(y)) if sample_weight is None
                      else np.flatnonzero(sample_weight > 0))
        if len(everything) == 0:
            raise ValueError("Sample weights must contain at least one non-zero number.")
        if not self.early_stopping:
            return everything, None
        try:
            train, valid = train_test_split(everything, test_size=self.validation_fraction,
                                            random_state=seed, stratify=y[everything])
        except ValueError as exc:
            raise ValueError(
                f"Splitting {len(y)} samples into a train set and a stratified "
                f"validation set with validation_fraction={self.validation_fraction} "
                f"failed ({exc}). Please either change validation_fraction, increase "
                "number of samples, or disable early_stopping."
            ) from exc
        if sample_weight is not None and not np.any(sample_weight[valid] > 0):
            raise ValueError(
                "The sample weights for validation set are all zero, consider using "
                "a different random state."
            )
        return np.sort(train), np.sort(valid)

    def _configure_step(self, X, signs, step_scale, penalty, train, valid, device,
                        shuffle_gen, dropout_gen):
        """The training data of the mistake-driven rule, set up on the net."""
        X_train = X[train]
        eta = self.eta0 * step_scale[train]
        if sp.issparse(X):
            X_train = X_train.astype(np.float64)
            data = TensorData(X_train, signs[train], eta)
        else:
            data = TensorData(to_tensor(X_train, device, np.float64),
                              to_tensor(signs[train], device, np.float64),
                              to_tensor(eta, device, np.float64))
        checks = None
        if valid is not None:
            X_valid = X[valid]
            checks = (X_valid.astype(np.float64) if sp.issparse(X_valid)
                      else np.asarray(X_valid, dtype=np.float64), signs[valid])
        self.net_.configure_rule(
            eta=self.eta0, decay=self.eta0 * self.weight_decay,
            fit_intercept=self.fit_intercept, shuffle=self.shuffle,
            dropout=self.dropout, weighted=not np.all(step_scale == 1.0),
            generator=shuffle_gen, dropout_generator=dropout_gen,
            screen=make_screen(np.asarray(X_train, dtype=np.float64))
            if device == "cpu" and self.dropout == 0 and not sp.issparse(X) else None,
            penalty=penalty, tol=self.tol, n_iter_no_change=self.n_iter_no_change,
            valid=checks, n_jobs=self.n_jobs,
        )
        return data, None

    def _configure_sigmoid(self, X, signs, step_scale, train, valid, device, shuffle_gen,
                           dropout_gen):
        """Training and validation data of the logistic units, set up on the net."""
        def tensor_data(rows, weights=None):
            Xr = X[rows]
            if sp.issparse(Xr):
                return TensorData(Xr, to_tensor((signs[rows] + 1) / 2, device), weights,
                                  device=device)
            return TensorData(to_tensor(Xr, device), to_tensor((signs[rows] + 1) / 2, device),
                              weights)

        weights = None
        if not np.all(step_scale[train] == 1.0):
            scale = step_scale[train]
            weights = to_tensor(scale / scale.mean(), device)
        net = self.net_
        net.shuffle, net.generator = self.shuffle, shuffle_gen
        for layer in net.module_.dropouts:
            layer.generator = dropout_gen
        net.set_params(callbacks__monitor=Monitor(
            -np.inf if self.tol is None else self.tol, self.n_iter_no_change,
            early_stopping=valid is not None))
        return tensor_data(train, weights), None if valid is None else tensor_data(valid)

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

    def _sample_update_scale(self, y, sample_weight=None):
        """Each sample's step-size factor: its class weight times its weight."""
        scale = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight,
                                                                         dtype=np.float64)
        if self.class_weight is not None:
            present = np.unique(y)
            weights = compute_class_weight(self.class_weight, classes=present, y=y)
            scale = scale * weights[np.searchsorted(present, y)]
        return scale

    def _record_fit(self, X, signs, epochs_run, not_plain, incremental):
        history = self.net_.history
        self.n_iter_ = epochs_run
        self.t_ = epochs_run * X.shape[0] + 1
        separated = False
        if self.activation == "step":
            self.n_updates_ = int(sum(history[-epochs_run:, "train_updates"]))
            self.converged_ = bool(self.net_.all_converged())
            separated = self.net_.all_separated()
        else:
            self.n_updates_ = None
            self.converged_ = bool(dict(self.net_.callbacks_)["monitor"].converged_)
        plain_rule = (
            self.activation == "step" and self.init == "zeros" and not not_plain
            and self.weight_decay == 0 and self.dropout == 0
            and self.class_weight is None
        )
        self.radius_ = self.margin_ = self.mistake_bound_ = None
        if plain_rule and separated and signs.shape[1] == 1:
            self._set_convergence_theorem_quantities(X, signs[:, 0])
        if incremental or self.converged_:
            return
        if self.tol is not None:
            warnings.warn(
                "Maximum number of iteration reached before convergence. Consider "
                f"increasing max_iter (now {self.max_iter}) to improve the fit.",
                ConvergenceWarning,
            )
        elif self.activation == "step" and self.penalty is None:
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
        X = X.astype(np.float64) if sp.issparse(X) else np.asarray(X, dtype=np.float64)
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
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
            One column per class, or a single score (positive means
            ``classes_[1]``) for a binary problem.
        """
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=[np.float64, np.float32],
                          accept_sparse="csr")
        if sp.issparse(X):  # one sparse product in float64: no dense copy of X
            scores = np.asarray(X @ self.coef_.T) + self.intercept_
            check_finite_outputs(scores)
            return scores[:, 0] if scores.shape[1] == 1 else scores
        module = self.net_.module_
        if module.training:  # left in training mode by an interrupted fit
            module.eval()
        dtype = np.float64 if module.linears[0].weight.dtype == torch.float64 else np.float32
        chunk = PREDICT_CHUNK[torch.device(self.net_.device).type]
        scores = np.empty((X.shape[0], module.linears[0].out_features))
        with torch.inference_mode():
            for start in range(0, X.shape[0], chunk):
                out = module(to_tensor(X[start : start + chunk], self.net_.device, dtype))
                scores[start : start + len(out)] = out.double().cpu().numpy()
        check_finite_outputs(scores)
        return scores[:, 0] if scores.shape[1] == 1 else scores

    def predict(self, X):
        """Predict class labels.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

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
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

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
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
        """
        return log_of_proba(self.predict_proba(X))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags
