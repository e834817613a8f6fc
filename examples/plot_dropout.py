"""Dropout: training against validation curves, and Monte-Carlo uncertainty.
=========================================================================

Inverted dropout zeroes each hidden unit with probability p during training
and scales the rest by 1/(1-p); at prediction it is off. On a wide network
and few noisy samples the training loss goes to 0 and the validation loss
turns up, overconfident; heavy dropout (p = 0.9) keeps the training loss
well above 0 and the validation loss near its minimum. Leaving dropout on
at prediction (``predict_mc``) gives a spread of predictions, wider away from
the training data.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
from _example import PLAIN, save, setup
from sklearn.datasets import make_classification

from sk_mlp import MLPClassifier, MLPRegressor

quick, out = setup(__doc__)
X, y = make_classification(n_samples=300, n_features=40, n_informative=5, flip_y=0.1,
                           random_state=0)
epochs = 30 if quick else 100

# %%
# Training and validation loss per dropout rate
# ---------------------------------------------
fig, axes = plt.subplots(1, 2, figsize=(12, 4))
for p in (0.0, 0.1, 0.5, 0.9):
    clf = MLPClassifier((512, 512), learning_rate_init=0.001,
                        **{**PLAIN, "dropout": p, "early_stopping": True,
                           "n_iter_no_change": 10_000},
                        validation_fraction=0.3, max_iter=epochs, device="cpu",
                        random_state=0).fit(X, y)
    line, = axes[0].plot(clf.validation_loss_curve_, label=f"validation, p={p}")
    axes[0].plot(clf.loss_curve_, ls=":", color=line.get_color())
    print(f"dropout={p}: final training loss {clf.loss_curve_[-1]:.3f}, validation "
          f"loss final {clf.validation_loss_curve_[-1]:.3f} / lowest "
          f"{min(clf.validation_loss_curve_):.3f}, best validation accuracy "
          f"{clf.best_validation_score_:.3f}")
axes[0].set(xlabel="epoch", ylabel="loss (dotted: training)",
            title="dropout on a wide net", ylim=(0, 2))
axes[0].legend(fontsize=8)
# sphinx_gallery_defer_figures


# %%
# Monte-Carlo dropout on a 1-D regression, predicted beyond the data
# ------------------------------------------------------------------
rng = np.random.default_rng(0)
x = rng.uniform(-3, 3, 120)
target = np.sin(2 * x) + rng.normal(0, 0.1, x.size)
reg = MLPRegressor(hidden_layer_sizes=(256, 256), learning_rate_init=0.003,
                   **{**PLAIN, "dropout": 0.2, "n_iter_no_change": 10_000},
                   max_iter=60 if quick else 300, standardize_target=True, device="cpu",
                   random_state=0).fit(x[:, None], target)
grid = np.linspace(-6, 6, 300)
mean, std = reg.predict_mc(grid[:, None], n_samples=20 if quick else 100)
inside = np.abs(grid) < 3
print(f"MC dropout: mean predictive std {std[inside].mean():.3f} inside the training "
      f"range, {std[~inside].mean():.3f} beyond it")
axes[1].fill_between(grid, mean - 2 * std, mean + 2 * std, alpha=0.3, label="± 2 std")
axes[1].plot(grid, mean, label="MC mean")
axes[1].scatter(x, target, s=8, color="k", label="training data")
axes[1].set(title="Monte-Carlo dropout", xlabel="x")
axes[1].legend(fontsize=8)
save(fig, out, "dropout.png", quick)
