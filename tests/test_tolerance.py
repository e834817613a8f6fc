"""The stopping rule's tolerance (``tol``): the regressor's ``'auto'`` is
relative to the best loss, a number is scikit-learn's absolute tolerance.
(How it meets every other setting: ``test_interactions.py``.)"""

import warnings

import numpy as np
import pytest

from sk_mlp import MLPClassifier, MLPRegressor, sklearn_defaults

from .conftest import DEVICE


def _fit(est, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return est.fit(X, y)


def _close_target(n=1500):
    """A target the network fits closely: its loss is small."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, 4))
    y = np.sin(X[:, 0]) + X[:, 1] ** 2 / 4 + 0.02 * rng.normal(size=n)
    return X, y


def _regressor(**params):
    return MLPRegressor(hidden_layer_sizes=(32,), ensemble_size=1, max_iter=150,
                        random_state=0, device=DEVICE, **params)


def test_the_regressor_trains_the_same_epochs_whatever_the_units_of_y():
    X, y = _close_target()
    small = _fit(_regressor(), X, y)
    large = _fit(_regressor(), X, 1000.0 * y + 5.0)
    assert small.settings_.tol_relative and large.settings_.tol_relative
    assert small.n_iter_ == large.n_iter_
    np.testing.assert_allclose(large.predict(X), 1000.0 * small.predict(X) + 5.0,
                               rtol=1e-4, atol=1e-2)


def test_an_absolute_tolerance_depends_on_the_units_of_y():
    """What 'auto' avoids: with scikit-learn's absolute 1e-4 the same data in
    larger units train longer."""
    X, y = _close_target()
    small = _fit(_regressor(tol=1e-4), X, y)
    large = _fit(_regressor(tol=1e-4), X, 1000.0 * y)
    assert not small.settings_.tol_relative
    assert small.n_iter_ < large.n_iter_


def test_a_closely_fitted_target_trains_on_while_its_loss_falls():
    X, y = _close_target()
    relative = _fit(_regressor(), X, y)
    absolute = _fit(_regressor(tol=1e-4), X, y)
    # the absolute 1e-4 is a few % of this loss: it stops while the loss falls
    assert absolute.n_iter_ < relative.n_iter_
    assert min(relative.validation_loss_curve_) < min(absolute.validation_loss_curve_)


def test_the_classifiers_tolerance_stays_absolute():
    """The classifier's tol='auto' is absolute (its cross-entropy has no
    units): 1e-3 on the validation loss under early stopping, 1e-4 on the
    training loss without it."""
    X, y = _close_target(300)
    for early_stopping, tol in (("auto", 1e-3), (False, 1e-4)):
        est = _fit(MLPClassifier(hidden_layer_sizes=(8,), max_iter=5,
                                 early_stopping=early_stopping, random_state=0,
                                 device=DEVICE), X, y > 0)
        assert (est.settings_.tol, est.settings_.tol_relative) == (tol, False)
        assert dict(est.net_.callbacks_)["monitor"].relative is False
    assert MLPClassifier().tol == "auto"


def test_scikit_learns_defaults_restore_the_absolute_tolerance():
    params = sklearn_defaults(MLPRegressor)
    assert params["tol"] == 1e-4
    X, y = _close_target(300)
    est = _fit(MLPRegressor(max_iter=3, device=DEVICE, **params), X, y)
    assert est.settings_.tol_relative is False


@pytest.mark.parametrize("tol", [-1.0, "relative", None])
def test_a_bad_tol_is_refused(tol):
    X, y = _close_target(50)
    with pytest.raises(ValueError, match="tol"):
        MLPRegressor(tol=tol).fit(X, y)
