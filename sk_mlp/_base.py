"""Shared base of the MLP estimators: parameters, validation and the fit loop.

The public classes only add what differs between tasks: how targets are
encoded, which output activation and loss are used, and how raw network
outputs become predictions.
"""

import warnings
from abc import ABCMeta, abstractmethod
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import BaseEstimator, _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from ._activations import ACTIVATIONS, KAIMING_NONLINEARITY
from ._data import TensorData, to_tensor
from ._device import resolve_device
from ._init import INITIALIZERS, fill_weights
from ._module import MLPModule
from ._net import LossPlateau, PrintProgress, TrainingNet
from ._optim import OPTIMIZERS, optimizer_params

# Output activation -> (torch loss, function turning logits into outputs).
OUTPUTS = {
    "softmax": (torch.nn.CrossEntropyLoss, lambda z: torch.softmax(z, dim=1)),
    "logistic": (torch.nn.BCEWithLogitsLoss, torch.sigmoid),
    "identity": (torch.nn.MSELoss, lambda z: z),
}

_SEED_HIGH = np.iinfo(np.int32).max


def make_generators(random_state, devices):
    """One torch generator per entry of ``devices``, seeded from ``random_state``.

    A local generator per purpose (weights, shuffling, dropout) keeps fits
    reproducible without touching torch's global RNG.
    """
    rng = check_random_state(random_state)
    seeds = rng.randint(_SEED_HIGH, size=len(devices))
    return [
        torch.Generator(device=device).manual_seed(int(seed))
        for device, seed in zip(devices, seeds)
    ]


class BaseMLP(BaseEstimator, metaclass=ABCMeta):
    """Base class for MLP estimators built on a skorch net (``net_``)."""

    _parameter_constraints = {
        "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
        "activation": [StrOptions(set(ACTIVATIONS))],
        "solver": [StrOptions(set(OPTIMIZERS))],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "batch_size": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "shuffle": ["boolean"],
        "momentum": [Interval(Real, 0, 1, closed="both")],
        "nesterovs_momentum": ["boolean"],
        "beta_1": [Interval(Real, 0, 1, closed="left")],
        "beta_2": [Interval(Real, 0, 1, closed="left")],
        "epsilon": [Interval(Real, 0, None, closed="neither")],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "dropout": [Interval(Real, 0, 1, closed="left"), "array-like"],
        "init": [StrOptions(set(INITIALIZERS))],
        "device": [str],
        "random_state": ["random_state"],
        "warm_start": ["boolean"],
        "verbose": ["verbose"],
    }

    @abstractmethod
    def __init__(
        self,
        *,
        hidden_layer_sizes,
        activation,
        solver,
        learning_rate_init,
        batch_size,
        max_iter,
        tol,
        n_iter_no_change,
        shuffle,
        momentum,
        nesterovs_momentum,
        beta_1,
        beta_2,
        epsilon,
        weight_decay,
        dropout,
        init,
        device,
        random_state,
        warm_start,
        verbose,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.learning_rate_init = learning_rate_init
        self.batch_size = batch_size
        self.max_iter = max_iter
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.shuffle = shuffle
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.weight_decay = weight_decay
        self.dropout = dropout
        self.init = init
        self.device = device
        self.random_state = random_state
        self.warm_start = warm_start
        self.verbose = verbose

    # ------------------------------------------------------------------ hooks
    @abstractmethod
    def _encode_targets(self, y, reset):
        """Validate ``y``, set target metadata when ``reset``; return
        ``(targets as a NumPy array, number of network outputs)``."""

    @abstractmethod
    def _output_activation(self):
        """Key of ``OUTPUTS`` for the fitted target type."""

    @abstractmethod
    def _target_tensor(self, y, device):
        """Encoded targets as a tensor of the dtype the loss expects."""

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

    def _batch_size(self, n_samples):
        if self.batch_size == "auto":
            return min(200, n_samples)
        return min(self.batch_size, n_samples)

    def _validate_y_shape(self, y):
        """Ravel a column-vector ``y`` with a warning, as scikit-learn does."""
        from sklearn.utils.validation import column_or_1d

        y = np.asarray(y) if not hasattr(y, "shape") else y
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        return y

    # ------------------------------------------------------------------- fit
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Fit the model to data ``X`` and targets ``y``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data (NumPy, lists or pandas; converted to float32).
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        return self._fit(X, y)

    def _is_fitted(self):
        return hasattr(self, "net_")

    def _fit(self, X, y):
        reset = not (self.warm_start and self._is_fitted())
        X, y = validate_data(
            self,
            X,
            y,
            reset=reset,
            dtype=[np.float64, np.float32],
            multi_output=True,
            y_numeric=self._y_numeric,
        )
        y = self._validate_y_shape(y)
        hidden = self._hidden_sizes()
        dropout = self._dropout_rates(len(hidden))
        device = resolve_device(self.device)
        targets, n_outputs = self._encode_targets(y, reset)
        init_gen, shuffle_gen, dropout_gen = make_generators(
            self.random_state, ["cpu", device, device]
        )

        if reset:
            self.net_ = self._build_net(X.shape[1], hidden, n_outputs, dropout, device)
            fill_weights(self.net_.module_.linears, INITIALIZERS[self.init],
                         KAIMING_NONLINEARITY[self.activation], init_gen)
            self.t_ = 0
        self._configure_net(X.shape[0], device, shuffle_gen, dropout_gen)

        data = TensorData(
            to_tensor(X, device),
            self._target_tensor(targets, device),
        )
        plateau = dict(self.net_.callbacks_)["plateau"]
        epochs_before = len(self.net_.history)
        try:
            self.net_.partial_fit(data, None, epochs=self.max_iter)
        finally:
            self._release_generators()
        epochs_run = len(self.net_.history) - epochs_before
        self.t_ += epochs_run * X.shape[0]

        if not plateau.converged_ and epochs_run >= self.max_iter:
            warnings.warn(
                f"Stochastic Optimizer: Maximum iterations ({self.max_iter}) "
                "reached and the optimization hasn't converged yet. Increase "
                "max_iter or learning_rate_init, or scale the inputs.",
                ConvergenceWarning,
            )
        return self

    def _build_net(self, n_features, hidden, n_outputs, dropout, device):
        loss_cls, _ = OUTPUTS[self._output_activation()]
        callbacks = [("plateau", LossPlateau(self.tol, self.n_iter_no_change))]
        if self.verbose:
            callbacks.append(("progress", PrintProgress()))
        net = TrainingNet(
            module=MLPModule,
            module__n_inputs=n_features,
            module__hidden_layer_sizes=hidden,
            module__n_outputs=n_outputs,
            module__activation=self.activation,
            module__dropout=dropout,
            criterion=loss_cls,
            criterion__reduction="none",
            max_epochs=self.max_iter,
            batch_size=1,  # set per fit in _configure_net
            train_split=None,
            callbacks=callbacks,
            verbose=0,
            device=device,
            **optimizer_params(self),
        )
        net.initialize()
        return net

    def _configure_net(self, n_samples, device, shuffle_gen, dropout_gen):
        net = self.net_
        net.batch_size = self._batch_size(n_samples)
        net.shuffle = self.shuffle
        net.generator = shuffle_gen
        for layer in net.module_.dropouts:
            layer.generator = dropout_gen
        # Re-read the stopping rule so warm starts honour changed tol etc.
        plateau = dict(net.callbacks_)["plateau"]
        plateau.tol, plateau.n_iter_no_change = self.tol, self.n_iter_no_change
        plateau.initialize()

    def _release_generators(self):
        # Generators stay out of the fitted state: a CUDA generator could not
        # be unpickled on a machine without a GPU.
        self.net_.generator = None
        for layer in self.net_.module_.dropouts:
            layer.generator = None

    # --------------------------------------------------------------- predict
    def _forward(self, X):
        """Network outputs (after the output activation) as float64 NumPy."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=[np.float64, np.float32])
        data = TensorData(to_tensor(X, self.net_.device))
        _, transform = OUTPUTS[self._output_activation()]
        with torch.inference_mode():
            logits = self.net_.forward(data, training=False)
            return transform(logits).numpy().astype(np.float64)

    # ------------------------------------------------------ fitted attributes
    @property
    def coefs_(self):
        """Weight matrices, ``coefs_[i]`` of shape (fan_in, fan_out)."""
        return [
            layer.weight.detach().cpu().numpy().T.astype(np.float64)
            for layer in self.net_.module_.linears
        ]

    @property
    def intercepts_(self):
        """Bias vectors, ``intercepts_[i]`` of shape (fan_out,)."""
        return [
            layer.bias.detach().cpu().numpy().astype(np.float64)
            for layer in self.net_.module_.linears
        ]

    @property
    def n_layers_(self):
        """Number of layers, input and output included."""
        return len(self.net_.module_.linears) + 1

    @property
    def n_outputs_(self):
        """Number of network outputs."""
        return self.net_.module_.linears[-1].out_features

    @property
    def out_activation_(self):
        """Name of the output activation ('softmax', 'logistic' or 'identity')."""
        check_is_fitted(self)
        return self._output_activation()

    @property
    def n_params_(self):
        """Number of trainable parameters (the model's capacity)."""
        return sum(p.numel() for p in self.net_.module_.parameters() if p.requires_grad)

    @property
    def loss_curve_(self):
        """Training loss after each epoch, over all fits of a warm start."""
        return [float(loss) for loss in self.net_.history[:, "train_loss"]]

    @property
    def loss_(self):
        """Training loss of the last epoch."""
        return self.loss_curve_[-1]

    @property
    def best_loss_(self):
        """Lowest training loss of any epoch."""
        return min(self.loss_curve_)

    @property
    def n_iter_(self):
        """Number of epochs run."""
        return len(self.net_.history)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = False
        return tags
