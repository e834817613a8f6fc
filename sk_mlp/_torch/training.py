"""The skorch net every estimator trains with (its callbacks: ``callbacks``).

``TrainingNet`` is private: public estimators hold one as ``net_``
(composition). It keeps skorch's loop of small steps (``fit_loop`` ->
``run_single_epoch`` -> ``train_step``), callbacks and ``History``, and
changes only what makes a plain skorch net slow or hard to control from an
estimator: data arrive as device tensors (see ``data``), the loss is summed
on the device and read once per epoch, and callbacks can end training by
setting ``net.stop_training_``.
"""

import numpy as np
import torch
from skorch import NeuralNet
from skorch.callbacks import EpochTimer

from .allocator import tune_cpu_allocator
from .data import BatchIterator, TensorData
from .module import InvertedDropout, mask_source
from .subnormals import FLUSH_EVERY, flush_tiny_weights


def _scaled(loss, scale):
    """``loss * scale`` in float64, inf or 0 where that is beyond its range."""
    with np.errstate(over="ignore", under="ignore"):
        return float(np.float64(loss) * np.float64(scale))


def _copy_into(params, values):
    with torch.no_grad():
        for param, value in zip(params, values):
            param.copy_(value)


class TrainingNet(NeuralNet):
    """skorch ``NeuralNet`` fed by :class:`TensorData` batches.

    Besides skorch's parameters its constructor takes the fit's settings:
    ``l2_alpha`` (scikit-learn's L2 penalty ``0.5 * alpha * ||W||^2`` per
    total batch weight, weights only), ``l2_by_optimizer`` (unweighted
    batches of 'adam' and 'sgd' get alpha's gradient through the optimiser's
    coupled weight decay, added to ``base_weight_decay``, the decay the
    optimiser's weight group was built with), ``loss_scale`` (factor from the
    loss the network minimises to the loss reported in ``History``: the
    regressor's standardised targets -> the user's scale), ``ema_momentum``
    (momentum of the weights' moving average; 0: none), ``shuffle``,
    ``valid_scorer`` (function of validation logits, targets and weights
    giving a score, higher is better), ``predict_batch_size`` and
    ``autocast_dtype`` (None, or ``torch.bfloat16``: the training steps'
    forward pass under ``torch.autocast`` in that type, the weights, their
    gradients, the optimiser and the loss staying in the network's dtype;
    validation and prediction never autocast).

    ``partial_fit(train, None, epochs=..., valid=..., shuffle_generator=...,
    dropout_generator=..., average=...)`` trains on ``train`` (a
    :class:`TensorData`) with the call's random streams; when ``valid`` is
    given it records the (weighted) ``valid_loss`` and ``valid_score`` after
    every epoch. With ``average`` and ``ema_momentum`` > 0 it keeps a moving
    average of the weights, which every epoch's validation and callbacks see
    and which the module holds when training ends.
    """

    def __init__(self, module, criterion, *, l2_alpha=0.0, l2_by_optimizer=False,
                 base_weight_decay=0.0, loss_scale=1.0, ema_momentum=0.0, shuffle=True,
                 valid_scorer=None, predict_batch_size=4096, autocast_dtype=None,
                 **kwargs):
        super().__init__(module, criterion, **kwargs)
        self.l2_alpha = l2_alpha
        self.l2_by_optimizer = l2_by_optimizer
        self.base_weight_decay = base_weight_decay
        self.loss_scale = loss_scale
        self.ema_momentum = ema_momentum
        self.shuffle = shuffle
        self.valid_scorer = valid_scorer
        self.predict_batch_size = predict_batch_size
        self.autocast_dtype = autocast_dtype

    # the current call's state (never part of a saved model): the shuffling
    # generator, the training data's mean weight (weights arrive normalised
    # to mean 1), and while averaging (averages, parameters) lists and the
    # count of steps averaged
    generator = None
    weight_mean_ = 1.0
    ema_ = None
    ema_steps_ = 0
    # steps left before the next flush of tiny weights (see ``subnormals``)
    steps_to_flush_ = FLUSH_EVERY

    def get_default_callbacks(self):
        return [("epoch_timer", EpochTimer())]

    def _set_training(self, training=True):
        # skorch sets the mode before every batch; a recursive ``train()``
        # over the module tree per batch is measurable for small networks.
        if self.module_.training != training:
            super()._set_training(training)

    def infer(self, x, **fit_params):
        if self.autocast_dtype is None or not self.module_.training:
            return super().infer(x, **fit_params)
        # the products in the lower precision; the outputs back in the
        # network's dtype, so the loss (and its reduction) is computed there
        dtype = self.module_.linears[0].weight.dtype
        with torch.autocast(torch.device(self.device).type, dtype=self.autocast_dtype):
            out = super().infer(x, **fit_params)
        return out.to(dtype)

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
        weight = None
        if isinstance(y_true, tuple):
            # Weights are normalised to mean 1 over the data set, so a batch
            # loss is an unbiased estimate of the weighted mean loss and a
            # batch of zero weights contributes 0 (not 0/0).
            y_true, weight = y_true
        if y_pred.ndim == 3:
            # an ensemble's members (rows, k, outputs) in training: a row's
            # loss is the mean of its members' losses
            rows, members = y_pred.shape[:2]
            per_sample = self.criterion_(y_pred.flatten(0, 1),
                                         y_true.repeat_interleave(members, dim=0))
            per_sample = per_sample.view(rows, members)
        else:
            per_sample = self.criterion_(y_pred, y_true)
        if per_sample.ndim > 1:
            per_sample = per_sample.mean(dim=1)
        if weight is None:
            loss, batch_weight = per_sample.mean(), len(per_sample)
        else:
            # the batch's total weight on the user's scale (weights arrive
            # normalised to mean 1; ``weight_mean_`` is the mean they had)
            loss = (per_sample * weight).mean()
            batch_weight = weight.sum().clamp_min(1e-30) * self.weight_mean_
        if training and self.l2_alpha and (weight is not None or not self.l2_by_optimizer):
            return loss + self.l2_penalty() / batch_weight
        return loss

    def train_step(self, batch, **fit_params):
        if self.l2_by_optimizer and self.l2_alpha and not isinstance(batch[1], tuple):
            # alpha's gradient alpha * W / n as the optimiser's coupled weight
            # decay: the same step, computed inside its (fused) kernel
            decay = self.base_weight_decay + self.l2_alpha / len(batch[0])
            # the weights: the groups without decay come first
            group = self.optimizer_.param_groups[-1]
            if group["weight_decay"] != decay:
                group["weight_decay"] = decay
        step = super().train_step(batch, **fit_params)
        self.steps_to_flush_ -= 1
        if self.steps_to_flush_ <= 0:
            self.steps_to_flush_ = FLUSH_EVERY
            params = list(self.module_.parameters())
            flush_tiny_weights(params, self.optimizer_,
                               self.ema_[0] if self.ema_ is not None else ())
        return step

    def l2_penalty(self):
        """``0.5 * alpha * ||W||^2`` over the weight matrices."""
        squares = sum((layer.weight ** 2).sum() for layer in self.module_.linears)
        return 0.5 * self.l2_alpha * squares

    def fit_loop(self, X, y=None, epochs=None, valid=None, shuffle_generator=None,
                 dropout_generator=None, average=True, **fit_params):
        self.check_training_readiness()
        if torch.device(self.device).type == "cpu":
            tune_cpu_allocator()
        epochs = self.max_epochs if epochs is None else epochs
        dataset = self.get_dataset(X, y)
        self.weight_mean_ = getattr(dataset, "weight_mean", 1.0)
        if shuffle_generator is not None:
            self.generator = shuffle_generator
        dropouts = [m for m in self.module_.modules() if isinstance(m, InvertedDropout)]
        iterator = self.get_iterator(dataset, training=True)
        on_epoch_kwargs = {"dataset_train": dataset, "dataset_valid": valid}
        self.stop_training_ = False
        params = list(self.module_.parameters())
        self.ema_ = ([p.detach().clone() for p in params], params) \
            if average and self.ema_momentum > 0 else None
        self.ema_steps_ = 0
        try:
            for epoch in range(epochs):
                if dropout_generator is not None and dropouts:
                    # a mask source per epoch, from the call's dropout
                    # stream: k one-epoch partial_fit calls then draw the
                    # masks of one k-epoch fit
                    source = mask_source(dropout_generator)
                    for layer in dropouts:
                        layer.generator = source
                self.notify("on_epoch_begin", **on_epoch_kwargs)
                self.run_single_epoch(
                    iterator, training=True, prefix="train", step_fn=self.train_step
                )
                # with averaging, the epoch is judged (validation, stopping
                # rule, best weights) by the averaged weights, and training
                # goes on from the raw ones; the last epoch's average stays
                raw = None
                if self.ema_ is not None:
                    raw = [p.detach().clone() for p in params]
                    _copy_into(params, self.ema_[0])
                if valid is not None:
                    self.run_validation(valid)
                self.notify("on_epoch_end", **on_epoch_kwargs)
                if self.stop_training_ or epoch == epochs - 1:
                    break
                if raw is not None:
                    _copy_into(params, raw)
        finally:
            # Generators stay out of the fitted state: a CUDA generator could
            # not be unpickled on a machine without a GPU.
            self.ema_ = None
            if shuffle_generator is not None:
                self.generator = None
            if dropout_generator is not None:
                for layer in dropouts:
                    layer.generator = None
        return self

    def _update_average(self):
        """One step of the weights' moving average. Its momentum warms up as
        ``(1 + t) / (10 + t)`` (TensorFlow's ``num_updates`` rule) up to
        ``ema_momentum``: the first steps' weights, far from any minimum,
        are forgotten fast."""
        self.ema_steps_ += 1
        t = self.ema_steps_
        momentum = min(self.ema_momentum, (1.0 + t) / (10.0 + t))
        with torch.no_grad():
            # one foreach kernel over every tensor instead of one per tensor
            torch._foreach_lerp_(self.ema_[0], self.ema_[1], 1.0 - momentum)

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
            if training and self.ema_ is not None:
                self._update_average()
        self.raw_train_loss_ = (total / max(n_seen, 1)).item()
        if self.l2_by_optimizer and self.l2_alpha and training:
            # the penalty the optimiser applied is part of scikit-learn's
            # loss_: 0.5 alpha ||W||^2 / n per batch, averaged over the rows
            # (with the epoch's final weights)
            self.raw_train_loss_ += self.l2_penalty().item() * n_batches / max(n_seen, 1)
        self.history.record(prefix + "_loss", _scaled(self.raw_train_loss_, self.loss_scale))
        self.history.record(prefix + "_batch_count", n_batches)

    def run_validation(self, valid):
        """Record the loss and the score on the validation data."""
        losses, outputs = [], []
        for batch in self.get_iterator(valid, training=False):
            step = self.validation_step(batch)
            losses.append(step["loss"] * len(batch[0]))
            outputs.append(step["y_pred"])
        self.raw_valid_loss_ = (torch.stack(losses).sum() / len(valid)).item()
        self.history.record("valid_loss", _scaled(self.raw_valid_loss_, self.loss_scale))
        logits = torch.cat(outputs)
        self.history.record("valid_score",
                            float(self.valid_scorer(logits, valid.y, valid.sample_weight)))

