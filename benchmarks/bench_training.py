"""Training and prediction speed of sk_mlp against a bare PyTorch loop,
scikit-learn's MLPClassifier and a plain skorch net.

    python benchmarks/bench_training.py [--sizes 10000 100000 1000000] [--repeats 5]
        [--parts epoch predict memory digits search gpu defaults]

Same synthetic data (make_classification, 50 features, 10 classes; float32 by
default, ``--dtype float64`` for the array as make_classification returns it),
same layers (256, 128), same batch (256), Adam at lr 1e-3, one epoch; medians
over interleaved repeats. Ratios are sk_mlp / competitor (lower is better).

Parts:
  epoch   one training epoch of sk_mlp doing the bare loop's work (no dropout,
          decay, input scaling or validation; targets: <= 1.10x bare loop,
          <= 0.67x scikit-learn)
  predict latency for 1 row (target <= 1.0x scikit-learn) and 10,000 rows (<= 0.5x)
  memory  peak resident memory fitting 1M rows, in a fresh process per library,
          relative to the float32 size of X plus the model (target <= 1.5x)
  digits  5-fold CV accuracy and total fit time on scikit-learn's digits with
          default parameters: sk_mlp, scikit-learn MLP, SVC, plain skorch net
  search  GridSearchCV wall time with n_jobs=1 and n_jobs=2
  defaults  one epoch on 100,000 rows with each default added in turn, against
          the bare loop with and without torch.nn.Dropout (targets: the
          defaults' regularisation <= 1.20x the bare loop, <= 0.75x the bare
          loop with dropout); then one fit of MLPClassifier() / MLPRegressor()
          at their defaults on a 20,000-row table (make_classification /
          make_regression, 50 features, standardised), with its epochs
  gpu     one epoch at 1M rows, batch 256 and 4096, when CUDA is available
  allocator  the default regressor's epoch on the suite's noisy regression
          table (1,600 rows x 30 columns: an embedding and 3 members), in a
          fresh process with glibc's thresholds as sk_mlp sets them and in
          one left at glibc's defaults (SK_MLP_MALLOC=default): ms per epoch,
          page faults, peak memory, and the ratio
"""

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
import warnings

import numpy as np
import sklearn
import skorch
import torch
from sklearn.datasets import load_digits, make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import cross_validate
from sklearn.neural_network import MLPClassifier as SklearnMLP
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC
from torch import nn

from sk_mlp import MLPClassifier

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _report import RESULTS, recorded  # noqa: E402

LAYERS = (256, 128)
BATCH = 256


DTYPE = np.float32  # of X for parts 1 and 2; --dtype float64 gives make_classification's own


def data(n, seed=0, dtype=None):
    X, y = make_classification(n_samples=n, n_features=50, n_informative=30,
                               n_classes=10, random_state=seed)
    return X.astype(dtype or DTYPE), y


def torch_module(d=50, k=10, dropout=0.0):
    drop = [nn.Dropout(dropout)] if dropout else []
    return nn.Sequential(nn.Linear(d, LAYERS[0]), nn.ReLU(), *drop, nn.Linear(*LAYERS),
                         nn.ReLU(), *drop, nn.Linear(LAYERS[1], k))


def bare_loop_epoch(X, y, device="cpu", dropout=0.0):
    """The reference: permutation + index slicing, no DataLoader, no wrapper;
    with ``dropout``, ``torch.nn.Dropout`` after each hidden layer."""
    Xt = torch.as_tensor(X, dtype=torch.float32, device=device)
    yt = torch.as_tensor(y, device=device)
    model = torch_module(dropout=dropout).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    order = torch.randperm(len(Xt), device=device)
    for start in range(0, len(Xt), BATCH):
        idx = order[start:start + BATCH]
        opt.zero_grad()
        loss = loss_fn(model(Xt[idx]), yt[idx])
        loss.backward()
        opt.step()
    if device != "cpu":
        torch.cuda.synchronize()


# sk_mlp doing the bare loop's work: every default that adds work turned off
BARE = dict(dropout=0.0, weight_decay=0.0, alpha=0.0, input_scaling=None,
            early_stopping=False, learning_rate="constant", ema_momentum=0.0,
            ensemble_size=1)


def sk_mlp_epoch(X, y, device="cpu", batch=BATCH, **params):
    """One epoch of sk_mlp: the bare loop's work, plus ``params``; returns
    the epoch's own seconds (skorch's ``dur``: training, validation and
    weight average, without the fit's set-up)."""
    model = MLPClassifier(LAYERS, batch_size=batch, max_iter=1, device=device,
                          random_state=0, **{**BARE, **params}).fit(X, y)
    # the epoch's own end reads the loss from the device, which waits for
    # its kernels, so ``dur`` is the whole epoch on a GPU too
    return model.history_[-1]["dur"]


def sklearn_epoch(X, y):
    SklearnMLP(LAYERS, batch_size=BATCH, random_state=0).partial_fit(X, y, classes=np.arange(10))


class SkorchModule(nn.Module):
    def __init__(self, d=50, k=10):
        super().__init__()
        self.net = torch_module(d, k)

    def forward(self, X):
        return self.net(X)


def skorch_net(max_epochs=1, **kwargs):
    return skorch.NeuralNetClassifier(SkorchModule, criterion=nn.CrossEntropyLoss,
                                      optimizer=torch.optim.Adam, lr=1e-3,
                                      batch_size=BATCH, max_epochs=max_epochs,
                                      train_split=None, verbose=0, **kwargs)


def skorch_epoch(X, y):
    skorch_net().fit(X.astype(np.float32, copy=False), y.astype(np.int64))


def median_times(fns, repeats, returned=False):
    """Interleaved repeats; returns the median seconds of each function and,
    with ``returned``, also the median of the seconds each returns (an inner
    part it timed itself; None for a function that returns none)."""
    times = {name: [] for name in fns}
    inner = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            start = time.perf_counter()
            value = fn()
            times[name].append(time.perf_counter() - start)
            if isinstance(value, float):
                inner[name].append(value)
    whole = {name: statistics.median(t) for name, t in times.items()}
    if not returned:
        return whole
    return whole, {name: statistics.median(t) if t else None for name, t in inner.items()}


def part_epoch(sizes, repeats):
    print("\n1. One training epoch (CPU); ratio = sk_mlp / competitor")
    print(f"{'rows':>9} {'sk_mlp':>8} {'bare':>8} {'sklearn':>8} {'skorch':>8} "
          f"{'/bare':>6} {'/sklearn':>8} {'/skorch':>7}")
    for n in sizes:
        X, y = data(n)
        fns = {"sk_mlp": lambda: sk_mlp_epoch(X, y), "bare": lambda: bare_loop_epoch(X, y),
               "sklearn": lambda: sklearn_epoch(X, y), "skorch": lambda: skorch_epoch(X, y)}
        for fn in fns.values():  # warm-up
            fn()
        t = median_times(fns, repeats if n <= 100_000 else max(1, repeats // 2))
        print(f"{n:>9} {t['sk_mlp']:>8.3f} {t['bare']:>8.3f} {t['sklearn']:>8.3f} "
              f"{t['skorch']:>8.3f} {t['sk_mlp'] / t['bare']:>6.2f} "
              f"{t['sk_mlp'] / t['sklearn']:>8.2f} {t['sk_mlp'] / t['skorch']:>7.2f}")


def part_predict(repeats):
    print("\n2. predict latency (CPU); ratio = sk_mlp / scikit-learn")
    X, y = data(20_000)
    ours = MLPClassifier(LAYERS, max_iter=1, device="cpu", random_state=0).fit(X, y)
    theirs = SklearnMLP(LAYERS, max_iter=1, random_state=0).fit(X, y)
    plain = skorch_net().fit(X.astype(np.float32), y.astype(np.int64))
    print(f"{'rows':>9} {'sk_mlp ms':>10} {'sklearn ms':>10} {'skorch ms':>10} {'ratio':>6}")
    for n, loops in ((1, 2000), (10_000, 20)):
        Xp = X[:n]
        fns = {"sk_mlp": lambda: [ours.predict(Xp) for _ in range(loops)],
               "sklearn": lambda: [theirs.predict(Xp) for _ in range(loops)],
               "skorch": lambda: [plain.predict(Xp.astype(np.float32)) for _ in range(loops)]}
        t = median_times(fns, repeats)
        ms = {k: v / loops * 1e3 for k, v in t.items()}
        print(f"{n:>9} {ms['sk_mlp']:>10.3f} {ms['sklearn']:>10.3f} {ms['skorch']:>10.3f} "
              f"{ms['sk_mlp'] / ms['sklearn']:>6.2f}")


_MEMORY_CHILD = """
import sys, warnings, numpy as np
warnings.simplefilter("ignore")
sys.path.insert(0, {here!r})
from bench_training import data, sk_mlp_epoch, sklearn_epoch, skorch_epoch

def status(key):  # kB figures of /proc/self/status (Linux)
    for line in open("/proc/self/status"):
        if line.startswith(key):
            return int(line.split()[1]) * 1024

fit = {{"sk_mlp": sk_mlp_epoch, "sklearn": sklearn_epoch, "skorch": skorch_epoch}}[{who!r}]
fit(*data(2000))  # libraries loaded and warmed up before the baseline
open("/proc/self/clear_refs", "w").write("5")  # reset the peak (VmHWM) to now
base = status("VmRSS")
X, y = np.load({x_path!r}), np.load({y_path!r})  # float32 X, counted in the peak
fit(X, y)
print(status("VmHWM") - base)
"""


def part_memory(n):
    import os
    import tempfile

    print(f"\n3. Peak memory of loading X and fitting one epoch on {n:,} rows "
          "(fresh process each, peak RSS above the RSS after imports and warm-up)")
    X, y = data(n, dtype=np.float32)
    folder = tempfile.mkdtemp()
    x_path, y_path = os.path.join(folder, "X.npy"), os.path.join(folder, "y.npy")
    np.save(x_path, X)
    np.save(y_path, y)
    X_bytes = X.nbytes
    del X
    model_bytes = sum(p.numel() for p in torch_module().parameters()) * 4 * 4  # w, grad, 2 Adam
    here = os.path.dirname(os.path.abspath(__file__))
    print(f"float32 X: {X_bytes / 2**20:.0f} MiB, model+grads+Adam: {model_bytes / 2**20:.1f} MiB")
    for who in ("sk_mlp", "sklearn", "skorch"):
        script = _MEMORY_CHILD.format(here=here, who=who, x_path=x_path, y_path=y_path)
        out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                             check=True).stdout
        peak = int(out.strip().splitlines()[-1])
        print(f"{who:>8}: {peak / 2**20:8.0f} MiB = {peak / (X_bytes + model_bytes):.2f}x "
              "(X + model)")


_ALLOCATOR_CHILD = """
import resource, sys, time, warnings
sys.path.insert(0, {root!r})
warnings.simplefilter("ignore")
from sklearn.datasets import make_friedman1
from sk_mlp import MLPRegressor
from sk_mlp._torch.allocator import tune_cpu_allocator
X, y = make_friedman1(2000, n_features=30, noise=1.0, random_state=0)
X, y = X[:1600], y[:1600]
MLPRegressor(random_state=0, max_iter=3).fit(X, y)  # warm-up
times, faults = [], []
for _ in range({repeats}):
    for epochs in (1, 31):
        before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        start = time.perf_counter()
        MLPRegressor(random_state=0, max_iter=epochs, n_iter_no_change=1000).fit(X, y)
        times.append(time.perf_counter() - start)
        faults.append(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
per_epoch = sorted((b - a) / 30 for a, b in zip(times[::2], times[1::2]))
print(tune_cpu_allocator(), per_epoch[len(per_epoch) // 2], (sum(faults[1::2]) - sum(faults[::2])) / 30 / {repeats},
      resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def part_allocator(repeats):
    print("\n8. the C allocator's thresholds (noisy regression, 1,600 rows x 30 columns, "
          "default MLPRegressor; fresh process each, median over repeats)")
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    script = _ALLOCATOR_CHILD.format(root=root, repeats=repeats)
    found = {}
    for label, value in (("sk_mlp's thresholds", ""), ("glibc's defaults", "default")):
        env = dict(os.environ, SK_MLP_MALLOC=value)
        out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                             check=True, env=env).stdout.split()
        tuned, epoch, faults, peak = out[0] == "True", float(out[1]), float(out[2]), int(out[3])
        found[label] = epoch
        print(f"{label:>20}: set={tuned!s:5} {1000 * epoch:6.1f} ms/epoch, "
              f"{faults:8.0f} page faults/epoch, peak RSS {peak / 1024:.0f} MiB")
    ratio = found["sk_mlp's thresholds"] / found["glibc's defaults"]
    print(f"ratio (sk_mlp's / glibc's defaults): {ratio:.2f}")


def part_digits():
    print("\n4. digits, 5-fold CV, default parameters (StandardScaler first)")
    X, y = load_digits(return_X_y=True)
    models = {
        "sk_mlp": MLPClassifier(device="cpu", random_state=0),
        "sklearn MLP": SklearnMLP(random_state=0),
        "SVC": SVC(),
        # the hand-written module skorch needs, sized for digits by hand
        "skorch": skorch_net(max_epochs=200, device="cpu", module__d=64),
    }
    print(f"{'model':>12} {'accuracy':>9} {'fit s':>7}")
    for name, model in models.items():
        yy = y.astype(np.int64) if name == "skorch" else y
        Xx = X.astype(np.float32) if name == "skorch" else X
        res = cross_validate(make_pipeline(StandardScaler(), model), Xx, yy, cv=5)
        print(f"{name:>12} {res['test_score'].mean():>9.4f} {res['fit_time'].sum():>7.1f}")


def part_search():
    import os

    from sklearn.model_selection import GridSearchCV

    print(f"\n6. GridSearchCV on digits, 8 candidates x 5 folds, {os.cpu_count()} cores")
    X, y = load_digits(return_X_y=True)
    X = X / 16

    def search(n_jobs):
        grid = {"dropout": [0.0, 0.2], "weight_decay": [0.0, 1e-3],
                "activation": ["relu", "tanh"]}
        est = MLPClassifier((64,), max_iter=30, random_state=0, device="cpu")
        start = time.perf_counter()
        GridSearchCV(est, grid, cv=5, n_jobs=n_jobs).fit(X, y)
        return time.perf_counter() - start

    cold = search(2)  # starts the worker processes (each imports torch)
    one, two = search(1), search(2)
    print(f"n_jobs=1: {one:.1f} s; n_jobs=2: {two:.1f} s with workers running "
          f"({cold:.1f} s including their start); ratio {two / one:.2f}")


# The defaults' additions to the bare loop's work, each added to those above
# it (the classifier's defaults, then the regressor's weight average).
DEFAULT_PARTS = [
    ("dropout 0.1 (dropout='auto')", dict(dropout="auto")),
    ("+ weight decay ('auto') and alpha 1e-4", dict(weight_decay="auto", alpha=1e-4)),
    ("+ input scaling ('standard')", dict(input_scaling="standard")),
    ("+ validation pass (early_stopping='auto')", dict(early_stopping="auto")),
    ("+ schedule (learning_rate='adaptive')", dict(learning_rate="adaptive")),
    ("+ weight average (ema_momentum=0.99)", dict(ema_momentum=0.99)),
    # not a cost to cut: three networks' arithmetic, for their mean
    ("+ ensemble of 3 (ensemble_size=3)", dict(ensemble_size=3)),
]


def part_default_epoch(n, repeats, device="cpu"):
    print(f"\n7a. One epoch ({device}, {n:,} rows) with each default added in turn "
          "(medians of interleaved repeats): the epoch itself (skorch's dur) and the "
          "whole one-epoch fit (with its set-up: validation, input statistics, "
          "initialisation); ratios of the epoch to the bare loop without dropout and "
          "with torch.nn.Dropout(0.1)")
    X, y = data(n)
    fns = {"bare loop": lambda: bare_loop_epoch(X, y, device),
           "bare loop + nn.Dropout(0.1)": lambda: bare_loop_epoch(X, y, device, 0.1),
           "sk_mlp, the bare loop's work": lambda: sk_mlp_epoch(X, y, device)}
    params = {}
    for name, added in DEFAULT_PARTS:
        params = {**params, **added}
        fns[name] = (lambda p: lambda: sk_mlp_epoch(X, y, device, **p))(params)
    for fn in fns.values():  # warm-up
        fn()
    whole, inner = median_times(fns, repeats, returned=True)
    # sk_mlp's epoch is the one it timed (dur); the bare loops are all epoch
    epoch = {name: whole[name] if inner[name] is None else inner[name] for name in fns}
    bare, dropped = epoch["bare loop"], epoch["bare loop + nn.Dropout(0.1)"]
    print(f"{'':<46} {'epoch s':>8} {'/bare':>6} {'/bare+Dropout':>13} {'fit s':>7}")
    for name, seconds in epoch.items():
        fit = f"{whole[name]:>7.3f}" if inner[name] is not None else f"{'':>7}"
        print(f"{name:<46} {seconds:>8.3f} {seconds / bare:>6.2f} "
              f"{seconds / dropped:>13.2f} {fit}")


def part_defaults(device="cpu", n=20_000):
    from sklearn.datasets import make_regression

    from sk_mlp import MLPRegressor

    target = 30.0
    print(f"\n7b. one default fit on {n:,} rows x 50 features ({device}; target "
          f"<= {target:.0f} s for 20,000 rows on 2 CPU cores)")
    X, y = make_classification(n, 50, n_informative=20, n_classes=5, flip_y=0.05,
                               random_state=0)
    Xr, yr = make_regression(n, 50, n_informative=20, noise=10.0, random_state=0)
    for name, est, X_, y_ in (("MLPClassifier", MLPClassifier, X, y),
                              ("MLPRegressor", MLPRegressor, Xr, yr)):
        X_ = StandardScaler().fit_transform(X_)
        model = est(device=device, random_state=0)
        start = time.perf_counter()
        model.fit(X_, y_)
        took = time.perf_counter() - start
        # the epoch whose weights early stopping kept: the epochs after it
        # are what the stopping rule spends to be sure (time to a good model)
        best = next((row["epoch"] for row in model.history_ if row.get("restored")),
                    None)
        stopping = "off" if best is None else f"on, weights of epoch {best} kept"
        print(f"{name:>14}: {took:6.1f} s, {model.n_iter_} epochs (early stopping "
              f"{stopping}); ratio to target {took / target:.2f}")


def part_gpu(repeats, cpu_epoch=None):
    if not torch.cuda.is_available():
        print("\n5. GPU: no CUDA device, skipped")
        return
    print(f"\n5. GPU ({torch.cuda.get_device_name()}): one epoch at 1M rows")
    X, y = data(1_000_000)
    for batch in (256, 4096):
        sk_mlp_epoch(X, y, "cuda", batch)
        t = median_times({"gpu": lambda: sk_mlp_epoch(X, y, "cuda", batch)}, repeats)["gpu"]
        print(f"batch {batch:>5}: {t:.3f} s (target {1.0 if batch == 256 else 0.2} s)")
    part_default_epoch(1_000_000, repeats, "cuda")
    part_defaults("cuda", 1_000_000)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--dtype", choices=["float32", "float64"], default="float32",
                        help="dtype of X in parts 1 and 2 (float64: as make_classification "
                             "returns it; scikit-learn then computes in float64, sk_mlp "
                             "and skorch in float32)")
    parser.add_argument("--parts", nargs="+",
                        default=["epoch", "predict", "memory", "digits", "search", "gpu",
                                 "defaults", "allocator"])
    parser.add_argument("--record", default=str(RESULTS), metavar="DIR",
                        help="also write the report to DIR/NAME.txt (default: "
                             "benchmarks/results, which the docs include; '' to skip)")
    args = parser.parse_args()
    with recorded(f"training-{'-'.join(args.parts)}", args.record or None):
        warnings.simplefilter("ignore", ConvergenceWarning)
        global DTYPE
        DTYPE = np.dtype(args.dtype).type
        print(f"X dtype: {args.dtype}")
        print(f"machine: {platform.machine()}, {torch.get_num_threads()} torch threads; "
              f"python {platform.python_version()}, torch {torch.__version__}, skorch "
              f"{skorch.__version__}, scikit-learn {sklearn.__version__}, numpy {np.__version__}")
        if "epoch" in args.parts:
            part_epoch(args.sizes, args.repeats)
        if "predict" in args.parts:
            part_predict(args.repeats)
        if "memory" in args.parts:
            part_memory(max(args.sizes))
        if "digits" in args.parts:
            part_digits()
        if "search" in args.parts:
            part_search()
        if "gpu" in args.parts:
            part_gpu(args.repeats)
        if "defaults" in args.parts:
            part_default_epoch(100_000, args.repeats)
            part_defaults()
        if "allocator" in args.parts:
            part_allocator(args.repeats)


if __name__ == "__main__":
    main()
