"""Weight decay: smaller weights, a smaller gap between training and validation.
=============================================================================

On a small, noisy, high-dimensional problem (100 training rows, 200
features, 10 of them informative) an unregularised network fits the noise.
``weight_decay`` adds lambda/2 ||W||^2 to the loss (weights only, never
biases): as lambda grows the weight norm shrinks and the train/validation
gap closes, until too much decay underfits.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
from _example import PLAIN, save, setup
from sklearn.datasets import make_regression
from sklearn.model_selection import train_test_split

from sk_mlp import MLPRegressor

quick, out = setup(__doc__)
X, y = make_regression(n_samples=600, n_features=200, n_informative=10, noise=20,
                       random_state=0)
X_train, X_valid, y_train, y_valid = train_test_split(X, y, train_size=100,
                                                      random_state=0)
decays = [1e-5, 1e-3, 1e-1, 1.0] if quick else [1e-5, 1e-4, 1e-3, 1e-2, 0.03, 0.1,
                                                 0.3, 1.0]

# %%
norms, train_r2, valid_r2 = [], [], []
for decay in decays:
    reg = MLPRegressor(hidden_layer_sizes=(128,), alpha=0.0,
                       **{**PLAIN, "weight_decay": decay, "n_iter_no_change": 10_000},
                       max_iter=100 if quick else 400, learning_rate_init=0.003,
                       standardize_target=True,
                       device="cpu", random_state=0).fit(X_train, y_train)
    norms.append(np.sqrt(sum((W ** 2).sum() for W in reg.coefs_)))
    train_r2.append(reg.score(X_train, y_train))
    valid_r2.append(reg.score(X_valid, y_valid))
    print(f"weight_decay={decay:<7g} weight norm {norms[-1]:8.2f}  train R2 "
          f"{train_r2[-1]:.3f}  validation R2 {valid_r2[-1]:.3f}  gap "
          f"{train_r2[-1] - valid_r2[-1]:.3f}")
fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
left.loglog(decays, norms, "o-")
left.set(xlabel="weight_decay", ylabel="||W|| (all layers)", title="weight norm")
right.semilogx(decays, train_r2, "o-", label="training")
right.semilogx(decays, valid_r2, "o-", label="validation")
right.set(xlabel="weight_decay", ylabel="R²", title="fit against generalisation")
right.legend()
save(fig, out, "weight_decay.png", quick)
