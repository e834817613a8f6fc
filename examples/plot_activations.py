"""Activation functions, their derivatives, and what they do to a network.
=======================================================================

Sigmoid and tanh saturate (their slope vanishes for large inputs); ReLU's slope
is 0 or 1. Without a non-linearity (``identity``) any stack of layers is one
linear map: on concentric circles it is no better than a coin.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
from _example import PLAIN, save, setup
from sklearn.datasets import make_circles
from sklearn.model_selection import train_test_split

from sk_mlp import MLPClassifier
from sk_mlp.diagnostics import activation_values

quick, out = setup(__doc__)
NAMES = ["sigmoid", "tanh", "relu", "leaky_relu", "elu", "gelu", "silu", "identity"]

# %%
# The functions and their derivatives
# -----------------------------------
x = np.linspace(-4, 4, 401)
fig, axes = plt.subplots(1, 3, figsize=(15, 4))
for name in NAMES:
    values, slopes = activation_values(name, x)
    axes[0].plot(x, values, label=name)
    axes[1].plot(x, slopes, label=name)
axes[0].set(title="activation", ylim=(-1.5, 4))
axes[1].set(title="derivative")
axes[0].legend(fontsize=8)
print("largest slope: " + ", ".join(
    f"{name} {activation_values(name, x)[1].max():.2f}" for name in NAMES[:3]))
# sphinx_gallery_defer_figures


# %%
# The same MLP with each activation on a non-linear problem
# ---------------------------------------------------------
X, y = make_circles(n_samples=200 if quick else 1000, noise=0.1, factor=0.5,
                    random_state=0)
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
scores = {}
for name in NAMES:
    # all epochs run (n_iter_no_change): sigmoid nets start on a plateau here,
    # where the loss stalls for a while before it falls
    clf = MLPClassifier((16, 16), activation=name, max_iter=20 if quick else 300,
                        learning_rate_init=0.01, **{**PLAIN, "n_iter_no_change": 10_000},
                        device="cpu", random_state=0)
    scores[name] = clf.fit(X_train, y_train).score(X_test, y_test)
    print(f"{name:>10}: test accuracy {scores[name]:.3f}")
axes[2].barh(list(scores), list(scores.values()))
axes[2].axvline(0.5, color="k", ls="--", lw=1)
axes[2].set(title="test accuracy on circles", xlim=(0, 1))
save(fig, out, "activations.png", quick)
