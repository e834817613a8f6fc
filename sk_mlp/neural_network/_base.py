"""Shared base of the MLP estimators: parameters, validation and the fit loop.

The public classes only add what differs between tasks: how targets are
encoded, which output activation and loss are used, and how raw network
outputs become predictions.
"""

import dataclasses
import warnings
from collections import namedtuple
from abc import ABCMeta, abstractmethod
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
import torch
from sklearn.base import BaseEstimator, _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, Options, StrOptions
from sklearn.utils.validation import column_or_1d, validate_data

from .._torch.activations import ACTIVATIONS, KAIMING_NONLINEARITY
from .._torch.data import TensorData, to_tensor
from ._fitted import FittedAttributesMixin
from .._torch.device import fast_bfloat16, resolve_device
from .._torch.initializers import INITIALIZERS, fill_weights, sklearn_glorot
from .._torch.lbfgs import fit_lbfgs
from .._torch.losses import OUTPUTS
from .._torch.embeddings import EMBEDDINGS, embedded_columns
from .._torch.module import INPUT_SCALINGS, MLPModule
from .._torch.callbacks import GradientClipping, IterationPrinter, Monitor, ProgressBar, Schedule
from .._torch.training import TrainingNet
from .._torch.optim import OPTIMIZERS, SCHEDULES, carry_optimizer_state, optimizer_params
from .._torch.scaling import input_statistics
from ._export import DTYPES, NetworkExportMixin
from ._forward import ForwardMixin
from ._settings import (DataFacts, early_stopping_required, plain_params,
                        resolve, same_value)
from .._common.fitting import (FLOAT32_MAX, VALIDATION_SPLITS, TrainingDivergedWarning,
                               fit_or_roll_back, make_generators)
from ._validation import Validation, ValidationRowsMixin
from .._common.predicting import chunk_rows
from .._common.state import PlainStateMixin




def _stochastic_solver(estimator):
    """``available_if`` check of ``partial_fit``: only stochastic solvers."""
    if estimator.solver == "lbfgs":
        raise AttributeError(
            "partial_fit is only available for stochastic optimizers. lbfgs is not "
            "stochastic."
        )
    return True



# What _prepare_fit hands the training step besides the data: the rows of
# early stopping's split (None without) and the call's random streams.
FitPlan = namedtuple("FitPlan", ["split", "shuffle_generator", "dropout_generator"])


class BaseMLP(ForwardMixin, NetworkExportMixin, FittedAttributesMixin,
              ValidationRowsMixin, PlainStateMixin, BaseEstimator, metaclass=ABCMeta):
    """Base class for MLP estimators built on a skorch net (``net_``).

    Its mixins hold the forward passes (``_forward``), the export and saved
    state (``_export``), the fitted attributes read from the net
    (``_fitted``) and the checks of the validation rows fit is told about
    (``_validation``). What remains is kept as one piece: the shared parameters
    with their constraints (a quarter of it) and the one fit path, whose
    steps (validate, resolve the settings once, build or continue the net,
    split, train, record) hand each other the resolved settings and the
    call's random streams in an order the interaction tests pin; split
    across classes, that order would be hidden behind overrides.
    """

    _parameter_constraints = {
        "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
        "activation": [StrOptions(set(ACTIVATIONS))],
        "solver": [StrOptions(set(OPTIMIZERS) | {"lbfgs"})],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "max_fun": [Interval(Integral, 1, None, closed="left")],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither"),
                               StrOptions({"auto"})],
        "batch_size": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left"), StrOptions({"auto"})],
        "learning_rate": [StrOptions(set(SCHEDULES))],
        "power_t": [Interval(Real, 0, None, closed="left")],
        "early_stopping": ["boolean", StrOptions({"auto"})],
        "early_stopping_metric": [StrOptions({"auto", "loss", "score"})],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "validation_split": [StrOptions(set(VALIDATION_SPLITS))],
        "max_grad_norm": [Interval(Real, 0, None, closed="neither"), None],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left"),
                             Options(Real, {np.inf}), StrOptions({"auto"})],
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
        "numerical_embedding": [StrOptions(set(EMBEDDINGS) | {"auto"}), None],
        "ensemble_size": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
        "autocast": [StrOptions({"auto", "bfloat16"}), None],
    }
    # pickles and skops files of 0.1.0 and 0.2.0 have neither
    _params_added = {"numerical_embedding": None, "ensemble_size": 1, "autocast": None,
                     "validation_split": "random"}

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
        numerical_embedding=None,
        ensemble_size=1,
        autocast=None,
        validation_split="random",
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
        self.numerical_embedding = numerical_embedding
        self.ensemble_size = ensemble_size
        self.autocast = autocast
        self.validation_split = validation_split

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
                array.max(), -array.min()) > FLOAT32_MAX:
            raise ValueError(
                "Solver produced non-finite parameter weights. The input data may "
                "contain large values and need to be preprocessed: the data hold "
                f"values up to {np.abs(array).max():.3g}, beyond the float32 range "
                f"({FLOAT32_MAX:.3g}) the network computes in. Scale the inputs "
                "(e.g. StandardScaler) or use dtype='float64'."
            )

    def _as_tensor(self, array):
        """Float data as a tensor on the network's device, in its dtype."""
        self._check_float32_range(array)
        return to_tensor(array, self.net_.device, self._network_np_dtype())

    def _validate_y_shape(self, y):
        """Ravel a column-vector ``y`` with a warning, as scikit-learn does."""
        y = np.asarray(y) if not hasattr(y, "shape") else y
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        return y

    def _check_targets(self, y, settings):
        """Refuse targets the network of ``settings`` cannot learn (hook)."""

    # ------------------------------------------------------------------- fit
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None, *, X_val=None, y_val=None,
            sample_weight_val=None, groups=None):
        """Fit the model to data ``X`` and targets ``y``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data (NumPy, lists or pandas; converted to float32).
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weight of each sample in the loss: a weight of 0
            drops the sample, an integer weight k counts it k times. The
            validation loss and score of early stopping are weighted too.
        X_val : array-like of shape (n_val, n_features), default=None
            Validation data for early stopping, as scikit-learn's
            ``HistGradientBoosting*`` take them: given (with ``y_val``), early
            stopping watches these rows and every row of ``X`` trains; with
            ``early_stopping='auto'`` it is then always on. Checked like
            ``X`` (columns, names, finite values). In a ``Pipeline``, transform
            them as ``X`` is with ``Pipeline(..., transform_input=["X_val"])``
            and ``set_fit_request(X_val=True, y_val=True)`` (metadata routing).
            The ``'auto'`` rules count their rows with those of ``X``, as a fit
            holding out its own split would, so ``fit(X_train, y_train,
            X_val=X_valid, y_val=y_valid)`` resolves the settings of ``fit(X,
            y)`` that split ``X`` into the same two parts. Refused with
            ``early_stopping=False`` and ``solver='lbfgs'``, which never
            validate.
        y_val : array-like of shape (n_val,) or (n_val, n_outputs), default=None
            Targets of ``X_val`` (for a classifier, only classes ``y`` has).
        sample_weight_val : array-like of shape (n_val,), default=None
            Weights of the validation rows in the validation loss and score.
        groups : array-like of shape (n_samples,), default=None
            Group label of each row, for ``validation_split='group'``: early
            stopping then holds out whole groups, so that no group is on both
            sides of the split. Routed like ``sample_weight``
            (``set_fit_request(groups=True)``).

        Returns
        -------
        self : object
            The fitted estimator.
        """
        return self._fit(X, y, sample_weight, incremental=False,
                         validation=Validation(groups, X_val, y_val, sample_weight_val))

    def _is_fitted(self):
        return hasattr(self, "net_")

    def _fit(self, X, y, sample_weight, incremental, classes=None, validation=None):
        return fit_or_roll_back(
            self, lambda: self._fit_unguarded(X, y, sample_weight, incremental, classes,
                                              validation)
        )

    def _prepare_fit(self, X, y, sample_weight, incremental, classes, validation=None):
        """Everything ``fit`` does before training: validation, target
        encoding, the settings' resolution (``settings_``) and the net they
        configure (on a reset, freshly initialised).

        Returns ``(X, y, targets, weights, plan)``, ``plan`` a
        :class:`FitPlan`; ``sk_mlp.diagnostics`` uses it to look at the
        network training would start from.
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
        validation = validation or Validation()
        groups, given = self._check_validation_rows(X, validation, incremental)
        if given is not None:
            # the validation rows after the training rows, as one table: every
            # fact, statistic and encoding below sees the rows a fit holding
            # out its own split of them would see; the split is known
            X, y, sample_weight, given = self._append_validation(
                X, y, sample_weight, validation)
        params = self.get_params(deep=False)
        # partial_fit keeps the model's settings unless set_params changed a
        # parameter since they were resolved
        keep = incremental and not reset and not self._params_changed(params)
        device = resolve_device(self.device)
        targets, n_outputs = self._encode_targets(y, reset, classes, sample_weight,
                                                  incremental=incremental)
        weights = self._sample_weights(y, sample_weight)
        init_gen, shuffle_gen, dropout_gen, split_seed = make_generators(
            self.random_state, ["cpu", device, device]
        )
        # the rows that count (a row of weight 0 counts as dropped), and the
        # columns among them an embedding would encode (read where the 'auto'
        # rule or a new network needs them: a partial_fit that keeps its
        # settings never scans its chunk)
        rows = X.shape[0] if sample_weight is None else int(np.count_nonzero(sample_weight))
        columns = None
        if (self.numerical_embedding == "auto" and not keep) or (
                reset and self.numerical_embedding is not None):
            columns = embedded_columns(X, None if sample_weight is None else sample_weight > 0)
        if keep:
            settings, split = self.settings_, None
        else:
            # (the columns are a fact only for 'auto', which reads them)
            n_embeddable = len(columns) if self.numerical_embedding == "auto" else 0
            settings, split = self._resolve_settings(
                params, rows, n_embeddable, y, weights, incremental,
                reset, split_seed, device, groups=groups, given=given)
            if not reset:
                settings = self._continued_autos(settings)
        self._check_targets(y, settings)
        if incremental and not reset and hasattr(self, "_stream_states"):
            # partial_fit continues the shuffling and dropout streams, so k
            # calls train exactly like fit with max_iter=k
            shuffle_gen.set_state(self._stream_states[0])
            dropout_gen.set_state(self._stream_states[1])
        if reset:
            # outputs and fitted attributes come back in the input's precision
            self._output_dtype = np.dtype(X.dtype)
            embedded = () if settings.numerical_embedding is None else columns
            self.net_ = self._build_net(settings, self._module_kwargs(
                settings, X.shape[1], n_outputs, embedded), device)
            self._initialise(X, sample_weight, init_gen)
            self.t_ = 0
        elif not keep:
            self.net_ = self._continue_net(settings, device, incremental)
        self.settings_ = settings
        self._settings_params = plain_params(params)
        return X, y, targets, weights, FitPlan(split, shuffle_gen, dropout_gen)

    def _continued_autos(self, settings):
        """``settings`` with the fitted network's numerical embedding and
        ensemble size where their parameter is ``'auto'``: a warm start or
        ``partial_fit`` continues the network it has, whatever the rule
        would pick for the new data."""
        module = self.net_.get_params_for("module")
        if self.numerical_embedding == "auto":
            settings = dataclasses.replace(
                settings, numerical_embedding=module.get("numerical_embedding"))
        if self.ensemble_size == "auto":
            settings = dataclasses.replace(
                settings, ensemble_size=module.get("ensemble_size", 1))
        return settings

    def _facts(self, n_samples, n_embeddable, incremental, reset, device,
               validation_given=False, n_minority=0):
        """The :class:`DataFacts` a fit on ``n_samples`` rows on ``device``
        resolves from: partial_fit on a fitted model keeps the facts of its
        settings."""
        if incremental and not reset:
            return self.settings_.facts
        return DataFacts(n_samples, can_split=not incremental, n_embeddable=n_embeddable,
                         n_classes=self._n_classes(),
                         fast_bfloat16=fast_bfloat16(device),
                         validation_given=validation_given, n_minority=n_minority)

    def _n_minority(self, y, weights):
        """Rows (of positive weight) of the rarer class of a binary target
        (a fact of the rules); 0 for any other target."""
        return 0

    def _n_classes(self):
        """The classes of a multiclass target (a fact of the rules); 0 for
        any other target."""
        return 0

    def _resolve_settings(self, params, n_samples, n_embeddable, y, weights, incremental,
                          reset, seed, device, groups=None, given=None):
        """``(settings, split)``: the settings of this call from the rules of
        ``sk_mlp.neural_network._settings`` and, with early stopping, the rows of the
        validation split (None without): those of the validation data fit was
        ``given`` where it was, else drawn as ``validation_split`` says."""
        facts = self._facts(n_samples, n_embeddable, incremental, reset, device,
                            validation_given=given is not None,
                            n_minority=self._n_minority(y, weights))
        settings = resolve(params, facts)
        if incremental or not settings.early_stopping:
            return settings, None
        if given is not None:
            return settings, given
        try:
            return settings, self._split_rows(y, weights, seed, groups)
        except ValueError:
            if early_stopping_required(params):
                raise
            # 'auto' holds out a split only where one can be made
            return resolve(params, dataclasses.replace(facts, can_split=False)), None

    def _params_changed(self, params):
        """Whether a parameter differs from those the settings came from."""
        recorded = getattr(self, "_settings_params", None)
        if recorded is None:
            return True
        return any(name in recorded and not same_value(value, recorded[name])
                   for name, value in params.items())

    def _module_kwargs(self, settings, n_inputs, n_outputs, embedded=()):
        return dict(n_inputs=n_inputs, hidden_layer_sizes=settings.hidden_layer_sizes,
                    n_outputs=n_outputs, activation=self.activation,
                    dropout=settings.dropout, input_scaling=self.input_scaling,
                    numerical_embedding=settings.numerical_embedding,
                    embedded_columns=tuple(embedded),
                    ensemble_size=settings.ensemble_size,
                    output_activation=self._output_activation())

    def _initialise(self, X, sample_weight, init_gen):
        """Fresh weights and, with ``input_scaling`` (a piecewise-linear
        embedding), the statistics (bins) of the rows fit sees (with their
        weights), kept by warm starts and later partial_fit calls."""
        scaling = self.net_.module_.scaling
        if scaling is not None:
            shift, scale = input_statistics(X, sample_weight, self.input_scaling)
            with torch.no_grad():
                scaling.shift.copy_(torch.from_numpy(shift))
                scaling.scale.copy_(torch.from_numpy(scale))
        embedding = self.net_.module_.embedding
        if embedding is not None:
            # its statistics (the piecewise-linear bins) from the rows that
            # count, as the embedded columns
            embedding.prepare(X if sample_weight is None else X[sample_weight > 0],
                              scaling)
            embedding.reset(init_gen)
        ensemble = self.net_.module_.ensemble
        if ensemble is not None:
            ensemble.reset(init_gen)
        if self.init == "sklearn":
            # a fresh RandomState for an int seed, as scikit-learn's fit
            sklearn_glorot(self.net_.module_.linears,
                           check_random_state(self.random_state), self.activation)
        else:
            fill_weights(self.net_.module_.linears, INITIALIZERS[self.init],
                         KAIMING_NONLINEARITY[self.activation], init_gen)

    def _continue_net(self, settings, device, incremental):
        """A net configured by ``settings`` holding the fitted network's
        weights and history: a warm start's (with a new optimiser, as
        scikit-learn's fit starts one) or that of a ``partial_fit`` after
        ``set_params`` (the optimiser's state carried over, and its current
        step size unless the learning rate changed)."""
        old = self.net_
        module = old.module_
        embedding = module.embedding
        fitted_embedding = old.get_params_for("module").get("numerical_embedding")
        kwargs = self._module_kwargs(
            settings, self.n_features_in_, module.linears[-1].out_features,
            () if embedding is None else embedding.embedded_columns)
        fitted_hidden = tuple(layer.out_features for layer in module.linears[:-1])
        if (fitted_hidden != settings.hidden_layer_sizes
                or (module.scaling is None) != (self.input_scaling is None)
                or fitted_embedding != settings.numerical_embedding
                or module.ensemble_size != settings.ensemble_size):
            raise ValueError(
                "warm_start and partial_fit continue the fitted network (hidden "
                f"layers {fitted_hidden}, input scaling "
                f"{'on' if module.scaling is not None else 'off'}, numerical "
                f"embedding {fitted_embedding!r}, ensemble size "
                f"{module.ensemble_size}), which does not match "
                f"hidden_layer_sizes={self.hidden_layer_sizes!r}, "
                f"input_scaling={self.input_scaling!r}, numerical_embedding="
                f"{self.numerical_embedding!r}, ensemble_size={self.ensemble_size!r}; "
                "fit with warm_start=False to build a new network."
            )
        learning_rate = None
        if incremental and settings.learning_rate == self.settings_.learning_rate:
            learning_rate = old.optimizer_.param_groups[0]["lr"]
        net = self._build_net(settings, kwargs, device, learning_rate)
        net.module_.load_state_dict(module.state_dict())
        net.history = old.history
        if incremental:
            carry_optimizer_state(old, net)
        return net

    def _fit_unguarded(self, X, y, sample_weight, incremental, classes, validation=None):
        X, y, targets, weights, plan = \
            self._prepare_fit(X, y, sample_weight, incremental, classes, validation)
        valid = None
        if self.solver == "lbfgs":
            train, _ = self._split(X, targets, weights, None)
            epochs_run = fit_lbfgs(self.net_, train, max_iter=self.max_iter,
                                   max_fun=self.max_fun, tol=self.settings_.tol,
                                   chunk=chunk_rows(X, self.net_.device), verbose=bool(self.verbose))
            self.t_ += epochs_run * len(train)
        else:
            train, valid = self._split(X, targets, weights, plan.split)
            epochs_before = len(self.net_.history)
            # a partial_fit call is one epoch, never averaged (it steps the
            # weights it is given) and never validated
            self.net_.partial_fit(train, None, epochs=1 if incremental else self.max_iter,
                                  valid=valid, shuffle_generator=plan.shuffle_generator,
                                  dropout_generator=plan.dropout_generator,
                                  average=not incremental)
            epochs_run = len(self.net_.history) - epochs_before
            self.t_ += epochs_run * len(train)
            # the streams' states (CPU byte tensors, picklable anywhere)
            self._stream_states = (plan.shuffle_generator.get_state(),
                                   plan.dropout_generator.get_state())
            self._warn_about_the_end(dict(self.net_.callbacks_)["monitor"], epochs_run,
                                     incremental)
        # as in scikit-learn: the epochs (iterations) of this call
        self.n_iter_ = epochs_run
        if not all(bool(torch.isfinite(p).all()) for p in self.net_.module_.parameters()):
            raise ValueError(
                "Solver produced non-finite parameter weights. The input data may "
                "contain large values and need to be preprocessed."
            )
        if valid is not None:
            self._after_training(valid)
        return self

    def _loss_scale(self):
        """Factor from the loss the network minimises to the reported loss."""
        return 1.0

    def _tensor_data(self, X, y=None, weights=None):
        """:class:`TensorData` of dense or sparse ``X`` in the network's dtype,
        its ``weights`` normalised to mean 1 (their mean kept as
        ``weight_mean``: alpha's penalty is relative to the total weight, as
        in scikit-learn)."""
        weight_mean = 1.0
        if weights is not None:
            # the mean taken on rescaled weights: finite for any finite weights
            largest = weights.max()
            relative = weights / largest
            weight_mean = float(largest * relative.mean())
            weights = self._as_tensor(relative / relative.mean())
        if sp.issparse(X):
            self._check_float32_range(X.data)
            return TensorData(X, y, weights, device=self.net_.device,
                              dtype=self._network_np_dtype(), weight_mean=weight_mean)
        return TensorData(self._as_tensor(X), y, weights, weight_mean=weight_mean)

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

    def _criterion_params(self, settings):
        """Keyword arguments of the output's loss module under ``settings``."""
        return {}

    def _after_training(self, valid):
        """What a fit by a stochastic solver does once training is over
        (the best weights restored, every weight finite), with its
        validation data (None without a split): nothing here; the
        classifier calibrates."""

    def _build_net(self, settings, module_kwargs, device, learning_rate=None):
        """A new, initialised skorch net for an ``MLPModule(**module_kwargs)``,
        configured through its constructor by ``settings`` (a
        :class:`FitSettings`) and the estimator's other parameters; its
        optimiser starts at ``learning_rate`` (by default the settings')."""
        loss_cls, _, scorer = OUTPUTS[self._output_activation()]
        net = TrainingNet(
            module=MLPModule,
            **{f"module__{k}": v for k, v in module_kwargs.items()},
            criterion=loss_cls,
            **{f"criterion__{k}": v for k, v in self._criterion_params(settings).items()},
            max_epochs=self.max_iter,
            batch_size=settings.batch_size,
            train_split=None,
            callbacks=[
                ("schedule", Schedule(SCHEDULES[self.learning_rate],
                                      settings.learning_rate, self.max_iter,
                                      self.power_t)),
                ("clipping", GradientClipping(self.max_grad_norm)),
                ("monitor", Monitor(settings.tol, settings.n_iter_no_change,
                                    settings.early_stopping,
                                    relative=settings.tol_relative,
                                    adaptive=self.learning_rate == "adaptive",
                                    metric=settings.early_stopping_metric)),
                ("progress", ProgressBar(self.max_iter if self.verbose else None)),
                ("printer", IterationPrinter(bool(self.verbose))),
            ],
            verbose=0,
            device=device,
            l2_alpha=self.alpha,
            l2_by_optimizer=self.solver in ("adam", "sgd"),
            base_weight_decay=settings.weight_decay,
            loss_scale=self._loss_scale(),
            ema_momentum=settings.ema_momentum,
            shuffle=self.shuffle,
            valid_scorer=scorer,
            autocast_dtype=settings.autocast and getattr(torch, settings.autocast),
            **optimizer_params(self, device, settings.weight_decay,
                               settings.learning_rate if learning_rate is None
                               else learning_rate),
        )
        net.initialize()
        net.module_.to(DTYPES[settings.dtype])
        return net

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = False
        tags.input_tags.sparse = True
        return tags
