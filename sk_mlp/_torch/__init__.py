"""The torch layer: network modules, losses, activations, initialisers,
optimisers, data, the training net and its callbacks.

Nothing here imports a scikit-learn estimator or anything above this layer
(``tests/test_layers.py`` checks the import graph); the estimators compose
these pieces.
"""
