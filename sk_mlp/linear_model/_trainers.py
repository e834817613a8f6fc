"""How a ``Perceptron`` is trained, per ``activation``: the registry
``TRAINERS`` of the step rule (``StepRule``, the mistake-driven update on
``MistakeDrivenNet``) and the logistic unit (``LogisticUnits``, SGD on the
log-loss through the MLPs' ``TrainingNet``).

The estimator does what both share (validation, classes, weights, the
split, the record of the fit, prediction); a trainer builds the net, sets up
one fit's data and reports what the fit achieved.
"""

import numpy as np
import scipy.sparse as sp
import torch

from .._common.fitting import FLOAT32_MAX
from .._torch.callbacks import L1Shrink, Monitor, ProgressBar
from .._torch.data import TensorData, to_tensor
from .._torch.module import MLPModule
from .._torch.training import TrainingNet
from ._mistake_driven import Penalty, make_screen
from ._net import MistakeDrivenNet

# Largest input magnitude the step rule accepts (squares and sums of products
# of such values stay far inside float64's range).
MAX_ABS_INPUT = 1e100


def _progress(est):
    return [("progress", ProgressBar(est.max_iter))] if est.verbose else []


def _linear_module(n_features, n_outputs, input_dropout=0.0):
    """Module parameters of one linear unit per output, no hidden layer."""
    return dict(module=MLPModule, module__n_inputs=n_features,
                module__hidden_layer_sizes=(), module__n_outputs=n_outputs,
                module__activation="identity", module__dropout=(),
                module__input_dropout=input_dropout)


def _ovr_accuracy(logits, y, weight=None):
    """Accuracy of one-vs-rest logistic units: the sign of a single unit, or
    the largest of several, against 0/1 targets (the validation split is
    unweighted: ``weight`` is None)."""
    if logits.shape[1] == 1:
        return ((logits[:, 0] > 0) == (y[:, 0] > 0.5)).float().mean()
    return (logits.argmax(dim=1) == y.argmax(dim=1)).float().mean()


class StepRule:
    """Rosenblatt's rule in exact float64 arithmetic, one unit per problem."""

    input_limit = MAX_ABS_INPUT
    has_proba = False

    @staticmethod
    def check_inputs(est, largest):
        if est.eta0 * largest > MAX_ABS_INPUT:
            raise ValueError(
                f"eta0 * max|X| = {est.eta0 * largest:.3g} exceeds {MAX_ABS_INPUT:.3g}: "
                "the weights would overflow float64. Lower eta0 or scale the inputs."
            )
        if est.eta0 * est.weight_decay >= 1:
            raise ValueError(
                f"eta0 * weight_decay = {est.eta0 * est.weight_decay:g} must be "
                "below 1: each update shrinks w by (1 - eta0 * weight_decay)."
            )

    @staticmethod
    def device(device, X, penalty):
        """Sparse input and L1 penalties run in NumPy / SciPy, on the CPU."""
        return "cpu" if sp.issparse(X) or penalty.l1_step > 0 else device

    @staticmethod
    def new_net(est, n_samples, n_features, n_outputs, device):
        net = MistakeDrivenNet(
            **_linear_module(n_features, n_outputs),
            criterion=torch.nn.BCEWithLogitsLoss,  # unused by the rule
            max_epochs=est.max_iter, batch_size=1, train_split=None,
            callbacks=_progress(est), verbose=0, device=device,
        )
        net.initialize()
        net.module_.double()  # exact float64 arithmetic, like the textbook loop
        return net

    @staticmethod
    def configure(est, X, signs, step_scale, penalty, train, valid, device, shuffle_gen,
                  dropout_gen):
        """The training data of one fit, with the rule set up on the net;
        returns ``(data, valid, fit_kwargs)``."""
        X_train = X[train]
        eta = est.eta0 * step_scale[train]
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
        est.net_.configure_rule(
            eta=est.eta0, decay=est.eta0 * est.weight_decay,
            fit_intercept=est.fit_intercept, shuffle=est.shuffle,
            dropout=est.dropout, weighted=not np.all(step_scale == 1.0),
            generator=shuffle_gen, dropout_generator=dropout_gen,
            screen=make_screen(np.asarray(X_train, dtype=np.float64))
            if device == "cpu" and est.dropout == 0 and not sp.issparse(X) else None,
            penalty=penalty, tol=est.tol, n_iter_no_change=est.n_iter_no_change,
            valid=checks, n_jobs=est.n_jobs,
        )
        return data, None, {}

    @staticmethod
    def outcome(net, epochs_run):
        """``(updates, converged, separated)`` of the fit's last ``epochs_run``."""
        updates = int(sum(net.history[-epochs_run:, "train_updates"]))
        return updates, bool(net.all_converged()), net.all_separated()


class LogisticUnits:
    """One logistic unit per one-vs-rest problem, trained by minibatch SGD
    on the log-loss.

    scikit-learn's penalty becomes its gradient-descent form: the L2 part is
    weight decay ``alpha * (1 - l1_ratio)`` on the weights, the L1 part a
    soft-threshold of the weights by ``lr * alpha * l1_ratio`` after every
    step (the proximal step of the L1 norm).
    """

    input_limit = FLOAT32_MAX
    has_proba = True

    @staticmethod
    def check_inputs(est, largest):
        pass

    @staticmethod
    def device(device, X, penalty):
        return device

    @staticmethod
    def new_net(est, n_samples, n_features, n_outputs, device):
        penalty = Penalty.from_params(est.penalty, est.alpha, est.l1_ratio, 1.0)
        net = TrainingNet(
            **_linear_module(n_features, n_outputs, est.dropout),
            criterion=torch.nn.BCEWithLogitsLoss,
            criterion__reduction="none",
            optimizer=torch.optim.SGD,
            lr=est.eta0,
            optimizer__weight_decay=est.weight_decay
            + penalty.alpha * (1 - penalty.l1_ratio),
            optimizer__param_groups=[("*bias", {"weight_decay": 0.0})],
            max_epochs=est.max_iter,
            batch_size=min(200, n_samples),
            train_split=None,
            callbacks=[("monitor", Monitor(-np.inf, est.n_iter_no_change)),
                       ("l1", L1Shrink(penalty.alpha * penalty.l1_ratio))] + _progress(est),
            valid_scorer=_ovr_accuracy,
            verbose=0,
            device=device,
        )
        net.initialize()
        return net

    @staticmethod
    def configure(est, X, signs, step_scale, penalty, train, valid, device, shuffle_gen,
                  dropout_gen):
        """Training and validation data of one fit; the current ``shuffle``,
        ``tol`` and ``n_iter_no_change`` are applied to a warm net too."""
        def tensor_data(rows, weights=None):
            Xr, targets = X[rows], to_tensor((signs[rows] + 1) / 2, device)
            if sp.issparse(Xr):
                return TensorData(Xr, targets, weights, device=device)
            return TensorData(to_tensor(Xr, device), targets, weights)

        weights = None
        if not np.all(step_scale[train] == 1.0):
            scale = step_scale[train]
            weights = to_tensor(scale / scale.mean(), device)
        est.net_.set_params(shuffle=est.shuffle, callbacks__monitor=Monitor(
            -np.inf if est.tol is None else est.tol, est.n_iter_no_change,
            early_stopping=valid is not None))
        return (tensor_data(train, weights), None if valid is None else tensor_data(valid),
                dict(shuffle_generator=shuffle_gen, dropout_generator=dropout_gen))

    @staticmethod
    def outcome(net, epochs_run):
        return None, bool(dict(net.callbacks_)["monitor"].converged_), False


# activation -> how it is trained
TRAINERS = {"step": StepRule, "sigmoid": LogisticUnits}
