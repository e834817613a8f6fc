"""Multilayer perceptrons: ``MLPClassifier`` and ``MLPRegressor`` on the
shared base ``BaseMLP``, whose fit settings are resolved by the one table of
rules in ``_settings``."""

from ._classifier import MLPClassifier
from ._regressor import MLPRegressor

# Pickles and skops files name the classes by this public path, which no
# later move of the private modules changes.
MLPClassifier.__module__ = MLPRegressor.__module__ = __name__

__all__ = ["MLPClassifier", "MLPRegressor"]
