"""Fashion-MNIST: an MLP against an RBF SVM, accuracy and training time.
=====================================================================

28x28 grey images of 10 kinds of clothing. At its default size the example
trains on 6,000 images and tests on 2,000 (under a minute on 2 CPU cores);
``--full`` uses the official 60,000 / 10,000 split. The Fashion-MNIST paper
reports test accuracy 0.897 for SVC(C=10, rbf) and 0.870 for scikit-learn's
MLPClassifier.

    python examples/plot_fashion_mnist.py [DATA_DIR] [--full] [--quick] [--output DIR]

DATA_DIR holds the four original ``*-ubyte.gz`` files; it defaults to
``../shared/data/fashion_mnist`` beside the project.
"""

# %%
import gzip
import sys
import time

import matplotlib.pyplot as plt
import numpy as np
from _example import SHARED_DATA, save, setup
from sklearn.metrics import ConfusionMatrixDisplay
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from sk_mlp import MLPClassifier

quick, out, data, full = setup(__doc__, data=SHARED_DATA / "fashion_mnist", full=True)
LABELS = ["T-shirt", "trouser", "pullover", "dress", "coat", "sandal", "shirt",
          "sneaker", "bag", "boot"]


def read(kind):
    """Images (n, 784) as floats in [0, 1] and labels, from the IDX files."""
    with gzip.open(data / f"{kind}-images-idx3-ubyte.gz") as f:
        images = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 784)
    with gzip.open(data / f"{kind}-labels-idx1-ubyte.gz") as f:
        labels = np.frombuffer(f.read(), np.uint8, offset=8)
    return images / 255.0, labels


if not (data / "train-images-idx3-ubyte.gz").exists():
    sys.exit(f"No Fashion-MNIST files in {data}: pass the folder holding "
             "train-images-idx3-ubyte.gz and the other three IDX files.")
X_train, y_train = read("train")
X_test, y_test = read("t10k")
n_train, n_test = (60_000, 10_000) if full else (1_000, 500) if quick else (6_000, 2_000)
X_train, y_train = X_train[:n_train], y_train[:n_train]
X_test, y_test = X_test[:n_test], y_test[:n_test]

# %%
# Train both and time them
# ------------------------
models = {
    # sk_mlp's defaults: two layers of 256, dropout, weight decay, early
    # stopping with the rate cut on plateaus
    "MLP (defaults)": make_pipeline(StandardScaler(), MLPClassifier(
        max_iter=10 if quick else 200, random_state=0)),
    "SVC(C=10, rbf)": make_pipeline(StandardScaler(), SVC(C=10)),
}
results = {}
for name, model in models.items():
    start = time.perf_counter()
    model.fit(X_train, y_train)
    seconds = time.perf_counter() - start
    results[name] = (model.score(X_test, y_test), seconds)
    print(f"{name}: test accuracy {results[name][0]:.4f}, training {seconds:.1f} s "
          f"({n_train} training / {n_test} test images)")

# %%
# Accuracy and time side by side, and the MLP's confusion matrix
# --------------------------------------------------------------
fig, axes = plt.subplots(1, 3, figsize=(17, 5))
names = list(results)
axes[0].bar(names, [results[n][0] for n in names])
axes[0].set(ylim=(0.7, 1), title="test accuracy")
axes[1].bar(names, [results[n][1] for n in names], color="tab:orange")
axes[1].set(ylabel="seconds", title="training time")
ConfusionMatrixDisplay.from_estimator(models[names[0]], X_test, y_test,
                                      display_labels=LABELS, ax=axes[2],
                                      xticks_rotation=90, colorbar=False)
axes[2].set_title(f"{names[0]} confusion matrix")
save(fig, out, "fashion_mnist.png", quick or not full)
