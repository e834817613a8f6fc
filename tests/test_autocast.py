"""``autocast``: bfloat16 products in the training steps, float32 everywhere
else (issue 38). The rule that picks it ('auto') is in test_defaults.py;
here, what a user relies on once it is on: the steps compute in bfloat16,
validation and predictions in float32, the weights stay float32, a fit is
reproducible and as good as a float32 one, and the setting survives the
round trips and the second calls it can meet."""

import pickle
import warnings

import numpy as np
import pytest
import torch
from sklearn.datasets import make_classification, make_regression

import sk_mlp
from sk_mlp import MLPClassifier, MLPRegressor


def _quiet_fit(est, X, y, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return est.fit(X, y, **kwargs)


def _data(cls, n=1200):
    if cls is MLPClassifier:
        return make_classification(n, 10, n_informative=6, random_state=0)
    X, y = make_regression(n, 10, noise=5.0, random_state=0)
    return X, y


class _LinearOutputs:
    """Within the block, ``seen`` collects (training, dtype) of every
    ``nn.Linear`` output anywhere (a global forward hook: the nets a fit
    builds are inside it)."""

    def __enter__(self):
        self.seen = []

        def hook(module, args, out):
            if isinstance(module, torch.nn.Linear):
                self.seen.append((module.training, out.dtype))

        self.handle = torch.nn.modules.module.register_module_forward_hook(hook)
        return self.seen

    def __exit__(self, *exc):
        self.handle.remove()


@pytest.mark.parametrize("cls", [MLPClassifier, MLPRegressor])
def test_training_steps_run_in_bfloat16_and_everything_else_in_float32(cls, device):
    X, y = _data(cls)
    kwargs = dict(hidden_layer_sizes=(32,), max_iter=3, random_state=0, device=device)
    # the steps in bfloat16, the validation passes in float32
    with _LinearOutputs() as seen:
        est = _quiet_fit(cls(autocast="bfloat16", **kwargs), X, y)
    assert est.settings_.autocast == "bfloat16"
    assert {dtype for training, dtype in seen if training} == {torch.bfloat16}
    assert {dtype for training, dtype in seen if not training} == {torch.float32}
    assert all(p.dtype == torch.float32 for p in est.net_.module_.parameters())
    # predictions too
    with _LinearOutputs() as seen:
        out = est.predict(X[:50])
    assert {dtype for _, dtype in seen} == {torch.float32}
    assert np.isfinite(np.asarray(out, dtype=float)).all()
    assert est.history_[-1]["train_loss"] > 0
    assert np.isfinite(est.history_[-1]["valid_loss"])
    # autocast=None: nothing in bfloat16
    with _LinearOutputs() as seen:
        _quiet_fit(cls(autocast=None, **kwargs), X, y)
    assert {dtype for _, dtype in seen} == {torch.float32}


def test_a_bfloat16_fit_is_reproducible_and_as_good_as_a_float32_one(device):
    X, y = make_classification(3000, 20, n_informative=8, random_state=0)
    X_train, y_train, X_test, y_test = X[:2000], y[:2000], X[2000:], y[2000:]
    kwargs = dict(hidden_layer_sizes=(64, 64), random_state=0, device=device,
                  max_iter=40)
    one = _quiet_fit(MLPClassifier(autocast="bfloat16", **kwargs), X_train, y_train)
    two = _quiet_fit(MLPClassifier(autocast="bfloat16", **kwargs), X_train, y_train)
    for a, b in zip(one.coefs_, two.coefs_):
        np.testing.assert_array_equal(a, b)
    full = _quiet_fit(MLPClassifier(autocast=None, **kwargs), X_train, y_train)
    assert one.score(X_test, y_test) >= full.score(X_test, y_test) - 0.02
    assert one.score(X_test, y_test) > 0.85


@pytest.mark.parametrize("round_trip", ["pickle", "save_load"])
def test_autocast_survives_round_trips_and_partial_fit_keeps_it(round_trip, tmp_path,
                                                                 device):
    X, y = _data(MLPClassifier)
    est = _quiet_fit(MLPClassifier((16,), max_iter=2, autocast="bfloat16",
                                   random_state=0, device=device), X, y)
    if round_trip == "pickle":
        copy = pickle.loads(pickle.dumps(est))
    else:
        sk_mlp.save(est, tmp_path / "m.skmlp")
        copy = sk_mlp.load(tmp_path / "m.skmlp")
    assert copy.settings_.autocast == "bfloat16"
    assert copy.net_.autocast_dtype == torch.bfloat16
    with _LinearOutputs() as seen:
        copy.partial_fit(X[:100], y[:100])
    assert {dtype for training, dtype in seen if training} == {torch.bfloat16}
    # set_params between calls is resolved again by the next one
    copy.set_params(autocast=None)
    copy.partial_fit(X[:100], y[:100])
    assert copy.settings_.autocast is None and copy.net_.autocast_dtype is None


def test_autocast_with_float64_or_lbfgs_is_refused_clearly():
    X, y = _data(MLPRegressor, n=100)
    for params in ({"dtype": "float64"}, {"solver": "lbfgs"}):
        with pytest.raises(ValueError, match="autocast='bfloat16'"):
            MLPRegressor(hidden_layer_sizes=(4,), autocast="bfloat16", device="cpu",
                         **params).fit(X, y)
    with pytest.raises(ValueError, match="autocast"):
        MLPRegressor(autocast="float16", device="cpu").fit(X, y)
