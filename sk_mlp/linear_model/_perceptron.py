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
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

from .._common.fitting import (check_finite_outputs, check_partial_fit_classes,
                               class_weight_per_sample, fit_or_roll_back, log_of_proba,
                               make_generators, validation_split)
from .._common.predicting import predict_in_chunks
from .._common.state import PlainStateMixin
from .._torch.data import to_tensor
from .._torch.device import resolve_device
from .._torch.initializers import PERCEPTRON_INITIALIZERS, fill_weights
from .._torch.safe_math import max_row_norm, norm, squared_ratio
from ._mistake_driven import Penalty
from ._export import PerceptronExportMixin
from ._trainers import TRAINERS


class Perceptron(PerceptronExportMixin, PlainStateMixin, ClassifierMixin, BaseEstimator):
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

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
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
        check_partial_fit_classes(self, classes, not hasattr(self, "net_"))
        return fit_or_roll_back(
            self, lambda: self._fit_unguarded(X, y, sample_weight, classes, epochs=1))

    def _check_inputs(self, X):
        values = X.data if sp.issparse(X) else X
        limit = TRAINERS[self.activation].input_limit
        # two reductions, no |X| temporary (a copy of X)
        largest = max(values.max(initial=0.0), -values.min(initial=0.0))
        if largest > limit:
            raise ValueError(
                f"X holds values up to {largest:.3g}; beyond {limit:.3g} the "
                "perceptron's arithmetic overflows. Scale the inputs."
            )
        TRAINERS[self.activation].check_inputs(self, largest)
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
        trainer = TRAINERS[self.activation]
        device = trainer.device(resolve_device(self.device), X, penalty)
        init_gen, shuffle_gen, dropout_gen, split_seed = make_generators(
            self.random_state, ["cpu", device, device]
        )
        if not warm:
            self.net_ = trainer.new_net(self, *X.shape, signs.shape[1], device)
            fill_weights(self.net_.module_.linears, PERCEPTRON_INITIALIZERS[self.init],
                         "linear", init_gen)
        elif torch.device(self.net_.device) != torch.device(device):
            self.net_.module_.to(device)
            self.net_.device = device
        train, valid = self._validation_split(y, sample_weight, split_seed)
        data, valid, fit_kwargs = trainer.configure(
            self, X, signs, step_scale, penalty, train, valid, device, shuffle_gen,
            dropout_gen)
        epochs_before = len(self.net_.history)
        self.net_.partial_fit(data, None, epochs=epochs or self.max_iter, valid=valid,
                              **fit_kwargs)
        plain = sample_weight is None and not self.early_stopping and not penalty.active
        self._record_fit(X, signs, len(self.net_.history) - epochs_before,
                         warm or not plain, incremental)
        return self

    def _validation_split(self, y, sample_weight, seed):
        """``(training rows, validation rows)`` in the order given (the plain
        rule's order matters), the validation rows None without
        ``early_stopping``; rows of weight 0 take no part (as if removed)."""
        if sample_weight is None and not self.early_stopping:
            return slice(None), None  # every row: X[train] is a view, not a copy
        everything = (np.arange(len(y)) if sample_weight is None
                      else np.flatnonzero(sample_weight > 0))
        if len(everything) == 0:
            raise ValueError("Sample weights must contain at least one non-zero number.")
        if not self.early_stopping:
            return everything, None
        train, valid = validation_split(everything, self.validation_fraction, seed,
                                        stratify=y[everything])
        return np.sort(train), np.sort(valid)

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
        """Each sample's step-size factor: its class weight (from row counts,
        as scikit-learn's linear models) times its weight."""
        scale = class_weight_per_sample(self.class_weight, y, sample_weight,
                                        count_weight=False)
        return np.ones(len(y)) if scale is None else np.asarray(scale, dtype=np.float64)

    def _record_fit(self, X, signs, epochs_run, not_plain, incremental):
        self.n_iter_ = epochs_run
        self.t_ = epochs_run * X.shape[0] + 1
        self.n_updates_, self.converged_, separated = TRAINERS[self.activation].outcome(
            self.net_, epochs_run)
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
        dtype = np.float64 if module.linears[0].weight.dtype == torch.float64 else np.float32
        scores = predict_in_chunks(module, X, self.net_.device,
                                   lambda rows: to_tensor(rows, self.net_.device, dtype))
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
        if not TRAINERS[self.activation].has_proba:
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
