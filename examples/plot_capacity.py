"""Under- and overfitting: error against width, depth and epochs.
==============================================================

Too small a network underfits (training and validation error both high); a
large one trained long on little data overfits (training error falls, the
validation error does not follow). scikit-learn's ``ValidationCurveDisplay``
draws the first two, ``sk_mlp.plot_learning_curves`` the third.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
from _example import PLAIN, save, setup
from sklearn.datasets import make_classification
from sklearn.model_selection import ValidationCurveDisplay, validation_curve

from sk_mlp import MLPClassifier, plot_learning_curves

quick, out = setup(__doc__)
X, y = make_classification(n_samples=120 if quick else 600, n_features=20,
                           n_informative=6, flip_y=0.15, random_state=0)
epochs = 10 if quick else 200

# %%
# Width and depth (5-fold accuracy), drawn by ValidationCurveDisplay
# ------------------------------------------------------------------
fig, axes = plt.subplots(1, 3, figsize=(16, 4))
base = MLPClassifier(max_iter=epochs, learning_rate_init=0.01, device="cpu",
                     random_state=0, **PLAIN)
widths = [1, 4, 64] if quick else [1, 2, 4, 16, 64, 256]
depths = [1, 3] if quick else [1, 2, 4, 8]
for ax, label, numbers, layers in (
        (axes[0], "hidden width", widths, [(w,) for w in widths]),
        (axes[1], "hidden layers of 32", depths, [(32,) * d for d in depths])):
    train, valid = validation_curve(base, X, y, param_name="hidden_layer_sizes",
                                    param_range=layers, cv=3 if quick else 5)
    ValidationCurveDisplay(param_name=label, param_range=np.array(numbers), train_scores=train,
                           test_scores=valid, score_name="accuracy").plot(
        ax=ax, score_type="both", std_display_style="fill_between")
    ax.set(title=f"accuracy against {label}")
    for number, t, v in zip(numbers, train.mean(axis=1), valid.mean(axis=1)):
        print(f"{label} {number:>3}: train accuracy {t:.3f}, validation {v:.3f}")
# sphinx_gallery_defer_figures


# %%
# Epochs: training and validation loss of a wide net
# --------------------------------------------------
wide = MLPClassifier((256, 256), max_iter=epochs, learning_rate_init=0.003,
                     **{**PLAIN, "early_stopping": True, "n_iter_no_change": 10_000},
                     validation_fraction=0.3, device="cpu", random_state=0).fit(X, y)
plot_learning_curves(wide, ax=axes[2])
best = int(np.argmin(wide.validation_loss_curve_)) + 1
print(f"wide net: validation loss lowest at epoch {best} of {len(wide.loss_curve_)}, "
      f"training loss {wide.loss_curve_[-1]:.3f} at the end")
save(fig, out, "capacity.png", quick)
