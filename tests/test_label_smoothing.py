"""Label smoothing (the classifier's ``'auto'`` rule) and the temperature
that calibrates the smoothed probabilities back on the validation split."""

import copy
import pickle
import warnings

import numpy as np
import pytest
import torch
from sklearn.datasets import make_classification, make_multilabel_classification
from sklearn.metrics import log_loss

import sk_mlp
from sk_mlp import MLPClassifier, sklearn_defaults
from scipy.special import expit, logit, softmax

from sk_mlp._torch.calibration import apply_temperature, fit_temperature


def _multiclass(n=1500, seed=0, weights=None):
    X, y = make_classification(n_samples=n + 1000, n_features=20, n_informative=10,
                               n_classes=5, n_clusters_per_class=1, flip_y=0.05,
                               weights=weights, random_state=seed)
    return X[:n], y[:n], X[n:], y[n:]


def _log_loss(y, proba):
    # float32 networks' probabilities sum to one within float32 rounding
    return log_loss(y, proba / proba.sum(axis=1, keepdims=True))


def _fit(est, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return est.fit(*args, **kwargs)


SMALL = dict(hidden_layer_sizes=(16,), max_iter=3, random_state=0)


# ------------------------------------------------------------ the 'auto' rule
@pytest.mark.parametrize("n, params, expected", [
    (1500, {}, 0.1),  # multiclass, 1,000 rows or more, a validation split
    (900, {}, 0.0),  # too few rows for the split to calibrate on
    (1500, {"early_stopping": False}, 0.0),  # no split
    (1500, {"solver": "lbfgs", "dropout": 0.0}, 0.0),  # lbfgs holds out none
    (1500, {"label_smoothing": 0.05}, 0.05),  # a value is a value
    (900, {"label_smoothing": 0.05}, 0.05),
    (1500, {"label_smoothing": 0.0}, 0.0),
])
def test_auto_smooths_multiclass_targets_with_a_split_from_1000_rows(n, params, expected):
    X, y, _, _ = _multiclass(n)
    est = _fit(MLPClassifier(**{**SMALL, **params}), X, y)
    assert est.settings_.label_smoothing == expected
    assert est.net_.criterion_.label_smoothing == expected


def test_auto_leaves_binary_and_multilabel_targets_alone():
    X, y, _, _ = _multiclass()
    assert _fit(MLPClassifier(**SMALL), X, y % 2).settings_.label_smoothing == 0.0
    X, Y = make_multilabel_classification(n_samples=1500, n_classes=3, random_state=0)
    assert _fit(MLPClassifier(**SMALL), X, Y).settings_.label_smoothing == 0.0


def test_auto_counts_rows_of_weight_zero_as_dropped():
    X, y, _, _ = _multiclass()
    weights = np.ones(len(y))
    weights[:600] = 0.0  # 900 rows count
    est = _fit(MLPClassifier(**SMALL), X, y, sample_weight=weights)
    assert est.settings_.label_smoothing == 0.0


def test_partial_fit_neither_smooths_by_auto_nor_calibrates():
    X, y, _, _ = _multiclass()
    est = MLPClassifier(**SMALL)
    est.partial_fit(X, y, classes=np.unique(y))
    assert est.settings_.label_smoothing == 0.0
    assert "temperature" not in est.history_[-1]
    # an explicit rate smooths, and without a split nothing calibrates it
    est = MLPClassifier(**SMALL, label_smoothing=0.1).partial_fit(X, y, classes=np.unique(y))
    assert est.net_.criterion_.label_smoothing == 0.1
    assert "temperature" not in est.history_[-1]


def test_scikit_learns_defaults_do_not_smooth():
    assert sklearn_defaults(MLPClassifier)["label_smoothing"] == 0.0


# ------------------------------------------------------------ the temperature
def test_fit_temperature_recovers_the_temperature_that_made_the_logits():
    g = torch.Generator().manual_seed(0)
    z = 2 * torch.randn(20000, 4, generator=g, dtype=torch.float64)
    y = torch.multinomial(torch.softmax(z, dim=1), 1, generator=g).squeeze(1)
    assert fit_temperature(3 * z, y, None, "softmax") == pytest.approx(3, rel=0.05)
    assert fit_temperature(z / 2, y, None, "softmax") == pytest.approx(0.5, rel=0.05)
    # rows of weight 0 do not count, however wrong their logits
    noise = 50 * torch.randn(20000, 4, generator=g, dtype=torch.float64)
    weight = torch.cat([torch.ones(20000), torch.zeros(20000)])
    assert fit_temperature(torch.cat([3 * z, noise]), torch.cat([y, y.flip(0)]), weight,
                           "softmax") == pytest.approx(3, rel=0.05)
    # sigmoid outputs (binary, multilabel)
    zb = 2 * torch.randn(20000, 2, generator=g, dtype=torch.float64)
    yb = torch.bernoulli(torch.sigmoid(zb), generator=g)
    assert fit_temperature(3 * zb, yb, None, "logistic") == pytest.approx(3, rel=0.05)
    # logits whose loss is not finite keep the network as it is
    assert fit_temperature(torch.full((4, 3), float("nan")), y[:4] % 3, None,
                           "softmax") == 1.0


@pytest.mark.parametrize("ensemble_size", [1, 3])
def test_the_temperature_calibrates_the_smoothed_probabilities(ensemble_size):
    X, y, X_test, y_test = _multiclass()
    est = _fit(MLPClassifier(ensemble_size=ensemble_size, random_state=0), X, y)
    temperature = est.history_[-1]["temperature"]
    # smoothing leaves the probabilities under-confident: the temperature sharpens
    assert temperature < 1.0
    smoothed = copy.deepcopy(est)
    apply_temperature(smoothed.net_.module_, 1.0 / temperature)  # undone
    calibrated_loss = _log_loss(y_test, est.predict_proba(X_test))
    # the temperature fitted on the validation rows helps on unseen rows
    assert calibrated_loss < _log_loss(y_test, smoothed.predict_proba(X_test))
    # and the probabilities are about as good as those of a network trained
    # without smoothing
    plain = _fit(MLPClassifier(ensemble_size=ensemble_size, label_smoothing=0.0,
                               random_state=0), X, y)
    assert "temperature" not in plain.history_[-1]
    assert calibrated_loss < 1.15 * _log_loss(y_test, plain.predict_proba(X_test))
    # the ranking of the classes is unchanged (an ensemble's: of its mean)
    np.testing.assert_array_equal(est.predict(X_test), smoothed.predict(X_test))


def test_class_weights_weigh_the_calibration_as_the_validation_loss():
    X, y, X_test, y_test = _multiclass(weights=[0.6, 0.25, 0.1, 0.04, 0.01])
    est = _fit(MLPClassifier(class_weight="balanced", **{**SMALL, "max_iter": 30}), X, y)
    assert est.settings_.label_smoothing == 0.1
    assert np.isfinite(est.history_[-1]["temperature"])
    assert np.isfinite(est.predict_proba(X_test)).all()


def test_a_warm_start_calibrates_again_and_partial_fit_goes_on_from_it():
    X, y, _, _ = _multiclass()
    est = _fit(MLPClassifier(warm_start=True, **{**SMALL, "max_iter": 5}), X, y)
    first = len(est.history_)
    _fit(est, X, y)
    # each fit's last epoch records the temperature it divided by
    temperatures = [h["temperature"] for h in est.history_ if "temperature" in h]
    assert len(temperatures) == 2 and "temperature" in est.history_[first - 1]
    est.partial_fit(X[:200], y[:200])
    assert "temperature" not in est.history_[-1]
    assert np.isfinite(est.predict_proba(X)).all()


def test_the_calibrated_model_round_trips(tmp_path):
    X, y, X_test, _ = _multiclass()
    est = _fit(MLPClassifier(**{**SMALL, "max_iter": 5}), X, y)
    path = tmp_path / "model.skmlp"
    sk_mlp.save(est, path)
    for loaded in (sk_mlp.load(path), pickle.loads(pickle.dumps(est))):
        assert loaded.settings_ == est.settings_
        np.testing.assert_array_equal(loaded.predict_proba(X_test), est.predict_proba(X_test))


@pytest.mark.parametrize("task", ["multiclass", "binary"])
def test_the_export_states_an_ensembles_temperature(task):
    """An ensemble's temperature divides the logits of its members' mean, as
    ``FittedNetwork`` documents it (one network's is in its last layer)."""
    X, y, X_test, _ = _multiclass()
    y = y if task == "multiclass" else y % 2
    clf = _fit(MLPClassifier(label_smoothing=0.1, numerical_embedding=None,
                             **{**SMALL, "max_iter": 10}), X, y)
    net = clf.export_network()
    T = net.ensemble_temperature
    assert T == pytest.approx(clf.history_[-1]["temperature"]) and T != 1.0
    z = (X_test - net.input_shift) * net.input_scale
    members = []
    for i, scales in enumerate(net.ensemble_scales):
        h = np.maximum((z * scales) @ net.coefs[0] + net.intercepts[0], 0.0)
        logits = h @ net.coefs[1][i] + net.intercepts[1][i]
        members.append(softmax(logits, axis=1) if task == "multiclass" else expit(logits))
    mean = np.mean(members, axis=0)
    if task == "multiclass":
        expected = softmax(np.log(mean) / T, axis=1)
    else:
        p = expit(logit(mean[:, 0]) / T)
        expected = np.c_[1 - p, p]
    np.testing.assert_allclose(clf.predict_proba(X_test), expected, rtol=1e-4, atol=1e-6)
    assert _fit(MLPClassifier(ensemble_size=1, **SMALL), X, y).export_network() \
        .ensemble_temperature is None


def test_a_file_with_a_non_positive_temperature_is_refused(tmp_path):
    X, y, _, _ = _multiclass()
    clf = _fit(MLPClassifier(**SMALL), X, y)
    clf.net_.module_.linears[-1].temperature.fill_(-1.0)
    sk_mlp.save(clf, tmp_path / "bad.skmlp")
    with pytest.raises(ValueError, match="temperature is not positive"):
        sk_mlp.load(tmp_path / "bad.skmlp")


def test_an_ensemble_pickled_before_calibration_existed_loads_with_temperature_one():
    X, y, X_test, _ = _multiclass()
    clf = _fit(MLPClassifier(label_smoothing=0.0, **SMALL), X, y)
    expected = clf.predict_proba(X_test)
    del clf.net_.module_.linears[-1]._buffers["temperature"]  # as such a pickle holds
    loaded = pickle.loads(pickle.dumps(clf))
    assert float(loaded.net_.module_.linears[-1].temperature) == 1.0
    np.testing.assert_array_equal(loaded.predict_proba(X_test), expected)


def test_an_ensemble_file_saved_before_calibration_existed_loads_with_temperature_one(
        tmp_path):
    X, y, X_test, _ = _multiclass()
    clf = _fit(MLPClassifier(label_smoothing=0.0, **SMALL), X, y)
    heads = clf.net_.module_.linears[-1]
    heads._non_persistent_buffers_set.add("temperature")  # left out, as then
    assert not any(name.endswith("temperature") for name in clf.net_.module_.state_dict())
    sk_mlp.save(clf, tmp_path / "old.skmlp")
    loaded = sk_mlp.load(tmp_path / "old.skmlp")
    assert float(loaded.net_.module_.linears[-1].temperature) == 1.0
    np.testing.assert_array_equal(loaded.predict_proba(X_test), clf.predict_proba(X_test))
