"""The defaults' behaviour: early_stopping='auto' on the validation loss,
best-epoch restore, and the settings that give scikit-learn's model back.

The defaults were chosen on benchmarks/bench_quality.py; these tests keep
what they do, not the benchmark's numbers.
"""

import warnings

import numpy as np
import pytest
from sklearn.datasets import make_classification, make_regression
from sklearn.exceptions import ConvergenceWarning

from sk_mlp import MLPClassifier, MLPRegressor, sklearn_defaults
from sk_mlp.neural_network._settings import AUTO_EARLY_STOPPING_ROWS


def _fit(est, X, y, **fit_params):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return est.fit(X, y, **fit_params)


def _noisy(n, seed=0):
    return make_classification(n_samples=n, n_features=20, n_informative=5,
                               flip_y=0.2, random_state=seed)


def test_auto_early_stopping_holds_out_a_split_from_the_threshold_up(device):
    small = max(AUTO_EARLY_STOPPING_ROWS - 1, 20)
    X, y = _noisy(AUTO_EARLY_STOPPING_ROWS + small)
    kwargs = dict(hidden_layer_sizes=(8,), max_iter=5, random_state=0, device=device)
    on = _fit(MLPClassifier(**kwargs), X[:AUTO_EARLY_STOPPING_ROWS], y[:AUTO_EARLY_STOPPING_ROWS])
    assert on.validation_loss_curve_ is not None and on.best_loss_ is None
    if AUTO_EARLY_STOPPING_ROWS > 1:
        off = _fit(MLPClassifier(**kwargs), X[:AUTO_EARLY_STOPPING_ROWS - 1],
                   y[:AUTO_EARLY_STOPPING_ROWS - 1])
        assert off.validation_loss_curve_ is None
        assert off.best_loss_ == min(off.loss_curve_)


@pytest.mark.parametrize("Estimator", [MLPClassifier, MLPRegressor])
def test_auto_early_stopping_restores_the_epoch_of_lowest_validation_loss(Estimator, device):
    if Estimator is MLPClassifier:
        X, y = _noisy(max(600, AUTO_EARLY_STOPPING_ROWS))
    else:
        X, y = make_regression(n_samples=max(600, AUTO_EARLY_STOPPING_ROWS), n_features=20,
                               n_informative=5, noise=30.0, random_state=0)
    kwargs = dict(hidden_layer_sizes=(128,), learning_rate_init=0.01, dropout=0.0,
                  random_state=0, device=device)
    est = _fit(Estimator(max_iter=300, **kwargs), X, y)
    losses = est.validation_loss_curve_
    best_epoch = int(np.argmin(losses)) + 1
    assert best_epoch < est.n_iter_ < 300  # it overfitted, stopped, went back
    restored = [i + 1 for i, row in enumerate(est.history_) if row.get("restored")]
    assert restored == [best_epoch]
    assert est.best_validation_score_ == est.validation_scores_[best_epoch - 1]
    # the same run cut at that epoch holds exactly the weights returned
    cut = _fit(Estimator(max_iter=best_epoch, n_iter_no_change=10**6, **kwargs), X, y)
    for ours, theirs in zip(est.coefs_, cut.coefs_):
        np.testing.assert_array_equal(ours, theirs)


def test_explicit_early_stopping_keeps_scikit_learns_score_rule(device):
    X, y = _noisy(600)
    kwargs = dict(hidden_layer_sizes=(128,), learning_rate_init=0.01, dropout=0.0,
                  max_iter=300, random_state=0, device=device)
    by_score = _fit(MLPClassifier(early_stopping=True, **kwargs), X, y)
    scores = by_score.validation_scores_
    assert by_score.best_validation_score_ == max(scores)
    restored = [i for i, row in enumerate(by_score.history_) if row.get("restored")]
    assert scores[restored[0]] == max(scores)
    # the loss may be asked for explicitly, with early_stopping=True too
    by_loss = _fit(MLPClassifier(early_stopping=True, early_stopping_metric="loss",
                                 **kwargs), X, y)
    restored = [i for i, row in enumerate(by_loss.history_) if row.get("restored")]
    assert by_loss.validation_loss_curve_[restored[0]] == min(by_loss.validation_loss_curve_)


def test_auto_early_stopping_trains_on_everything_where_no_split_can_be_made(device):
    # one row of class 2: a stratified split cannot put it on both sides
    X, y = _noisy(max(300, AUTO_EARLY_STOPPING_ROWS))
    y = y.copy()
    y[0] = 2
    kwargs = dict(hidden_layer_sizes=(8,), max_iter=5, random_state=0, device=device)
    clf = _fit(MLPClassifier(**kwargs), X, y)
    assert clf.validation_loss_curve_ is None
    np.testing.assert_array_equal(clf.classes_, [0, 1, 2])
    with pytest.raises(ValueError, match="stratified"):
        _fit(MLPClassifier(early_stopping=True, **kwargs), X, y)


def test_partial_fit_under_auto_early_stopping_trains_one_epoch_on_all_rows(device):
    X, y = _noisy(max(300, AUTO_EARLY_STOPPING_ROWS))
    clf = MLPClassifier(hidden_layer_sizes=(8,), random_state=0, device=device)
    clf.partial_fit(X, y, classes=[0, 1]).partial_fit(X, y)
    assert clf.n_iter_ == 1 and len(clf.loss_curve_) == 2
    assert clf.validation_loss_curve_ is None
    with pytest.raises(ValueError, match="early_stopping"):
        MLPClassifier(early_stopping=True).partial_fit(X, y, classes=[0, 1])


def test_auto_dropout_is_on_for_stochastic_solvers_and_off_for_lbfgs(device):
    X, y = _noisy(100)
    kwargs = dict(hidden_layer_sizes=(8, 8), max_iter=3, random_state=0, device=device)
    adam = _fit(MLPClassifier(**kwargs), X, y)
    assert [d.p for d in adam.net_.module_.dropouts] == [0.1, 0.1]
    # L-BFGS needs a deterministic loss: the default must not stand in its way
    lbfgs = _fit(MLPClassifier(solver="lbfgs", **kwargs), X, y)
    assert lbfgs.net_.module_.dropouts == []
    with pytest.raises(ValueError, match="deterministic"):
        MLPClassifier(solver="lbfgs", dropout=0.1, **kwargs).fit(X, y)


@pytest.mark.parametrize("Estimator", [MLPClassifier, MLPRegressor])
def test_sklearn_defaults_give_back_every_default_of_scikit_learn(Estimator):
    import inspect

    from sklearn import neural_network

    reference = getattr(neural_network, Estimator.__name__)
    theirs = reference().get_params()
    ours = Estimator(**sklearn_defaults(Estimator)).get_params()
    for name, value in theirs.items():
        mine = tuple(ours[name]) if isinstance(ours[name], (list, tuple)) else ours[name]
        value = tuple(value) if isinstance(value, (list, tuple)) else value
        if name == "batch_size":
            # scikit-learn's 'auto' is min(200, n_samples); sk_mlp's grows
            # with the rows, and 200 (a batch beyond the rows takes them
            # all) is scikit-learn's
            assert (mine, value) == (200, "auto")
            continue
        assert mine == value, name
    # the sk_mlp-only parameters are at their plain (scikit-learn) values
    assert ours["dropout"] == 0 and ours["weight_decay"] == 0
    # and sk_mlp's own defaults are really different: the dict is not empty
    # for nothing
    assert set(sklearn_defaults(Estimator)) >= {"hidden_layer_sizes", "early_stopping"}
    assert inspect.signature(Estimator).parameters["early_stopping"].default == "auto"


def test_sklearn_defaults_refuses_an_estimator_without_a_counterpart():
    from sk_mlp import Perceptron

    with pytest.raises(TypeError, match="no counterpart"):
        sklearn_defaults(Perceptron)


# ------------------------------------------------------------- input scaling
def _raw_table(n=400, seed=0):
    """Columns on very different scales, one heavy-tailed, one indicator."""
    rng = np.random.default_rng(seed)
    X = np.column_stack([
        rng.normal(50_000, 15_000, n),                  # a price
        rng.normal(0.002, 0.0005, n),                   # a tiny rate
        np.where(rng.random(n) < 0.9, 0.0, rng.pareto(1.5, n) * 1e4),  # heavy tail
        (rng.random(n) < 0.3).astype(float),            # an indicator
    ])
    y = ((X[:, 0] - 50_000) / 15_000 + (X[:, 1] - 0.002) / 0.0005 + X[:, 3]
         + rng.normal(0, 0.3, n) > 0.3).astype(int)
    return X, y


def test_standard_input_scaling_uses_the_weighted_moments_and_spares_indicators(device):
    X, y = _raw_table()
    weights = np.random.default_rng(1).integers(1, 4, len(y)).astype(float)
    clf = _fit(MLPClassifier((8,), max_iter=2, random_state=0, device=device),
               X, y)  # input_scaling='standard' is the default
    scaling = clf.net_.module_.scaling
    np.testing.assert_allclose(scaling.shift.numpy()[:3], X[:, :3].mean(axis=0), rtol=1e-6)
    np.testing.assert_allclose(scaling.scale.numpy()[:3], 1 / X[:, :3].std(axis=0),
                               rtol=1e-6)
    assert scaling.shift[3] == 0 and scaling.scale[3] == 1  # the 0/1 column as it is
    # a weight k counts a row k times
    weighted = MLPClassifier((8,), max_iter=2, random_state=0, device=device)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        weighted.fit(X, y, sample_weight=weights)
    repeated = np.repeat(X, weights.astype(int), axis=0)
    np.testing.assert_allclose(weighted.net_.module_.scaling.shift.numpy()[:3],
                               repeated[:, :3].mean(axis=0), rtol=1e-6)


@pytest.mark.parametrize("Estimator", [MLPClassifier, MLPRegressor])
def test_standard_input_scaling_equals_a_standard_scaler_in_front(Estimator, device):
    from sklearn.preprocessing import StandardScaler

    X, y = _raw_table()
    X = X[:, :3]  # no indicator: StandardScaler scales every column
    # one network: its scaling folds into coefs_[0] (an ensemble's input
    # scales sit between)
    kwargs = dict(hidden_layer_sizes=(16,), max_iter=5, dropout=0.0, random_state=0,
                  dtype="float64", device=device, ensemble_size=1)
    inside = _fit(Estimator(**kwargs), X, y)
    outside = _fit(Estimator(input_scaling=None, **kwargs),
                   StandardScaler().fit_transform(X), y)
    # the same network; coefs_ fold the scaling in, so they act on raw inputs
    np.testing.assert_allclose(inside.net_.module_.linears[0].weight.detach().cpu().numpy(),
                               outside.net_.module_.linears[0].weight.detach().cpu().numpy(),
                               rtol=1e-6, atol=1e-9)
    mean, std = X.mean(axis=0), X.std(axis=0)
    np.testing.assert_allclose(inside.coefs_[0], outside.coefs_[0] / std[:, None],
                               rtol=1e-6)
    np.testing.assert_allclose(inside.intercepts_[0], outside.intercepts_[0]
                               - (mean / std) @ outside.coefs_[0], rtol=1e-6, atol=1e-9)
    predict = "predict_proba" if Estimator is MLPClassifier else "predict"
    X_new = X[:50] * 1.1
    np.testing.assert_allclose(
        getattr(inside, predict)(X_new),
        getattr(outside, predict)(StandardScaler().fit(X).transform(X_new)),
        rtol=1e-6, atol=1e-9)


def test_robust_input_scaling_bounds_outliers_and_centres_the_median(device):
    import torch

    X, y = _raw_table()
    clf = _fit(MLPClassifier((8,), max_iter=2, input_scaling="robust", random_state=0,
                             device=device), X, y)
    scaling = clf.net_.module_.scaling.cpu()
    with torch.no_grad():
        z = scaling(torch.tensor(X, dtype=torch.float32)).numpy()
        extreme = scaling(torch.tensor([[1e9, 1e3, 1e12, 1.0]], dtype=torch.float32))
    assert np.all(np.abs(z) < 3) and np.all(np.abs(extreme.numpy()) < 3)
    # the median maps to 0 (the smooth clip keeps 0 where it is)
    np.testing.assert_allclose(np.median(z[:, :2], axis=0), 0, atol=0.05)
    # values near the centre keep their robust z-score almost exactly
    centre = np.abs(z[:, 0]) < 0.5
    iqr = np.subtract(*np.percentile(X[:, 0], [75, 25])) / 1.349
    np.testing.assert_allclose(z[centre, 0], (X[centre, 0] - np.median(X[:, 0])) / iqr,
                               atol=0.03)


def test_input_scaling_makes_raw_inputs_train_as_scaled_ones(device):
    from sklearn.datasets import load_breast_cancer
    from sklearn.model_selection import train_test_split

    X, y = load_breast_cancer(return_X_y=True)  # columns from 1e-3 to 4e3
    X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)
    raw = _fit(MLPClassifier(input_scaling=None, random_state=0, device=device),
               X_train, y_train).score(X_test, y_test)
    scaled = _fit(MLPClassifier(random_state=0, device=device),
                  X_train, y_train).score(X_test, y_test)
    assert scaled > 0.95 and scaled > raw + 0.03


def test_input_scaling_is_kept_by_partial_fit_and_saved(tmp_path, device):
    from sk_mlp import load, save

    X, y = _raw_table()
    clf = MLPClassifier((8,), input_scaling="robust", random_state=0, device=device)
    clf.partial_fit(X[:200], y[:200], classes=[0, 1])
    first = clf.net_.module_.scaling.shift.clone()
    clf.partial_fit(X[200:] * 10, y[200:])  # later batches do not move the statistics
    assert bool((clf.net_.module_.scaling.shift == first).all())
    save(clf, tmp_path / "m.skmlp")
    back = load(tmp_path / "m.skmlp", device=device)
    np.testing.assert_array_equal(back.predict_proba(X), clf.predict_proba(X))
    assert back.net_.module_.scaling.clip


# -------------------------------------------------------------- weight decay
def test_auto_weight_decay_is_1e_3_on_small_data_and_falls_as_one_over_n(device):
    from sk_mlp.neural_network._settings import AUTO_WEIGHT_DECAY, AUTO_WEIGHT_DECAY_ROWS

    def decays(est):
        return est.net_.base_weight_decay, est.net_.optimizer_.param_groups[-1]["weight_decay"]

    kwargs = dict(hidden_layer_sizes=(4,), max_iter=1, alpha=0.0, random_state=0,
                  device=device)
    X, y = _noisy(4 * AUTO_WEIGHT_DECAY_ROWS)
    small = _fit(MLPClassifier(**kwargs), X[:AUTO_WEIGHT_DECAY_ROWS // 2],
                 y[:AUTO_WEIGHT_DECAY_ROWS // 2])
    assert decays(small) == (AUTO_WEIGHT_DECAY, AUTO_WEIGHT_DECAY)
    large = _fit(MLPClassifier(**kwargs), X, y)  # four times the rows: a quarter
    assert decays(large) == pytest.approx((AUTO_WEIGHT_DECAY / 4,) * 2)
    # from ten times the rows on, a tenth
    many = np.tile(X, (3, 1)), np.tile(y, 3)
    assert decays(_fit(MLPClassifier(**kwargs), *many)) == pytest.approx(
        (AUTO_WEIGHT_DECAY / 10,) * 2)
    # an explicit value is used as given, whatever the size, and never on biases
    fixed = _fit(MLPClassifier(weight_decay=0.05, **kwargs), X, y)
    assert decays(fixed) == (0.05, 0.05)
    assert fixed.net_.optimizer_.param_groups[0]["weight_decay"] == 0.0
    # and a warm start with a new value applies it
    fixed.set_params(weight_decay=0.01, warm_start=True)
    assert decays(_fit(fixed, X, y)) == (0.01, 0.01)


def test_auto_learning_rate_of_the_regressor_falls_once_past_the_threshold(device):
    from sk_mlp.neural_network._settings import (AUTO_LEARNING_RATE, AUTO_LEARNING_RATE_ROWS,
                                   AUTO_LEARNING_RATE_SMALL)

    def rates(est):
        return {row["lr"] for row in est.history_} | {
            group["lr"] for group in est.net_.optimizer_.param_groups}

    X, y = make_regression(n_samples=AUTO_LEARNING_RATE_ROWS + 1, n_features=5,
                           random_state=0)
    kwargs = dict(hidden_layer_sizes=(4,), max_iter=2, random_state=0, device=device)
    n = AUTO_LEARNING_RATE_ROWS
    assert rates(_fit(MLPRegressor(**kwargs), X[:n], y[:n])) == {AUTO_LEARNING_RATE_SMALL}
    # the rows fit is given decide, not the 90 % left after the validation split
    large = _fit(MLPRegressor(**kwargs), X, y)
    assert large.validation_loss_curve_ is not None
    assert rates(large) == {AUTO_LEARNING_RATE}
    assert rates(_fit(MLPRegressor(learning_rate_init=0.02, **kwargs), X, y)) == {0.02}
    # the classifier's 'auto' is scikit-learn's 0.001 on a batch of 200
    Xc, yc = _noisy(60)
    assert rates(_fit(MLPClassifier(**kwargs), Xc, yc)) == {0.001}
    for cls in (MLPClassifier, MLPRegressor):
        assert sklearn_defaults(cls)["learning_rate_init"] == 0.001


def test_auto_patience_of_the_regressor_is_shorter_from_the_threshold_on(device):
    """n_iter_no_change='auto' (the regressor's default): 10 epochs below
    AUTO_PATIENCE_ROWS rows of positive weight, 5 from there; the stopping
    rule trains with it (an epoch without improvement more ends training
    later), and an explicit value or np.inf is kept as given."""
    from sk_mlp.neural_network._settings import (AUTO_PATIENCE, AUTO_PATIENCE_ROWS,
                                                 AUTO_PATIENCE_SMALL)

    n = AUTO_PATIENCE_ROWS
    X, y = make_regression(n_samples=n, n_features=5, noise=5.0, random_state=0)
    kwargs = dict(hidden_layer_sizes=(4,), max_iter=1, random_state=0, device=device)
    small = _fit(MLPRegressor(**kwargs), X[: n - 1], y[: n - 1])
    large = _fit(MLPRegressor(**kwargs), X, y)
    assert small.settings_.n_iter_no_change == AUTO_PATIENCE_SMALL
    assert large.settings_.n_iter_no_change == AUTO_PATIENCE
    monitor = dict(large.net_.callbacks_)["monitor"]
    assert monitor.n_iter_no_change == AUTO_PATIENCE
    # rows of weight 0 do not count
    weights = np.ones(n)
    weights[0] = 0.0
    assert _fit(MLPRegressor(**kwargs), X, y, sample_weight=weights) \
        .settings_.n_iter_no_change == AUTO_PATIENCE_SMALL
    for given in (3, np.inf):
        assert _fit(MLPRegressor(n_iter_no_change=given, **kwargs), X, y) \
            .settings_.n_iter_no_change == given
    # the classifier's 'auto' is 5 on small tables too; scikit-learn's 10
    # comes back through sklearn_defaults
    Xc, yc = _noisy(300)
    assert _fit(MLPClassifier(hidden_layer_sizes=(4,), max_iter=1, device=device),
                Xc, yc).settings_.n_iter_no_change == 5
    assert sklearn_defaults(MLPRegressor)["n_iter_no_change"] == 10


def test_auto_patience_stops_a_stalled_fit_sooner_on_large_data(device):
    """The patience the rule gives is the one training stops on: with the
    validation loss stalled from the first epoch (a tiny learning rate, a
    large tol), a fit on AUTO_PATIENCE_ROWS rows stops after the first epoch
    and more than 5 without gain (scikit-learn's count), one row fewer after
    more than 10."""
    from sk_mlp.neural_network._settings import (AUTO_PATIENCE, AUTO_PATIENCE_ROWS,
                                                 AUTO_PATIENCE_SMALL)

    X, y = make_regression(n_samples=AUTO_PATIENCE_ROWS, n_features=5, noise=5.0,
                           random_state=0)
    kwargs = dict(hidden_layer_sizes=(4,), learning_rate_init=1e-9, max_iter=100,
                  tol=1.0, random_state=0, device=device)
    assert _fit(MLPRegressor(**kwargs), X, y).n_iter_ == AUTO_PATIENCE + 2
    assert _fit(MLPRegressor(**kwargs), X[1:], y[1:]).n_iter_ == AUTO_PATIENCE_SMALL + 2


@pytest.mark.parametrize("Estimator", [MLPClassifier, MLPRegressor])
def test_every_fit_starts_from_learning_rate_init_and_partial_fit_goes_on(Estimator,
                                                                            device):
    # as scikit-learn's fit, which starts a new optimiser each time: a warm
    # start uses a new learning_rate_init, and a rate 'adaptive' cut is reset
    X, y = make_regression(n_samples=80, n_features=5, random_state=0)
    if Estimator is MLPClassifier:
        y = (y > np.median(y)).astype(int)
    est = Estimator(hidden_layer_sizes=(4,), max_iter=3, warm_start=True,
                    learning_rate_init=0.01, random_state=0, device=device)
    _fit(est, X, y)
    est.set_params(learning_rate_init=0.05)
    _fit(est, X, y)
    assert [row["lr"] for row in est.history_] == [0.01] * 3 + [0.05] * 3
    for group in est.net_.optimizer_.param_groups:
        group["lr"] = 0.002  # as 'adaptive' leaves it after two cuts
    est.partial_fit(X, y)
    assert est.history_[-1]["lr"] == 0.002
    _fit(est, X, y)
    assert est.history_[-1]["lr"] == 0.05


# ------------------------------------------------------------ weight average
def _weights(est):
    return [p.detach().cpu().double().numpy().copy() for p in est.net_.module_.parameters()]


def test_ema_momentum_keeps_the_moving_average_of_the_raw_weights(device):
    # one step per epoch (a full batch), so the raw weights after each
    # partial_fit call (which never averages) are those after each step
    X, y = make_regression(n_samples=120, n_features=4, noise=5.0, random_state=0)
    kwargs = dict(hidden_layer_sizes=(8,), batch_size=len(X), early_stopping=False,
                  dropout=0.0, input_scaling=None, tol=0.0, random_state=0, device=device)
    probe = MLPRegressor(ema_momentum=0.0, **kwargs)
    probe._prepare_fit(X, y, None, False, None)
    average = _weights(probe)  # the initial weights the average starts from
    raw = MLPRegressor(ema_momentum=0.0, **kwargs)
    for step in range(1, 7):
        raw.partial_fit(X, y)
        momentum = min(0.9, (1 + step) / (10 + step))
        average = [momentum * a + (1 - momentum) * w for a, w in zip(average, _weights(raw))]
    averaged = _fit(MLPRegressor(ema_momentum=0.9, max_iter=6, **kwargs), X, y)
    for got, want in zip(_weights(averaged), average):
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-6)
    # averaging does not steer training: the raw weights' losses are the same
    plain = _fit(MLPRegressor(ema_momentum=0.0, max_iter=6, **kwargs), X, y)
    np.testing.assert_allclose(averaged.loss_curve_, plain.loss_curve_, rtol=1e-6)
    assert not np.allclose(averaged.predict(X), plain.predict(X))


def test_ema_judges_epochs_by_the_average_under_early_stopping(device):
    X, y = make_regression(n_samples=400, n_features=6, noise=20.0, random_state=1)
    kwargs = dict(hidden_layer_sizes=(16,), max_iter=40, early_stopping=True,
                  random_state=0, device=device)
    averaged = _fit(MLPRegressor(ema_momentum=0.99, **kwargs), X, y)
    plain = _fit(MLPRegressor(ema_momentum=0.0, **kwargs), X, y)
    # the raw training is the same up to where either stopped; the
    # validation losses are those of different weights (the averages)
    n = min(len(averaged.loss_curve_), len(plain.loss_curve_))
    np.testing.assert_allclose(averaged.loss_curve_[:n], plain.loss_curve_[:n], rtol=1e-5)
    assert not np.allclose(averaged.validation_loss_curve_[:n],
                           plain.validation_loss_curve_[:n])
    # and the model kept is the best epoch's average (not its raw weights):
    # a fit of just that many epochs ends on the same weights
    best = int(np.argmin(averaged.validation_loss_curve_)) + 1
    again = _fit(MLPRegressor(ema_momentum=0.99, **{**kwargs, "max_iter": best}), X, y)
    np.testing.assert_allclose(again.predict(X), averaged.predict(X), rtol=1e-4, atol=1e-4)


def test_partial_fit_never_averages_and_ema_momentum_is_validated(device):
    X, y = make_regression(n_samples=100, n_features=3, random_state=0)
    kwargs = dict(hidden_layer_sizes=(4,), random_state=0, device=device)
    a, b = MLPRegressor(ema_momentum=0.99, **kwargs), MLPRegressor(ema_momentum=0.0, **kwargs)
    for _ in range(3):
        a.partial_fit(X, y)
        b.partial_fit(X, y)
    np.testing.assert_array_equal(a.predict(X), b.predict(X))
    assert MLPRegressor().ema_momentum == 0.99 and MLPClassifier().ema_momentum == 0.0
    with pytest.raises(ValueError, match="ema_momentum"):
        MLPRegressor(ema_momentum=1.0).fit(X, y)


# ------------------------------------------- fewer, larger steps (issue 38)
def _resolve(cls, n_samples, fast_bfloat16=False, n_minority=0, **params):
    from sk_mlp.neural_network._settings import DataFacts, resolve

    est = cls(**params)
    return resolve(est.get_params(deep=False),
                   DataFacts(n_samples, n_embeddable=4, fast_bfloat16=fast_bfloat16,
                             n_minority=n_minority))


@pytest.mark.parametrize("cls", [MLPClassifier, MLPRegressor])
def test_auto_batch_size_grows_with_the_rows_and_the_rate_with_the_batch(cls):
    """batch_size='auto': 200 below the threshold, then the power of two
    nearest sqrt(13 rows), capped; an 'auto' rate grows by sqrt(batch / 200)
    under the 'adaptive' schedule and not under a constant one; a given rate
    and a given batch are kept as given."""
    from sk_mlp.neural_network._settings import (AUTO_BATCH_GROWTH_ROWS,
                                                 AUTO_BATCH_SIZE_MAX)

    small = _resolve(cls, AUTO_BATCH_GROWTH_ROWS - 1)
    assert small.batch_size == 200
    expected = {AUTO_BATCH_GROWTH_ROWS: 512, 20_000: 512, 60_000: 1024,
                200_000: 2048, 645_300: AUTO_BATCH_SIZE_MAX, 10**7: AUTO_BATCH_SIZE_MAX}
    for n, batch in expected.items():
        settings = _resolve(cls, n, learning_rate="adaptive")
        assert settings.batch_size == batch, n
        base = _resolve(cls, n, batch_size=200).learning_rate
        assert settings.learning_rate == pytest.approx(base * np.sqrt(batch / 200))
        assert _resolve(cls, n, learning_rate="constant").learning_rate == base
        assert _resolve(cls, n, learning_rate_init=0.01).learning_rate == 0.01
        assert _resolve(cls, n, batch_size=64).batch_size == 64
    assert small.learning_rate == _resolve(cls, AUTO_BATCH_GROWTH_ROWS - 1,
                                           batch_size=200).learning_rate
    # scikit-learn's batch of min(200, n) is one setting away
    assert sklearn_defaults(cls)["batch_size"] == 200


def test_the_grown_batch_is_the_batch_the_net_trains_with(device):
    """A fit on AUTO_BATCH_GROWTH_ROWS rows (rows of weight 0 not counted)
    steps through batches of the grown size, at the grown rate."""
    from sk_mlp.neural_network._settings import AUTO_BATCH_GROWTH_ROWS

    n = AUTO_BATCH_GROWTH_ROWS
    X, y = _noisy(n + 1)
    kwargs = dict(hidden_layer_sizes=(4,), max_iter=1, random_state=0, device=device)
    est = _fit(MLPClassifier(**kwargs), X[:n], y[:n])
    train_rows = n - int(np.ceil(0.1 * n))  # early stopping holds out a tenth
    assert est.settings_.batch_size == 512 == est.net_.batch_size
    assert est.net_.history[0]["train_batch_count"] == -(-train_rows // 512)
    assert est.history_[0]["lr"] == pytest.approx(0.001 * np.sqrt(512 / 200))
    weights = np.ones(n + 1)
    weights[:2] = 0.0
    below = _fit(MLPClassifier(**kwargs), X, y, sample_weight=weights)
    assert below.settings_.batch_size == 200


@pytest.mark.parametrize("cls", [MLPClassifier, MLPRegressor])
def test_auto_tol_is_larger_on_the_validation_loss(cls):
    """tol='auto' (both estimators' default): 1e-3 under early stopping,
    whatever the rows, 1e-4 without (the training loss) and for lbfgs (its
    gradient tolerance); relative to the best loss for the regressor only;
    a number is kept, and scikit-learn's absolute 1e-4 is one setting away."""
    from sk_mlp.neural_network._settings import AUTO_TOL, AUTO_TOL_VALIDATION

    assert cls().tol == "auto" and AUTO_TOL_VALIDATION > AUTO_TOL
    for n in (500, 20_000, 10**6):
        settings = _resolve(cls, n)
        assert settings.early_stopping, n
        assert (settings.tol, settings.tol_relative) == \
            (AUTO_TOL_VALIDATION, cls is MLPRegressor), n
        assert _resolve(cls, n, early_stopping=False).tol == AUTO_TOL
        assert _resolve(cls, n, solver="lbfgs").tol == AUTO_TOL
        assert _resolve(cls, n, tol=0.05).tol == 0.05
        assert not _resolve(cls, n, tol=0.05).tol_relative
    # too few rows for a split: no validation loss, the finer tolerance
    assert not _resolve(cls, 100).early_stopping
    assert _resolve(cls, 100).tol == AUTO_TOL
    assert sklearn_defaults(cls)["tol"] == 1e-4


@pytest.mark.parametrize("early_stopping", [True, False])
def test_the_resolved_tol_is_the_tol_the_fit_stops_on(early_stopping, device):
    """The monitor that stops the fit and cuts the rate holds the resolved
    tolerance: under early stopping 1e-3 on the validation loss (the history
    records it), otherwise 1e-4 on the training loss."""
    X, y = _noisy(400)
    est = _fit(MLPClassifier((4,), max_iter=3, early_stopping=early_stopping,
                             random_state=0, device=device), X, y)
    monitor = dict(est.net_.callbacks_)["monitor"]
    assert monitor.tol == est.settings_.tol == (1e-3 if early_stopping else 1e-4)
    assert ("valid_loss" in est.history_[-1]) == early_stopping


@pytest.mark.parametrize("cls", [MLPClassifier, MLPRegressor])
def test_auto_ensemble_is_one_network_on_large_tables(cls):
    from sk_mlp.neural_network._settings import AUTO_ENSEMBLE_ROWS

    assert _resolve(cls, AUTO_ENSEMBLE_ROWS - 1).ensemble_size == 2  # embedded
    assert _resolve(cls, AUTO_ENSEMBLE_ROWS - 1,
                    numerical_embedding=None).ensemble_size == 3
    assert _resolve(cls, AUTO_ENSEMBLE_ROWS).ensemble_size == 1
    assert _resolve(cls, AUTO_ENSEMBLE_ROWS, ensemble_size=3).ensemble_size == 3


def test_auto_ensemble_keeps_its_members_for_a_rare_class_on_large_tables():
    """A binary target whose rarer class has under AUTO_RARE_ROWS rows keeps
    the members on a large table (issue 41); nothing else changes."""
    from sk_mlp.neural_network._settings import AUTO_ENSEMBLE_ROWS, AUTO_RARE_ROWS

    n = AUTO_ENSEMBLE_ROWS
    rare = _resolve(MLPClassifier, n, n_minority=AUTO_RARE_ROWS - 1,
                    numerical_embedding=None)
    assert rare.ensemble_size == 3 and rare.n_minority == AUTO_RARE_ROWS - 1
    assert _resolve(MLPClassifier, n, n_minority=AUTO_RARE_ROWS - 1).ensemble_size == 2
    assert _resolve(MLPClassifier, n, n_minority=AUTO_RARE_ROWS).ensemble_size == 1
    assert _resolve(MLPClassifier, n).ensemble_size == 1  # not binary: 0
    # the batch, the rate and the patience still follow the rows
    assert rare.batch_size == _resolve(MLPClassifier, n).batch_size == 512


def test_the_rarer_class_is_counted_from_the_rows_that_count(device):
    """n_minority: rows of positive weight of a binary target's rarer class;
    0 for multiclass targets and for the regressor."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 3))
    y = (np.arange(300) < 40).astype(int)  # 40 positives
    weights = np.ones(300)
    weights[:10] = 0.0  # 10 of them dropped
    kwargs = dict(hidden_layer_sizes=(4,), max_iter=1, random_state=0, device=device)
    assert _fit(MLPClassifier(**kwargs), X, y).settings_.n_minority == 40
    assert _fit(MLPClassifier(**kwargs), X, y,
                sample_weight=weights).settings_.n_minority == 30
    assert _fit(MLPClassifier(**kwargs), X, np.arange(300) % 3).settings_.n_minority == 0
    assert _fit(MLPRegressor(**kwargs), X, y.astype(float)).settings_.n_minority == 0


@pytest.mark.parametrize("cls", [MLPClassifier, MLPRegressor])
def test_auto_autocast_is_bfloat16_on_large_batches_of_capable_devices(cls):
    from sk_mlp.neural_network._settings import AUTO_AUTOCAST_BATCH

    assert AUTO_AUTOCAST_BATCH > 200  # batches of 200 never cast
    assert _resolve(cls, 10**6, fast_bfloat16=True).autocast == "bfloat16"
    assert _resolve(cls, 10**6, fast_bfloat16=False).autocast is None
    assert _resolve(cls, 10**6, fast_bfloat16=True,
                    batch_size=AUTO_AUTOCAST_BATCH - 1).autocast is None
    assert _resolve(cls, AUTO_AUTOCAST_BATCH, fast_bfloat16=True,
                    batch_size=AUTO_AUTOCAST_BATCH).autocast == "bfloat16"
    # a batch beyond the rows holds the rows: too few to cast
    assert _resolve(cls, 100, fast_bfloat16=True, batch_size=10**5).autocast is None
    for params in ({"dtype": "float64"}, {"solver": "lbfgs"}):
        assert _resolve(cls, 10**6, fast_bfloat16=True, **params).autocast is None
        # asked for where it cannot serve: a clear error, not a silent no
        with pytest.raises(ValueError, match="autocast='bfloat16'.*autocast=None"):
            _resolve(cls, 10**6, autocast="bfloat16", **params)
    # asked for explicitly, it is used even where it is emulated
    assert _resolve(cls, 100, autocast="bfloat16").autocast == "bfloat16"
    assert _resolve(cls, 10**6, fast_bfloat16=True, autocast=None).autocast is None
    assert sklearn_defaults(cls)["autocast"] is None


@pytest.mark.parametrize("cls", [MLPClassifier, MLPRegressor])
def test_auto_patience_is_counted_in_steps_once_an_epoch_is_many(cls):
    """n_iter_no_change='auto' (both estimators' default): the epochs that
    hold AUTO_PATIENCE_STEPS steps at most, AUTO_PATIENCE_MIN at least; the
    classifier's 5 and the regressor's 10/5 below that; a number is kept."""
    from sk_mlp.neural_network._settings import (AUTO_PATIENCE, AUTO_PATIENCE_MIN,
                                                 AUTO_PATIENCE_STEPS)

    for n in (1000, 20_000, 200_000):
        expected = 10 if (n < 5000 and cls is MLPRegressor) else AUTO_PATIENCE
        assert _resolve(cls, n).n_iter_no_change == expected, n
    big = _resolve(cls, 10**6)
    assert big.n_iter_no_change == max(AUTO_PATIENCE_MIN, round(
        AUTO_PATIENCE_STEPS / (10**6 / big.batch_size)))
    assert _resolve(cls, 10**8).n_iter_no_change == AUTO_PATIENCE_MIN
    # a small given batch makes many steps an epoch: less patience
    assert _resolve(cls, 200_000, batch_size=200).n_iter_no_change == AUTO_PATIENCE_MIN
    assert _resolve(cls, 10**6, n_iter_no_change=7).n_iter_no_change == 7
    assert sklearn_defaults(cls)["n_iter_no_change"] == 10
