"""Perceptron fit time: sk_mlp versus scikit-learn, same data, same epochs.

    python benchmarks/bench_perceptron.py [--sizes 10000 100000 1000000] [--repeats 5]

Data: linearly separable float64, 50 features (a random hyperplane with the
points closer than 0.05 to it removed). sk_mlp runs the textbook rule
(``shuffle=False, tol=None``, eta0=1, zero init) until its first mistake-free
epoch; the
baseline is scikit-learn's ``Perceptron(shuffle=False, tol=None, eta0=1,
alpha=0, max_iter=<the same number of epochs>)``, the same rule. Timings are
medians over interleaved repeats; the ratio is sk_mlp / scikit-learn
(target at 100,000 rows: <= 1.0 on the CPU).
"""

import argparse
import sys
import os
import platform
import time
import warnings

import numpy as np
import sklearn
import torch
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import Perceptron as SklearnPerceptron

from sk_mlp import Perceptron

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _report import RESULTS, recorded  # noqa: E402


def separable(n, d, seed=0, gap=0.05):
    rng = np.random.RandomState(seed)
    X = rng.randn(int(n * 1.1), d)
    w = rng.randn(d)
    s = X @ w / np.linalg.norm(w) + 0.3
    keep = np.flatnonzero(np.abs(s) > gap)[:n]
    return np.ascontiguousarray(X[keep]), np.where(s[keep] > 0, 1, -1)


def timed(fit):
    start = time.perf_counter()
    model = fit()
    return time.perf_counter() - start, model


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--features", type=int, default=50)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--record", default=str(RESULTS), metavar="DIR",
                        help="also write the report to DIR/NAME.txt (default: "
                             "benchmarks/results, which the docs include; '' to skip)")
    args = parser.parse_args()
    with recorded("perceptron", args.record or None):
        warnings.simplefilter("ignore", ConvergenceWarning)
        devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
        print(f"machine: {platform.processor() or platform.machine()}, "
              f"{torch.get_num_threads()} torch threads; torch {torch.__version__}, "
              f"scikit-learn {sklearn.__version__}, numpy {np.__version__}")
        if torch.cuda.is_available():
            print(f"GPU: {torch.cuda.get_device_name()}")
        print(f"{'rows':>9} {'device':>6} {'epochs':>6} {'updates':>7} "
              f"{'sk_mlp s':>9} {'sklearn s':>9} {'ratio':>6} same-weights")
        for n in args.sizes:
            X, y = separable(n, args.features)
            for device in devices:
                ours_fit = lambda: Perceptron(shuffle=False, tol=None, device=device).fit(X, y)  # noqa: E731
                ours_fit()  # warm-up (first CUDA call, allocator)
                epochs = ours_fit().n_iter_
                theirs_fit = lambda: SklearnPerceptron(  # noqa: E731
                    shuffle=False, tol=None, eta0=1.0, alpha=0.0, max_iter=epochs).fit(X, y)
                ours, theirs = [], []
                for _ in range(args.repeats):  # interleaved
                    t, ours_model = timed(ours_fit)
                    ours.append(t)
                    t, theirs_model = timed(theirs_fit)
                    theirs.append(t)
                same = np.allclose(ours_model.coef_, theirs_model.coef_) and np.allclose(
                    ours_model.intercept_, theirs_model.intercept_)
                a, b = np.median(ours), np.median(theirs)
                print(f"{len(X):>9} {device:>6} {epochs:>6} {ours_model.n_updates_:>7} "
                      f"{a:>9.3f} {b:>9.3f} {a / b:>6.2f} {same}")


if __name__ == "__main__":
    main()
