"""Numerical stability: vanishing and exploding gradients in a 20-layer MLP.
=========================================================================

At initialisation, the gradient reaching each layer is a product of one
factor per layer above it. Sigmoid's slope is at most 1/4 and small N(0,
0.01) weights shrink signals further: the first layers of a deep sigmoid
net get gradients smaller by tens of orders of magnitude (vanishing), and it
does not learn. Xavier scaling keeps the weights from shrinking the signal,
but sigmoid's own slope still cuts the gradient by 4x or more per layer, so
20 sigmoid layers vanish anyway; ReLU with Kaiming scaling keeps the
gradient's size through all 20 layers, and trains. Too large a learning rate
makes updates explode instead; clipping the gradient norm
(``max_grad_norm``) keeps them bounded.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
from _example import PLAIN, save, setup
from sklearn.datasets import make_classification
from sklearn.model_selection import train_test_split

from sk_mlp import MLPClassifier, TrainingDivergedWarning
from sk_mlp.diagnostics import gradient_norms

quick, out = setup(__doc__)
X, y = make_classification(n_samples=300 if quick else 2000, n_features=20,
                           n_informative=10, random_state=0)
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
DEPTH = 20
WIDTH = 16 if quick else 64
SETTINGS = {
    "sigmoid, normal": dict(activation="sigmoid", init="normal"),
    "sigmoid, xavier": dict(activation="sigmoid", init="xavier_uniform"),
    "relu, normal": dict(activation="relu", init="normal"),
    "relu, kaiming": dict(activation="relu", init="kaiming_normal"),
}

# %%
# Per-layer gradient norms at initialisation
# ------------------------------------------
fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4))
for name, params in SETTINGS.items():
    net = MLPClassifier((WIDTH,) * DEPTH, device="cpu", random_state=0, **params)
    norms = gradient_norms(net, X_train, y_train)
    left.semilogy(range(1, len(norms) + 1), np.maximum(norms, 1e-300), "o-", ms=3,
                  label=name)
    # vanishing: the input-side gradient is a millionth of the largest or less
    # (0 when it underflowed)
    verdict = "vanishing" if norms[0] <= 1e-6 * norms.max() or norms.max() < 1e-12 \
        else "healthy"
    print(f"{name:>16}: gradient norm first layer {norms[0]:.2e}, last layer "
          f"{norms[-1]:.2e} -> {verdict} gradients in the first layer")
left.set(xlabel="layer (1 = input side)", ylabel="||dL/dW||",
         title=f"{DEPTH}-layer MLP at initialisation")
left.legend(fontsize=8)
# sphinx_gallery_defer_figures


# %%
# What that does to training
# --------------------------
epochs = 3 if quick else 60
for name, params in SETTINGS.items():
    clf = MLPClassifier((WIDTH,) * DEPTH, max_iter=epochs,
                        **{**PLAIN, "n_iter_no_change": 10_000}, device="cpu",
                        random_state=0, **params).fit(X_train, y_train)
    right.plot(clf.loss_curve_, label=f"{name}: test accuracy "
                                      f"{clf.score(X_test, y_test):.2f}")
    print(f"{name:>16}: test accuracy after {epochs} epochs "
          f"{clf.score(X_test, y_test):.3f}")
right.set(xlabel="epoch", ylabel="training loss", title="training")
right.legend(fontsize=8)
# sphinx_gallery_defer_figures


# %%
# Exploding updates and gradient clipping (SGD with too large a step)
# -------------------------------------------------------------------
import warnings  # noqa: E402

for clip in (None, 1.0):
    clf = MLPClassifier((64,) * 8, solver="sgd", learning_rate_init=0.3, momentum=0.9,
                        init="kaiming_normal", max_grad_norm=clip, max_iter=epochs,
                        **{**PLAIN, "n_iter_no_change": 10_000}, device="cpu",
                        random_state=0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        clf.fit(X_train, y_train)
    diverged = any(issubclass(w.category, TrainingDivergedWarning) for w in caught)
    try:
        accuracy = f"test accuracy {clf.score(X_test, y_test):.3f}"
    except ValueError:  # the weights of a diverged run give non-finite outputs
        accuracy = "no finite predictions"
    print(f"SGD lr=0.3, max_grad_norm={clip}: "
          + ("training diverged (non-finite loss), "
             if diverged else f"largest epoch loss {max(clf.loss_curve_):.2f}, ")
          + accuracy)
save(fig, out, "numerical_stability.png", quick)
