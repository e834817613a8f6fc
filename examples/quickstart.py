"""Quick start: train sk_mlp's MLPClassifier on scikit-learn's bundled digits.

Run with ``python examples/quickstart.py``; prints the held-out accuracy.
"""

# %%
import time

from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sk_mlp import MLPClassifier

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=0
)

# %%
model = make_pipeline(
    StandardScaler(),
    # the defaults: two layers of 256, dropout, weight decay, early stopping
    # on a 10 % validation split with the best epoch restored
    MLPClassifier(random_state=0),
)
start = time.perf_counter()
model.fit(X_train, y_train)
seconds = time.perf_counter() - start
net = model[-1]
print(f"digits: {len(X_train)} training images, {net.n_params_} parameters, "
      f"{net.n_iter_} epochs on {net.net_.device} in {seconds:.1f} s")
print(f"test accuracy: {model.score(X_test, y_test):.3f}")
