"""Over- and underfitting made visible: learning curves of an MLP.
===============================================================

A wide network on few, noisy samples overfits: its training loss keeps
falling while the validation loss turns up. Weight decay and dropout close
the gap. It prints the best validation accuracy of each model.
"""

# %%
import matplotlib.pyplot as plt
from _example import PLAIN, save, setup
from sklearn.datasets import make_classification

from sk_mlp import MLPClassifier, plot_learning_curves

quick, out = setup(__doc__)
X, y = make_classification(n_samples=300, n_features=40, n_informative=5, flip_y=0.1,
                           random_state=0)

# %%
settings = {
    "no regularisation": {},
    "weight_decay=0.05": {"weight_decay": 0.05},
    "dropout=0.5": {"dropout": 0.5},
}
fig, axes = plt.subplots(1, len(settings), figsize=(15, 4), sharey=True)
for ax, (title, params) in zip(axes, settings.items()):
    clf = MLPClassifier((256, 256), learning_rate_init=0.003,
                        **{**PLAIN, "early_stopping": True, "n_iter_no_change": 1000,
                           **params},
                        validation_fraction=0.3, max_iter=30 if quick else 150,
                        random_state=0, device="cpu").fit(X, y)
    plot_learning_curves(clf, ax=ax)
    ax.set_title(title)
    print(f"{title:>20}: best validation accuracy {clf.best_validation_score_:.3f}")
save(fig, out, "overfitting.png", quick)
