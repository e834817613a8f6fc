"""The skorch net every estimator owns, and the callbacks that watch it.

``TrainingNet`` is private: public estimators hold one as ``net_``
(composition). It keeps skorch's loop of small steps (``fit_loop`` ->
``run_single_epoch`` -> ``train_step``), callbacks and ``History``, and
changes only what makes a plain skorch net slow or hard to control from an
estimator: data arrive as device tensors (see ``_data``), the loss is summed
on the device and read once per epoch, and callbacks can end training by
setting ``net.stop_training_``.
"""

import numpy as np
import torch
from skorch import NeuralNet
from skorch.callbacks import Callback, EpochTimer

from ._data import BatchIterator, TensorData
from ._mistake_driven import mistake_driven_epoch


class TrainingNet(NeuralNet):
    """skorch ``NeuralNet`` fed by :class:`TensorData` batches.

    Extra attributes (set by the estimator after construction):
    ``generator`` (``torch.Generator`` for shuffling, or None),
    ``shuffle`` (bool) and ``predict_batch_size`` (int).
    """

    generator = None
    shuffle = True
    predict_batch_size = 4096

    def get_default_callbacks(self):
        return [("epoch_timer", EpochTimer())]

    def get_dataset(self, X, y=None):
        if isinstance(X, TensorData):
            return X
        return TensorData(X, y)

    def get_iterator(self, dataset, training=False):
        if training:
            return BatchIterator(
                dataset, self.batch_size, shuffle=self.shuffle, generator=self.generator
            )
        return BatchIterator(dataset, self.predict_batch_size)

    def get_loss(self, y_pred, y_true, X=None, training=False):
        if isinstance(y_true, tuple):
            y_true, weight = y_true
            per_sample = self.criterion_(y_pred, y_true)
            if per_sample.ndim > 1:
                per_sample = per_sample.mean(dim=1)
            return (per_sample * weight).sum() / weight.sum()
        return self.criterion_(y_pred, y_true).mean()

    def fit_loop(self, X, y=None, epochs=None, **fit_params):
        self.check_training_readiness()
        epochs = self.max_epochs if epochs is None else epochs
        dataset = self.get_dataset(X, y)
        iterator = self.get_iterator(dataset, training=True)
        on_epoch_kwargs = {"dataset_train": dataset, "dataset_valid": None}
        self.stop_training_ = False
        for _ in range(epochs):
            self.notify("on_epoch_begin", **on_epoch_kwargs)
            self.run_single_epoch(
                iterator, training=True, prefix="train", step_fn=self.train_step
            )
            self.notify("on_epoch_end", **on_epoch_kwargs)
            if self.stop_training_:
                break
        return self

    def run_single_epoch(self, iterator, training, prefix, step_fn, **fit_params):
        # The loss is accumulated on the device and read once per epoch: a
        # per-batch ``.item()`` would synchronise a GPU after every step.
        total = torch.zeros((), device=self.device)
        n_seen = 0
        n_batches = 0
        for batch in iterator:
            self.notify("on_batch_begin", batch=batch, training=training)
            step = step_fn(batch, **fit_params)
            n = len(batch[0])
            total += step["loss"].detach() * n
            n_seen += n
            n_batches += 1
            self.notify("on_batch_end", batch=batch, training=training, **step)
        self.history.record(prefix + "_loss", (total / max(n_seen, 1)).item())
        self.history.record(prefix + "_batch_count", n_batches)


class MistakeDrivenNet(TrainingNet):
    """skorch net whose epoch is the perceptron's mistake-driven rule.

    ``module_`` holds one linear unit per one-vs-rest problem (float64);
    an epoch runs the rule for every problem that has not yet had a
    mistake-free epoch, records the number of updates in ``History``
    (``train_updates``) and stops training once every problem converged.
    The dataset's targets are -1/+1 columns and its sample weights the step
    size of each sample's update.
    """

    def configure_rule(self, *, eta, decay, fit_intercept, shuffle, dropout, weighted,
                       generator, dropout_generator, screen=None):
        self.rule_ = dict(eta=eta, decay=decay, fit_intercept=fit_intercept,
                          dropout=dropout, weighted=weighted, screen=screen)
        self.shuffle = shuffle
        self.generator = generator
        self.dropout_generator = dropout_generator
        n_problems = self.module_.linears[0].out_features
        self.converged_problems_ = np.zeros(n_problems, dtype=bool)

    def all_converged(self):
        return bool(self.converged_problems_.all())

    def _epoch_order_and_mask(self, X):
        n, device = len(X), X.device
        order = mask = None
        if self.shuffle:
            order = torch.randperm(n, generator=self.generator, device=device)
        p = self.rule_["dropout"]
        if p > 0:
            keep = torch.rand(X.shape, generator=self.dropout_generator, device=device)
            mask = (keep >= p).to(X.dtype) / (1.0 - p)
        return order, mask

    def run_single_epoch(self, iterator, training, prefix, step_fn, **fit_params):
        data = iterator.dataset
        rule = self.rule_
        eta = data.sample_weight if rule["weighted"] else float(rule["eta"])
        order, mask = self._epoch_order_and_mask(data.X)
        weight = self.module_.linears[0].weight.detach()
        bias = self.module_.linears[0].bias.detach()
        total = 0
        for c in np.flatnonzero(~self.converged_problems_):
            updates = mistake_driven_epoch(
                data.X, data.y[:, c], weight[c], bias[c : c + 1], eta=eta,
                decay=rule["decay"], fit_intercept=rule["fit_intercept"],
                order=order, mask=mask, screen=rule["screen"],
            )
            self.converged_problems_[c] = updates == 0
            total += updates
        self.history.record(prefix + "_updates", total)
        if self.all_converged():
            self.stop_training_ = True

    def partial_fit(self, X, y=None, classes=None, **fit_params):
        try:
            return super().partial_fit(X, y, classes, **fit_params)
        finally:
            self.rule_["screen"] = None  # a copy of X: not part of the model


class LossPlateau(Callback):
    """Stop when the training loss has not improved by ``tol`` for
    ``n_iter_no_change`` consecutive epochs (scikit-learn's MLP rule)."""

    def __init__(self, tol, n_iter_no_change):
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change

    def initialize(self):
        self.best_ = float("inf")
        self.bad_epochs_ = 0
        self.converged_ = False
        return self

    def on_epoch_end(self, net, **kwargs):
        loss = net.history[-1, "train_loss"]
        if loss > self.best_ - self.tol:
            self.bad_epochs_ += 1
        else:
            self.bad_epochs_ = 0
        self.best_ = min(self.best_, loss)
        if self.bad_epochs_ > self.n_iter_no_change:
            self.converged_ = True
            net.stop_training_ = True


class PrintProgress(Callback):
    """Print one line per epoch in scikit-learn's format (only when verbose)."""

    def on_epoch_end(self, net, **kwargs):
        row = net.history[-1]
        if "train_loss" in row:
            print(f"Iteration {row['epoch']}, loss = {row['train_loss']:.8f}")
        else:
            print(f"Epoch {row['epoch']}, updates = {row['train_updates']}")
