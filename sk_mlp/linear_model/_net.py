"""The skorch net of the step rule: an epoch of ``MistakeDrivenNet`` is the
perceptron's mistake-driven update for every one-vs-rest problem, stopped by
scikit-learn's SGD rule (``StopRule``)."""

import numpy as np
import torch

from .._torch.training import TrainingNet
from ._mistake_driven import Penalty, mistake_driven_epoch


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
