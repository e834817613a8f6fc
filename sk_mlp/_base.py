"""Shared base of the MLP estimators: parameters, validation and the fit loop.

The public classes only add what differs between tasks: how targets are
encoded, which output activation and loss are used, and how raw network
outputs become predictions.
"""

import copy
import warnings
from abc import ABCMeta, abstractmethod
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
import torch
from sklearn.base import BaseEstimator, _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, Options, StrOptions
from sklearn.utils.validation import (
    _check_sample_weight,
    check_is_fitted,
    column_or_1d,
    validate_data,
)

from ._activations import ACTIVATIONS, KAIMING_NONLINEARITY
from ._data import DENSE_CHUNK_VALUES, BatchIterator, TensorData, to_tensor
from ._fitted import FittedAttributesMixin
from ._device import resolve_device
from ._init import INITIALIZERS, fill_weights, sklearn_glorot
from ._lbfgs import fit_lbfgs
from ._losses import BinaryCrossEntropy, CrossEntropy, HalfPoissonDeviance, HalfSquaredError
from ._module import INPUT_SCALINGS, MLPModule, load_state_dict_checked
from ._net import (
    GradientClipping,
    IterationPrinter,
    Monitor,
    ProgressBar,
    Schedule,
    TrainingNet,
)
from ._optim import OPTIMIZERS, SCHEDULES, optimizer_params
from ._scaling import input_statistics
from ._state import PlainStateMixin


def _accuracy(logits, y):
    return (logits.argmax(dim=1) == y).float().mean()


def _subset_accuracy(logits, y):
    return ((logits > 0) == (y > 0.5)).all(dim=1).float().mean()


def _r2(pred, y):
    residual = ((y - pred) ** 2).sum(dim=0)
    total = ((y - y.mean(dim=0)) ** 2).sum(dim=0)
    r2 = torch.where(total > 0, 1 - residual / total.clamp_min(1e-30),
                     (residual == 0).float())
    return r2.mean()


# Output activation -> (per-sample loss, logits -> outputs, validation score).
# The keys are scikit-learn's ``out_activation_`` names.
OUTPUTS = {
    "softmax": (CrossEntropy, lambda z: torch.softmax(z, dim=1), _accuracy),
    "logistic": (BinaryCrossEntropy, torch.sigmoid, _subset_accuracy),
    "identity": (HalfSquaredError, lambda z: z, _r2),
    "exp": (HalfPoissonDeviance, torch.exp, lambda z, y: _r2(torch.exp(z), y)),
}


# Public ``dtype`` -> torch dtype of the network and its data.
DTYPES = {"float32": torch.float32, "float64": torch.float64}


def check_finite_outputs(out):
    """Return ``out``, or raise ValueError if any value is NaN or infinite."""
    if not np.isfinite(out).all():
        raise ValueError(
            "The model's outputs are not finite for some rows: their inputs are "
            "too large for the network (or the model diverged). Scale the inputs "
            "the way the training data were scaled."
        )
    return out


def log_of_proba(proba):
    """``log(proba)``, with log(0) = -inf and no warning."""
    with np.errstate(divide="ignore"):
        return np.log(proba)


def fit_or_roll_back(estimator, fit):
    """Run ``fit()``; if it raises, leave ``estimator`` as it was.

    A fresh fit that fails leaves the previous model (or an unfitted
    estimator) in place; a warm start or ``partial_fit`` that fails puts the
    weights, optimiser state and history of the shared net back as they were.
    Ctrl-C inside the training loop is not a failure: skorch stops training
    and the model keeps what it learned.
    """
    saved = dict(estimator.__dict__)
    net = saved.get("net_")
    snapshot = None
    if net is not None:
        snapshot = (
            torch.nn.utils.parameters_to_vector(net.module_.parameters()).detach().clone(),
            copy.deepcopy(net.optimizer_.state_dict()),
            len(net.history),
        )
    try:
        return fit()
    except BaseException:
        if snapshot is not None:
            params, optimizer_state, n_epochs = snapshot
            with torch.no_grad():
                torch.nn.utils.vector_to_parameters(params, net.module_.parameters())
            net.optimizer_.load_state_dict(optimizer_state)
            del net.history[n_epochs:]
        estimator.__dict__.clear()
        estimator.__dict__.update(saved)
        raise


def _stochastic_solver(estimator):
    """``available_if`` check of ``partial_fit``: only stochastic solvers."""
    if estimator.solver == "lbfgs":
        raise AttributeError(
            "partial_fit is only available for stochastic optimizers. lbfgs is not "
            "stochastic."
        )
    return True


class TrainingDivergedWarning(RuntimeWarning):
    """Training stopped because the loss or the weights became non-finite."""

_SEED_HIGH = np.iinfo(np.int32).max
_FLOAT32_MAX = float(np.finfo(np.float32).max)
# Rows converted to tensors and pushed through the network at a time when
# predicting: bounds the extra memory of predicting on millions of rows. On
# the CPU, chunks whose activations stay in cache are fastest; a GPU wants
# large ones.
PREDICT_CHUNK = {"cpu": 2048, "cuda": 65536}
_FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))
# early_stopping='auto' holds out a validation split from this many rows: a
# split of at least 20 rows. The quality benchmark found early stopping on
# the validation loss helps from a few hundred rows up (Diabetes, 353
# training rows: RMSE 55 with it, 64 without) and changes nothing
# measurable on the smallest tables (Iris, Wine).
AUTO_EARLY_STOPPING_ROWS = 200
# weight_decay='auto': this decay up to AUTO_WEIGHT_DECAY_ROWS rows passed to
# fit, then shrinking as 1 / n_samples (the penalty is a prior whose weight
# against the mean loss falls as the data grow) down to a tenth of it, from
# ten times the rows on. The quality benchmark found 1e-3 best on the small
# and noisy tables (noisy regression RMSE 1.50 against 1.81 at 1e-4), too
# strong on the large ones (Bikeshare 36.8 against 33.9), and 1e-4 right for
# Fashion-MNIST's 60,000 rows (0.901; 0.888 at 3.7e-5).
AUTO_WEIGHT_DECAY = 1e-3
AUTO_WEIGHT_DECAY_ROWS = 2000
# dropout='auto': this rate with the stochastic solvers, none with L-BFGS
# (whose line search needs a deterministic loss)
AUTO_DROPOUT = 0.1


def make_generators(random_state, devices):
    """One torch generator per entry of ``devices``, seeded from ``random_state``,
    plus one integer seed for NumPy-side draws (the validation split).

    A local generator per purpose (weights, shuffling, dropout) keeps fits
    reproducible without touching torch's global RNG.
    """
    rng = check_random_state(random_state)
    seeds = rng.randint(_SEED_HIGH, size=len(devices) + 1)
    generators = [
        torch.Generator(device=device).manual_seed(int(seed))
        for device, seed in zip(devices, seeds)
    ]
    return generators + [int(seeds[-1])]


class BaseMLP(FittedAttributesMixin, PlainStateMixin, BaseEstimator,
              metaclass=ABCMeta):
    """Base class for MLP estimators built on a skorch net (``net_``)."""

    _parameter_constraints = {
        "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
        "activation": [StrOptions(set(ACTIVATIONS))],
        "solver": [StrOptions(set(OPTIMIZERS) | {"lbfgs"})],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "max_fun": [Interval(Integral, 1, None, closed="left")],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "batch_size": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "learning_rate": [StrOptions(set(SCHEDULES))],
        "power_t": [Interval(Real, 0, None, closed="left")],
        "early_stopping": ["boolean", StrOptions({"auto"})],
        "early_stopping_metric": [StrOptions({"auto", "loss", "score"})],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "max_grad_norm": [Interval(Real, 0, None, closed="neither"), None],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left"),
                             Options(Real, {np.inf})],
        "shuffle": ["boolean"],
        "momentum": [Interval(Real, 0, 1, closed="both")],
        "nesterovs_momentum": ["boolean"],
        "beta_1": [Interval(Real, 0, 1, closed="left")],
        "beta_2": [Interval(Real, 0, 1, closed="left")],
        "epsilon": [Interval(Real, 0, None, closed="neither")],
        "weight_decay": [Interval(Real, 0, None, closed="left"), StrOptions({"auto"})],
        "dropout": [Interval(Real, 0, 1, closed="left"), "array-like",
                    StrOptions({"auto"})],
        "init": [StrOptions(set(INITIALIZERS))],
        "dtype": [StrOptions(set(DTYPES) | {"auto"})],
        "device": [str],
        "random_state": ["random_state"],
        "warm_start": ["boolean"],
        "verbose": ["verbose"],
        "input_scaling": [StrOptions(set(INPUT_SCALINGS)), None],
        "ema_momentum": [Interval(Real, 0, 1, closed="left")],
    }

    @abstractmethod
    def __init__(
        self,
        *,
        hidden_layer_sizes,
        activation,
        solver,
        alpha,
        learning_rate_init,
        batch_size,
        max_iter,
        tol,
        learning_rate,
        power_t,
        early_stopping,
        early_stopping_metric,
        validation_fraction,
        max_grad_norm,
        n_iter_no_change,
        max_fun,
        shuffle,
        momentum,
        nesterovs_momentum,
        beta_1,
        beta_2,
        epsilon,
        weight_decay,
        dropout,
        init,
        dtype,
        device,
        random_state,
        warm_start,
        verbose,
        input_scaling,
        ema_momentum,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.learning_rate_init = learning_rate_init
        self.batch_size = batch_size
        self.max_iter = max_iter
        self.tol = tol
        self.learning_rate = learning_rate
        self.power_t = power_t
        self.early_stopping = early_stopping
        self.early_stopping_metric = early_stopping_metric
        self.validation_fraction = validation_fraction
        self.max_grad_norm = max_grad_norm
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun
        self.shuffle = shuffle
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.weight_decay = weight_decay
        self.dropout = dropout
        self.init = init
        self.dtype = dtype
        self.device = device
        self.random_state = random_state
        self.warm_start = warm_start
        self.verbose = verbose
        self.input_scaling = input_scaling
        self.ema_momentum = ema_momentum

    # ------------------------------------------------------------------ hooks
    @abstractmethod
    def _encode_targets(self, y, reset, classes=None, sample_weight=None,
                        incremental=False):
        """Validate ``y``, set target metadata when ``reset``; return
        ``(targets as a NumPy array, number of network outputs)``."""

    def _sample_weights(self, y, sample_weight):
        """Per-sample loss weights (None for equal weights)."""
        return sample_weight

    def _stratify(self, y):
        """Labels to stratify the validation split on (None: no stratification)."""
        return None

    @abstractmethod
    def _output_activation(self):
        """Key of ``OUTPUTS`` for the fitted target type."""

    @abstractmethod
    def _target_tensor(self, y):
        """Encoded targets as a tensor of the dtype the loss expects."""

    def _network_np_dtype(self):
        dtype = self.net_.module_.linears[0].weight.dtype
        return np.float64 if dtype == torch.float64 else np.float32

    def _check_float32_range(self, array):
        if self._network_np_dtype() == np.float32 and array.size and max(
                array.max(), -array.min()) > _FLOAT32_MAX:
            raise ValueError(
                "Solver produced non-finite parameter weights. The input data may "
                "contain large values and need to be preprocessed: the data hold "
                f"values up to {np.abs(array).max():.3g}, beyond the float32 range "
                f"({_FLOAT32_MAX:.3g}) the network computes in. Scale the inputs "
                "(e.g. StandardScaler) or use dtype='float64'."
            )

    def _as_tensor(self, array):
        """Float data as a tensor on the network's device, in its dtype."""
        self._check_float32_range(array)
        return to_tensor(array, self.net_.device, self._network_np_dtype())

    # ------------------------------------------------------------ validation
    def _hidden_sizes(self):
        sizes = self.hidden_layer_sizes
        if isinstance(sizes, Integral):
            sizes = (sizes,)
        sizes = tuple(sizes)
        if not all(isinstance(s, Integral) and not isinstance(s, bool) and s > 0
                   for s in sizes):
            raise ValueError(
                "hidden_layer_sizes must contain positive integers only, got "
                f"{self.hidden_layer_sizes!r}; use () for no hidden layer."
            )
        return tuple(int(s) for s in sizes)

    def _dropout_rates(self, n_hidden):
        if isinstance(self.dropout, str):  # 'auto'
            rate = 0.0 if self.solver == "lbfgs" else AUTO_DROPOUT
            return (rate,) * n_hidden
        if isinstance(self.dropout, Real):
            return (float(self.dropout),) * n_hidden
        rates = tuple(float(r) for r in self.dropout)
        if len(rates) != n_hidden:
            raise ValueError(
                f"dropout has {len(rates)} rates but there are {n_hidden} hidden "
                "layers: give one rate per hidden layer or a single float."
            )
        if not all(0.0 <= r < 1.0 for r in rates):
            raise ValueError(f"every dropout rate must be in [0, 1), got {rates}.")
        return rates

    def _weight_decay_for(self, n_samples):
        """``weight_decay``, where 'auto' is AUTO_WEIGHT_DECAY up to
        AUTO_WEIGHT_DECAY_ROWS rows, AUTO_WEIGHT_DECAY * ROWS / n beyond, and
        a tenth of AUTO_WEIGHT_DECAY from ten times ROWS on."""
        if self.weight_decay == "auto":
            share = AUTO_WEIGHT_DECAY_ROWS / max(n_samples, 1)
            return AUTO_WEIGHT_DECAY * min(1.0, max(0.1, share))
        return float(self.weight_decay)

    def _learning_rate_for(self, n_samples):
        """The step size a fit on ``n_samples`` rows starts from."""
        return float(self.learning_rate_init)

    def _batch_size(self, n_samples):
        if self.batch_size == "auto":
            return min(200, n_samples)
        return min(self.batch_size, n_samples)

    def _validate_y_shape(self, y):
        """Ravel a column-vector ``y`` with a warning, as scikit-learn does."""
        y = np.asarray(y) if not hasattr(y, "shape") else y
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        return y

    # ------------------------------------------------------------------- fit
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the model to data ``X`` and targets ``y``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data (NumPy, lists or pandas; converted to float32).
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weight of each sample in the loss: a weight of 0
            drops the sample, an integer weight k counts it k times.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        return self._fit(X, y, sample_weight, incremental=False)

    def _is_fitted(self):
        return hasattr(self, "net_")

    def _check_weights(self, sample_weight, X):
        if sample_weight is None:
            return None
        sample_weight = _check_sample_weight(sample_weight, X, ensure_non_negative=True)
        if not np.isfinite(sample_weight).all():
            raise ValueError("sample_weight contains NaN or infinity.")
        if sample_weight.max(initial=0.0) <= 0:
            raise ValueError("Sample weights must contain at least one non-zero number.")
        return sample_weight

    def _fit(self, X, y, sample_weight, incremental, classes=None):
        return fit_or_roll_back(
            self, lambda: self._fit_unguarded(X, y, sample_weight, incremental, classes)
        )

    def _prepare_fit(self, X, y, sample_weight, incremental, classes):
        """Everything ``fit`` does before training: validation, target
        encoding and, on a reset, a freshly initialised network.

        Returns ``(X, y, targets, weights, (shuffle_gen, dropout_gen,
        split_seed))``; ``sk_mlp.diagnostics`` uses it to look at the network
        training would start from.
        """
        if incremental and self.early_stopping is True:
            raise ValueError("partial_fit does not support early_stopping=True")
        reset = not self._is_fitted() or (not self.warm_start and not incremental)
        X, y = validate_data(
            self,
            X,
            y,
            reset=reset,
            dtype=[np.float64, np.float32],
            accept_sparse=["csr", "csc"],
            multi_output=True,
            y_numeric=self._y_numeric,
        )
        X = X.tocsr() if sp.issparse(X) else X
        y = self._validate_y_shape(y)
        sample_weight = self._check_weights(sample_weight, X)
        weight_decay = self._weight_decay_for(X.shape[0])
        hidden = self._hidden_sizes()
        dropout = self._dropout_rates(len(hidden))
        if self.solver == "lbfgs" and any(dropout):
            raise ValueError(
                "solver='lbfgs' needs a deterministic loss: set dropout=0, or use a "
                "stochastic solver ('adam', 'adamw', 'sgd') with dropout."
            )
        device = resolve_device(self.device)
        targets, n_outputs = self._encode_targets(y, reset, classes, sample_weight,
                                                  incremental=incremental)
        weights = self._sample_weights(y, sample_weight)
        init_gen, shuffle_gen, dropout_gen, split_seed = make_generators(
            self.random_state, ["cpu", device, device]
        )
        if incremental and not reset and hasattr(self, "_stream_states"):
            # partial_fit continues the shuffling and dropout streams, so k
            # calls train exactly like fit with max_iter=k
            shuffle_gen.set_state(self._stream_states[0])
            dropout_gen.set_state(self._stream_states[1])
        if reset:
            # outputs and fitted attributes come back in the input's precision
            self._output_dtype = np.dtype(X.dtype)
            self.net_ = self._build_net(
                dict(n_inputs=X.shape[1], hidden_layer_sizes=hidden, n_outputs=n_outputs,
                     activation=self.activation, dropout=dropout,
                     input_scaling=self.input_scaling),
                self._network_dtype(), device, weight_decay,
                self._learning_rate_for(X.shape[0]))
            scaling = self.net_.module_.scaling
            if scaling is not None:
                # statistics of the rows fit sees (with their weights); kept
                # by warm starts and later partial_fit calls
                shift, scale = input_statistics(X, sample_weight, self.input_scaling)
                with torch.no_grad():
                    scaling.shift.copy_(torch.from_numpy(shift))
                    scaling.scale.copy_(torch.from_numpy(scale))
            if self.init == "sklearn":
                # a fresh RandomState for an int seed, as scikit-learn's fit
                sklearn_glorot(self.net_.module_.linears,
                               check_random_state(self.random_state), self.activation)
            else:
                fill_weights(self.net_.module_.linears, INITIALIZERS[self.init],
                             KAIMING_NONLINEARITY[self.activation], init_gen)
            self.t_ = 0
        self.net_.l2_alpha = self.alpha
        self.net_.l2_by_optimizer = self.solver in ("adam", "sgd")
        self.net_.base_weight_decay = weight_decay
        groups = self.net_.optimizer_.param_groups
        if len(groups) > 1:  # the weights' group (the biases' is first, never decayed)
            groups[-1]["weight_decay"] = weight_decay
        self.net_.loss_scale = self._loss_scale()
        return X, y, targets, weights, (shuffle_gen, dropout_gen, split_seed)

    def _fit_unguarded(self, X, y, sample_weight, incremental, classes):
        X, y, targets, weights, (shuffle_gen, dropout_gen, split_seed) = \
            self._prepare_fit(X, y, sample_weight, incremental, classes)
        if self.solver == "lbfgs":
            train, _ = self._split(X, targets, weights, y, False, split_seed)
            epochs_run = fit_lbfgs(self.net_, train, max_iter=self.max_iter,
                                   max_fun=self.max_fun, tol=self.tol,
                                   chunk=self._chunk_rows(X), verbose=bool(self.verbose))
            self.t_ += epochs_run * len(train)
        else:
            early_stopping = self._uses_early_stopping(X.shape[0], incremental)
            try:
                train, valid = self._split(X, targets, weights, y, early_stopping,
                                           split_seed)
            except ValueError:
                if self.early_stopping != "auto":
                    raise
                # 'auto' holds out a split only where one can be made (every
                # class in both parts, a positive weight left for training)
                early_stopping = False
                train, valid = self._split(X, targets, weights, y, False, split_seed)
            monitor = self._configure_net(len(train), early_stopping, shuffle_gen,
                                          dropout_gen, self._learning_rate_for(X.shape[0]),
                                          incremental)
            epochs_before = len(self.net_.history)
            try:
                self.net_.partial_fit(train, None,
                                      epochs=1 if incremental else self.max_iter,
                                      valid=valid)
            finally:
                self._release_generators()
            epochs_run = len(self.net_.history) - epochs_before
            self.t_ += epochs_run * len(train)
            # the streams' states (CPU byte tensors, picklable anywhere)
            self._stream_states = (shuffle_gen.get_state(), dropout_gen.get_state())
            self._warn_about_the_end(monitor, epochs_run, incremental)
        # as in scikit-learn: the epochs (iterations) of this call
        self.n_iter_ = epochs_run
        if not all(bool(torch.isfinite(p).all()) for p in self.net_.module_.parameters()):
            raise ValueError(
                "Solver produced non-finite parameter weights. The input data may "
                "contain large values and need to be preprocessed."
            )
        return self

    def _uses_early_stopping(self, n_samples, incremental=False):
        """Whether this fit holds out a validation split and stops on it:
        ``early_stopping``, where ``'auto'`` means from
        ``AUTO_EARLY_STOPPING_ROWS`` training rows up (never in
        ``partial_fit``, which trains one epoch)."""
        if incremental:
            return False
        if self.early_stopping == "auto":
            return n_samples >= AUTO_EARLY_STOPPING_ROWS
        return bool(self.early_stopping)

    def _early_stopping_metric(self):
        """What early stopping watches: ``early_stopping_metric``, where
        ``'auto'`` is the validation loss for ``early_stopping='auto'`` and
        scikit-learn's validation score for ``early_stopping=True``."""
        if self.early_stopping_metric == "auto":
            return "loss" if self.early_stopping == "auto" else "score"
        return self.early_stopping_metric

    def _network_dtype(self):
        """The network's precision: ``dtype``, where 'auto' is float64 for
        L-BFGS (its line search needs the precision) and float32 otherwise."""
        if self.dtype == "auto":
            return "float64" if self.solver == "lbfgs" else "float32"
        return self.dtype

    def _loss_scale(self):
        """Factor from the loss the network minimises to the reported loss."""
        return 1.0

    def _chunk_rows(self, X):
        """Rows per chunk for full passes: bounded, and for sparse input so
        that a densified chunk holds at most about 4M values."""
        rows = PREDICT_CHUNK[torch.device(self.net_.device).type]
        if sp.issparse(X):
            rows = min(rows, max(1, DENSE_CHUNK_VALUES // max(X.shape[1], 1)))
        return rows

    def _tensor_data(self, X, y=None, weights=None):
        """:class:`TensorData` of dense or sparse ``X`` in the network's dtype."""
        if sp.issparse(X):
            self._check_float32_range(X.data)
            return TensorData(X, y, weights, device=self.net_.device,
                              dtype=self._network_np_dtype())
        return TensorData(self._as_tensor(X), y, weights)

    def _split(self, X, targets, weights, y, early_stopping, seed):
        """Training and validation :class:`TensorData` (validation None).

        Without a validation split the data are used as they are: a float32
        C-ordered ``X`` becomes a tensor without any copy on the CPU.
        """
        index = slice(None)
        valid = None
        if early_stopping:
            stratify = self._stratify(y)
            try:
                index, valid_index = train_test_split(
                    np.arange(X.shape[0]), test_size=self.validation_fraction,
                    random_state=seed, stratify=stratify,
                )
            except ValueError as exc:
                if stratify is None:
                    raise
                raise ValueError(
                    f"{exc} The validation split for early_stopping is stratified: "
                    "increase validation_fraction or the number of samples of the "
                    "rare classes, or set early_stopping=False."
                ) from exc
            if len(valid_index) < 2:
                raise ValueError(
                    "The validation set is too small. Increase 'validation_fraction' "
                    "or the size of your dataset."
                )
            valid = self._tensor_data(X[valid_index],
                                      self._target_tensor(targets[valid_index]))
        if weights is not None:
            weights = weights[index]
            if not weights.max(initial=0.0) > 0:
                raise ValueError(
                    "Every sample left for training after the validation split has "
                    "sample_weight 0; give more samples a positive weight or set "
                    "early_stopping=False."
                )
            # normalised to mean 1 (the mean taken on rescaled weights, finite
            # for any finite weights); the mean itself is kept for alpha's
            # penalty, which is relative to the total weight as in scikit-learn
            largest = weights.max()
            relative = weights / largest
            self.net_.weight_mean_ = float(largest * relative.mean())
            weights = self._as_tensor(relative / relative.mean())
        train = self._tensor_data(X[index], self._target_tensor(targets[index]), weights)
        return train, valid

    def _warn_about_the_end(self, monitor, epochs_run, incremental):
        if monitor.diverged_:
            warnings.warn(
                "Training stopped: the loss or the weights became non-finite (NaN "
                f"or infinity) in epoch {epochs_run} of this fit. "
                "The last finite weights were restored (the best ones with "
                "early_stopping). Try a lower learning_rate_init, scaling the "
                "inputs (e.g. StandardScaler) or setting max_grad_norm.",
                TrainingDivergedWarning,
            )
        elif incremental or monitor.converged_:
            return
        elif epochs_run < self.max_iter:
            warnings.warn(
                f"Training was interrupted after {epochs_run} epochs; the model "
                "keeps the weights it had then (the best so far with "
                "early_stopping).",
                UserWarning,
            )
        else:
            warnings.warn(
                f"Stochastic Optimizer: Maximum iterations ({self.max_iter}) "
                "reached and the optimization hasn't converged yet. Increase "
                "max_iter or learning_rate_init, or scale the inputs.",
                ConvergenceWarning,
            )

    def _criterion_params(self):
        """Keyword arguments of the output's loss module."""
        return {}

    def _build_net(self, module_kwargs, dtype, device, weight_decay=None,
                   learning_rate=None):
        """A new, initialised skorch net for an ``MLPModule(**module_kwargs)``,
        its optimiser decaying the weights by ``weight_decay`` at step size
        ``learning_rate`` (by default the values 'auto' starts from; fit sets
        the ones it resolves to)."""
        if learning_rate is None:
            learning_rate = self._learning_rate_for(0)
        loss_cls, _, scorer = OUTPUTS[self._output_activation()]
        net = TrainingNet(
            module=MLPModule,
            **{f"module__{k}": v for k, v in module_kwargs.items()},
            criterion=loss_cls,
            **{f"criterion__{k}": v for k, v in self._criterion_params().items()},
            max_epochs=self.max_iter,
            batch_size=1,  # set per fit in _configure_net
            train_split=None,
            callbacks=[
                ("schedule", Schedule(None, learning_rate, self.max_iter, 0.5)),
                ("clipping", GradientClipping(None)),
                ("monitor", Monitor(self.tol, self.n_iter_no_change)),
                ("progress", ProgressBar(self.max_iter)),
                ("printer", IterationPrinter(False)),
            ],
            verbose=0,
            device=device,
            **optimizer_params(self, device, self._weight_decay_for(0)
                               if weight_decay is None else weight_decay, learning_rate),
        )
        net.valid_scorer = scorer
        net.initialize()
        net.module_.to(DTYPES[dtype])
        return net

    def _configure_net(self, n_samples, early_stopping, shuffle_gen, dropout_gen,
                       learning_rate, incremental=False):
        """Apply the current parameters to the net before a (warm) fit, which
        starts at step size ``learning_rate``."""
        net = self.net_
        if not incremental:
            # every fit starts from its own step size, as scikit-learn's fit
            # starts a new optimiser: a warm start after set_params or after
            # 'adaptive' cut the rate, too (partial_fit keeps the current one)
            for group in net.optimizer_.param_groups:
                group["lr"] = learning_rate
        net.batch_size = self._batch_size(n_samples)
        # partial_fit steps the weights it is given: no average across calls
        net.ema_momentum = 0.0 if incremental else self.ema_momentum
        net.shuffle = self.shuffle
        net.generator = shuffle_gen
        for layer in net.module_.dropouts:
            layer.generator = dropout_gen
        net.set_params(
            callbacks__schedule__fn=SCHEDULES[self.learning_rate],
            callbacks__schedule__lr0=learning_rate,
            callbacks__schedule__max_iter=self.max_iter,
            callbacks__schedule__power_t=self.power_t,
            callbacks__clipping__max_norm=self.max_grad_norm,
            callbacks__progress__total=self.max_iter if self.verbose else None,
            callbacks__printer__enabled=bool(self.verbose),
            callbacks__monitor=Monitor(self.tol, self.n_iter_no_change, early_stopping,
                                       adaptive=self.learning_rate == "adaptive",
                                       metric=self._early_stopping_metric()),
        )
        return dict(net.callbacks_)["monitor"]

    def _release_generators(self):
        # Generators stay out of the fitted state: a CUDA generator could not
        # be unpickled on a machine without a GPU.
        self.net_.generator = None
        for layer in self.net_.module_.dropouts:
            layer.generator = None

    # ------------------------------------------------------------ persistence
    def _export_state(self):
        """Fitted state as plain data, for :func:`sk_mlp.save`."""
        weight = self.net_.module_.linears[0].weight
        return {
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
        return [module["n_inputs"], *module["hidden_layer_sizes"], module["n_outputs"]]

    @staticmethod
    def _declared_buffers(state):
        """``(values, tensors)`` the recorded architecture holds besides its
        weights and biases: the input scaling's shift and scale."""
        module = state["module"]
        if module.get("input_scaling") is None:
            return 0, 0
        return 2 * module["n_inputs"], 2

    def _import_state(self, state, tensors):
        """Rebuild the fitted estimator from :meth:`_export_state` data."""
        from skorch.history import History

        self._import_targets(state["targets"])
        module = {k: state["module"][k] for k in
                  ("n_inputs", "hidden_layer_sizes", "n_outputs", "activation", "dropout")}
        # files written before input_scaling existed have none
        module["input_scaling"] = state["module"].get("input_scaling")
        if (module["activation"] not in ACTIVATIONS or state["dtype"] not in DTYPES
                or module["input_scaling"] not in (None, *INPUT_SCALINGS)):
            raise ValueError("its architecture names an unknown activation, input "
                             "scaling or dtype")
        self.n_features_in_ = int(state["n_features_in_"])
        if module["n_inputs"] != self.n_features_in_:
            raise ValueError("its architecture does not match n_features_in_")
        if state["feature_names_in_"] is not None:
            self.feature_names_in_ = np.asarray(state["feature_names_in_"], dtype=object)
        self.t_ = int(state["t_"])
        history = History([dict(row) for row in state["history"]])
        # a later partial_fit goes on at the rate the last epoch used
        last_lr = history[-1].get("lr") if len(history) else None
        self.net_ = self._build_net(module, state["dtype"], resolve_device(self.device),
                                    learning_rate=None if last_lr is None else float(last_lr))
        load_state_dict_checked(self.net_.module_, tensors)
        self.net_.history = history
        self.n_iter_ = int(state.get("n_iter", len(state["history"])))
        if state.get("output_dtype", "float64") not in ("float32", "float64"):
            raise ValueError("its output dtype is not float32 or float64")
        self._output_dtype = np.dtype(state.get("output_dtype", "float64"))

    # --------------------------------------------------------------- predict
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

        Rows are converted and sent to the device in chunks, so memory stays
        bounded for any number of rows; non-finite outputs raise ValueError.
        """
        check_is_fitted(self)
        X = self._validate_for_predict(X)
        transform = OUTPUTS[self._output_activation()][1] if activate else None
        module = self.net_.module_
        if module.training:  # left in training mode by an interrupted fit
            module.eval()
        chunk = self._chunk_rows(X)
        out = np.empty((X.shape[0], self.n_outputs_), dtype=np.float64)
        with torch.inference_mode():
            # The eval-mode module is called directly on chunks: no per-call
            # dataset/iterator set-up, no mode switch (so concurrent calls
            # from several threads are safe). Sparse chunks are densified one
            # at a time.
            for start in range(0, X.shape[0], chunk):
                rows = X[start : start + chunk]
                outputs = module(self._as_tensor(rows.toarray() if sp.issparse(rows)
                                                 else rows))
                if transform is not None:
                    outputs = transform(outputs)
                out[start : start + len(outputs)] = outputs.cpu().numpy()
        return check_finite_outputs(out)

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

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = False
        tags.input_tags.sparse = True
        return tags
