"""Over- and underfitting made visible: learning curves of an MLP.

A wide network on few, noisy samples overfits: its training loss keeps
falling while the validation loss turns up. Weight decay and dropout close
the gap. Run with ``python examples/plot_overfitting.py [out.png]`` (needs
matplotlib); it prints the best validation accuracy of each model.
"""

# %%
import sys
import warnings

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from sklearn.datasets import make_classification  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402

from sk_mlp import MLPClassifier, plot_learning_curves  # noqa: E402

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
    clf = MLPClassifier((256, 256), learning_rate_init=0.003, early_stopping=True,
                        validation_fraction=0.3, n_iter_no_change=1000, max_iter=150,
                        random_state=0, device="cpu", **params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    plot_learning_curves(clf, ax=ax)
    ax.set_title(title)
    print(f"{title:>20}: best validation accuracy {clf.best_validation_score_:.3f}")
fig.tight_layout()
fig.savefig(sys.argv[1] if len(sys.argv) > 1 else "overfitting.png")
