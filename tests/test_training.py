"""Training control: early stopping, partial_fit, weights, schedules,
clipping, divergence, interruption, history and Monte-Carlo dropout."""

import math
import warnings

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.datasets import load_digits, make_classification, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import recall_score
from torch.optim.optimizer import register_optimizer_step_post_hook

from sk_mlp import MLPClassifier, MLPRegressor, TrainingDivergedWarning, plot_learning_curves
from sk_mlp._torch.subnormals import flush_tiny_weights
from sk_mlp._torch.training import TrainingNet


def _quiet(est, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return est.fit(*args, **kwargs)


def _noisy_classification(n=300, seed=0):
    return make_classification(n_samples=n, n_features=20, n_informative=5,
                               flip_y=0.2, random_state=seed)


# ------------------------------------------------------------ early stopping
def test_early_stopping_returns_the_best_epoch_not_the_last(device):
    X, y = _noisy_classification()
    kwargs = dict(hidden_layer_sizes=(256,), learning_rate_init=0.01, early_stopping=True,
                  validation_fraction=0.25, random_state=0, device=device)
    clf = MLPClassifier(n_iter_no_change=8, max_iter=300, **kwargs).fit(X, y)
    scores = clf.validation_scores_
    best_epoch = int(np.argmax(scores)) + 1
    assert best_epoch < clf.n_iter_ < 300  # stopped early, after the best epoch
    assert clf.best_validation_score_ == max(scores)
    assert len(clf.validation_loss_curve_) == clf.n_iter_ == len(clf.loss_curve_)
    assert clf.best_loss_ is None  # as in scikit-learn
    # the same run cut at the best epoch has exactly the returned weights
    ref = _quiet(MLPClassifier(n_iter_no_change=10**6, max_iter=best_epoch, **kwargs), X, y)
    for ours, theirs in zip(clf.coefs_, ref.coefs_):
        np.testing.assert_array_equal(ours, theirs)


def test_early_stopping_regressor_scores_are_r2(device):
    X, y = make_regression(n_samples=300, n_features=5, noise=5.0, random_state=0)
    reg = MLPRegressor(hidden_layer_sizes=(32,), learning_rate_init=0.01, early_stopping=True, max_iter=300,
                       random_state=0, device=device).fit(X, y)
    assert reg.validation_scores_ is not None
    assert 0.9 < reg.best_validation_score_ <= 1.0


def test_no_validation_attributes_without_early_stopping(device):
    X, y = _noisy_classification()
    clf = _quiet(MLPClassifier((8,), early_stopping=False, max_iter=5, device=device), X, y)
    assert clf.validation_scores_ is None and clf.best_validation_score_ is None
    assert clf.validation_loss_curve_ is None
    assert clf.best_loss_ == min(clf.loss_curve_)


def test_validation_split_is_stratified(device):
    # 10 samples of the rare class: a 10% unstratified split would often
    # miss it; stratified, each validation score is a multiple of 1/n_valid.
    X, y = make_classification(n_samples=200, weights=[0.95], random_state=0)
    clf = _quiet(MLPClassifier((8,), early_stopping=True, validation_fraction=0.1,
                               max_iter=5, random_state=0, device=device), X, y)
    assert all(abs(s * 20 - round(s * 20)) < 1e-6 for s in clf.validation_scores_)


# ---------------------------------------------------------------- partial_fit
def test_partial_fit_classifier(device):
    X, y = _noisy_classification()
    clf = MLPClassifier((16,), learning_rate_init=0.01, random_state=0, device=device)
    with pytest.raises(ValueError, match="classes must be passed"):
        clf.partial_fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # one epoch per call: no ConvergenceWarning
        for _ in range(5):
            clf.partial_fit(X, y, classes=[0, 1])
    # as in scikit-learn, n_iter_ counts the last call's epochs
    assert clf.n_iter_ == 1 and clf.t_ == 5 * len(X) and len(clf.loss_curve_) == 5
    assert clf.loss_curve_[-1] < clf.loss_curve_[0]
    with pytest.raises(ValueError, match="differs from the classes"):
        clf.partial_fit(X, y, classes=[0, 1, 2])
    with pytest.raises(ValueError, match="not among the classes"):
        clf.partial_fit(X, np.where(y == 1, 7, y))


def test_partial_fit_knows_classes_missing_from_the_first_batch(device):
    X, y = load_digits(return_X_y=True)
    clf = MLPClassifier((16,), random_state=0, device=device)
    clf.partial_fit(X[y < 5] / 16, y[y < 5], classes=np.arange(10))
    clf.partial_fit(X[y >= 5] / 16, y[y >= 5])
    assert list(clf.classes_) == list(range(10))
    assert clf.predict_proba(X[:3] / 16).shape == (3, 10)


def test_partial_fit_regressor_and_fit_after_partial_fit(device):
    X, y = make_regression(n_samples=200, n_features=4, random_state=0)
    reg = MLPRegressor(hidden_layer_sizes=(16,), learning_rate_init=0.01, random_state=0, device=device)
    for _ in range(3):
        reg.partial_fit(X, y)
    assert reg.n_iter_ == 1 and len(reg.loss_curve_) == 3
    net = reg.net_
    _quiet(reg, X, y)  # fit without warm_start starts afresh
    assert reg.net_ is not net and reg.n_iter_ == len(reg.loss_curve_) > 3


# ----------------------------------------------------------- sample weights
def _weights_case(seed=0):
    rng = np.random.RandomState(seed)
    X = rng.randn(60, 5)
    y = (X[:, 0] + 0.5 * rng.randn(60) > 0).astype(int)
    w = rng.randint(0, 4, size=60)
    w[:2] = [0, 3]
    return X, y, w


@pytest.mark.parametrize("Est", [MLPClassifier, MLPRegressor])
def test_zero_weights_drop_rows_and_integer_weights_repeat_them(Est, device):
    X, y, w = _weights_case()
    if Est is MLPRegressor:
        y = X @ np.arange(5.0) + 1.0
    # no dropout and no validation split: their random draws depend on the
    # number of rows, which repeating rows changes
    kwargs = dict(hidden_layer_sizes=(16,), batch_size=1000, shuffle=False, max_iter=50,
                  learning_rate_init=0.01, dropout=0.0, early_stopping=False,
                  random_state=0, device=device)
    weighted = _quiet(Est(**kwargs), X, y, sample_weight=w)
    repeated = _quiet(Est(**kwargs), np.repeat(X, w, axis=0), np.repeat(y, w))
    method = "predict_proba" if Est is MLPClassifier else "predict"
    np.testing.assert_allclose(getattr(weighted, method)(X), getattr(repeated, method)(X),
                               rtol=1e-4, atol=1e-5)
    dropped = _quiet(Est(**kwargs), X[w > 0], y[w > 0], sample_weight=w[w > 0])
    np.testing.assert_allclose(getattr(weighted, method)(X), getattr(dropped, method)(X),
                               rtol=1e-4, atol=1e-5)


def test_unit_weights_change_nothing(device):
    X, y, _ = _weights_case()
    kwargs = dict(hidden_layer_sizes=(16,), max_iter=20, random_state=0, device=device)
    a = _quiet(MLPClassifier(**kwargs), X, y)
    b = _quiet(MLPClassifier(**kwargs), X, y, sample_weight=np.full(len(y), 2.5))
    np.testing.assert_allclose(a.predict_proba(X), b.predict_proba(X), rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize(
    "weights, message",
    [(np.ones(3), "inconsistent|shape"), (-np.ones(60), "(?i)negative"),
     (np.zeros(60), "at least one non-zero"), (np.full(60, np.nan), "NaN")],
)
def test_bad_sample_weights_are_rejected(weights, message, device):
    X, y, _ = _weights_case()
    with pytest.raises(ValueError, match=message):
        MLPClassifier(device=device).fit(X, y, sample_weight=weights)


def test_balanced_class_weight_raises_minority_recall(device):
    X, y = make_classification(n_samples=2000, n_features=10, n_informative=3,
                               weights=[0.95], class_sep=0.5, flip_y=0.0, random_state=0)
    kwargs = dict(hidden_layer_sizes=(16,), max_iter=30, learning_rate_init=0.01,
                  random_state=0, device=device)
    plain = _quiet(MLPClassifier(**kwargs), X, y)
    balanced = _quiet(MLPClassifier(class_weight="balanced", **kwargs), X, y)
    recall_plain = recall_score(y, plain.predict(X))
    recall_balanced = recall_score(y, balanced.predict(X))
    assert recall_plain < 0.3 and recall_balanced > recall_plain + 0.5


# ---------------------------------------------------------------- schedules
@pytest.mark.parametrize(
    "schedule, expected",
    [
        ("constant", lambda e, n: 0.01),
        ("invscaling", lambda e, n: 0.01 / (e * n + 1) ** 0.25),
        ("cosine", lambda e, n: 0.01 * 0.5 * (1 + math.cos(math.pi * e / 8))),
    ],
)
def test_learning_rate_schedules(schedule, expected, device):
    X, y = _noisy_classification(n=100)
    clf = _quiet(MLPClassifier((8,), solver="sgd", learning_rate=schedule, power_t=0.25,
                               learning_rate_init=0.01, max_iter=8, tol=0.0,
                               n_iter_no_change=100, device=device), X, y)
    lrs = [row["lr"] for row in clf.history_]
    np.testing.assert_allclose(lrs, [expected(e, 100) for e in range(8)], rtol=1e-12)


def test_adaptive_divides_by_five_when_stalled_then_stops(device):
    X, y = _noisy_classification(n=100)
    # tol is unreachable: every epoch "fails to improve"
    clf = MLPClassifier((8,), solver="sgd", learning_rate="adaptive", learning_rate_init=0.1,
                        tol=1e9, n_iter_no_change=2, max_iter=500, device=device).fit(X, y)
    lrs = [row["lr"] for row in clf.history_]
    assert lrs[:4] == [0.1] * 4
    assert lrs[4] == pytest.approx(0.02)
    assert min(lrs) >= 1e-6 and min(lrs) / 5 < 1e-6
    assert clf.n_iter_ < 500


@pytest.mark.parametrize("early_stopping", [True, "auto"])
def test_adaptive_under_early_stopping_ends_after_a_cut_that_brings_nothing(
        early_stopping, device):
    """The restored model is the best epoch's: once a cut has brought no
    epoch better by tol within the patience, training ends instead of
    cutting on towards 1e-6 (which the test above keeps without a split)."""
    X, y = _noisy_classification(n=400)
    clf = MLPClassifier((8,), learning_rate="adaptive", tol=1e9, n_iter_no_change=2,
                        max_iter=500, early_stopping=early_stopping,
                        device=device).fit(X, y)
    lrs = [row["lr"] for row in clf.history_]
    # epoch 1 is the best; 3 stalled epochs cut the rate; 3 more end training
    assert lrs == [1e-3] * 4 + [pytest.approx(2e-4)] * 3
    assert clf.n_iter_ == 7 and clf.validation_scores_ is not None


# ----------------------------------------------------------------- clipping
def test_gradient_clipping_bounds_the_gradient_norm(device):
    X, y = make_regression(n_samples=200, n_features=10, random_state=0)
    X = X * 100  # large inputs, large gradients
    norms = []

    def record(optimizer, args, kwargs):
        grads = [p.grad for g in optimizer.param_groups for p in g["params"]
                 if p.grad is not None]
        norms.append(torch.linalg.vector_norm(torch.stack(
            [torch.linalg.vector_norm(g) for g in grads])).item())

    handle = register_optimizer_step_post_hook(record)
    try:
        clipped = _quiet(MLPRegressor(hidden_layer_sizes=(32,), max_grad_norm=0.5, max_iter=5, device=device),
                         X, y)
        clipped_norms, norms[:] = list(norms), []
        _quiet(MLPRegressor(hidden_layer_sizes=(32,), max_iter=5, device=device), X, y)
    finally:
        handle.remove()
    assert max(clipped_norms) <= 0.5 * (1 + 1e-4)
    assert max(norms) > 0.5  # without clipping the same steps are larger
    assert max(row["grad_norm"] for row in clipped.history_) > 0.5  # pre-clip norm


# --------------------------------------------------------------- divergence
@pytest.mark.parametrize("early_stopping", [False, True])
def test_divergence_stops_with_a_warning_and_finite_predictions(early_stopping, device):
    X, y = make_regression(n_samples=200, n_features=10, random_state=0)
    X = X * 1e3
    reg = MLPRegressor(hidden_layer_sizes=(64, 64), solver="sgd", learning_rate_init=10.0, max_iter=100,
                       early_stopping=early_stopping, random_state=0, device=device)
    with pytest.warns(TrainingDivergedWarning, match="learning_rate_init.*max_grad_norm"):
        reg.fit(X, y)
    assert reg.n_iter_ < 100
    assert reg.history_[-1].get("diverged") is True
    assert np.isfinite(reg.predict(X)).all()
    assert all(np.isfinite(W).all() for W in reg.coefs_)


def test_clipping_and_lower_rate_avoid_the_divergence(device):
    X, y = make_regression(n_samples=200, n_features=10, random_state=0)
    X = X * 1e3
    with warnings.catch_warnings():
        warnings.simplefilter("error", TrainingDivergedWarning)
        _quiet(MLPRegressor(hidden_layer_sizes=(64, 64), solver="sgd", learning_rate_init=1e-3,
                            max_grad_norm=1.0, max_iter=20, random_state=0,
                            device=device), X, y)


# ------------------------------------------------------------- interruption
@pytest.mark.parametrize("early_stopping", [False, True])
def test_ctrl_c_leaves_a_usable_model(monkeypatch, early_stopping, device):
    X, y = _noisy_classification()
    calls = {"n": 0}
    original = TrainingNet.train_step

    def interrupting(self, batch, **kwargs):
        calls["n"] += 1
        if calls["n"] == 7:
            raise KeyboardInterrupt
        return original(self, batch, **kwargs)

    monkeypatch.setattr(TrainingNet, "train_step", interrupting)
    clf = MLPClassifier((16,), batch_size=100, max_iter=100, early_stopping=early_stopping,
                        random_state=0, device=device)
    with pytest.warns(UserWarning, match="interrupted after"):
        clf.fit(X, y)
    assert clf.n_iter_ < 100
    proba = clf.predict_proba(X)
    assert np.isfinite(proba).all()
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-6)


# --------------------------------------------------------- history and plots
def test_history_is_a_table(device):
    X, y = _noisy_classification()
    clf = _quiet(MLPClassifier((8,), early_stopping=True, max_iter=6, n_iter_no_change=100,
                               device=device), X, y)
    table = pd.DataFrame(clf.history_)
    assert len(table) == 6
    assert {"epoch", "train_loss", "valid_loss", "valid_score", "lr", "dur"} <= set(table)
    assert (table["dur"] > 0).all() and list(table["epoch"]) == list(range(1, 7))


def test_plot_learning_curves(device):
    # the plot extra is optional for users but in the test extra,
    # so the README's test command never skips this
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    X, y = _noisy_classification()
    with_valid = _quiet(MLPClassifier((8,), early_stopping=True, max_iter=5,
                                      n_iter_no_change=100, device=device), X, y)
    ax = plot_learning_curves(with_valid)
    train_line, valid_line = ax.get_lines()
    np.testing.assert_allclose(train_line.get_ydata(), with_valid.loss_curve_)
    np.testing.assert_allclose(valid_line.get_ydata(), with_valid.validation_loss_curve_)
    plain = _quiet(MLPClassifier((8,), early_stopping=False, max_iter=5, device=device),
                   X, y)
    assert len(plot_learning_curves(plain).get_lines()) == 1


# ---------------------------------------------------------- MC dropout
def test_mc_dropout_std_is_zero_without_dropout(device):
    X, y = _noisy_classification()
    clf = _quiet(MLPClassifier((16,), dropout=0.0, max_iter=5, random_state=0,
                               device=device), X, y)
    mean, std = clf.predict_proba_mc(X, n_samples=5)
    assert (std == 0).all()
    np.testing.assert_allclose(mean, clf.predict_proba(X), rtol=1e-6)


def test_mc_dropout_is_stochastic_reproducible_and_leaves_predict_alone(device):
    X, y = _noisy_classification()
    clf = _quiet(MLPClassifier((64,), dropout=0.5, max_iter=20, random_state=0,
                               device=device), X, y)
    before = clf.predict_proba(X)
    mean, std = clf.predict_proba_mc(X, n_samples=30)
    mean2, std2 = clf.predict_proba_mc(X, n_samples=30)
    assert mean.shape == std.shape == (len(X), 2)
    assert (std > 0).mean() > 0.9
    np.testing.assert_array_equal(mean, mean2)
    np.testing.assert_array_equal(std, std2)
    np.testing.assert_allclose(mean.sum(axis=1), 1, rtol=1e-6)
    np.testing.assert_array_equal(clf.predict_proba(X), before)
    assert np.abs(mean - before).mean() < 0.1


def test_regressor_predict_mc(device):
    X, y = make_regression(n_samples=200, n_features=5, noise=1.0, random_state=0)
    reg = _quiet(MLPRegressor(hidden_layer_sizes=(64,), dropout=0.2, learning_rate_init=0.01, max_iter=100,
                              random_state=0, device=device), X, 1000 + 100 * y)
    mean, std = reg.predict_mc(X, n_samples=20)
    assert mean.shape == std.shape == (200,)
    assert (std > 0).all()
    assert np.corrcoef(mean, reg.predict(X))[0, 1] > 0.99
    no_dropout = _quiet(MLPRegressor(hidden_layer_sizes=(8,), dropout=0.0, max_iter=5,
                                     device=device), X, y)
    assert (no_dropout.predict_mc(X, n_samples=3)[1] == 0).all()
    with pytest.raises(ValueError, match="n_samples"):
        reg.predict_mc(X, n_samples=0)


# ------------------------------------------------- subnormal weights flushed
def _subnormals(tensor):
    values = tensor.detach().abs()
    return int(((values > 0) & (values < torch.finfo(values.dtype).tiny)).sum())


def test_tiny_weights_are_flushed_with_their_moments_and_zeros_are_kept():
    weight = torch.nn.Parameter(torch.tensor([1e-39, 1e-31, 0.0, 0.5, -1e-35, 1e-29]))
    optimizer = torch.optim.Adam([weight])
    weight.grad = torch.ones_like(weight)
    optimizer.step()
    with torch.no_grad():
        weight.copy_(torch.tensor([1e-39, 1e-31, 0.0, 0.5, -1e-35, 1e-29]))
    state = optimizer.state[weight]
    state["exp_avg"][3] = 1e-40  # a tiny moment of a live weight
    average = torch.tensor([0.3, 1e-33, 0.0, 0.5, 2.0, -1e-38])
    flush_tiny_weights([weight], optimizer, [average])
    np.testing.assert_array_equal(weight.detach(),
                                  np.float32([0, 0, 0, 0.5, 0, 1e-29]))
    flushed = np.array([True, True, False, True, True, False])  # tiny weight or moment
    exp_avg = state["exp_avg"].numpy()
    assert (exp_avg[flushed] == 0).all() and (exp_avg[~flushed] != 0).all()
    # an exact zero keeps its moments (L1 holds weights there on purpose)
    assert state["exp_avg_sq"][2] > 0 and state["exp_avg_sq"][3] > 0
    assert (state["exp_avg_sq"][[0, 1, 4]] == 0).all()
    np.testing.assert_array_equal(average, np.float32([0.3, 0, 0, 0.5, 2.0, 0]))
    assert state["step"] == 1  # the step count is not a moment


@pytest.mark.parametrize("Est", [MLPClassifier, MLPRegressor])
def test_a_dead_units_subnormal_weights_do_not_survive_training(Est, device):
    # a dead ReLU unit's weights get no gradient: without weight decay, and
    # with zero moments, a subnormal weight there would stay subnormal and
    # slow every matrix product it joins on a CPU
    X, y = _noisy_classification(n=200)
    if Est is MLPRegressor:
        y = X[:, 0] + X[:, 1]
    model = _quiet(Est(hidden_layer_sizes=(8,), weight_decay=0.0, alpha=0.0, batch_size=10, max_iter=2,
                       early_stopping=False, random_state=0, device=device), X, y)
    first, last = model.net_.module_.linears
    with torch.no_grad():
        first.bias[0] = -1e4  # unit 0 never fires
        first.weight[0] = 1e-39
        last.weight[..., 0] = 1e-39  # (an ensemble: every member's)
    state = model.net_.optimizer_.state
    for param in (first.weight, last.weight, first.bias):
        for key in ("exp_avg", "exp_avg_sq"):
            state[param][key].zero_()
    state[first.bias]["exp_avg"][0] = 1e-39
    model.partial_fit(X, y)
    model.partial_fit(X, y)  # 40 steps
    tensors = [*model.net_.module_.parameters(),
               *(v for s in state.values() for v in s.values() if v.ndim)]
    assert sum(_subnormals(t) for t in tensors) == 0
    assert (first.weight[0] == 0).all() and (last.weight[..., 0] == 0).all()
    assert np.isfinite(model.predict(X).astype(float)).all()
