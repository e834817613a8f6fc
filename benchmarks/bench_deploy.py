"""Prediction latency: onnxruntime session against sk_mlp's own predict.

    python benchmarks/bench_deploy.py [--repeats N]

Fits a default-sized MLPClassifier (one hidden layer of 100) on digits, in a
pipeline with a StandardScaler, converts it with ``sk_mlp.to_onnx`` and times
``predict_proba`` for 1 row and 10,000 rows: the median of ``--repeats``
calls each. Prints the times and the ratio onnxruntime / sk_mlp (target: at
most 0.5 on 1 row). Needs the deploy extra.
"""

import argparse
import sys
import os
import time
import warnings

import numpy as np
import onnxruntime as ort
from sklearn.datasets import load_digits
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sk_mlp import MLPClassifier, onnx_inputs, to_onnx

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _report import RESULTS, recorded  # noqa: E402


def median_seconds(call, repeats):
    call()  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=200)
    parser.add_argument("--record", default=str(RESULTS), metavar="DIR",
                        help="also write the report to DIR/NAME.txt (default: "
                             "benchmarks/results, which the docs include; '' to skip)")
    args = parser.parse_args()
    with recorded("deploy", args.record or None):
        X, y = load_digits(return_X_y=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            pipe = make_pipeline(StandardScaler(), MLPClassifier(
                max_iter=30, device="cpu", random_state=0)).fit(X, y)
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        session = ort.InferenceSession(to_onnx(pipe, X[:1]).SerializeToString(), options,
                                       providers=["CPUExecutionProvider"])
        big = np.tile(X, (6, 1))[:10_000]
        print(f"{'rows':>6} {'sk_mlp ms':>10} {'onnxruntime ms':>15} {'ratio':>6}")
        for rows in (X[:1], big):
            ours = median_seconds(lambda: pipe.predict_proba(rows), args.repeats
                                  if len(rows) == 1 else 20)
            feed = onnx_inputs(rows)
            onnx = median_seconds(lambda: session.run(None, feed), args.repeats
                                  if len(rows) == 1 else 20)
            print(f"{len(rows):>6} {ours * 1e3:>10.3f} {onnx * 1e3:>15.3f} "
                  f"{onnx / ours:>6.2f}")


if __name__ == "__main__":
    main()
