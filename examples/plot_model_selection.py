"""Model selection: hold-out against k-fold estimates, grid against random search.
===============================================================================

A single hold-out split gives a score that depends on which rows it drew;
k-fold cross-validation averages k such scores and varies less. For tuning,
random search covers as many values of every hyperparameter as it has
candidates, where a grid of the same budget repeats a few values.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
from _example import PLAIN, save, setup
from scipy.stats import loguniform, uniform
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import (GridSearchCV, KFold, RandomizedSearchCV,
                                     cross_val_score, train_test_split)
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sk_mlp import MLPClassifier

quick, out = setup(__doc__)
X, y = load_breast_cancer(return_X_y=True)
model = make_pipeline(StandardScaler(), MLPClassifier(
    (32,), max_iter=30 if quick else 60, device="cpu", random_state=0, **PLAIN))

# %%
# Spread of the estimates over repeated random splits
# ---------------------------------------------------
repeats = 4 if quick else 12
holdout, kfold = [], []
for seed in range(repeats):
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2,
                                                        random_state=seed)
    holdout.append(model.fit(X_train, y_train).score(X_test, y_test))
    kfold.append(cross_val_score(model, X, y, cv=KFold(5, shuffle=True,
                                                       random_state=seed)).mean())
print(f"hold-out (20%): mean {np.mean(holdout):.3f}, std {np.std(holdout):.4f} "
      f"over {repeats} splits")
print(f"5-fold CV:      mean {np.mean(kfold):.3f}, std {np.std(kfold):.4f} "
      f"over {repeats} shufflings")
fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
left.boxplot([holdout, kfold], tick_labels=["hold-out 20 %", "5-fold CV"])
left.set(ylabel="estimated accuracy", title="spread of the estimate")
# sphinx_gallery_defer_figures


# %%
# Grid against random search at the same budget (16 candidates)
# -------------------------------------------------------------
grid = {"mlpclassifier__weight_decay": [0.0, 1e-2],
        "mlpclassifier__dropout": [0.0, 0.3],
        "mlpclassifier__init": ["sklearn", "kaiming_uniform"],
        "mlpclassifier__activation": ["relu", "tanh"]}
space = {"mlpclassifier__weight_decay": loguniform(1e-6, 1e-1),
         "mlpclassifier__dropout": uniform(0, 0.5),
         "mlpclassifier__init": ["sklearn", "xavier_uniform", "kaiming_uniform",
                                 "kaiming_normal"],
         "mlpclassifier__activation": ["relu", "tanh", "sigmoid", "gelu"]}
budget = 4 if quick else 16
if quick:
    grid = {key: values[:1] if i > 1 else values for i, (key, values)
            in enumerate(grid.items())}
searches = {
    "grid": GridSearchCV(model, grid, cv=3),
    "random": RandomizedSearchCV(model, space, n_iter=budget, cv=3, random_state=0),
}
for name, search in searches.items():
    search.fit(X, y)
    scores = search.cv_results_["mean_test_score"]
    right.plot(np.sort(scores)[::-1], "o-", label=f"{name} ({len(scores)} candidates)")
    best = ", ".join(f"{key.split('__')[1]}={value:.3g}" if isinstance(value, float)
                     else f"{key.split('__')[1]}={value}"
                     for key, value in search.best_params_.items())
    print(f"{name} search: best CV accuracy {search.best_score_:.3f} with {best}")
right.set(xlabel="candidate (sorted)", ylabel="CV accuracy", title="search at equal budget")
right.legend()
save(fig, out, "model_selection.png", quick)
