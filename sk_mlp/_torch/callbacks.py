"""The skorch callbacks that watch a ``TrainingNet``: the stopping and
learning-rate ``Monitor``, the rate ``Schedule``, ``GradientClipping``, the
L1 ``L1Shrink`` of the logistic perceptron, and the verbose printers."""

import numpy as np
import torch
from skorch.callbacks import Callback


class Monitor(Callback):
    """Watches every epoch: stopping rule, learning-rate adaptation, best and
    last finite weights.

    The monitored quantity is, with ``early_stopping``, the validation score
    (``metric='score'``, higher is better, scikit-learn's rule) or the
    validation loss (``metric='loss'``, lower is better), else the training
    loss (lower is better). When it
    has not improved by ``tol`` (with ``relative``, a loss by ``tol`` times
    the best loss so far) for more than ``n_iter_no_change`` epochs,
    training stops (scikit-learn's rule), unless ``adaptive``: then the
    learning rate is divided by 5 first, and training stops once it would
    fall below 1e-6 or, with ``early_stopping``, once a cut has brought no
    better epoch within the patience. If the loss or a weight becomes non-finite, training
    stops and the last finite weights (the best, with ``early_stopping``) are
    restored; ``diverged_`` tells. With ``early_stopping`` the best epoch's
    weights are restored at the end of training, Ctrl-C included.
    """

    def __init__(self, tol, n_iter_no_change, early_stopping=False, adaptive=False,
                 metric="score", relative=False):
        self.tol = tol
        self.relative = relative
        self.n_iter_no_change = n_iter_no_change
        self.early_stopping = early_stopping
        self.adaptive = adaptive
        self.metric = metric

    def initialize(self):
        self.best_ = -float("inf")
        self.bad_epochs_ = 0
        self.converged_ = False
        self.diverged_ = False
        self.best_params_ = None
        self.best_epoch_ = None
        self.finite_params_ = None
        self.cut_since_best_ = False
        return self

    @staticmethod
    def _params(net):
        return torch.nn.utils.parameters_to_vector(net.module_.parameters()).detach()

    @staticmethod
    def _load(net, vector):
        with torch.no_grad():
            torch.nn.utils.vector_to_parameters(vector, net.module_.parameters())

    def on_train_begin(self, net, **kwargs):
        self.initialize()  # every (warm) fit starts a fresh watch
        self.finite_params_ = self._params(net).clone()

    def on_epoch_end(self, net, dataset_valid=None, **kwargs):
        row = net.history[-1]
        params = self._params(net)
        # a call without validation data (partial_fit) watches the training loss
        early_stopping = self.early_stopping and dataset_valid is not None
        # the loss the network minimises (always representable), and tol
        # brought to its scale: comparing them is comparing the reported
        # loss with tol, without its overflow or underflow at extreme scales
        loss = getattr(net, "raw_train_loss_", row["train_loss"])
        with np.errstate(divide="ignore", over="ignore"):
            tol = float(np.float64(self.tol) / np.float64(getattr(net, "loss_scale", 1.0)))
        if not (np.isfinite(loss) and bool(torch.isfinite(params).all())):
            self.diverged_ = True
            net.history.record("diverged", True)
            net.stop_training_ = True
            return
        self.finite_params_.copy_(params)
        if early_stopping and self.metric == "score":
            score, tol = row["valid_score"], self.tol
        elif early_stopping:
            # the validation loss on the scale the network minimises, as the
            # training loss below: tol means the same with either
            score = -getattr(net, "raw_valid_loss_", row["valid_loss"])
            if not np.isfinite(score):
                score = -np.inf
        else:
            score = -loss
        if self.relative and not (early_stopping and self.metric == "score"):
            # a loss (negated here): tol of the best loss so far, the same
            # epochs whatever the units of the target
            tol = self.tol * abs(self.best_) if np.isfinite(self.best_) else 0.0
        if score < self.best_ + tol:
            self.bad_epochs_ += 1
        else:  # a better epoch: improved by tol
            self.bad_epochs_ = 0
            self.cut_since_best_ = False
        if score > self.best_:
            self.best_ = score
            if early_stopping:
                self.best_params_ = params.clone()
                self.best_epoch_ = len(net.history)
        if self.bad_epochs_ > self.n_iter_no_change:
            lr = net.optimizer_.param_groups[0]["lr"]
            # under early stopping the model is the best epoch's: once a cut
            # has brought no better epoch within the patience, further cuts
            # only spend epochs (a quarter of a default fit on 20,000 rows)
            spent = early_stopping and self.cut_since_best_
            if self.adaptive and lr / 5 >= 1e-6 and not spent:
                for group in net.optimizer_.param_groups:
                    group["lr"] = group["lr"] / 5
                self.bad_epochs_ = 0
                self.cut_since_best_ = True
            else:
                self.converged_ = True
                net.stop_training_ = True

    def on_train_end(self, net, **kwargs):
        if self.early_stopping and self.best_params_ is not None:
            self._load(net, self.best_params_)
            # marks the epoch whose weights the model keeps
            net.history[self.best_epoch_ - 1]["restored"] = True
        elif self.diverged_ or not bool(torch.isfinite(self._params(net)).all()):
            # diverged (a non-finite loss from finite but exploded weights
            # included), or interrupted in the middle of a diverging step
            self.diverged_ = True
            self._load(net, self.finite_params_)


class Schedule(Callback):
    """Sets the learning rate before every epoch, ``fn(lr0, epoch, t,
    max_iter, power_t)`` with ``epoch`` counted from 0 and ``t`` the samples
    seen so far (``fn=None`` leaves it alone), and records it as ``lr``."""

    def __init__(self, fn, lr0, max_iter, power_t):
        self.fn = fn
        self.lr0 = lr0
        self.max_iter = max_iter
        self.power_t = power_t

    def on_epoch_begin(self, net, dataset_train=None, **kwargs):
        epoch = len(net.history) - 1
        if self.fn is not None:
            lr = self.fn(self.lr0, epoch, epoch * len(dataset_train), self.max_iter,
                         self.power_t)
            for group in net.optimizer_.param_groups:
                group["lr"] = lr
        net.history.record("lr", net.optimizer_.param_groups[0]["lr"])


class GradientClipping(Callback):
    """Clip the gradient norm to ``max_norm``; record the largest norm seen
    before clipping in each epoch (``grad_norm``). Inert when ``max_norm``
    is None."""

    def __init__(self, max_norm):
        self.max_norm = max_norm

    def on_epoch_begin(self, net, **kwargs):
        self.largest_ = torch.zeros((), device=net.device)

    def on_grad_computed(self, net, named_parameters, **kwargs):
        if self.max_norm is None:
            return
        norm = torch.nn.utils.clip_grad_norm_((p for _, p in named_parameters),
                                              self.max_norm)
        torch.maximum(self.largest_, norm, out=self.largest_)

    def on_epoch_end(self, net, **kwargs):
        if self.max_norm is not None:
            net.history.record("grad_norm", self.largest_.item())


class L1Shrink(Callback):
    """After every training step, soft-threshold the weights (not the
    biases) by ``lr * strength``: the proximal step of an L1 penalty of
    that strength. Inert when ``strength`` is 0."""

    def __init__(self, strength):
        self.strength = strength

    def on_batch_end(self, net, training=False, **kwargs):
        if not training or not self.strength:
            return
        threshold = net.optimizer_.param_groups[0]["lr"] * self.strength
        with torch.no_grad():
            for layer in net.module_.linears:
                w = layer.weight
                w.copy_(torch.sign(w) * torch.clamp(w.abs() - threshold, min=0.0))


def print_iteration(row):
    """scikit-learn's verbose line for one History row (only ever called
    under ``verbose``)."""
    print("Iteration %d, loss = %.8f" % (row["epoch"], row["train_loss"]))
    if "valid_score" in row:
        print("Validation score: %f" % row["valid_score"])


class IterationPrinter(Callback):
    """scikit-learn's verbose output: ``Iteration i, loss = ...`` after every
    epoch (and the reason training stopped), on standard output; inert when
    ``enabled`` is False."""

    def __init__(self, enabled):
        self.enabled = enabled

    def on_epoch_end(self, net, **kwargs):
        if self.enabled:
            print_iteration(net.history[-1])


class ProgressBar(Callback):
    """One tqdm progress bar for the whole fit (epochs, losses, score, ETA);
    inert when ``total`` is None."""

    def __init__(self, total):
        self.total = total

    def on_train_begin(self, net, **kwargs):
        self.bar_ = None
        if self.total is not None:
            from tqdm.auto import tqdm

            self.bar_ = tqdm(total=self.total, unit="epoch", leave=True)

    def on_epoch_end(self, net, **kwargs):
        if self.bar_ is None:
            return
        row = net.history[-1]
        shown = {k: row[k] for k in ("train_loss", "valid_loss", "valid_score",
                                     "train_updates") if k in row}
        self.bar_.set_postfix({k: f"{v:.4g}" for k, v in shown.items()}, refresh=False)
        self.bar_.update(1)

    def on_train_end(self, net, **kwargs):
        if self.bar_ is not None:
            self.bar_.close()
            self.bar_ = None
