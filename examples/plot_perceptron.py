"""The perceptron: mistake-driven updates, Novikoff's bound, and XOR.
==================================================================

On linearly separable data the perceptron (zero init, ``w += y x, b += y`` on
each mistake) stops after an epoch without mistakes, and never makes more
than (R^2 + 1) / rho^2 updates, R the largest input norm and rho the margin.
On XOR no line separates the classes: it never converges.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
from _example import save, setup

from sk_mlp import Perceptron

quick, out = setup(__doc__)
rng = np.random.default_rng(0)


def separable(n, gap, rng):
    """Points on either side of a random line through the origin, at
    distance at least ``gap`` from it."""
    normal = rng.normal(size=2)
    normal /= np.linalg.norm(normal)
    X = rng.uniform(-1, 1, size=(4 * n, 2))
    distance = X @ normal
    keep = np.abs(distance) > gap
    X, distance = X[keep][:n], distance[keep][:n]
    return X, (distance > 0).astype(int)


# %%
# The separating line after each epoch of updates
# -----------------------------------------------
X, y = separable(60, 0.1, rng)
fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.5))
left.scatter(X[:, 0], X[:, 1], c=y, cmap="coolwarm", s=15)
clf = Perceptron(shuffle=False, tol=None, max_iter=1, device="cpu")
grid = np.linspace(-1, 1, 2)
for epoch in range(1, 11):
    clf.partial_fit(X, y, classes=[0, 1])
    (w1, w2), b = clf.coef_[0], clf.intercept_[0]
    if w2 != 0:
        left.plot(grid, -(w1 * grid + b) / w2, alpha=0.3 + 0.07 * epoch,
                  color="black", lw=1)
    if (clf.predict(X) == y).all():
        break
left.set(xlim=(-1, 1), ylim=(-1, 1), title=f"separating line, epochs 1..{epoch}")
print(f"separable data: no mistake after epoch {epoch}")
# sphinx_gallery_defer_figures


# %%
# Updates against the bound over many random separable sets
# ---------------------------------------------------------
n_sets = 10 if quick else 100
updates, bounds = [], []
for _ in range(n_sets):
    X, y = separable(100, rng.uniform(0.01, 0.2), rng)
    fitted = Perceptron(shuffle=False, tol=None, max_iter=10_000, device="cpu").fit(X, y)
    updates.append(fitted.n_updates_)
    bounds.append(fitted.mistake_bound_)
updates, bounds = np.array(updates), np.array(bounds)
right.loglog(bounds, updates, "o", ms=4)
line = np.array([bounds.min(), bounds.max()])
right.loglog(line, line, "k--", label="updates = bound")
right.set(xlabel="(R² + 1) / ρ²", ylabel="updates made", title="Novikoff's bound")
right.legend()
print(f"updates within the bound (R^2+1)/rho^2 on {np.sum(updates <= bounds)} of "
      f"{n_sets} separable sets (median updates {np.median(updates):.0f}, median "
      f"bound {np.median(bounds):.0f})")
save(fig, out, "perceptron_updates.png", quick)

# %%
# XOR: no line separates it
# -------------------------
X_xor = np.array([[0.0, 0.0], [1.0, 1.0], [0.0, 1.0], [1.0, 0.0]])
y_xor = np.array([0, 0, 1, 1])
xor = Perceptron(shuffle=False, tol=None, max_iter=100, device="cpu").fit(X_xor, y_xor)
print(f"XOR: converged={xor.converged_} after {xor.n_iter_} epochs, "
      f"{xor.n_updates_} updates, accuracy {xor.score(X_xor, y_xor):.2f}")
