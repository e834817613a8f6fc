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
from ._module import InvertedDropout


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
    giving a score, higher is better) and ``predict_batch_size``.

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
                 valid_scorer=None, predict_batch_size=4096, **kwargs):
        super().__init__(module, criterion, **kwargs)
        self.l2_alpha = l2_alpha
        self.l2_by_optimizer = l2_by_optimizer
        self.base_weight_decay = base_weight_decay
        self.loss_scale = loss_scale
        self.ema_momentum = ema_momentum
        self.shuffle = shuffle
        self.valid_scorer = valid_scorer
        self.predict_batch_size = predict_batch_size

    # the current call's state (never part of a saved model): the shuffling
    # generator, the training data's mean weight (weights arrive normalised
    # to mean 1), and while averaging (averages, parameters) lists and the
    # count of steps averaged
    generator = None
    weight_mean_ = 1.0
    ema_ = None
    ema_steps_ = 0

    def get_default_callbacks(self):
        return [("epoch_timer", EpochTimer())]

    def _set_training(self, training=True):
        # skorch sets the mode before every batch; a recursive ``train()``
        # over the module tree per batch is measurable for small networks.
        if self.module_.training != training:
            super()._set_training(training)

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
            group = self.optimizer_.param_groups[-1]  # the weights (biases: group 0)
            if group["weight_decay"] != decay:
                group["weight_decay"] = decay
        return super().train_step(batch, **fit_params)

    def l2_penalty(self):
        """``0.5 * alpha * ||W||^2`` over the weight matrices."""
        squares = sum((layer.weight ** 2).sum() for layer in self.module_.linears)
        return 0.5 * self.l2_alpha * squares

    def fit_loop(self, X, y=None, epochs=None, valid=None, shuffle_generator=None,
                 dropout_generator=None, average=True, **fit_params):
        self.check_training_readiness()
        epochs = self.max_epochs if epochs is None else epochs
        dataset = self.get_dataset(X, y)
        self.weight_mean_ = getattr(dataset, "weight_mean", 1.0)
        if shuffle_generator is not None:
            self.generator = shuffle_generator
        dropouts = [m for m in self.module_.modules() if isinstance(m, InvertedDropout)]
        if dropout_generator is not None:
            for layer in dropouts:
                layer.generator = dropout_generator
        iterator = self.get_iterator(dataset, training=True)
        on_epoch_kwargs = {"dataset_train": dataset, "dataset_valid": valid}
        self.stop_training_ = False
        params = list(self.module_.parameters())
        self.ema_ = ([p.detach().clone() for p in params], params) \
            if average and self.ema_momentum > 0 else None
        self.ema_steps_ = 0
        try:
            for epoch in range(epochs):
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


class StopRule:
    """scikit-learn's SGD stopping rule for one problem: stop once the
    watched value has not improved by ``tol`` for ``n_iter_no_change``
    epochs in a row (``tol=None``: never)."""

    def __init__(self, tol, n_iter_no_change, higher_is_better):
        self.tol = -np.inf if tol is None else tol
        self.n_iter_no_change = n_iter_no_change
        self.higher_is_better = higher_is_better
        self.best = -np.inf if higher_is_better else np.inf
        self.count = 0

    def update(self, value):
        """Record one epoch's value; return whether to stop."""
        if self.higher_is_better:
            stalled = value < self.best + self.tol
            self.best = max(self.best, value)
        else:
            stalled = value > self.best - self.tol
            self.best = min(self.best, value)
        self.count = self.count + 1 if stalled else 0
        return self.count >= self.n_iter_no_change


class MistakeDrivenNet(TrainingNet):
    """skorch net whose epoch is the perceptron's mistake-driven rule.

    ``module_`` holds one linear unit per one-vs-rest problem (float64);
    an epoch runs the rule for every problem still training, records the
    number of updates (``train_updates``), the mean objective
    (``train_loss``: perceptron loss plus penalty per sample) and, with a
    validation split, the mean accuracy (``valid_score``) in ``History``. A
    problem stops at its first mistake-free epoch when nothing else can
    change its weights (no penalty), or by scikit-learn's ``tol`` rule on
    the objective or the validation accuracy; training ends when every
    problem stopped. The dataset's targets are -1/+1 columns and its sample
    weights the step size of each sample's update.
    """

    def configure_rule(self, *, eta, decay, fit_intercept, shuffle, dropout, weighted,
                       generator, dropout_generator, screen=None, penalty=None,
                       tol=None, n_iter_no_change=5, valid=None, n_jobs=None):
        from ._mistake_driven import Penalty

        penalty = penalty or Penalty()
        self.rule_ = dict(eta=eta, decay=decay, fit_intercept=fit_intercept,
                          dropout=dropout, weighted=weighted, screen=screen,
                          penalty=penalty, valid=valid, n_jobs=n_jobs,
                          track_objective=tol is not None and valid is None)
        self.shuffle = shuffle
        self.generator = generator
        self.dropout_generator = dropout_generator
        weight = self.module_.linears[0].weight
        n_problems, n_features = weight.shape
        self.done_ = np.zeros(n_problems, dtype=bool)
        self.separated_ = np.zeros(n_problems, dtype=bool)
        self.stop_rules_ = [StopRule(tol, n_iter_no_change, valid is not None)
                            for _ in range(n_problems)]
        self.l1_states_ = [{"u": 0.0, "q": np.zeros(n_features)}
                           for _ in range(n_problems)]

    def all_converged(self):
        return bool(self.done_.all())

    def all_separated(self):
        return bool(self.separated_.all())

    def _epoch_order_and_mask(self, X):
        n = X.shape[0]
        device = self.module_.linears[0].weight.device
        order = mask = None
        if self.shuffle:
            order = torch.randperm(n, generator=self.generator, device=device)
        p = self.rule_["dropout"]
        if p > 0:
            keep = torch.rand(X.shape, generator=self.dropout_generator, device=device)
            mask = (keep >= p).to(X.dtype) / (1.0 - p)
        return order, mask

    def _run_problem(self, c, data, eta, order, mask):
        rule = self.rule_
        # (sparse data and L1 penalties train on the CPU: the estimator puts
        # the module there, so these rows are NumPy-viewable in place)
        weight = self.module_.linears[0].weight.detach()
        bias = self.module_.linears[0].bias.detach()
        return mistake_driven_epoch(
            data.X, data.y[:, c], weight[c], bias[c : c + 1], eta=eta, decay=rule["decay"],
            fit_intercept=rule["fit_intercept"], order=order, mask=mask,
            screen=rule["screen"], penalty=rule["penalty"],
            l1_state=self.l1_states_[c], track_objective=rule["track_objective"],
        )

    def _valid_score(self, c):
        X, y = self.rule_["valid"]
        w = self.module_.linears[0].weight.detach()[c].cpu().numpy()
        b = float(self.module_.linears[0].bias.detach()[c])
        return float(np.mean(((X @ w + b) > 0) == (y[:, c] > 0)))

    def run_single_epoch(self, iterator, training, prefix, step_fn, **fit_params):
        data = iterator.dataset
        rule = self.rule_
        eta = data.sample_weight if rule["weighted"] else float(rule["eta"])
        order, mask = self._epoch_order_and_mask(data.X)
        if order is not None and not isinstance(data.X, torch.Tensor):
            order = order.cpu().numpy()
        active = np.flatnonzero(~self.done_)
        if rule["n_jobs"] not in (None, 1) and len(active) > 1:
            from joblib import Parallel, delayed

            results = Parallel(n_jobs=rule["n_jobs"], prefer="threads")(
                delayed(self._run_problem)(c, data, eta, order, mask) for c in active)
        else:
            results = [self._run_problem(c, data, eta, order, mask) for c in active]
        objectives, scores = [], []
        for c, result in zip(active, results):
            objectives.append(result.objective / max(len(data), 1))
            if not rule["penalty"].active and result.updates == 0:
                self.separated_[c] = self.done_[c] = True  # nothing can change
                continue
            if rule["valid"] is not None:
                scores.append(self._valid_score(c))
                value = scores[-1]
            else:
                value = objectives[-1]
            if self.stop_rules_[c].update(value):
                self.done_[c] = True
        self.history.record(prefix + "_updates", sum(r.updates for r in results))
        self.history.record(prefix + "_loss", float(np.mean(objectives)))
        if scores:
            self.history.record("valid_score", float(np.mean(scores)))
        if self.all_converged():
            self.stop_training_ = True

    def partial_fit(self, X, y=None, classes=None, **fit_params):
        try:
            return super().partial_fit(X, y, classes, **fit_params)
        finally:
            # Not part of the model: a copy of X, the validation data, the L1
            # state and generators (a CUDA one could not be unpickled on a
            # machine without a GPU).
            self.rule_["screen"] = self.rule_["valid"] = None
            self.l1_states_ = None
            self.generator = self.dropout_generator = None


class Monitor(Callback):
    """Watches every epoch: stopping rule, learning-rate adaptation, best and
    last finite weights.

    The monitored quantity is, with ``early_stopping``, the validation score
    (``metric='score'``, higher is better, scikit-learn's rule) or the
    validation loss (``metric='loss'``, lower is better), else the training
    loss (lower is better). When it
    has not improved by ``tol`` for more than ``n_iter_no_change`` epochs,
    training stops (scikit-learn's rule), unless ``adaptive``: then the
    learning rate is divided by 5 first, and training stops once it would
    fall below 1e-6 or, with ``early_stopping``, once a cut has brought no
    better epoch within the patience. If the loss or a weight becomes non-finite, training
    stops and the last finite weights (the best, with ``early_stopping``) are
    restored; ``diverged_`` tells. With ``early_stopping`` the best epoch's
    weights are restored at the end of training, Ctrl-C included.
    """

    def __init__(self, tol, n_iter_no_change, early_stopping=False, adaptive=False,
                 metric="score"):
        self.tol = tol
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
        elif not bool(torch.isfinite(self._params(net)).all()):
            # diverged, or interrupted in the middle of a diverging step
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
