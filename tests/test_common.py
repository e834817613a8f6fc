"""scikit-learn's estimator checks on every public estimator, with no
expected failures."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from sk_mlp import MLPClassifier, MLPRegressor

from .conftest import DEVICE

ESTIMATORS = [
    MLPClassifier(hidden_layer_sizes=(32,), learning_rate_init=0.01, device=DEVICE,
                  random_state=0),
    MLPRegressor(hidden_layer_sizes=(32,), learning_rate_init=0.01, device=DEVICE,
                 random_state=0),
]


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_compatible(estimator, check):
    check(estimator)
