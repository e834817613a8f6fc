"""One hidden layer solves XOR, which no perceptron can.
=====================================================

Two hidden units are enough in principle; a few more make training reliable.
The picture shows the decision regions the network learnt.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
from _example import save, setup

from sk_mlp import MLPClassifier, Perceptron

quick, out = setup(__doc__)
X = np.array([[0.0, 0.0], [1.0, 1.0], [0.0, 1.0], [1.0, 0.0]])
y = np.array([0, 0, 1, 1])

# %%
mlp = MLPClassifier((4,), activation="tanh", solver="lbfgs", device="cpu",
                    random_state=0).fit(X, y)
linear = Perceptron(shuffle=False, tol=None, max_iter=100, device="cpu").fit(X, y)
print(f"MLP with one hidden layer of 4: XOR accuracy {mlp.score(X, y):.1f}")
print(f"perceptron: XOR accuracy {linear.score(X, y):.2f} "
      f"(converged={linear.converged_})")

# %%
# Decision regions
# ----------------
steps = 60 if quick else 200
xx, yy = np.meshgrid(np.linspace(-0.5, 1.5, steps), np.linspace(-0.5, 1.5, steps))
grid = np.c_[xx.ravel(), yy.ravel()]
fig, axes = plt.subplots(1, 2, figsize=(9, 4))
for ax, model, name in ((axes[0], linear, "perceptron"), (axes[1], mlp, "MLP (4,)")):
    ax.contourf(xx, yy, model.predict(grid).reshape(xx.shape), cmap="coolwarm",
                alpha=0.4)
    ax.scatter(X[:, 0], X[:, 1], c=y, cmap="coolwarm", edgecolors="k", s=80)
    ax.set_title(f"{name}: accuracy {model.score(X, y):.2f}")
save(fig, out, "mlp_xor.png", quick)
