"""Time to a good model as the rows grow: fit time and held-out accuracy of
LightGBM, scikit-learn's MLP and sk_mlp on 20,000 to 1,000,000 rows.

    python benchmarks/bench_scaling.py [--sizes 20000 60000 200000 1000000]
        [--models lightgbm sklearn-mlp sk_mlp-1 sk_mlp] [--candidate NAME=JSON ...]
        [--device cpu] [--output DIR] [--no-plot]

Data (fixed): ``make_classification(n, 20, n_informative=12, n_redundant=4,
flip_y=0.03, class_sep=0.8, random_state=0)`` with ``n = max(250_000,
size + 50_000)``; the last 50,000 rows are held out and every model is fitted
on the first ``size`` rows with ``random_state=0`` (``--seeds``: each of
those, the table then shows means), one process, one fit at a time (so up to
200,000 rows the table is the one issue 38 was measured on).

Models: LightGBM at its defaults, scikit-learn's ``MLPClassifier`` at its
defaults behind ``StandardScaler``, sk_mlp's ``MLPClassifier`` at its
defaults (``sk_mlp``) and at 0.5's defaults on this table (``sk_mlp-0.5``:
batches of 200 at rate 0.001, 2 members, float32, patience 5: the fit
the issue measured), on request as one network (``sk_mlp-1``), and any
``--candidate`` (sk_mlp's classifier with those parameters). A model whose
fit would pass ``--max-seconds`` at the next size (extrapolated linearly
from the last) is left out there and marked so.

It prints one row per size and model (fit seconds, epochs, held-out
accuracy) and the ratio of sk_mlp's default fit time to scikit-learn's (issue
38's targets: at most 1.5 at 20,000 rows, at most 1.0 from 200,000 rows,
accuracy above scikit-learn's), writes the report to
``results/scaling.txt``, the rows to ``results/scaling.csv`` and, unless
``--no-plot``, the log-log plot of fit time against rows to
``docs/images/scaling.png``.
"""

import argparse
import json
import os
import platform
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import sklearn
import torch
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier as SklearnMLP
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import sk_mlp
from sk_mlp import MLPClassifier
from sk_mlp._sklearn_defaults import picture_metadata

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _report import RESULTS, recorded  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
HELD_OUT = 50_000
SIZES = (20_000, 60_000, 200_000, 1_000_000)
MODELS = ("lightgbm", "sklearn-mlp", "sk_mlp-0.5", "sk_mlp")
# sk_mlp 0.5's defaults on this table (batches of 200 at rate 0.001, two
# members where the embedding is on, float32, patience 5): the fit issue 38
# measured
BEFORE = {"batch_size": 200, "learning_rate_init": 0.001, "ensemble_size": 2,
          "autocast": None, "n_iter_no_change": 5}


def table(size):
    """``(X_train, y_train, X_test, y_test)`` of the fixed generator at
    ``size`` training rows (float32, as a user would pass them)."""
    n = max(250_000, size + HELD_OUT)
    X, y = make_classification(n, 20, n_informative=12, n_redundant=4, flip_y=0.03,
                               class_sep=0.8, random_state=0)
    X = X.astype(np.float32)
    return X[:size], y[:size], X[-HELD_OUT:], y[-HELD_OUT:]


def make_model(name, candidates, device, seed=0):
    if name == "lightgbm":
        import lightgbm

        return lightgbm.LGBMClassifier(verbose=-1, random_state=seed)
    if name == "sklearn-mlp":
        return make_pipeline(StandardScaler(), SklearnMLP(random_state=seed))
    params = {"random_state": seed, "device": device}
    if name == "sk_mlp-1":
        params["ensemble_size"] = 1
    elif name == "sk_mlp-0.5":
        params.update(BEFORE)
    elif name != "sk_mlp":
        params.update(candidates[name])
    return MLPClassifier(**params)


def epochs_of(model):
    last = model[-1] if hasattr(model, "steps") else model
    return getattr(last, "n_iter_", None)


def kept_epoch(model):
    """The epoch whose weights early stopping kept (None without)."""
    history = getattr(model, "history_", None) or []
    return next((i + 1 for i, row in enumerate(history) if row.get("restored")), None)


def fit_one(name, candidates, device, data, seed=0):
    X, y, X_test, y_test = data
    model = make_model(name, candidates, device, seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        start = time.perf_counter()
        model.fit(X, y)
        seconds = time.perf_counter() - start
    accuracy = float((model.predict(X_test) == y_test).mean())
    settings = getattr(model, "settings_", None)
    return dict(seconds=seconds, epochs=epochs_of(model), kept=kept_epoch(model),
                accuracy=accuracy,
                settings=None if settings is None else {
                    k: settings.as_dict()[k] for k in (
                        "batch_size", "learning_rate", "ensemble_size",
                        "numerical_embedding", "n_iter_no_change")})


def plot(rows, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    for name, group in rows.groupby("model", sort=False):
        ax.plot(group["rows"], group["seconds"], marker="o", label=name)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("training rows")
    ax.set_ylabel("fit time (s)")
    ax.set_title("Fit time against rows (2-core CPU)" if rows["device"].iloc[0] == "cpu"
                 else f"Fit time against rows ({rows['device'].iloc[0]})")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100, metadata=picture_metadata("benchmarks/bench_scaling.py"))
    plt.close(fig)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--models", nargs="+", default=list(MODELS))
    parser.add_argument("--candidate", action="append", default=[],
                        help="NAME=JSON: sk_mlp's classifier with these parameters")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0],
                        help="random_state of every model; several give each "
                             "fit's row, and the table their means")
    parser.add_argument("--max-seconds", type=float, default=600.0,
                        help="leave a model out where its fit would take longer")
    parser.add_argument("--output", default=str(RESULTS),
                        help="folder of scaling.txt/.csv ('-': print only)")
    parser.add_argument("--no-plot", action="store_true")
    args = parser.parse_args(argv)
    candidates = {text.split("=", 1)[0]: json.loads(text.split("=", 1)[1])
                  for text in args.candidate}
    names = list(args.models) + [n for n in candidates if n not in args.models]
    output = None if args.output == "-" else Path(args.output)
    rows = []
    with recorded("scaling", output):
        print(f"sk_mlp {sk_mlp.__version__}, torch {torch.__version__}, scikit-learn "
              f"{sklearn.__version__}, {platform.processor() or platform.machine()}, "
              f"{os.cpu_count()} CPUs, device {args.device}")
        print(f"held out: the last {HELD_OUT:,} rows; candidates: {candidates or 'none'}")
        last = {}
        for size in sorted(args.sizes):
            data = table(size)
            for name in names:
                if name in last and last[name] * size / last["rows"][name] > args.max_seconds:
                    print(f"{size:>9,} {name:<14} left out (over {args.max_seconds:.0f} s)")
                    continue
                for seed in args.seeds:
                    result = fit_one(name, candidates, args.device, data, seed)
                    last[name] = result["seconds"]
                    last.setdefault("rows", {})[name] = size
                    rows.append(dict(rows=size, model=name, seed=seed,
                                     device=args.device, **result))
                    print(f"{size:>9,} {name:<14} seed {seed} {result['seconds']:8.1f} s "
                          f"{result['epochs'] or '':>4} epochs "
                          f"(kept {result['kept'] or '-':>3})  accuracy "
                          f"{result['accuracy']:.4f}  {result['settings'] or ''}", flush=True)
        frame = pd.DataFrame(rows)
        means = frame.groupby(["rows", "model"], sort=False)[["seconds", "accuracy"]] \
            .mean().reset_index()
        print()
        print("| rows | " + " | ".join(names) + " | sk_mlp / sklearn-mlp time |")
        print("| --- " * (len(names) + 2) + "|")
        for size, group in means.groupby("rows"):
            cells = []
            by_model = group.set_index("model")
            for name in names:
                if name in by_model.index:
                    r = by_model.loc[name]
                    cells.append(f"{r['seconds']:.1f} s, {r['accuracy']:.4f}")
                else:
                    cells.append("–")
            ratio = "–"
            if {"sk_mlp", "sklearn-mlp"} <= set(by_model.index):
                ratio = f"{by_model.loc['sk_mlp', 'seconds'] / by_model.loc['sklearn-mlp', 'seconds']:.2f}"
            print(f"| {size:,} | " + " | ".join(cells) + f" | {ratio} |")
    if output is not None:
        frame.drop(columns=["settings"]).to_csv(output / "scaling.csv", index=False)
        if not args.no_plot:
            plot(means.assign(device=args.device), ROOT / "docs" / "images" / "scaling.png")
    return frame


if __name__ == "__main__":
    main()
